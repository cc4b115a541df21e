//! The validated policy: what the generated function must decide, with every default filled in.
//! `load` reads a policy file, `raw` is its serde shape, `validate` turns one into the other and
//! is the only place that knows the defaults and the allowed ranges; `rules` holds the name and
//! value rules that `validate` applies and `schema` prints as the policy's JSON Schema.

mod raw;
pub mod rules;
pub mod schema;
mod validate;

use std::path::{Path, PathBuf};

use crate::cloudfront::Runtime;
pub use crate::key::Encoding;
pub use crate::request::Scalar;
use crate::request::{Source, UriPattern};

pub use crate::reason::Log;
pub use validate::{parse_pattern, validate};

/// Whether a time claim must be present.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// Missing denies.
    Required,
    /// Checked when present.
    Optional,
}

/// Where the function finds the HMAC secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// The secrets given to `gen` are written into the code.
    Embedded,
    /// Read at run time from the distribution's KeyValueStore under `name` (runtime 2.0), its text
    /// decoded as `encoding` says (less one trailing line break), as `gen` reads a key file.
    Store { name: String, encoding: Encoding },
}

/// `revocation`: a KeyValueStore entry `prefix` + the value of `claim` revokes a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revocation {
    pub claim: String,
    /// Defaults to `revoked:`.
    pub prefix: String,
}

/// What a denied request gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Deny {
    /// A bare status (401, 403 or 404); 401 carries `www-authenticate: Bearer`.
    Status(u16),
    /// A 302 to this URL, [`Deny::URI`] replaced by the URL-encoded request URI.
    Redirect(String),
}

impl Deny {
    /// The placeholder a redirect URL may carry for the request's URI.
    pub const URI: &'static str = "{uri}";
}

/// Moving a token from the query string into a cookie: a valid token that came in a query
/// parameter of a GET or HEAD request is answered with a 302 to the same URL without it, setting
/// the cookie, so a video player's segment requests carry the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Handoff {
    /// The cookie to set; it is one of the token's sources.
    pub cookie: String,
    /// The cookie's `Path`. Defaults to `/`.
    pub path: String,
}

/// CORS on the responses the function makes, and preflights it answers (`cors`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cors {
    /// Matched exactly against the request's `origin`; at least one.
    pub origins: Vec<String>,
    /// `access-control-allow-credentials: true`. Defaults to false.
    pub credentials: bool,
    /// Seconds, `access-control-max-age` of a preflight's answer. Defaults to 600.
    pub max_age: u32,
}

/// The audiences a token may name (`claims.aud`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Audience {
    /// None configured: a token that carries `aud` is denied (RFC 7519 §4.1.3: a recipient that
    /// does not identify itself with a value of a present `aud` must reject the token).
    Forbidden,
    /// `{"any": true}`: `aud` is not looked at.
    Any,
    /// `aud` must contain one of these (at least one, none empty).
    OneOf(Vec<String>),
}

/// One `claims.require` entry: the claim equals one of `values`, or is a list holding one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    pub claim: String,
    /// At least one.
    pub values: Vec<Scalar>,
}

/// One `forward` entry: the verified claim `claim` set as the request header `header`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forward {
    pub claim: String,
    /// Lower case; not a token source, nor a header CloudFront keeps from functions.
    pub header: String,
}

/// Claim checks beyond the signature and header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claims {
    /// Defaults to required.
    pub exp: Presence,
    /// Defaults to optional.
    pub nbf: Presence,
    /// Seconds of clock skew allowed on exp, nbf and iat, 0 to 300. Defaults to 0.
    pub leeway: u32,
    /// When set, `iat` is required and may be at most this many seconds old.
    pub max_age: Option<u64>,
    /// When non-empty, `iss` must equal one of these.
    pub iss: Vec<String>,
    /// Defaults to [`Audience::Forbidden`].
    pub aud: Audience,
    /// The name of the claim listing the URI patterns a token grants.
    pub scope: Option<String>,
    /// Claims that must have one of the given values, in the policy's order. Defaults to none.
    pub require: Vec<Requirement>,
}

/// A validated policy: every field has its value, defaults filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Defaults to `cloudfront-js-2.0`.
    pub runtime: Runtime,
    /// Defaults to embedded.
    pub key: KeySource,
    /// Ordered; the first present source is the only one read. Defaults to `query:jwt`.
    pub sources: Vec<Source>,
    /// Remove the token from its source before the request goes on. Defaults to true.
    pub strip: bool,
    /// Move a query-string token into a cookie. Defaults to off.
    pub handoff: Option<Handoff>,
    pub claims: Claims,
    /// URIs served without any token check. Defaults to none.
    pub public: Vec<UriPattern>,
    /// Let CORS preflights through without a token. Defaults to false.
    pub preflight: bool,
    /// Defaults to a 401.
    pub deny: Deny,
    /// Defaults to none.
    pub log: Log,
    /// Defaults to none.
    pub cors: Option<Cors>,
    /// The team's own function file, run on every request let through; relative paths are
    /// relative to the policy file's folder. Defaults to none.
    pub then: Option<PathBuf>,
    /// Claims set as request headers, in the policy's order. Defaults to none.
    pub forward: Vec<Forward>,
    /// Defaults to none.
    pub revocation: Option<Revocation>,
}

/// A policy file that cannot be used, with the file, the JSON path of the field and the reason.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The OS error is the source, not part of the message, so a printed chain names it once.
    #[error("{file}: cannot read the policy file")]
    Read {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}:{line}:{column}: the policy is not valid JSON: {message}")]
    Syntax { file: PathBuf, line: usize, column: usize, message: String },
    #[error("{file}: {path}: {message}")]
    Field { file: PathBuf, path: String, message: String },
}

/// Reads and validates a policy file.
pub fn load(file: &Path) -> Result<Policy, PolicyError> {
    let text = std::fs::read_to_string(file).map_err(|source| PolicyError::Read { file: file.to_owned(), source })?;
    parse(&text, file)
}

/// Parses and validates policy text; `file` only names it in errors.
pub fn parse(text: &str, file: &Path) -> Result<Policy, PolicyError> {
    let raw = validate::deserialize(text, file)?;
    let mut policy =
        validate(raw).map_err(|e| PolicyError::Field { file: file.to_owned(), path: e.path, message: e.message })?;
    if let Some(then) = &mut policy.then {
        if then.is_relative() {
            *then = file.parent().unwrap_or(Path::new("")).join(&*then);
        }
    }
    Ok(policy)
}
