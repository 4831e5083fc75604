//! The cnats JetStream C API (`js*` functions and structs) over
//! [`crate::core::js`].

mod account;
mod alloc;
mod consumers;
mod context;
mod convert_consumer;
mod convert_stream;
pub mod errcode;
mod publish;
mod msg;
mod publish_async;
mod pull;
mod push;
mod streams;
pub mod types;

pub use errcode::jsErrCode;
pub use types::*;
