//! The server's INFO message and the client's CONNECT message.

use serde::{Deserialize, Serialize};

/// Fields of the INFO message the client uses. Unknown fields are ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ServerInfo {
    pub server_id: String,
    pub server_name: String,
    pub version: String,
    pub host: String,
    pub port: u16,
    pub max_payload: i64,
    pub proto: i32,
    pub client_id: u64,
    pub client_ip: String,
    pub headers: bool,
    pub auth_required: bool,
    pub tls_required: bool,
    pub tls_available: bool,
    pub connect_urls: Vec<String>,
    pub ldm: bool,
    pub nonce: Option<String>,
    pub jetstream: bool,
}

impl ServerInfo {
    /// Parses the JSON that follows `INFO `.
    pub fn parse(json: &[u8]) -> Result<ServerInfo, String> {
        serde_json::from_slice(json).map_err(|e| format!("invalid INFO from server: {e}"))
    }
}

/// The CONNECT message, serialized as JSON.
#[derive(Debug, Serialize)]
pub struct ConnectInfo<'a> {
    pub verbose: bool,
    pub pedantic: bool,
    pub tls_required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    pub lang: &'static str,
    pub version: &'static str,
    pub protocol: i32,
    pub echo: bool,
    pub headers: bool,
    pub no_responders: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwt: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nkey: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sig: Option<&'a str>,
}
