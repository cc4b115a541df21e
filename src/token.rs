//! `cfjwt token`: mints HS256 tokens for tests, with the header the spec names
//! (`{"alg":"HS256","typ":"JWT"}`, plus `kid` when given).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

use crate::key::{self, KeyArg, KeyError, LoadOptions, Secret};

/// What `cfjwt token` is asked for, as given: one key to sign with, the claims as JSON text.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// Exactly one key.
    pub keys: Vec<KeyArg>,
    pub key_options: LoadOptions,
    /// A JSON object; none for no claims.
    pub claims: Option<String>,
    /// When set, `exp` = now + ttl.
    pub ttl: Option<i64>,
    /// When true, `iat` = now.
    pub iat: bool,
    /// Unix seconds; none for the clock.
    pub now: Option<i64>,
    /// The header's `kid`; none for the key's id, if it has one.
    pub kid: Option<String>,
}

/// Why no token was minted.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("give exactly one key (--key-file or --key-env) to sign with")]
    OneKey,
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("--claims: give a JSON object, such as '{{\"sub\":\"u1\"}}'")]
    ClaimsNotObject,
    #[error("--claims: not valid JSON: {0}")]
    ClaimsJson(serde_json::Error),
}

/// Reads the request's key and claims and mints the token.
pub fn mint_request(request: &Request) -> Result<String, TokenError> {
    let [arg] = request.keys.as_slice() else {
        return Err(TokenError::OneKey);
    };
    let key = key::load(arg, request.key_options)?;
    let claims = match &request.claims {
        None => Map::new(),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => m,
            Ok(_) => return Err(TokenError::ClaimsNotObject),
            Err(e) => return Err(TokenError::ClaimsJson(e)),
        },
    };
    let now = request.now.unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
    });
    let kid = request.kid.clone().or(key.id.clone());
    let spec = TokenSpec { claims, kid, ttl: request.ttl, iat: request.iat, now };
    Ok(mint(&key.secret, &spec))
}

/// What goes into a token.
#[derive(Debug, Clone, Default)]
pub struct TokenSpec {
    /// Claims, in order.
    pub claims: Map<String, Value>,
    /// The header's `kid`.
    pub kid: Option<String>,
    /// When set, `exp` = now + ttl.
    pub ttl: Option<i64>,
    /// When true, `iat` = now.
    pub iat: bool,
    /// Unix seconds.
    pub now: i64,
}

/// The unpadded base64url HMAC-SHA256 of `input` under `secret`.
pub fn sign(secret: &Secret, input: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose()).expect("HMAC takes keys of any length");
    mac.update(input);
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// A signed compact JWT.
pub fn mint(secret: &Secret, spec: &TokenSpec) -> String {
    let mut header = Map::new();
    header.insert("alg".into(), "HS256".into());
    header.insert("typ".into(), "JWT".into());
    if let Some(kid) = &spec.kid {
        header.insert("kid".into(), kid.clone().into());
    }
    let mut claims = spec.claims.clone();
    if spec.iat {
        claims.insert("iat".into(), spec.now.into());
    }
    if let Some(ttl) = spec.ttl {
        claims.insert("exp".into(), (spec.now + ttl).into());
    }
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(Value::Object(header).to_string()),
        URL_SAFE_NO_PAD.encode(Value::Object(claims).to_string())
    );
    let signature = sign(secret, input.as_bytes());
    format!("{input}.{signature}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7515_hs256_example_signature() {
        // RFC 7515 appendix A.1: the key, signing input and signature given there.
        let key = URL_SAFE_NO_PAD
            .decode("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow")
            .unwrap();
        let input = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
        assert_eq!(sign(&Secret::new(key), input.as_bytes()), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    }

    #[test]
    fn header_and_exp() {
        let spec = TokenSpec { ttl: Some(60), now: 1000, kid: Some("k1".into()), ..Default::default() };
        let t = mint(&Secret::new(vec![7; 32]), &spec);
        let parts: Vec<&str> = t.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header = String::from_utf8(URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header, r#"{"alg":"HS256","typ":"JWT","kid":"k1"}"#);
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(payload, r#"{"exp":1060}"#);
    }
}
