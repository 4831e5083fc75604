//! Server URLs in the forms cnats accepts: `nats://[user[:pass]@]host[:port]`,
//! `tls://…`, a bare `host:port`, and bracketed IPv6 literals.

use super::status::{Error, Result, Status};

/// Port used when a URL names none.
pub const DEFAULT_PORT: u16 = 4222;

/// A parsed server URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerUrl {
    pub scheme: String,
    /// Host name or address, without IPv6 brackets.
    pub host: String,
    pub port: u16,
    /// Percent-decoded user name; alone (without a password) it is a token.
    pub user: Option<String>,
    /// Percent-decoded password.
    pub password: Option<String>,
    /// Normalised form, `scheme://[userinfo@]host:port`.
    pub full: String,
}

fn invalid(url: &str, why: &str) -> Error {
    Error::new(Status::InvalidArg, format!("invalid URL '{url}': {why}"))
}

fn percent_decode(url: &str, text: &str) -> Result<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| {
                    Error::new(
                        Status::Err,
                        format!("invalid URL '{url}': invalid percent encoding in the user information"),
                    )
                })?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| invalid(url, "user information is not valid UTF-8"))
}

impl ServerUrl {
    /// Parses one URL; surrounding whitespace is ignored.
    pub fn parse(input: &str) -> Result<ServerUrl> {
        let text = input.trim();
        if text.is_empty() {
            return Err(Error::new(Status::InvalidArg, "URL must not be empty"));
        }
        let (scheme, rest) = match text.find("://") {
            Some(i) => (&text[..i], &text[i + 3..]),
            None => ("nats", text),
        };
        let scheme = scheme.to_ascii_lowercase();
        // Like cnats, any scheme is accepted; only tls:// (and wss://)
        // changes anything, by asking for TLS.
        if scheme.is_empty() {
            return Err(invalid(input, "the scheme before :// is empty"));
        }
        // Anything after the authority (a path) is kept out of host and port.
        let authority = rest.split('/').next().unwrap_or("");
        let (userinfo, hostport) = match authority.rfind('@') {
            Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
            None => (None, authority),
        };
        let (user, password) = match userinfo {
            None | Some("") => (None, None),
            Some(info) => match info.split_once(':') {
                Some((u, p)) => (
                    (!u.is_empty()).then(|| percent_decode(input, u)).transpose()?,
                    (!p.is_empty()).then(|| percent_decode(input, p)).transpose()?,
                ),
                None => (Some(percent_decode(input, info)?), None),
            },
        };
        let (host, port_text) = if let Some(stripped) = hostport.strip_prefix('[') {
            let close = stripped
                .find(']')
                .ok_or_else(|| invalid(input, "IPv6 address is missing its closing ']'"))?;
            let host = &stripped[..close];
            let after = &stripped[close + 1..];
            let port = match after.strip_prefix(':') {
                Some(p) => Some(p),
                None if after.is_empty() => None,
                None => return Err(invalid(input, "unexpected text after the IPv6 address")),
            };
            (host, port)
        } else {
            match hostport.rfind(':') {
                Some(i) => (&hostport[..i], Some(&hostport[i + 1..])),
                None => (hostport, None),
            }
        };
        if host.contains(':') && !hostport.starts_with('[') {
            return Err(invalid(input, "an IPv6 address must be written in brackets"));
        }
        let host = if host.is_empty() { "localhost" } else { host };
        let port = match port_text {
            None | Some("") => DEFAULT_PORT,
            Some(p) => p
                .parse::<u16>()
                .map_err(|_| invalid(input, &format!("invalid port '{p}'")))?,
        };
        // The normalised form keeps the user information as written
        // (still percent-encoded), as cnats reports it.
        let userinfo_text = match userinfo {
            None | Some("") => String::new(),
            Some(info) => format!("{info}@"),
        };
        let host_text = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        let full = format!("{scheme}://{userinfo_text}{host_text}:{port}");
        Ok(ServerUrl {
            scheme,
            host: host.to_string(),
            port,
            user,
            password,
            full,
        })
    }

    /// `host:port` with IPv6 hosts bracketed, suitable for a socket address.
    pub fn host_port(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// `scheme://host:port` without credentials, for display and the
    /// connected-URL query.
    pub fn redacted(&self) -> String {
        if self.host.contains(':') {
            format!("{}://[{}]:{}", self.scheme, self.host, self.port)
        } else {
            format!("{}://{}:{}", self.scheme, self.host, self.port)
        }
    }

    /// Returns whether the URL requests TLS.
    pub fn is_tls(&self) -> bool {
        self.scheme == "tls" || self.scheme == "wss"
    }
}

/// Splits a comma-separated list of URLs and parses each.
pub fn parse_list(list: &str) -> Result<Vec<ServerUrl>> {
    let urls: Vec<ServerUrl> = list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(ServerUrl::parse)
        .collect::<Result<_>>()?;
    if urls.is_empty() {
        return Err(Error::new(
            Status::InvalidArg,
            format!("invalid URL list '{list}': no URL in it"),
        ));
    }
    Ok(urls)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let u = ServerUrl::parse("nats://mytoken@127.0.0.1:4333").unwrap();
        assert_eq!(u.user.as_deref(), Some("mytoken"));
        assert_eq!(u.password, None);
        assert_eq!(u.port, 4333);
        let u = ServerUrl::parse("localhost").unwrap();
        assert_eq!(u.port, DEFAULT_PORT);
        assert_eq!(u.full, "nats://localhost:4222");
        let u = ServerUrl::parse("nats://us%40r:p%3Ass@h:1").unwrap();
        assert_eq!(u.user.as_deref(), Some("us@r"));
        assert_eq!(u.password.as_deref(), Some("p:ss"));
        assert_eq!(u.full, "nats://us%40r:p%3Ass@h:1");
        assert_eq!(ServerUrl::parse("nats://a%zz@h").unwrap_err().status, Status::Err);
        let u = ServerUrl::parse("[::1]:5000").unwrap();
        assert_eq!(u.host, "::1");
        assert_eq!(u.host_port(), "[::1]:5000");
        let u = ServerUrl::parse(" tls://h ").unwrap();
        assert!(u.is_tls());
        assert_eq!(ServerUrl::parse("tcp://h:5").unwrap().port, 5);
    }

    #[test]
    fn invalid_forms() {
        for bad in ["nats://h:notaport", "nats://h:99999", "", "[::1", "://x", "::1:4222"] {
            let e = ServerUrl::parse(bad).unwrap_err();
            assert_eq!(e.status, Status::InvalidArg, "{bad}");
        }
    }

    #[test]
    fn lists() {
        let l = parse_list("nats://a:1, nats://b:2,c").unwrap();
        assert_eq!(l.len(), 3);
        assert!(parse_list(" , ").is_err());
    }
}
