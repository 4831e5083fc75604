//! The cnats C API over the safe core. Every exported function checks its
//! pointers, converts handles, calls the core, maps the result to a
//! `natsStatus` and catches panics so none unwinds into C.

#![allow(non_camel_case_types, non_snake_case, clippy::missing_safety_doc)]

pub mod conn;
pub mod error;
pub mod evloop;
pub mod handles;
pub mod header;
pub mod js;
pub mod library;
pub mod lifecycle;
pub mod msg;
pub mod options;
pub mod security;
pub mod status;
pub mod sub;
pub mod types;
pub mod version;

pub use status::{natsConnStatus, natsStatus};
