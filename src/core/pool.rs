//! The server pool: configured and discovered servers, with per-server
//! reconnect counts.

use super::url::ServerUrl;

/// One server of the pool.
#[derive(Debug, Clone)]
pub(crate) struct Server {
    pub(crate) url: ServerUrl,
    /// Failed connect attempts since the last success.
    pub(crate) reconnects: i32,
    /// Learned from the cluster's INFO rather than configured.
    pub(crate) implicit: bool,
    /// Auth error text of the last failed attempt, to stop retrying a server
    /// that rejects the same credentials twice.
    pub(crate) last_auth_error: Option<String>,
    /// Start of the last connect attempt or successful connection.
    pub(crate) last_attempt: Option<std::time::Instant>,
}

/// Servers to connect to, in the order they are tried.
#[derive(Debug, Default)]
pub(crate) struct ServerPool {
    pub(crate) servers: Vec<Server>,
    /// Index of the server of the current or last connection.
    pub(crate) current: Option<usize>,
}

impl ServerPool {
    pub(crate) fn new(urls: Vec<ServerUrl>) -> ServerPool {
        ServerPool {
            servers: urls
                .into_iter()
                .map(|url| Server {
                    url,
                    reconnects: 0,
                    implicit: false,
                    last_auth_error: None,
                    last_attempt: None,
                })
                .collect(),
            current: None,
        }
    }

    /// Adds servers announced by the cluster; returns whether any was new.
    /// Announced URLs carry no credentials, so the credentials of the
    /// first configured URL are reused for them.
    pub(crate) fn add_discovered(&mut self, urls: &[String], randomize: bool) -> bool {
        let mut added = Vec::new();
        for text in urls {
            let Ok(mut url) = ServerUrl::parse(text) else {
                continue;
            };
            if self.servers.iter().any(|s| same_server(&s.url, &url)) {
                continue;
            }
            if let Some(first) = self.servers.iter().find(|s| !s.implicit) {
                url.user.clone_from(&first.url.user);
                url.password.clone_from(&first.url.password);
                if first.url.is_tls() {
                    url.scheme.clone_from(&first.url.scheme);
                }
            }
            added.push(Server {
                url,
                reconnects: 0,
                implicit: true,
                last_auth_error: None,
                last_attempt: None,
            });
        }
        if added.is_empty() {
            return false;
        }
        if randomize {
            super::conn::shuffle(&mut added);
        }
        self.servers.extend(added);
        true
    }

    /// URLs of every server, without credentials.
    pub(crate) fn urls(&self, implicit_only: bool) -> Vec<String> {
        self.servers
            .iter()
            .filter(|s| !implicit_only || s.implicit)
            .map(|s| s.url.redacted())
            .collect()
    }

    /// Order to try on a reconnect: the servers after the current one,
    /// then the current one last.
    pub(crate) fn reconnect_order(&self) -> Vec<usize> {
        let n = self.servers.len();
        let start = self.current.map_or(0, |c| c + 1);
        (0..n).map(|i| (start + i) % n).collect()
    }

    /// Removes servers whose attempts reached `max_reconnect` (negative
    /// means no limit), keeping `current` pointing at the same server.
    pub(crate) fn prune(&mut self, max_reconnect: i32) {
        if max_reconnect < 0 {
            return;
        }
        let current_url = self.current.and_then(|c| self.servers.get(c)).map(|s| s.url.clone());
        self.servers.retain(|s| s.reconnects < max_reconnect.max(1));
        self.current = current_url.and_then(|u| self.servers.iter().position(|s| s.url == u));
    }
}

/// Whether two URLs name the same server, ignoring credentials and scheme.
fn same_server(a: &ServerUrl, b: &ServerUrl) -> bool {
    a.port == b.port && a.host.eq_ignore_ascii_case(&b.host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(urls: &[&str]) -> ServerPool {
        ServerPool::new(urls.iter().map(|u| ServerUrl::parse(u).unwrap()).collect())
    }

    #[test]
    fn discovered_servers_join_once() {
        let mut p = pool(&["nats://u:p@127.0.0.1:4222"]);
        assert!(p.add_discovered(&["127.0.0.1:4223".into(), "127.0.0.1:4222".into()], false));
        assert_eq!(p.servers.len(), 2);
        assert_eq!(p.servers[1].url.user.as_deref(), Some("u"));
        assert!(!p.add_discovered(&["127.0.0.1:4223".into()], false));
        assert_eq!(p.urls(true), vec!["nats://127.0.0.1:4223".to_string()]);
    }

    #[test]
    fn reconnect_order_puts_current_last() {
        let mut p = pool(&["a:1", "b:2", "c:3"]);
        p.current = Some(1);
        assert_eq!(p.reconnect_order(), vec![2, 0, 1]);
    }

    #[test]
    fn prune_drops_exhausted_servers() {
        let mut p = pool(&["a:1", "b:2"]);
        p.current = Some(1);
        p.servers[0].reconnects = 3;
        p.prune(3);
        assert_eq!(p.servers.len(), 1);
        assert_eq!(p.current, Some(0));
        p.prune(-1);
        assert_eq!(p.servers.len(), 1);
    }
}
