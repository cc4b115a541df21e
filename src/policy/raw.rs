//! The policy file exactly as written: serde types that refuse unknown fields and leave every
//! field optional. Nothing here decides what a value means; `validate` does.
//!
//! The same types give the policy's JSON Schema (`cfjwt schema`, `src/policy/schema.rs`): the doc
//! comments are its descriptions, and the `schemars` attributes say what `validate` accepts
//! beyond the JSON types. `tests/it/toolchain.rs` checks that the schema and `gen` agree.

use schemars::JsonSchema;
use serde::Deserialize;

/// A field that holds either one string or a list of strings (`iss`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
#[schemars(schema_with = "super::schema::one_or_many")]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// `claims.aud`: one audience, a list of them, or an object (`{"any": true}` is the only one
/// `validate` accepts; any other object is refused there, with a message that says why).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
#[schemars(schema_with = "super::schema::audience")]
pub enum RawAudience {
    One(String),
    Many(Vec<String>),
    Object(serde_json::Map<String, serde_json::Value>),
}

/// A cfjwt policy: what the generated CloudFront Function checks. Every field is optional and
/// the defaults are the safe choice.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "cfjwt policy", transform = super::schema::store_needs_a_runtime_with_it)]
pub struct RawPolicy {
    /// Lets editors find the policy's JSON Schema; ignored by cfjwt.
    #[serde(rename = "$schema")]
    pub schema: Option<String>,
    /// Which syntax and built-ins the output uses: `cloudfront-js-1.0` or `cloudfront-js-2.0`.
    #[schemars(default, schema_with = "super::schema::runtime", extend("default" = "cloudfront-js-2.0"))]
    pub runtime: Option<String>,
    /// Where the function finds the HMAC secret. Absent: the secret(s) given to `gen` are
    /// embedded in the code.
    pub key: Option<RawKey>,
    /// Where the token is found, and whether it is removed before the request goes on.
    pub token: Option<RawToken>,
    /// Claim checks beyond the signature and header.
    pub claims: Option<RawClaims>,
    /// URI patterns served without any token check: an exact path (`/favicon.ico`) or a prefix
    /// ending in `*` (`/public/*`).
    #[schemars(default, schema_with = "super::schema::uri_patterns", extend("default" = []))]
    pub public: Option<Vec<String>>,
    /// Let CORS preflights (`OPTIONS` with `origin` and `access-control-request-method`) through
    /// without a token.
    #[schemars(extend("default" = false))]
    pub preflight: Option<bool>,
    /// What a denied request gets: `{"status": 401}` (or 403, 404), or `{"redirect": URL}`.
    #[schemars(extend("default" = {"status": 401}))]
    pub deny: Option<RawDeny>,
    /// Where the function states why it decided, as a reason code (`expired`, `signature`, `ok`,
    /// ...): `none` (nothing, at no cost), `console` (`cfjwt: deny CODE` with `console.log`, in
    /// CloudWatch Logs) or `access-log` (`deny CODE` in the access logs, runtime
    /// `cloudfront-js-2.0`). The viewer never sees it.
    #[schemars(default, schema_with = "super::schema::log", extend("default" = "none"))]
    pub log: Option<String>,
    /// CORS on the responses the function makes itself (denials, redirects, the hand-off), and
    /// CORS preflights answered by the function: for players and apps on another origin.
    pub cors: Option<RawCors>,
    /// The team's own viewer-request function file, a path relative to the policy file, written
    /// for the policy's runtime: every request the check lets through (verified, public,
    /// preflight) is passed to its `handler(event, claims)`, whose answer is the function's.
    #[schemars(length(min = 1))]
    pub then: Option<String>,
    /// Verified claims set as request headers, `{"CLAIM": "header-name"}`: a claim that is a
    /// string, number or boolean sets its header (strings as they are, other values in their JSON
    /// form; none with a control character or over 1,024 bytes). Incoming headers of these names
    /// are removed from every request, so a viewer cannot supply them.
    #[schemars(default, schema_with = "super::schema::forward")]
    pub forward: Option<serde_json::Map<String, serde_json::Value>>,
    /// Revoke sessions or users before their tokens' `exp`, with KeyValueStore entries
    /// (`cloudfront-js-2.0`): an entry `prefix + <claim value>` whose value is empty revokes the
    /// token; one that holds a Unix time revokes every token issued (`iat`) before it.
    pub revocation: Option<RawRevocation>,
}

/// `cors`: the origins whose pages may read the function's own responses.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCors {
    /// Origins, each `https://host` or `http://host`, with a port when not the default, no path:
    /// matched exactly against the request's `origin` header.
    #[schemars(required, schema_with = "super::schema::cors_origins")]
    pub origins: Option<Vec<String>>,
    /// `access-control-allow-credentials: true`, for `fetch` with credentials and
    /// `withCredentials` (cookies).
    #[schemars(extend("default" = false))]
    pub credentials: Option<bool>,
    /// Seconds a browser may keep a preflight's answer (`access-control-max-age`); 0 to 86400.
    #[schemars(range(min = 0, max = super::rules::MAX_CORS_MAX_AGE), extend("default" = 600))]
    pub max_age: Option<i64>,
}

/// Where the function finds the HMAC secret.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("dependentRequired" = {"encoding": ["kvs"]}))]
pub struct RawKey {
    /// Read the secret at run time from the distribution's KeyValueStore under this key name
    /// (1 to 512 bytes; runtime `cloudfront-js-2.0` only). Tokens with a `kid` read `NAME:KID`.
    #[schemars(length(min = 1, max = 512))]
    pub kvs: Option<String>,
    /// With `kvs`: how the stored text turns into the key's bytes, as `gen --key-encoding` reads
    /// a key file (`utf8`, `base64`, `base64url`, `hex`), so the store holds the key file's text.
    /// One trailing line break of the stored text is ignored.
    #[schemars(default, schema_with = "super::schema::key_encoding", extend("default" = "utf8"))]
    pub encoding: Option<String>,
}

/// `revocation` (runtime `cloudfront-js-2.0`, with a KeyValueStore): a store entry named
/// `prefix` + the token's `claim` revokes it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRevocation {
    /// The claim whose value names the entry: `sid` (one session) or `sub` (one user).
    #[schemars(required, length(min = 1))]
    pub claim: Option<String>,
    /// What the entry's name starts with, before the claim's value.
    #[schemars(length(min = 1, max = 256), extend("default" = "revoked:"))]
    pub prefix: Option<String>,
}

/// Where the token is found.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = super::schema::handoff_needs_sources)]
pub struct RawToken {
    /// Ordered sources, each `query:NAME`, `header:NAME` (lower case) or `cookie:NAME`; the first
    /// present one is the only one read.
    #[schemars(default, schema_with = "super::schema::token_sources", extend("default" = ["query:jwt"]))]
    pub from: Option<Vec<String>>,
    /// Remove the token from its source before the request goes on (keeps it out of the cache key
    /// and away from the origin).
    #[schemars(extend("default" = true))]
    pub strip: Option<bool>,
    /// The cookie hand-off for video players: a valid token from a `query:` source on a GET or
    /// HEAD request is answered with a 302 to the same URL without it, setting this cookie.
    pub handoff: Option<RawHandoff>,
}

/// The cookie hand-off: `cookie` must be one of the `cookie:NAME` sources, and `token.from` must
/// have a `query:` source.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawHandoff {
    /// The cookie to set: the NAME of a `cookie:NAME` source in `token.from`.
    #[schemars(required, schema_with = "super::schema::handoff_cookie")]
    pub cookie: Option<String>,
    /// The cookie's `Path`: starts with `/`, without spaces, `;` or `,`.
    #[schemars(default, schema_with = "super::schema::cookie_path", extend("default" = "/"))]
    pub path: Option<String>,
}

/// Claim checks beyond the signature and header.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawClaims {
    /// `required`, or `optional` (checked when present).
    #[schemars(default, schema_with = "super::schema::presence", extend("default" = "required"))]
    pub exp: Option<String>,
    /// `required`, or `optional` (checked when present).
    #[schemars(default, schema_with = "super::schema::presence", extend("default" = "optional"))]
    pub nbf: Option<String>,
    /// Seconds of clock skew allowed on `exp`, `nbf` and `iat`; 0 to 300.
    #[schemars(range(min = 0, max = super::rules::MAX_LEEWAY), extend("default" = 0))]
    pub leeway: Option<i64>,
    /// Seconds; when set, `iat` is required and may be at most this old.
    #[schemars(range(min = 1, max = i64::MAX))]
    pub max_age: Option<i64>,
    /// An issuer or a non-empty list; the token's `iss` must equal one of them.
    pub iss: Option<OneOrMany>,
    /// An audience or a non-empty list; the token's `aud` (a string, or a list of strings) must
    /// contain one of them. `{"any": true}`: any `aud` is accepted. Absent: a token that carries
    /// `aud` is denied (RFC 7519 §4.1.3).
    pub aud: Option<RawAudience>,
    /// The name of a claim listing the URI patterns the token opens (a string or a list of
    /// strings, each an exact path or a prefix ending in `*`).
    #[schemars(length(min = 1))]
    pub scope: Option<String>,
    /// Claims that must have one of the given values, `{"CLAIM": value or [values]}` (strings,
    /// numbers, booleans): the claim equals one of them, or is a list that contains one. A
    /// missing claim denies.
    #[schemars(default, schema_with = "super::schema::require")]
    pub require: Option<serde_json::Map<String, serde_json::Value>>,
}

/// What a denied request gets: exactly one of `status` and `redirect`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = super::schema::exactly_one_deny)]
pub struct RawDeny {
    /// 401 (with `www-authenticate: Bearer`), 403 or 404.
    #[schemars(default, schema_with = "super::schema::deny_status")]
    pub status: Option<i64>,
    /// A 302 to this URL: an absolute http(s) URL or a path starting with `/`, without spaces;
    /// `{uri}` becomes the URL-encoded request URI.
    #[schemars(default, schema_with = "super::schema::redirect")]
    pub redirect: Option<String>,
}
