//! Version constants of `nats/version.h`: the cnats API level implemented.

/// Major version of the cnats API this library implements.
pub const NATS_VERSION_MAJOR: u32 = 3;
/// Minor version of the cnats API this library implements.
pub const NATS_VERSION_MINOR: u32 = 13;
/// Patch version of the cnats API this library implements.
pub const NATS_VERSION_PATCH: u32 = 0;
/// The cnats API version as text.
pub const NATS_VERSION_STRING: &str = "3.13.0";
/// The version as one number: `(major << 16) | (minor << 8) | patch`.
pub const NATS_VERSION_NUMBER: u32 =
    (NATS_VERSION_MAJOR << 16) | (NATS_VERSION_MINOR << 8) | NATS_VERSION_PATCH;
/// Oldest header version this library works with.
pub const NATS_VERSION_REQUIRED_NUMBER: u32 = 0x030D00;
