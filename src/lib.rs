//! A Rust implementation of the NATS C client library (cnats).
//!
//! `core` is a safe client with no C types in it; `ffi` exposes it through
//! the cnats C API, and cbindgen turns `ffi` into `include/nats/*.h`.

pub mod core;
pub mod ffi;
