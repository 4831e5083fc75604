//! NKey and JWT authentication: loading user credentials and signing the
//! server's nonce.

use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine;

use super::secret::Secret;
use super::status::{Error, Result, Status};

/// Callback that signs the server's nonce and returns the raw signature.
pub type SignCallback = Arc<dyn Fn(&[u8]) -> Result<Vec<u8>> + Send + Sync>;
/// Callback that returns the user JWT.
pub type JwtCallback = Arc<dyn Fn() -> Result<String> + Send + Sync>;

/// Where the user JWT and its signing seed come from.
#[derive(Clone)]
pub enum UserCredentials {
    /// A chained `.creds` file holding both, or a JWT file plus a seed
    /// file; read at every connect.
    Files {
        user_or_chained: PathBuf,
        seed: Option<PathBuf>,
    },
    /// The text of a chained `.creds` file.
    Memory(Secret),
    /// Application callbacks.
    Callbacks { jwt: JwtCallback, sign: SignCallback },
}

/// NKey authentication: a public user key and a way to sign with its seed.
#[derive(Clone)]
pub enum NKeyAuth {
    Callback { public_key: String, sign: SignCallback },
    SeedFile { public_key: String, seed: PathBuf },
}

/// Fields of CONNECT that prove the client's identity.
#[derive(Default)]
pub(crate) struct Proof {
    pub(crate) jwt: Option<String>,
    pub(crate) nkey: Option<String>,
    pub(crate) sig: Option<String>,
}

/// Credentials that cannot be used are `NATS_ERR`, as in cnats.
fn auth_error(text: impl Into<String>) -> Error {
    Error::new(Status::Err, text)
}

fn read_text(path: &std::path::Path, what: &str) -> Result<Secret> {
    std::fs::read(path).map(Secret::from_bytes).map_err(|e| {
        Error::new(
            Status::Err,
            format!("failed to read the {what} file '{}': {e}", path.display()),
        )
    })
}

/// Returns the text inside the first `-----BEGIN ...-----` block of `text`
/// whose marker contains `kind`, or `None` when there is no such block.
fn pem_like_block(text: &str, kind: &str) -> Option<String> {
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let line = line.trim();
        if line.starts_with("---") && line.contains("BEGIN") && line.contains(kind) {
            for inner in lines.by_ref() {
                let inner = inner.trim();
                if inner.is_empty() {
                    continue;
                }
                if inner.starts_with("---") {
                    return None;
                }
                return Some(inner.to_string());
            }
        }
    }
    None
}

/// Extracts the user JWT from a `.creds` file or a bare JWT file.
pub fn extract_jwt(text: &str) -> Result<String> {
    if let Some(jwt) = pem_like_block(text, "JWT") {
        return Ok(jwt);
    }
    let bare = text.trim();
    if !bare.is_empty() && !bare.contains("-----") && bare.split('.').count() == 3 {
        return Ok(bare.to_string());
    }
    Err(auth_error("no user JWT found in the credentials"))
}

/// Extracts the user seed from a `.creds` file or a bare seed file.
pub fn extract_seed(text: &str) -> Result<Secret> {
    if let Some(seed) = pem_like_block(text, "SEED") {
        return Ok(Secret::new(seed));
    }
    text.lines()
        .map(str::trim)
        .find(|l| l.starts_with("SU") && !l.contains(' '))
        .map(|l| Secret::new(l.to_string()))
        .ok_or_else(|| auth_error("no NKey seed found in the credentials"))
}

/// Signs `data` with an encoded NKey seed.
pub fn sign_with_seed(seed: &Secret, data: &[u8]) -> Result<Vec<u8>> {
    let pair = nkeys::KeyPair::from_seed(seed.as_str())
        .map_err(|e| auth_error(format!("invalid NKey seed: {e}")))?;
    pair.sign(data)
        .map_err(|e| Error::new(Status::Err, format!("failed to sign with the NKey seed: {e}")))
}

fn encode_sig(sig: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sig)
}

impl UserCredentials {
    /// Loads the JWT and signs `nonce`.
    pub(crate) fn prove(&self, nonce: &[u8]) -> Result<Proof> {
        let (jwt, sig) = match self {
            UserCredentials::Files { user_or_chained, seed } => {
                let text = read_text(user_or_chained, "user credentials")?;
                let jwt = extract_jwt(text.as_str())?;
                let seed = match seed {
                    Some(path) => extract_seed(read_text(path, "seed")?.as_str())?,
                    None => extract_seed(text.as_str())?,
                };
                (jwt, sign_with_seed(&seed, nonce)?)
            }
            UserCredentials::Memory(text) => (
                extract_jwt(text.as_str())?,
                sign_with_seed(&extract_seed(text.as_str())?, nonce)?,
            ),
            UserCredentials::Callbacks { jwt, sign } => (jwt()?, sign(nonce)?),
        };
        Ok(Proof {
            jwt: Some(jwt),
            nkey: None,
            sig: Some(encode_sig(&sig)),
        })
    }

    /// Signs `data` with the credentials' seed or signing callback.
    pub(crate) fn sign(&self, data: &[u8]) -> Result<Vec<u8>> {
        match self {
            UserCredentials::Files { user_or_chained, seed } => {
                let seed = match seed {
                    Some(path) => extract_seed(read_text(path, "seed")?.as_str())?,
                    None => extract_seed(read_text(user_or_chained, "user credentials")?.as_str())?,
                };
                sign_with_seed(&seed, data)
            }
            UserCredentials::Memory(text) => sign_with_seed(&extract_seed(text.as_str())?, data),
            UserCredentials::Callbacks { sign, .. } => sign(data),
        }
    }
}

impl NKeyAuth {
    /// Signs `nonce` and names the public key.
    pub(crate) fn prove(&self, nonce: &[u8]) -> Result<Proof> {
        let (public_key, sig) = match self {
            NKeyAuth::Callback { public_key, sign } => (public_key.clone(), sign(nonce)?),
            NKeyAuth::SeedFile { public_key, seed } => {
                let seed = extract_seed(read_text(seed, "seed")?.as_str())?;
                (public_key.clone(), sign_with_seed(&seed, nonce)?)
            }
        };
        Ok(Proof {
            jwt: None,
            nkey: Some(public_key),
            sig: Some(encode_sig(&sig)),
        })
    }

    /// Signs `data` with the NKey.
    pub(crate) fn sign(&self, data: &[u8]) -> Result<Vec<u8>> {
        match self {
            NKeyAuth::Callback { sign, .. } => sign(data),
            NKeyAuth::SeedFile { seed, .. } => {
                sign_with_seed(&extract_seed(read_text(seed, "seed")?.as_str())?, data)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREDS: &str = "-----BEGIN NATS USER JWT-----\neyJhbGciOiJlZDI1NTE5In0.eyJzdWIiOiJVQSJ9.c2ln\n------END NATS USER JWT------\n\n************************* IMPORTANT *************************\nNKEY Seed printed below can be used to sign and prove identity.\n\n-----BEGIN USER NKEY SEED-----\nSUAMLK2ZNL35WSMW37E7UD4VZ7ELPKW7DHC3BWBSD2GCZ7IUQQXZIORRBU\n------END USER NKEY SEED------\n";

    #[test]
    fn chained_creds_parse() {
        assert_eq!(
            extract_jwt(CREDS).unwrap(),
            "eyJhbGciOiJlZDI1NTE5In0.eyJzdWIiOiJVQSJ9.c2ln"
        );
        let seed = extract_seed(CREDS).unwrap();
        assert!(seed.as_str().starts_with("SUAM"));
    }

    #[test]
    fn signing_round_trips() {
        let pair = nkeys::KeyPair::new_user();
        let seed = Secret::new(pair.seed().unwrap());
        let sig = sign_with_seed(&seed, b"nonce").unwrap();
        assert!(pair.verify(b"nonce", &sig).is_ok());
        assert!(sign_with_seed(&Secret::new("SUbad"), b"x").is_err());
    }

    #[test]
    fn missing_parts_are_errors() {
        assert!(extract_jwt("nothing here").is_err());
        assert!(extract_seed("nothing").is_err());
    }
}
