//! Generates the C headers with cbindgen into `$OUT_DIR/include`, and into
//! the committed `include/` when `NATS_REGENERATE_HEADERS` is set. A test
//! compares the two so stale committed headers fail the build's tests.

use std::path::{Path, PathBuf};

use cbindgen::{Builder, Config, ItemType};

/// Items that go in `nats/status.h` rather than `nats/nats.h`.
const STATUS_ITEMS: &[&str] = &["natsStatus", "natsConnStatus", "jsErrCode"];
/// Items that go in `nats/version.h`.
const VERSION_ITEMS: &[&str] = &[
    "NATS_VERSION_MAJOR",
    "NATS_VERSION_MINOR",
    "NATS_VERSION_PATCH",
    "NATS_VERSION_STRING",
    "NATS_VERSION_NUMBER",
    "NATS_VERSION_REQUIRED_NUMBER",
];

fn generate(crate_dir: &Path, config: Config, out: &Path) {
    Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .unwrap_or_else(|e| panic!("cbindgen failed for {}: {e}", out.display()))
        .write_to_file(out);
}

/// Returns the literal of `pub const NAME: &str = "...";` in `source`.
fn string_const(source: &str, name: &str) -> String {
    let start = source
        .find(&format!("pub const {name}:"))
        .unwrap_or_else(|| panic!("constant {name} not found"));
    let rest = &source[start..];
    let open = rest.find('"').unwrap() + 1;
    let close = open + rest[open..].find('"').unwrap();
    rest[open..close].to_string()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn main() {
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("include");
    std::fs::create_dir_all(out_dir.join("nats")).unwrap();
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=NATS_REGENERATE_HEADERS");

    let base = Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml is valid");

    let types_src = std::fs::read_to_string(crate_dir.join("src/ffi/types.rs")).unwrap();
    let mut nats = base.clone();
    nats.after_includes = Some(format!(
        "#define NATS_DEFAULT_URL \"{}\"",
        string_const(&types_src, "NATS_DEFAULT_URL")
    ));
    nats.export.exclude.extend(strings(STATUS_ITEMS));
    nats.export.exclude.extend(strings(VERSION_ITEMS));
    generate(&crate_dir, nats, &out_dir.join("nats/nats.h"));

    let mut status = base.clone();
    status.include_guard = Some("NATS_STATUS_H_".into());
    status.includes.clear();
    status.sys_includes.clear();
    status.trailer = None;
    status.export.item_types = vec![ItemType::Enums];
    status.export.include = strings(STATUS_ITEMS);
    generate(&crate_dir, status, &out_dir.join("nats/status.h"));

    let mut version = base;
    // cbindgen does not turn string constants into macros, so the string
    // forms are written here from the Rust constants' source text.
    let version_src = std::fs::read_to_string(crate_dir.join("src/ffi/version.rs")).unwrap();
    version.after_includes = Some(format!(
        "#define NATS_VERSION_STRING \"{}\"",
        string_const(&version_src, "NATS_VERSION_STRING")
    ));
    version.include_guard = Some("NATS_VERSION_H_".into());
    version.includes.clear();
    version.sys_includes.clear();
    version.trailer = None;
    version.export.item_types = vec![ItemType::Constants];
    version.export.exclude.push("NATS_DEFAULT_URL".into());
    generate(&crate_dir, version, &out_dir.join("nats/version.h"));

    std::fs::write(
        out_dir.join("nats.h"),
        "/* Convenience header: the NATS C client API. */\n#include \"nats/nats.h\"\n",
    )
    .unwrap();

    if std::env::var_os("NATS_REGENERATE_HEADERS").is_some() {
        let committed = crate_dir.join("include");
        std::fs::create_dir_all(committed.join("nats")).unwrap();
        for name in ["nats.h", "nats/nats.h", "nats/status.h", "nats/version.h"] {
            std::fs::copy(out_dir.join(name), committed.join(name)).unwrap();
        }
    }
}
