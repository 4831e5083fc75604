//! Secrets (passwords, tokens, seeds, private keys) that are overwritten
//! with zeros when dropped.

use std::fmt;

/// Bytes wiped from memory on drop. `Debug` never shows them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// Takes ownership of `text`.
    pub fn new(text: impl Into<String>) -> Secret {
        Secret(text.into().into_bytes())
    }

    /// Takes ownership of raw bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> Secret {
        Secret(bytes)
    }

    /// The secret as bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The secret as text; invalid UTF-8 gives an empty string.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        for b in self.0.iter_mut() {
            // Volatile so the compiler cannot drop the stores as dead.
            unsafe { std::ptr::write_volatile(b, 0) };
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}
