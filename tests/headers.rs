//! Checks of the public C interface: the committed headers match what
//! build.rs generates, compile cleanly as C and C++, agree with the cnats
//! 3.13 ABI, and the built `libnats.so` exports cnats API names only.
//!
//! The cnats 3.13 API tables and the ABI checker live in the `shared`
//! folder next to the repository (`<repo>/../shared`).

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The public headers, relative to `include/`.
const HEADERS: &[&str] = &["nats.h", "nats/nats.h", "nats/status.h", "nats/version.h"];

/// Headers written by hand rather than generated: the event loop adapters.
const HAND_WRITTEN_HEADERS: &[&str] = &["nats/adapters/libevent.h", "nats/adapters/libuv.h"];

/// Exported functions that are not in the cnats 3.13 function table, each
/// with the reason it is exported. Keep this list short: anything here is
/// ABI that cnats programs do not expect.
const EXTRA_EXPORTS: &[&str] = &[];

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Returns `target/<profile>/deps`, the test binary's own folder, where cargo
/// puts the `libnats.so` that it built for this test run. Only `cargo build`
/// copies it up to `target/<profile>`, so that copy may be missing or older.
fn library_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("path of the running test binary");
    exe.parent()
        .expect("test binary lives in target/<profile>/deps/")
        .to_path_buf()
}

fn shared_dir() -> PathBuf {
    let dir = repo_root().join("..").join("shared");
    if !dir.join("api").is_dir() || !dir.join("tools").is_dir() {
        panic!(
            "the cnats API tables are missing: expected the folder {} with api/ and tools/ \
             next to the repository",
            dir.display()
        );
    }
    dir
}

fn output_text(output: &Output) -> String {
    format!(
        "exit: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs `command` with no standard input, panicking if it cannot start.
/// `package` is the Debian package that provides the program.
fn output_of(command: &mut Command, package: &str) -> Output {
    let program = command.get_program().to_string_lossy().into_owned();
    command.stdin(Stdio::null()).output().unwrap_or_else(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            panic!("`{program}` is missing: install it with `apt-get install {package}`");
        }
        panic!("cannot run {command:?}: {e}")
    })
}

// ---------------------------------------------------------------------------
// Committed headers are up to date
// ---------------------------------------------------------------------------

/// Returns the 1-based number of the first line where `a` and `b` differ.
fn first_difference(a: &[u8], b: &[u8]) -> usize {
    let a_lines = a.split(|&byte| byte == b'\n');
    let mut b_lines = b.split(|&byte| byte == b'\n');
    for (index, line) in a_lines.enumerate() {
        if b_lines.next() != Some(line) {
            return index + 1;
        }
    }
    a.split(|&byte| byte == b'\n').count() + 1
}

#[test]
fn committed_headers_match_generated() {
    let generated_dir = Path::new(env!("OUT_DIR")).join("include");
    let committed_dir = repo_root().join("include");
    for header in HEADERS {
        let generated_path = generated_dir.join(header);
        let committed_path = committed_dir.join(header);
        let generated = fs::read(&generated_path).unwrap_or_else(|e| {
            panic!(
                "build.rs did not generate {}: {e}",
                generated_path.display()
            )
        });
        let committed = fs::read(&committed_path).unwrap_or_else(|e| {
            panic!(
                "include/{header} is missing ({e}): run `NATS_REGENERATE_HEADERS=1 cargo build` \
                 and commit include/"
            )
        });
        assert!(
            committed == generated,
            "include/{header} differs from the header that build.rs generates from the Rust \
             sources (first at line {}; generated copy: {}): run \
             `NATS_REGENERATE_HEADERS=1 cargo build` and commit include/",
            first_difference(&committed, &generated),
            generated_path.display()
        );
    }
}

#[test]
fn no_unknown_files_in_include() {
    let mut found = Vec::new();
    let mut pending = vec![repo_root().join("include")];
    while let Some(dir) = pending.pop() {
        for entry in
            fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(repo_root().join("include")).unwrap();
                found.push(relative.to_string_lossy().into_owned());
            }
        }
    }
    found.sort();
    let mut expected: Vec<String> = HEADERS
        .iter()
        .chain(HAND_WRITTEN_HEADERS)
        .map(|h| h.to_string())
        .collect();
    expected.sort();
    assert_eq!(
        found, expected,
        "include/ must contain exactly the headers in HEADERS and HAND_WRITTEN_HEADERS, which \
         are the ones that CMakeLists.txt installs: add a new header to both"
    );
}

// ---------------------------------------------------------------------------
// The headers compile as C and C++
// ---------------------------------------------------------------------------

/// The `#include` lines of one translation unit.
struct IncludeForm {
    name: &'static str,
    includes: &'static str,
}

const INCLUDE_FORMS: &[IncludeForm] = &[
    IncludeForm {
        name: "nats.h",
        includes: "#include <nats.h>\n",
    },
    IncludeForm {
        name: "nats-nats.h",
        includes: "#include <nats/nats.h>\n",
    },
    // Every header twice, in both orders, to exercise the include guards.
    IncludeForm {
        name: "twice",
        includes: "#include <nats/version.h>\n#include <nats/status.h>\n#include <nats.h>\n\
                   #include <nats/nats.h>\n#include <nats.h>\n#include <nats/nats.h>\n\
                   #include <nats/status.h>\n#include <nats/version.h>\n",
    },
];

/// Uses a type, an enum constant, a macro and two functions, so the
/// program links only if the declarations match the library's symbols
/// (in C++, only if the headers declare them `extern "C"`).
const PROGRAM_BODY: &str = r#"
static const char *header_version = NATS_VERSION_STRING;

int main(void)
{
    natsConnection *nc = NULL;
    natsStatus     s   = NATS_OK;

    (void) nc;
    if (!nats_CheckCompatibility())
        return 1;
    return (s == NATS_OK && nats_GetVersion() != NULL && header_version[0] != '\0') ? 0 : 1;
}
"#;

struct Language {
    compiler: &'static str,
    package: &'static str,
    extension: &'static str,
    standard: &'static str,
    flags: &'static [&'static str],
}

const LANGUAGES: &[Language] = &[
    Language {
        compiler: "cc",
        package: "gcc",
        extension: "c",
        standard: "c99",
        flags: &["-Wall", "-Wextra", "-Werror", "-pedantic"],
    },
    Language {
        compiler: "cc",
        package: "gcc",
        extension: "c",
        standard: "c11",
        flags: &["-Wall", "-Wextra", "-Werror", "-pedantic"],
    },
    Language {
        compiler: "c++",
        package: "g++",
        extension: "cpp",
        standard: "c++11",
        flags: &["-Wall", "-Werror"],
    },
    Language {
        compiler: "c++",
        package: "g++",
        extension: "cpp",
        standard: "c++17",
        flags: &["-Wall", "-Werror"],
    },
];

#[test]
fn headers_compile_as_c_and_cpp() {
    let include_dir = repo_root().join("include");
    let lib_dir = library_dir();
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("header-compile");
    fs::create_dir_all(&out_dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", out_dir.display()));

    let mut failures = Vec::new();
    for language in LANGUAGES {
        for form in INCLUDE_FORMS {
            let stem = format!("{}-{}", language.standard, form.name);
            let source = out_dir.join(format!("{stem}.{}", language.extension));
            let exe = out_dir.join(&stem);
            fs::write(&source, format!("{}{PROGRAM_BODY}", form.includes))
                .unwrap_or_else(|e| panic!("cannot write {}: {e}", source.display()));

            let mut command = Command::new(language.compiler);
            command
                .arg(format!("-std={}", language.standard))
                .args(language.flags)
                .arg(format!("-I{}", include_dir.display()))
                .arg(&source)
                .arg("-o")
                .arg(&exe)
                .arg(format!("-L{}", lib_dir.display()))
                .arg(format!("-Wl,-rpath,{}", lib_dir.display()))
                .arg("-lnats");
            let compiled = output_of(&mut command, language.package);
            if !compiled.status.success() {
                failures.push(format!("{command:?}\n{}", output_text(&compiled)));
                continue;
            }
            let ran = output_of(&mut Command::new(&exe), language.package);
            if !ran.status.success() {
                failures.push(format!(
                    "{} (built with {command:?}) exited unsuccessfully\n{}",
                    exe.display(),
                    output_text(&ran)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} header builds failed:\n\n{}",
        failures.len(),
        LANGUAGES.len() * INCLUDE_FORMS.len(),
        failures.join("\n\n")
    );
}

// ---------------------------------------------------------------------------
// Exported symbols
// ---------------------------------------------------------------------------

/// Names in the function column of the cnats 3.13 function table.
fn api_functions() -> HashSet<String> {
    let path = shared_dir().join("api").join("functions.tsv");
    let text =
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let column = header
        .split('\t')
        .position(|name| name == "function")
        .unwrap_or_else(|| panic!("{} has no `function` column: {header}", path.display()));
    lines
        .filter_map(|line| line.split('\t').nth(column))
        .map(str::to_string)
        .collect()
}

/// `(type letter, name)` of every defined dynamic symbol, with any symbol
/// version (`@VERS` or `@@VERS`) removed.
fn exported_symbols(library: &Path) -> Vec<(String, String)> {
    let mut command = Command::new("nm");
    command.args(["-D", "--defined-only"]).arg(library);
    let output = output_of(&mut command, "binutils");
    assert!(
        output.status.success(),
        "nm could not read {}\n{}",
        library.display(),
        output_text(&output)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace().rev();
            let name = fields.next()?;
            let kind = fields.next()?;
            let name = name.split('@').next().unwrap_or(name);
            Some((kind.to_string(), name.to_string()))
        })
        .collect()
}

/// Reports whether `name` looks like a symbol of the Rust runtime or a
/// mangled Rust item.
fn is_rust_internal(name: &str) -> bool {
    name.starts_with("_ZN") || name.starts_with("_R") || name.contains("rust_")
}

#[test]
fn library_exports_only_api_names() {
    let library = library_dir().join("libnats.so");
    assert!(
        library.is_file(),
        "{} is missing although cargo builds it for the tests",
        library.display()
    );
    let api = api_functions();
    let symbols = exported_symbols(&library);
    assert!(
        !symbols.is_empty(),
        "{} exports no symbols",
        library.display()
    );

    let rust_internal: Vec<&str> = symbols
        .iter()
        .map(|(_, name)| name.as_str())
        .filter(|name| is_rust_internal(name))
        .collect();
    assert!(
        rust_internal.is_empty(),
        "{} exports Rust-internal symbols: {rust_internal:?}",
        library.display()
    );

    let unknown: Vec<String> = symbols
        .iter()
        .filter(|(_, name)| !api.contains(name) && !EXTRA_EXPORTS.contains(&name.as_str()))
        .map(|(kind, name)| format!("{name} ({kind})"))
        .collect();
    assert!(
        unknown.is_empty(),
        "{} exports symbols that are not cnats 3.13 functions (make them non-`pub extern`, \
         or add them to EXTRA_EXPORTS with a reason): {unknown:?}",
        library.display()
    );
}

/// Names of the functions the generated headers declare: lines of the form
/// `<return type> <name>(` outside typedefs and macros.
fn declared_functions() -> std::collections::BTreeSet<String> {
    let mut names = std::collections::BTreeSet::new();
    for header in ["nats/nats.h", "nats/status.h", "nats/version.h"] {
        let path = repo_root().join("include").join(header);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        for line in text.lines() {
            if line.starts_with(' ') || line.starts_with("typedef") || line.starts_with('#') {
                continue;
            }
            let Some(open) = line.find('(') else {
                continue;
            };
            let before = line[..open].trim_end();
            let name = before
                .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next()
                .unwrap_or("");
            if !name.is_empty() && before.len() > name.len() {
                names.insert(name.to_string());
            }
        }
    }
    names
}

#[test]
fn header_declares_only_exported_functions() {
    let library = library_dir().join("libnats.so");
    let exported: std::collections::BTreeSet<String> =
        exported_symbols(&library).into_iter().map(|(_, name)| name).collect();
    let declared = declared_functions();
    assert!(
        declared.len() > 100,
        "found only {} function declarations in include/nats/nats.h; the parser is out of date",
        declared.len()
    );
    let missing: Vec<&String> = declared.iter().filter(|name| !exported.contains(*name)).collect();
    assert!(
        missing.is_empty(),
        "the headers declare functions that {} does not export: {missing:?}",
        library.display()
    );
    let undeclared: Vec<&String> = exported.iter().filter(|name| !declared.contains(*name)).collect();
    assert!(
        undeclared.is_empty(),
        "{} exports functions the headers do not declare: {undeclared:?}",
        library.display()
    );
}

// ---------------------------------------------------------------------------
// ABI of the public structs, enums and macros
// ---------------------------------------------------------------------------

#[test]
fn abi_check_passes() {
    let tool = shared_dir().join("tools").join("abi-check");
    assert!(
        tool.is_file(),
        "the ABI checker {} is missing",
        tool.display()
    );
    let mut command = Command::new("python3");
    command
        .arg(&tool)
        .arg(repo_root().join("include"))
        .args(["--only", "nats,js"]);
    let output = output_of(&mut command, "python3");
    println!("{}", String::from_utf8_lossy(&output.stdout));
    assert!(
        output.status.success(),
        "abi-check found differences from the cnats 3.13 ABI (exit 1) or could not build its \
         program (exit 2)\n{}",
        output_text(&output)
    );
}
