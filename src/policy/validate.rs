//! Turns a `RawPolicy` into a `Policy`: fills in the safe defaults and refuses, with the JSON path
//! of the field, every value the generated function could not honour.

use std::path::Path;

use super::raw::{OneOrMany, RawAudience, RawClaims, RawCors, RawDeny, RawHandoff, RawPolicy, RawRevocation};
use super::rules::{self, MAX_LEEWAY, OBJECT_PROTOTYPE_NAMES};
use super::{
    Audience, Claims, Cors, Deny, Encoding, Forward, Handoff, KeySource, Log, Policy, PolicyError, Presence,
    Requirement, Revocation, Scalar,
};
use crate::cloudfront::headers::{is_disallowed, is_read_only_in_request};
use crate::cloudfront::{Profile, Runtime, MAX_KVS_KEY_BYTES};
use crate::key::encoding_name;
use crate::request::{Source, UriPattern};

/// A field that cannot be used: its JSON path and why.
#[derive(Debug, PartialEq, Eq)]
pub struct FieldError {
    pub path: String,
    pub message: String,
}

fn err<T>(path: impl Into<String>, message: impl Into<String>) -> Result<T, FieldError> {
    Err(FieldError { path: path.into(), message: message.into() })
}

/// The fields that hold objects. serde would also read a struct from a JSON list, by position;
/// a policy never means that, so lists there are refused before the typed parse.
const OBJECT_FIELDS: &[&str] = &[
    "",
    "/key",
    "/token",
    "/token/handoff",
    "/claims",
    "/claims/require",
    "/deny",
    "/forward",
    "/cors",
    "/revocation",
];

/// Parses policy text into its raw shape, naming the field of any type error.
pub(super) fn deserialize(text: &str, file: &Path) -> Result<RawPolicy, PolicyError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| json_error(e, String::new(), file))?;
    for pointer in OBJECT_FIELDS {
        match value.pointer(pointer) {
            None | Some(serde_json::Value::Object(_)) => {}
            Some(serde_json::Value::Null) if !pointer.is_empty() => {}
            Some(other) => {
                let path = if pointer.is_empty() { "(top level)".to_string() } else { pointer[1..].replace('/', ".") };
                let kind = match other {
                    serde_json::Value::Array(_) => "a list",
                    serde_json::Value::String(_) => "a string",
                    serde_json::Value::Number(_) => "a number",
                    serde_json::Value::Bool(_) => "a boolean",
                    _ => "null",
                };
                return Err(PolicyError::Field {
                    file: file.to_owned(),
                    path,
                    message: format!("expected an object, found {kind}"),
                });
            }
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let raw: RawPolicy = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        json_error(inner, path, file)
    })?;
    de.end().map_err(|e| json_error(e, String::new(), file))?;
    Ok(raw)
}

fn json_error(e: serde_json::Error, path: String, file: &Path) -> PolicyError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Data => {
            // serde_json appends " at line L column C" to data errors; the path says it better.
            let text = e.to_string();
            let message = humanize(match text.rfind(" at line ") {
                Some(i) => &text[..i],
                None => &text,
            });
            PolicyError::Field {
                file: file.to_owned(),
                path: if path.is_empty() || path == "." { "(top level)".into() } else { path },
                message,
            }
        }
        _ => {
            let text = e.to_string();
            let message = match text.rfind(" at line ") {
                Some(i) => text[..i].to_string(),
                None => text,
            };
            PolicyError::Syntax { file: file.to_owned(), line: e.line(), column: e.column(), message }
        }
    }
}

/// Rewrites serde's wording for people who write policies: Rust type names become JSON ones, and
/// an unknown field gets the closest known name as a suggestion.
fn humanize(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        if let Some((unknown, expected)) = rest.split_once('`') {
            let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
            let list = known.join(", ");
            return match closest(unknown, &known) {
                Some(name) => format!("unknown field `{unknown}`; did you mean `{name}`? (allowed here: {list})"),
                None if known.is_empty() => format!("unknown field `{unknown}`"),
                None => format!("unknown field `{unknown}` (allowed here: {list})"),
            };
        }
    }
    let replacements = [
        ("expected i64", "expected a whole number"),
        ("expected u64", "expected a whole number"),
        ("expected a sequence", "expected a list"),
        ("data did not match any variant of untagged enum OneOrMany", "expected a string or a list of strings"),
        (
            "data did not match any variant of untagged enum RawAudience",
            "expected a string, a list of strings, or {\"any\": true}",
        ),
    ];
    let mut out = message.to_string();
    for (from, to) in replacements {
        out = out.replace(from, to);
    }
    if let Some(at) = out.find("expected struct Raw") {
        out.replace_range(at.., "expected an object");
    }
    out
}

/// The known name within a small edit distance of `unknown`, if any.
fn closest<'a>(unknown: &str, known: &[&'a str]) -> Option<&'a str> {
    let limit = (unknown.chars().count() / 3).max(2);
    known
        .iter()
        .map(|k| (edit_distance(&unknown.to_ascii_lowercase(), k), *k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Fills in defaults and checks every value; the first problem found is returned.
pub fn validate(raw: RawPolicy) -> Result<Policy, FieldError> {
    let runtime = match raw.runtime.as_deref() {
        None => Runtime::default(),
        Some(name) => match name.parse::<Runtime>() {
            Ok(r) => r,
            Err(_) => {
                return err(
                    "runtime",
                    format!("`{name}` is not a CloudFront runtime; use cloudfront-js-1.0 or cloudfront-js-2.0"),
                )
            }
        },
    };

    let (kvs, encoding) = match raw.key {
        None => (None, None),
        Some(k) => (k.kvs, k.encoding),
    };
    let encoding = match encoding.as_deref() {
        None => Encoding::Utf8,
        Some(_) if kvs.is_none() => {
            return err(
                "key.encoding",
                "`encoding` says how the KeyValueStore's text is read (with `kvs`); for an embedded key, pass --key-encoding to gen",
            )
        }
        Some(name) => match ENCODINGS.iter().find(|e| encoding_name(**e) == name) {
            Some(e) => *e,
            None => return err("key.encoding", format!("`{name}` is not an encoding; use utf8, base64, base64url or hex")),
        },
    };
    let key = match kvs {
        None => KeySource::Embedded,
        Some(name) => {
            if !runtime.profile().key_value_store {
                let with_store = Profile::runtimes_with(|p| p.key_value_store);
                return err(
                    "key.kvs",
                    format!("the KeyValueStore needs runtime {with_store}; set \"runtime\": \"{with_store}\" or embed the key"),
                );
            }
            if !rules::is_store_key(&name) {
                return err("key.kvs", format!("a KeyValueStore key name must be 1 to {MAX_KVS_KEY_BYTES} bytes long"));
            }
            KeySource::Store { name, encoding }
        }
    };

    let token = raw.token.unwrap_or_default();
    let sources = match token.from {
        None => vec![Source::Query("jwt".into())],
        Some(list) if list.is_empty() => {
            return err("token.from", "the list is empty; name at least one source such as \"query:jwt\"")
        }
        Some(list) => {
            let mut sources = Vec::with_capacity(list.len());
            for (i, text) in list.iter().enumerate() {
                let source =
                    parse_source(text).map_err(|message| FieldError { path: format!("token.from[{i}]"), message })?;
                if sources.contains(&source) {
                    return err(format!("token.from[{i}]"), format!("`{text}` is listed twice"));
                }
                sources.push(source);
            }
            sources
        }
    };

    let handoff = match token.handoff {
        None => None,
        Some(h) => Some(validate_handoff(h, &sources)?),
    };

    let claims = validate_claims(raw.claims.unwrap_or_default())?;

    let public = match raw.public {
        None => Vec::new(),
        Some(list) => list
            .iter()
            .enumerate()
            .map(|(i, p)| parse_pattern(p).map_err(|message| FieldError { path: format!("public[{i}]"), message }))
            .collect::<Result<_, _>>()?,
    };

    let deny = match raw.deny {
        None => Deny::Status(401),
        Some(d) => validate_deny(d)?,
    };

    let log = match raw.log.as_deref() {
        None | Some("none") => Log::None,
        Some("console") => Log::Console,
        Some("access-log") if runtime.profile().log_custom_data => Log::AccessLog,
        Some("access-log") => {
            let with = Profile::runtimes_with(|p| p.log_custom_data);
            return err(
                "log",
                format!(
                    "the access logs' custom data needs runtime {with}; set \"runtime\": \"{with}\" or use \"console\""
                ),
            );
        }
        Some(other) => {
            return err("log", format!("`{other}` is not a log setting; use one of {}", Log::NAMES.join(", ")))
        }
    };

    let preflight = raw.preflight.unwrap_or(false);
    let cors = match raw.cors {
        None => None,
        Some(_) if preflight => {
            return err(
                "preflight",
                "`cors` answers CORS preflights itself (204 for a listed origin), and `preflight` would let them through to the origin: drop `preflight`",
            )
        }
        Some(c) => Some(validate_cors(c)?),
    };

    let then = match raw.then {
        None => None,
        Some(path) if path.is_empty() => {
            return err("then", "the path is empty; name your viewer-request function's file, such as \"edge.js\"")
        }
        Some(path) => Some(path.into()),
    };
    let forward = match raw.forward {
        None => Vec::new(),
        Some(map) => validate_forward(map, &sources)?,
    };
    let revocation = match raw.revocation {
        None => None,
        Some(r) => Some(validate_revocation(r, runtime, &key)?),
    };

    Ok(Policy {
        runtime,
        key,
        sources,
        strip: token.strip.unwrap_or(true),
        handoff,
        claims,
        public,
        preflight,
        deny,
        log,
        cors,
        then,
        forward,
        revocation,
    })
}

/// The encodings `key.encoding` names.
const ENCODINGS: [Encoding; 4] = [Encoding::Utf8, Encoding::Base64, Encoding::Base64url, Encoding::Hex];

/// The longest `revocation.prefix`, in bytes: room is left in the store's 512-byte key names for
/// the claim's value.
pub const MAX_REVOCATION_PREFIX: usize = 256;

/// `revocation`: a claim, and a prefix that keeps its entries apart from the secret's.
fn validate_revocation(raw: RawRevocation, runtime: Runtime, key: &KeySource) -> Result<Revocation, FieldError> {
    if !runtime.profile().key_value_store {
        let with = Profile::runtimes_with(|p| p.key_value_store);
        return err(
            "revocation",
            format!("revocation reads the KeyValueStore, which needs runtime {with}; set \"runtime\": \"{with}\""),
        );
    }
    let claim = match raw.claim {
        None => {
            return err(
                "revocation.claim",
                "name the claim whose value names the entry: `sid` for a session, `sub` for a user",
            )
        }
        Some(c) if c.is_empty() => return err("revocation.claim", "the claim name is empty"),
        Some(c) => c,
    };
    let prefix = raw.prefix.unwrap_or_else(|| "revoked:".into());
    if prefix.is_empty() || prefix.len() > MAX_REVOCATION_PREFIX || prefix.chars().any(rules::is_control_or_space) {
        return err(
            "revocation.prefix",
            format!("a prefix is 1 to {MAX_REVOCATION_PREFIX} bytes, without spaces or control characters, such as \"revoked:\""),
        );
    }
    if let KeySource::Store { name, .. } = key {
        if name.starts_with(&prefix) || prefix.starts_with(name.as_str()) {
            return err(
                "revocation.prefix",
                format!("`{prefix}` and the secret's name `{name}` overlap: a revocation entry could be the secret's; choose a prefix such as \"revoked:\""),
            );
        }
    }
    Ok(Revocation { claim, prefix })
}

/// `forward`: claim names to header names, each header a name CloudFront lets a function add,
/// not a token source, and not given twice.
fn validate_forward(
    map: serde_json::Map<String, serde_json::Value>,
    sources: &[Source],
) -> Result<Vec<Forward>, FieldError> {
    let mut forward: Vec<Forward> = Vec::with_capacity(map.len());
    for (claim, header) in map {
        let path = format!("forward.{claim}");
        if claim.is_empty() {
            return err("forward", "a claim name is empty");
        }
        let serde_json::Value::String(header) = header else {
            return err(path, format!("expected a header name such as \"x-user-id\", found {header}"));
        };
        if let Some(message) = forwarded_header_problem(&header) {
            return err(path, message);
        }
        if sources.contains(&Source::Header(header.clone())) {
            return err(
                path,
                format!("`{header}` is a token source (token.from): the verified claim would replace the token; use another header"),
            );
        }
        if let Some(other) = forward.iter().find(|f| f.header == header) {
            return err(
                path,
                format!("`{header}` is also the header of claim `{}`; give each claim its own header", other.claim),
            );
        }
        forward.push(Forward { claim, header });
    }
    Ok(forward)
}

/// Why a header cannot carry a forwarded claim, or `None` when it can.
fn forwarded_header_problem(name: &str) -> Option<String> {
    if name.is_empty() || !name.chars().all(rules::is_token_char) {
        return Some(format!("`{name}` is not a valid header name"));
    }
    if !rules::is_header_name(name) {
        return Some(format!("CloudFront gives header names in lower case; write `{}`", name.to_ascii_lowercase()));
    }
    if OBJECT_PROTOTYPE_NAMES.contains(&name) {
        return Some(format!("`{name}` is a name every JavaScript object has; choose another header"));
    }
    if is_disallowed(name) || is_read_only_in_request(name) {
        return Some(format!(
            "`{name}` is a header CloudFront does not let functions add or change (a 502 at the edge); use another header, such as `x-{name}`"
        ));
    }
    if name == "cookie" || name == "origin" || name.starts_with("access-control-") {
        return Some(format!(
            "`{name}` means something to CloudFront or to CORS (cookies arrive parsed, origins decide CORS); use another header"
        ));
    }
    None
}

/// `claims.require`: claim names to a value or a non-empty list of values.
fn validate_require(map: serde_json::Map<String, serde_json::Value>) -> Result<Vec<Requirement>, FieldError> {
    let mut require = Vec::with_capacity(map.len());
    for (claim, value) in map {
        let path = format!("claims.require.{claim}");
        match claim.as_str() {
            "" => return err("claims.require", "a claim name is empty"),
            "iss" | "aud" => return err(path, format!("`{claim}` has its own rule: write it as claims.{claim}")),
            _ => {}
        }
        let values = match value {
            serde_json::Value::Array(list) if list.is_empty() => {
                return err(path, "the list is empty; give at least one value, or leave the claim out")
            }
            serde_json::Value::Array(list) => list
                .into_iter()
                .enumerate()
                .map(|(i, v)| scalar(v).map_err(|message| FieldError { path: format!("{path}[{i}]"), message }))
                .collect::<Result<Vec<_>, _>>()?,
            one => vec![scalar(one).map_err(|message| FieldError { path: path.clone(), message })?],
        };
        require.push(Requirement { claim, values });
    }
    Ok(require)
}

/// The largest integer every JavaScript number up to it is exact for (2^53).
const MAX_EXACT_INTEGER: u64 = 1 << 53;

/// A value `claims.require` compares a claim with.
fn scalar(value: serde_json::Value) -> Result<Scalar, String> {
    match value {
        serde_json::Value::String(s) if s.is_empty() => Err("the value is empty".into()),
        serde_json::Value::String(s) => Ok(Scalar::Text(s)),
        serde_json::Value::Bool(b) => Ok(Scalar::Bool(b)),
        serde_json::Value::Number(n) => {
            let exact = match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => i.unsigned_abs() <= MAX_EXACT_INTEGER,
                (_, Some(u), _) => u <= MAX_EXACT_INTEGER,
                (_, _, Some(f)) => f.is_finite(),
                _ => false,
            };
            if exact {
                Ok(Scalar::Number(n))
            } else {
                Err(format!("{n} is not a number JavaScript holds exactly; compare a string instead"))
            }
        }
        other => Err(format!("expected a string, a number or a boolean (or a list of them), found {other}")),
    }
}

fn validate_cors(raw: RawCors) -> Result<Cors, FieldError> {
    let origins = match raw.origins {
        None => {
            return err(
                "cors.origins",
                "list the origins whose pages may read the answers, such as \"https://app.example.com\"",
            )
        }
        Some(list) if list.is_empty() => return err("cors.origins", "the list is empty; name at least one origin"),
        Some(list) => list,
    };
    for (i, origin) in origins.iter().enumerate() {
        if !rules::is_origin(origin) {
            return err(
                format!("cors.origins[{i}]"),
                format!("`{origin}` is not an origin as a browser sends it: `https://host` or `http://host:port`, lower case, no path or trailing slash (and no `*`: origins are matched exactly)"),
            );
        }
    }
    let max_age = match raw.max_age {
        None => 600,
        Some(s) if (0..=rules::MAX_CORS_MAX_AGE).contains(&s) => s as u32,
        Some(s) => {
            return err("cors.max_age", format!("{s} is out of range; give 0 to {} seconds", rules::MAX_CORS_MAX_AGE))
        }
    };
    Ok(Cors { origins, credentials: raw.credentials.unwrap_or(false), max_age })
}

fn validate_handoff(raw: RawHandoff, sources: &[Source]) -> Result<Handoff, FieldError> {
    let Some(cookie) = raw.cookie else {
        return err("token.handoff.cookie", "name the cookie to set, one of the `cookie:NAME` sources in token.from");
    };
    if !sources.contains(&Source::Cookie(cookie.clone())) {
        return err(
            "token.handoff.cookie",
            format!("`{cookie}` is not a source; add \"cookie:{cookie}\" to token.from so that the cookie is verified"),
        );
    }
    if !sources.iter().any(|s| matches!(s, Source::Query(_))) {
        return err(
            "token.handoff",
            "a hand-off moves a query-string token into a cookie: add a `query:NAME` source to token.from",
        );
    }
    let path = raw.path.unwrap_or_else(|| "/".to_string());
    if !rules::is_cookie_path(&path) {
        return err(
            "token.handoff.path",
            format!("`{path}` is not a cookie path; use a path starting with `/`, without spaces, `;` or `,`"),
        );
    }
    // A viewer who holds an old cookie and follows a fresh link must get what the link opens: the
    // query source, read first, wins.
    let cookie_at = sources.iter().position(|s| *s == Source::Cookie(cookie.clone()));
    let query_at = sources.iter().position(|s| matches!(s, Source::Query(_)));
    if let (Some(c), Some(q)) = (cookie_at, query_at) {
        if c < q {
            return err(
                "token.from",
                format!(
                    "with token.handoff, `{}` must come before `cookie:{cookie}`: the first present source is the only one read, so a viewer holding an older cookie would never get what a fresh link opens",
                    sources[q].label()
                ),
            );
        }
    }
    Ok(Handoff { cookie, path })
}

fn validate_claims(raw: RawClaims) -> Result<Claims, FieldError> {
    let presence = |field: &str, value: Option<String>, default: Presence| match value.as_deref() {
        None => Ok(default),
        Some("required") => Ok(Presence::Required),
        Some("optional") => Ok(Presence::Optional),
        Some(other) => {
            err(format!("claims.{field}"), format!("`{other}` is not allowed; use \"required\" or \"optional\""))
        }
    };
    let leeway = match raw.leeway {
        None => 0,
        Some(n) if (0..=MAX_LEEWAY).contains(&n) => n as u32,
        Some(n) => return err("claims.leeway", format!("{n} is out of range; allowed: 0 to {MAX_LEEWAY} seconds")),
    };
    let max_age = match raw.max_age {
        None => None,
        Some(n) if n > 0 => Some(n as u64),
        Some(n) => return err("claims.max_age", format!("{n} is out of range; use a number of seconds above 0")),
    };
    let scope = match raw.scope {
        None => None,
        Some(s) if s.is_empty() => return err("claims.scope", "the claim name is empty"),
        Some(s) => Some(s),
    };
    Ok(Claims {
        exp: presence("exp", raw.exp, Presence::Required)?,
        nbf: presence("nbf", raw.nbf, Presence::Optional)?,
        leeway,
        max_age,
        iss: one_or_many("claims.iss", raw.iss)?,
        aud: audience(raw.aud)?,
        scope,
        require: match raw.require {
            None => Vec::new(),
            Some(map) => validate_require(map)?,
        },
    })
}

fn one_or_many(path: &str, value: Option<OneOrMany>) -> Result<Vec<String>, FieldError> {
    match value {
        None => Ok(Vec::new()),
        Some(OneOrMany::One(s)) => non_empty(path, vec![s]),
        Some(OneOrMany::Many(list)) => non_empty(path, list),
    }
}

/// `claims.aud`: absent (a token with `aud` is denied), audiences, or `{"any": true}`.
fn audience(value: Option<RawAudience>) -> Result<Audience, FieldError> {
    const PATH: &str = "claims.aud";
    const CHOICES: &str = "leave `aud` out to deny every token that carries one, name the audiences, \
                           or write {\"any\": true} to accept any";
    let object = match value {
        None => return Ok(Audience::Forbidden),
        Some(RawAudience::One(s)) => return non_empty(PATH, vec![s]).map(Audience::OneOf),
        Some(RawAudience::Many(list)) if list.is_empty() => return err(PATH, format!("the list is empty; {CHOICES}")),
        Some(RawAudience::Many(list)) => return non_empty(PATH, list).map(Audience::OneOf),
        Some(RawAudience::Object(object)) => object,
    };
    if let Some(other) = object.keys().find(|k| *k != "any") {
        return err(format!("{PATH}.{other}"), format!("unknown field `{other}` (allowed here: any)"));
    }
    match object.get("any") {
        Some(serde_json::Value::Bool(true)) => Ok(Audience::Any),
        Some(serde_json::Value::Bool(false)) => err(format!("{PATH}.any"), format!("false is not allowed; {CHOICES}")),
        Some(other) => err(format!("{PATH}.any"), format!("expected true, found {other}; {CHOICES}")),
        None => err(PATH, format!("an object here must be {{\"any\": true}}; {CHOICES}")),
    }
}

/// A non-empty list of non-empty strings.
fn non_empty(path: &str, list: Vec<String>) -> Result<Vec<String>, FieldError> {
    if list.is_empty() {
        return err(path, "the list is empty; give at least one value, or leave the field out");
    }
    for (i, s) in list.iter().enumerate() {
        if s.is_empty() {
            return err(format!("{path}[{i}]"), "the value is empty");
        }
    }
    Ok(list)
}

fn validate_deny(raw: RawDeny) -> Result<Deny, FieldError> {
    match (raw.status, raw.redirect) {
        (Some(_), Some(_)) => err("deny", "give either \"status\" or \"redirect\", not both"),
        (None, None) => err("deny", "give \"status\" (401, 403 or 404) or \"redirect\" (a URL)"),
        (Some(s), None) => match s {
            401 | 403 | 404 => Ok(Deny::Status(s as u16)),
            _ => err("deny.status", format!("{s} is not allowed; use 401, 403 or 404")),
        },
        (None, Some(url)) => {
            if !rules::is_redirect(&url) {
                return err("deny.redirect", "use an absolute http(s) URL or a path starting with `/`, without spaces");
            }
            Ok(Deny::Redirect(url))
        }
    }
}

/// `query:NAME`, `header:NAME` or `cookie:NAME`.
fn parse_source(text: &str) -> Result<Source, String> {
    let Some((kind, name)) = text.split_once(':') else {
        return Err(format!("`{text}` is not a source; write query:NAME, header:NAME or cookie:NAME"));
    };
    if name.is_empty() {
        return Err(format!("`{text}` names no {kind}"));
    }
    if OBJECT_PROTOTYPE_NAMES.contains(&name) {
        return Err(format!("`{name}` is a name every JavaScript object has; choose another name"));
    }
    match kind {
        "query" => {
            if !rules::is_query_name(name) {
                return Err(format!("`{name}` is not a valid query parameter name (no spaces, &, =, #, % or +)"));
            }
            Ok(Source::Query(name.into()))
        }
        "header" => {
            if !name.chars().all(rules::is_token_char) {
                return Err(format!("`{name}` is not a valid header name"));
            }
            if !rules::is_header_name(name) {
                return Err(format!(
                    "CloudFront gives header names in lower case; write `header:{}`",
                    name.to_ascii_lowercase()
                ));
            }
            if is_disallowed(name) {
                return Err(format!(
                    "`{name}` is a header CloudFront never shows to functions (disallowed): the function would \
                     never see the token; use another header"
                ));
            }
            if is_read_only_in_request(name) {
                return Err(format!(
                    "`{name}` is a header CloudFront does not let functions change (read-only): the token could \
                     not be removed from it; use another header"
                ));
            }
            Ok(Source::Header(name.into()))
        }
        "cookie" => {
            if !rules::is_cookie_name(name) {
                return Err(format!("`{name}` is not a valid cookie name"));
            }
            Ok(Source::Cookie(name.into()))
        }
        _ => Err(format!("`{kind}` is not a source kind; use query, header or cookie")),
    }
}

/// An exact path, or a prefix ending in `*`.
pub fn parse_pattern(text: &str) -> Result<UriPattern, String> {
    if !text.starts_with('/') {
        return Err(format!("`{text}` does not start with `/`"));
    }
    if text.chars().any(rules::is_control_or_space) {
        return Err(format!("`{text}` contains spaces or control characters"));
    }
    match text.find('*') {
        None => Ok(UriPattern::Exact(text.into())),
        Some(i) if i == text.len() - 1 => Ok(UriPattern::Prefix(text[..i].into())),
        Some(_) => Err(format!("`{text}` has a `*` before its end; `*` may only end a pattern")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(json: &str) -> Result<Policy, String> {
        super::super::parse(json, Path::new("p.json")).map_err(|e| e.to_string())
    }

    #[test]
    fn empty_policy_gets_safe_defaults() {
        let p = policy("{}").unwrap();
        assert_eq!(p.runtime, Runtime::Js2);
        assert_eq!(p.sources, vec![Source::Query("jwt".into())]);
        assert!(p.strip);
        assert_eq!(p.claims.exp, Presence::Required);
        assert_eq!(p.claims.nbf, Presence::Optional);
        assert_eq!(p.claims.leeway, 0);
        assert_eq!(p.deny, Deny::Status(401));
        assert_eq!(p.key, KeySource::Embedded);
        assert!(!p.preflight);
    }

    #[test]
    fn errors_name_the_field() {
        let e = policy(r#"{"claims": {"leeway": 301}}"#).unwrap_err();
        assert_eq!(e, "p.json: claims.leeway: 301 is out of range; allowed: 0 to 300 seconds");
        let e = policy(r#"{"claims": {"leeway": "30"}}"#).unwrap_err();
        assert_eq!(e, "p.json: claims.leeway: invalid type: string \"30\", expected a whole number");
        let e = policy(r#"{"token": {"from": ["query:jwt", "header:X-Token"]}}"#).unwrap_err();
        assert!(e.starts_with("p.json: token.from[1]: "), "{e}");
        let e = policy(r#"{"claims": {"leway": 3}}"#).unwrap_err();
        assert!(
            e.starts_with(
                "p.json: claims.leway: unknown field `leway`; did you mean `leeway`? (allowed here: exp, nbf, leeway,"
            ),
            "{e}"
        );
        let e = policy(r#"{"zzzzzz": 3}"#).unwrap_err();
        assert!(e.contains("unknown field `zzzzzz` (allowed here: $schema, runtime,"), "{e}");
        let e = policy(r#"{"claims": {"iss": 5}}"#).unwrap_err();
        assert_eq!(e, "p.json: claims.iss: expected a string or a list of strings");
        let e = policy(r#"{"claims": 5}"#).unwrap_err();
        assert_eq!(e, "p.json: claims: expected an object, found a number");
        let e = policy(r#"{"token": {"from": "query:jwt"}}"#).unwrap_err();
        assert_eq!(e, "p.json: token.from: invalid type: string \"query:jwt\", expected a list");
    }

    #[test]
    fn lists_are_not_read_as_objects() {
        let e = policy("[null, null]").unwrap_err();
        assert_eq!(e, "p.json: (top level): expected an object, found a list");
        let e = policy(r#"{"claims": ["required", null]}"#).unwrap_err();
        assert_eq!(e, "p.json: claims: expected an object, found a list");
        let e = policy(r#"{"token": {"handoff": ["t"]}}"#).unwrap_err();
        assert_eq!(e, "p.json: token.handoff: expected an object, found a list");
    }

    #[test]
    fn syntax_errors_give_line_and_column() {
        let e = policy("{\n  \"runtime\": }").unwrap_err();
        assert!(e.starts_with("p.json:2:14: the policy is not valid JSON"), "{e}");
    }

    #[test]
    fn handoff_needs_a_query_and_its_cookie_source() {
        let ok = policy(r#"{"token": {"from": ["query:jwt", "cookie:t"], "handoff": {"cookie": "t"}}}"#).unwrap();
        assert_eq!(ok.handoff, Some(Handoff { cookie: "t".into(), path: "/".into() }));
        let e = policy(r#"{"token": {"from": ["cookie:t", "query:jwt"], "handoff": {"cookie": "t"}}}"#).unwrap_err();
        assert!(e.contains("token.from: with token.handoff, `query:jwt` must come before `cookie:t`"), "{e}");
        let e = policy(r#"{"token": {"from": ["query:jwt"], "handoff": {"cookie": "t"}}}"#).unwrap_err();
        assert!(e.contains("token.handoff.cookie: `t` is not a source"), "{e}");
        let e = policy(r#"{"token": {"from": ["cookie:t"], "handoff": {"cookie": "t"}}}"#).unwrap_err();
        assert!(e.contains("token.handoff: a hand-off moves"), "{e}");
        let e = policy(r#"{"token": {"from": ["cookie:t", "query:j"], "handoff": {"cookie": "t", "path": "/a;b"}}}"#)
            .unwrap_err();
        assert!(e.contains("token.handoff.path"), "{e}");
    }

    #[test]
    fn kvs_needs_runtime_2() {
        let e = policy(r#"{"runtime": "cloudfront-js-1.0", "key": {"kvs": "k"}}"#).unwrap_err();
        assert!(e.contains("key.kvs"), "{e}");
    }

    #[test]
    fn patterns() {
        assert_eq!(parse_pattern("/a/*"), Ok(UriPattern::Prefix("/a/".into())));
        assert_eq!(parse_pattern("/a"), Ok(UriPattern::Exact("/a".into())));
        assert!(parse_pattern("a").is_err());
        assert!(parse_pattern("/a*/b").is_err());
        assert!(parse_pattern("/a b").is_err());
    }

    #[test]
    fn aud_is_audiences_or_any() {
        let aud = |v: &str| policy(&format!(r#"{{"claims": {{"aud": {v}}}}}"#)).map(|p| p.claims.aud);
        assert_eq!(policy("{}").unwrap().claims.aud, Audience::Forbidden);
        assert_eq!(aud("null"), Ok(Audience::Forbidden));
        assert_eq!(aud(r#""api""#), Ok(Audience::OneOf(vec!["api".into()])));
        assert_eq!(aud(r#"["a", "b"]"#), Ok(Audience::OneOf(vec!["a".into(), "b".into()])));
        assert_eq!(aud(r#"{"any": true}"#), Ok(Audience::Any));
        let e = aud(r#"{"any": false}"#).unwrap_err();
        assert!(e.starts_with("p.json: claims.aud.any: false is not allowed; leave `aud` out"), "{e}");
        let e = aud(r#"{"any": "yes"}"#).unwrap_err();
        assert!(e.starts_with("p.json: claims.aud.any: expected true, found \"yes\";"), "{e}");
        let e = aud(r#"{"any": true, "only": "api"}"#).unwrap_err();
        assert_eq!(e, "p.json: claims.aud.only: unknown field `only` (allowed here: any)");
        let e = aud("{}").unwrap_err();
        assert!(e.starts_with("p.json: claims.aud: an object here must be {\"any\": true};"), "{e}");
        let e = aud("[]").unwrap_err();
        assert!(e.starts_with("p.json: claims.aud: the list is empty; leave `aud` out"), "{e}");
        assert_eq!(aud(r#"["a", ""]"#).unwrap_err(), "p.json: claims.aud[1]: the value is empty");
        let e = aud("5").unwrap_err();
        assert_eq!(e, "p.json: claims.aud: expected a string, a list of strings, or {\"any\": true}");
        let e = aud("[1]").unwrap_err();
        assert_eq!(e, "p.json: claims.aud: expected a string, a list of strings, or {\"any\": true}");
    }

    #[test]
    fn headers_cloudfront_keeps_or_freezes_are_not_sources() {
        for name in ["host", "via", "content-length", "transfer-encoding", "cdn-loop"] {
            let e = parse_source(&format!("header:{name}")).unwrap_err();
            assert_eq!(
                e,
                format!(
                    "`{name}` is a header CloudFront does not let functions change (read-only): the token could \
                     not be removed from it; use another header"
                )
            );
        }
        for name in ["proxy-authorization", "x-amz-cf-id", "x-amz-cf-anything", "x-edge-location", "connection"] {
            let e = parse_source(&format!("header:{name}")).unwrap_err();
            assert_eq!(
                e,
                format!(
                    "`{name}` is a header CloudFront never shows to functions (disallowed): the function would \
                     never see the token; use another header"
                )
            );
        }
        for name in ["authorization", "x-token", "hosts", "x-amz-c", "x-amzn-cf", "x-edge"] {
            assert_eq!(parse_source(&format!("header:{name}")), Ok(Source::Header(name.into())), "{name}");
        }
        // The same names are fine as query parameters and cookies.
        assert!(parse_source("query:host").is_ok());
        assert!(parse_source("cookie:via").is_ok());
        let e = policy(r#"{"token": {"from": ["query:jwt", "header:host"]}}"#).unwrap_err();
        assert!(e.starts_with("p.json: token.from[1]: `host` is a header CloudFront does not let"), "{e}");
    }

    #[test]
    fn sources() {
        assert_eq!(parse_source("cookie:token"), Ok(Source::Cookie("token".into())));
        assert!(parse_source("header:authorization").unwrap().is_bearer());
        assert!(parse_source("query:__proto__").is_err());
        assert!(parse_source("path:x").is_err());
        assert!(parse_source("query:").is_err());
    }
}
