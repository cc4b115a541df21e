//! `cfjwt explain` without the command line: why the policy's function lets a request through or
//! denies it. The function is generated with reasons on (the same generator as `gen`, in memory)
//! and run in the bundled engine on the request, so the code is the one the deployed function
//! would log; this module only puts that code into a sentence, with the values involved, and
//! decodes the token for people. It never prints a key.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde_json::{json, Value};

use crate::emit::Style;
use crate::generate::{self, Keys};
use crate::policy::{self, Audience, KeySource, Log, Policy};
use crate::reason::{Decision, Reason};
use crate::request::{Scalar, Source, UriPattern};
use crate::runtime::event::{self, UrlRequest};
use crate::runtime::report::reason;
use crate::runtime::{self, Event, Options};
use crate::runtime::{load_event, load_store};

/// The request to explain.
#[derive(Clone, Debug)]
pub enum Input {
    /// A token, put where the policy's first source says, on a GET of `uri`.
    Token { token: String, uri: String },
    /// A request made from a URL, as `cfjwt event` makes it.
    Url(UrlRequest),
    /// An event file.
    Event(PathBuf),
}

/// What `cfjwt explain` is asked for.
#[derive(Clone, Debug)]
pub struct Request {
    /// The policy file and the keys, as `gen` takes them.
    pub gen: generate::Request,
    /// Unix seconds; none for the clock.
    pub now: Option<f64>,
    pub kvs: Option<PathBuf>,
    pub input: Input,
}

/// What the function did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    Deny,
    /// The cookie hand-off's 302: the token is good, and moves into a cookie.
    Handoff,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Deny => "deny",
            Verdict::Handoff => "handoff",
        }
    }
}

/// The answer: the verdict, its reason, a sentence for people, and the token decoded.
#[derive(Clone, Debug)]
pub struct Explanation {
    pub verdict: Verdict,
    pub reason: Reason,
    pub message: String,
    /// The token's header and claims, when the request carried a token that decodes.
    pub header: Option<Value>,
    pub claims: Option<Value>,
}

impl Explanation {
    /// `--json`: one object.
    pub fn json(&self) -> Value {
        json!({
            "verdict": self.verdict.name(),
            "reason": self.reason.code(),
            "header": self.header,
            "claims": self.claims,
            "message": self.message,
        })
    }

    /// The text for people: `deny: expired`, the sentence, then the token decoded, times also as
    /// UTC dates.
    pub fn text(&self) -> String {
        let mut out = format!("{}: {}\n{}\n", self.verdict.name(), self.reason.code(), self.message);
        for (title, part) in [("header", &self.header), ("claims", &self.claims)] {
            let Some(Value::Object(members)) = part else { continue };
            out.push_str(&format!("{title}:\n"));
            for (name, value) in members {
                let date = match (name.as_str(), value.as_f64()) {
                    ("exp" | "nbf" | "iat", Some(t)) if t.is_finite() => format!(" ({})", utc(t)),
                    _ => String::new(),
                };
                out.push_str(&format!("  {name}: {value}{date}\n"));
            }
        }
        out
    }
}

/// Why a request cannot be explained.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error(transparent)]
    Policy(#[from] policy::PolicyError),
    #[error(transparent)]
    Key(#[from] crate::key::KeyError),
    #[error(transparent)]
    Generate(#[from] generate::GenError),
    #[error(transparent)]
    Input(#[from] runtime::InputError),
    #[error(transparent)]
    Url(#[from] event::RequestError),
    #[error(transparent)]
    Engine(#[from] runtime::EngineError),
    #[error("the token is not one value: {0}")]
    Token(String),
    #[error("the function failed: {0}")]
    Failed(String),
    #[error("the function gave no reason (its output: {0})")]
    NoReason(String),
}

/// Generates the policy's function with reasons on, runs it on the request and explains.
pub fn explain(request: &Request) -> Result<Explanation, ExplainError> {
    let mut policy = policy::load(&request.gen.config)?;
    if policy.log == Log::None {
        policy.log = Log::Console;
    }
    let keys = request.gen.load_keys()?;
    let code = generate::generate(&policy, keys.clone(), Style::Minified)?.code;
    let event = match &request.input {
        Input::Token { token, uri } => token_event(&policy, token, uri)?,
        Input::Url(url) => event::from_url(url)?,
        Input::Event(path) => load_event(path)?,
    };
    let store = request.kvs.as_deref().map(load_store).transpose()?;
    let now = request.now.unwrap_or_else(|| {
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as f64 / 1000.0).unwrap_or(0.0)
    });
    let opts = Options {
        runtime: policy.runtime,
        now_ms: now * 1000.0,
        kvs: store.clone(),
        time_limit: Duration::from_secs(1),
    };
    let result = runtime::run(&code, std::slice::from_ref(&event), &opts)?.remove(0);
    if result.failed() {
        return Err(ExplainError::Failed(result.function_error_message));
    }
    let logged = reason(&result).ok_or_else(|| ExplainError::NoReason(result.function_output.clone()))?;
    let reason = Reason::from_code(&logged.code).ok_or_else(|| ExplainError::NoReason(logged.code.clone()))?;
    let output: Value = serde_json::from_str(&result.function_output).unwrap_or(Value::Null);
    // A 204 the function answers a preflight with is an allow; a 302 after `ok`, the hand-off.
    let verdict = match (reason.decision(), output.get("response"), reason) {
        (Decision::Deny, _, _) => Verdict::Deny,
        (Decision::Allow, Some(_), Reason::Ok) => Verdict::Handoff,
        (Decision::Allow, _, _) => Verdict::Allow,
    };
    let found = find_token(&policy, &event);
    let (header, claims) = match &found {
        Some(t) => decoded(t),
        None => (None, None),
    };
    let facts =
        Facts { policy: &policy, keys: &keys, store: store.as_ref(), event: &event, now, found, header, claims };
    let message = facts.sentence(reason, verdict);
    Ok(Explanation { verdict, reason, message, header: facts.header, claims: facts.claims })
}

/// A GET of `uri` carrying `token` in the policy's first source (`Bearer` for `authorization`).
fn token_event(policy: &Policy, token: &str, uri: &str) -> Result<Event, ExplainError> {
    let token = token.trim();
    if token.is_empty() || token.chars().any(char::is_whitespace) {
        return Err(ExplainError::Token("give the token alone, without spaces or line breaks".into()));
    }
    let mut request = UrlRequest { url: uri.to_owned(), ..UrlRequest::default() };
    match &policy.sources[0] {
        Source::Query(name) => {
            let sep = if uri.contains('?') { '&' } else { '?' };
            request.url = format!("{uri}{sep}{name}={token}");
        }
        Source::Header(name) if name == "authorization" => {
            request.headers.push(format!("authorization: Bearer {token}"))
        }
        Source::Header(name) => request.headers.push(format!("{name}: {token}")),
        Source::Cookie(name) => request.cookies.push(format!("{name}={token}")),
    }
    Ok(event::from_url(&request)?)
}

/// Where a token was found, and the token.
#[derive(Clone, Debug)]
struct Found {
    source: Source,
    value: String,
    values: usize,
}

/// The first of the policy's sources the request has, as the function reads it.
fn find_token(policy: &Policy, event: &Event) -> Option<Found> {
    let request = &event.json()["request"];
    policy.sources.iter().find_map(|source| {
        let (object, name) = match source {
            Source::Query(n) => ("querystring", n),
            Source::Header(n) => ("headers", n),
            Source::Cookie(n) => ("cookies", n),
        };
        let entry = request[object].get(name.as_str())?;
        let raw = entry["value"].as_str()?.to_owned();
        let values = entry.get("multiValue").and_then(Value::as_array).map_or(1, Vec::len);
        let value = if source.is_bearer() {
            let lower = raw.to_ascii_lowercase();
            match lower.strip_prefix("bearer") {
                Some(rest) if rest.starts_with(' ') => raw[6..].trim_start_matches(' ').to_owned(),
                _ => raw,
            }
        } else {
            raw
        };
        Some(Found { source: source.clone(), value, values })
    })
}

/// The header and claims of a token, as far as they decode to JSON.
fn decoded(found: &Found) -> (Option<Value>, Option<Value>) {
    let part = |i: usize| {
        let segment = found.value.split('.').nth(i)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(segment).ok()?;
        serde_json::from_slice::<Value>(&bytes).ok()
    };
    (part(0), part(1))
}

/// What a sentence may name.
struct Facts<'a> {
    policy: &'a Policy,
    keys: &'a Keys,
    store: Option<&'a BTreeMap<String, String>>,
    event: &'a Event,
    now: f64,
    found: Option<Found>,
    header: Option<Value>,
    claims: Option<Value>,
}

impl Facts<'_> {
    fn claim(&self, name: &str) -> Option<&Value> {
        self.claims.as_ref()?.get(name)
    }

    fn uri(&self) -> &str {
        self.event.json()["request"]["uri"].as_str().unwrap_or("")
    }

    fn origin(&self) -> String {
        self.event.json()["request"]["headers"]["origin"]["value"].to_string()
    }

    fn source(&self) -> String {
        self.found.as_ref().map_or_else(|| "the token's source".into(), |f| f.source.label())
    }

    /// `NAME VALUE (DATE)` for a time claim.
    fn time(&self, name: &str) -> String {
        match self.claim(name) {
            Some(v) => match v.as_f64() {
                Some(t) => format!("{name} {v} ({})", utc(t)),
                None => format!("{name} {v}"),
            },
            None => name.to_owned(),
        }
    }

    fn leeway(&self) -> String {
        match self.policy.claims.leeway {
            0 => String::new(),
            s => format!(", with {s} s of leeway"),
        }
    }

    /// The header's `kid` as it is (null when there is none).
    fn kid_value(&self) -> Value {
        self.header.as_ref().and_then(|h| h.get("kid")).cloned().unwrap_or(Value::Null)
    }

    fn kid(&self) -> Option<&str> {
        self.header.as_ref().and_then(|h| h.get("kid")).and_then(Value::as_str)
    }

    /// The KeyValueStore entry the function reads for this token: `NAME`, or `NAME:KID`.
    fn store_entry(&self, name: &str) -> String {
        self.kid().map_or_else(|| name.to_owned(), |k| format!("{name}:{k}"))
    }

    fn keys_phrase(&self) -> String {
        if let KeySource::Store { name, .. } = &self.policy.key {
            return format!("the secret the KeyValueStore holds under \"{}\"", self.store_entry(name));
        }
        let keys = &self.keys.embedded;
        match self.kid() {
            Some(kid) if keys.iter().any(|k| k.id.as_deref() == Some(kid)) => format!("the key with kid \"{kid}\""),
            _ if keys.len() == 1 => "the key".into(),
            _ => format!("any of the {} keys", keys.len()),
        }
    }

    fn sentence(&self, reason: Reason, verdict: Verdict) -> String {
        let p = self.policy;
        let now = format!("now ({})", utc(self.now));
        match reason {
            Reason::Public => {
                let pattern = p.public.iter().find(|pat| match pat {
                    UriPattern::Exact(path) => path == self.uri(),
                    UriPattern::Prefix(prefix) => self.uri().starts_with(prefix.as_str()),
                });
                let pattern = pattern.map_or_else(String::new, |pat| format!(" {}", pat.label()));
                format!("The URI {} matches the public pattern{pattern}: no token is asked for.", self.uri())
            }
            Reason::Preflight => match &p.cors {
                Some(_) => format!("A CORS preflight from {}, which `cors` lists: the function answers it with a 204.", self.origin()),
                None => "An OPTIONS request with `origin` and `access-control-request-method` is a CORS preflight: `preflight` lets it through without a token.".into(),
            },
            Reason::Origin => format!(
                "A CORS preflight from {}, which `cors` does not list ({}).",
                self.origin(),
                quoted(p.cors.as_ref().map_or(&[][..], |c| &c.origins[..]))
            ),
            Reason::NoToken => {
                let sources: Vec<String> = p.sources.iter().map(Source::label).collect();
                format!("The request carries none of the token's sources: {}.", sources.join(", "))
            }
            Reason::MultipleValues => format!(
                "{} holds {} values; the function takes a token only when it comes alone.",
                self.source(),
                self.found.as_ref().map_or(2, |f| f.values)
            ),
            Reason::Malformed => {
                let (len, segments) = self.found.as_ref().map_or((0, 0), |f| (f.value.len(), f.value.split('.').count()));
                format!(
                    "The value of {} is not a token: {len} characters in {segments} segment(s), where a token is three base64url segments with a 43-character signature{}.",
                    self.source(),
                    if self.found.as_ref().is_some_and(|f| f.source.is_bearer()) { ", after `Bearer `" } else { "" }
                )
            }
            Reason::UnknownKid => {
                let kid = self.kid_value();
                match &p.key {
                    KeySource::Store { .. } => format!("kid {kid} is not a key id the KeyValueStore may be asked for (1 to 64 of letters, digits, `_`, `-` and `.`)."),
                    KeySource::Embedded => {
                        let ids: Vec<String> = self.keys.embedded.iter().filter_map(|k| k.id.as_ref()).map(|id| format!("\"{id}\"")).collect();
                        format!("kid {kid} names none of the keys ({}).", ids.join(", "))
                    }
                }
            }
            Reason::KeyUnavailable => {
                let KeySource::Store { name, .. } = &p.key else { return "The key is unavailable.".into() };
                let entry = self.store_entry(name);
                match self.store.map(|s| s.get(&entry)) {
                    None => format!("The KeyValueStore is not given (--kvs), so \"{entry}\" cannot be read."),
                    Some(None) => format!("The KeyValueStore has no entry \"{entry}\"."),
                    Some(Some(secret)) => format!(
                        "The secret under \"{entry}\" is {} bytes long; the function needs at least 32 (RFC 7518 §3.2).",
                        secret.len()
                    ),
                }
            }
            Reason::Signature => format!("The signature does not match {}.", self.keys_phrase()),
            Reason::Alg => {
                let alg = self.header.as_ref().and_then(|h| h.get("alg")).cloned();
                match alg {
                    Some(alg) => format!("alg {alg} is not \"HS256\"."),
                    None => "The header has no alg; it must be \"HS256\".".into(),
                }
            }
            Reason::Crit => {
                let crit = self.header.as_ref().and_then(|h| h.get("crit")).cloned().unwrap_or(Value::Null);
                format!("The header has crit {crit}: the function knows no extension, so it refuses every token that has one.")
            }
            Reason::Header => "The token's header does not decode to a JSON object.".into(),
            Reason::Payload => "The token's payload does not decode to a JSON object.".into(),
            Reason::ExpMissing => "The token has no exp, and the policy requires one.".into(),
            Reason::ExpType => format!("{} is not a finite number.", self.time("exp")),
            Reason::Expired => {
                let exp = self.claim("exp").and_then(Value::as_f64).unwrap_or(self.now);
                format!("{} is {} before {now}{}.", self.time("exp"), span(self.now - exp), self.leeway())
            }
            Reason::NbfMissing => "The token has no nbf, and the policy requires one.".into(),
            Reason::NbfType => format!("{} is not a finite number.", self.time("nbf")),
            Reason::NotYetValid => {
                let nbf = self.claim("nbf").and_then(Value::as_f64).unwrap_or(self.now);
                format!("{} is {} after {now}{}.", self.time("nbf"), span(nbf - self.now), self.leeway())
            }
            Reason::IatMissing => format!(
                "The token has no iat, and the policy's max_age ({} s) needs it.",
                p.claims.max_age.unwrap_or(0)
            ),
            Reason::IatType => format!("{} is not a finite number.", self.time("iat")),
            Reason::IatFuture => {
                let iat = self.claim("iat").and_then(Value::as_f64).unwrap_or(self.now);
                format!("{} is {} after {now}{}.", self.time("iat"), span(iat - self.now), self.leeway())
            }
            Reason::TooOld => {
                let iat = self.claim("iat").and_then(Value::as_f64).unwrap_or(self.now);
                format!(
                    "{} is {} before {now}, more than max_age ({} s){}.",
                    self.time("iat"),
                    span(self.now - iat),
                    p.claims.max_age.unwrap_or(0),
                    self.leeway()
                )
            }
            Reason::Iss => match self.claim("iss") {
                Some(iss) => format!("iss {iss} is not {}.", one_of(&p.claims.iss)),
                None => format!("The token has no iss; the policy accepts {}.", quoted(&p.claims.iss)),
            },
            Reason::Aud => match (&p.claims.aud, self.claim("aud")) {
                (Audience::OneOf(list), Some(aud)) => format!("aud {aud} is not {}.", one_of(list)),
                (Audience::OneOf(list), None) => format!("The token has no aud; the policy accepts {}.", quoted(list)),
                (_, aud) => format!(
                    "The token has aud {}, and the policy names no audience (RFC 7519 §4.1.3): add \"aud\" to the policy's claims, or {{\"any\": true}}.",
                    aud.cloned().unwrap_or(Value::Null)
                ),
            },
            Reason::Claim => self.requirement(),
            Reason::Revoked => self.revocation(),
            Reason::ScopeClaim => {
                let name = p.claims.scope.as_deref().unwrap_or("scope");
                match self.claim(name) {
                    None => format!("The token has no \"{name}\" claim listing the paths it opens."),
                    Some(v) => format!("The \"{name}\" claim {v} lists no paths: it must be a string or a non-empty list of strings."),
                }
            }
            Reason::Scope => {
                let name = p.claims.scope.as_deref().unwrap_or("scope");
                let claim = self.claim(name).cloned().unwrap_or(Value::Null);
                format!("No pattern of the \"{name}\" claim {claim} matches the URI {}.", self.uri())
            }
            Reason::UnsafeUri => format!(
                "The URI {} has a dot segment, a backslash or an encoded `.`, `/` or `\\`, which a policy with scope refuses.",
                self.uri()
            ),
            Reason::Ok => {
                let exp = match self.claim("exp").and_then(Value::as_f64) {
                    Some(exp) => format!("; {} is {} after {now}", self.time("exp"), span(exp - self.now)),
                    None => String::new(),
                };
                let then = match (verdict, &p.handoff) {
                    (Verdict::Handoff, Some(h)) => format!(
                        " It came in the query string of a GET or HEAD, so the function answers with a 302 to the same URL without it and sets the cookie \"{}\".",
                        h.cookie
                    ),
                    _ => String::new(),
                };
                format!("The token is signed with {}{exp}; every check passes.{then}", self.keys_phrase())
            }
        }
    }
}

impl Facts<'_> {
    /// The first `claims.require` rule the token fails (the function checks them in order), as
    /// a sentence with the claim's name and value.
    fn requirement(&self) -> String {
        let value = |s: &Scalar| match s {
            Scalar::Text(t) => Value::String(t.clone()),
            Scalar::Number(n) => Value::Number(n.clone()),
            Scalar::Bool(b) => Value::Bool(*b),
        };
        for rule in &self.policy.claims.require {
            let wanted: Vec<Value> = rule.values.iter().map(value).collect();
            let listed = wanted.iter().map(Value::to_string).collect::<Vec<_>>();
            let listed = match &listed[..] {
                [one] => one.clone(),
                several => format!("one of {}", several.join(", ")),
            };
            match self.claim(&rule.claim) {
                None => return format!("The token has no \"{}\"; claims.require asks for {listed}.", rule.claim),
                Some(Value::Array(list)) if !list.iter().any(|v| wanted.contains(v)) => {
                    return format!(
                        "\"{}\" {} holds none of {}.",
                        rule.claim,
                        Value::Array(list.clone()),
                        wanted.iter().map(Value::to_string).collect::<Vec<_>>().join(", ")
                    )
                }
                Some(Value::Array(_)) => continue,
                Some(v) if !wanted.contains(v) => {
                    return format!("\"{}\" {v} is not {listed}, as claims.require asks.", rule.claim)
                }
                Some(_) => continue,
            }
        }
        "A claim claims.require names does not have one of its values.".into()
    }
}

impl Facts<'_> {
    /// Why `revocation` denied: the entry it read, and what its value says.
    fn revocation(&self) -> String {
        let Some(r) = &self.policy.revocation else { return "The token is revoked.".into() };
        let value = match self.claim(&r.claim) {
            Some(Value::String(v)) if !v.is_empty() => v,
            other => {
                let found = other.map_or_else(|| "missing".to_owned(), |v| format!("{v}"));
                return format!(
                    "The token's {} is {found}: revocation needs a non-empty string to name the store entry.",
                    r.claim
                );
            }
        };
        let entry = format!("{}{value}", r.prefix);
        if entry.len() > crate::cloudfront::MAX_KVS_KEY_BYTES {
            return format!(
                "The entry name {} + {} would be {} bytes, over the store's 512.",
                r.prefix,
                r.claim,
                entry.len()
            );
        }
        let iat = self.claim("iat").and_then(Value::as_f64);
        match self.store.map(|s| s.get(&entry)) {
            None => format!("The KeyValueStore is not given (--kvs), so the entry \"{entry}\" cannot be read; a failed read denies."),
            Some(None) => format!("The KeyValueStore has no entry \"{entry}\"."),
            Some(Some(v)) if v.is_empty() => {
                format!("The KeyValueStore entry \"{entry}\" is empty: every token with {} \"{value}\" is revoked.", r.claim)
            }
            Some(Some(v)) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => {
                let t: f64 = v.parse().unwrap_or(f64::INFINITY);
                let issued = match iat {
                    Some(_) => format!("this token's {}", self.time("iat")),
                    None => "this token has no iat".to_owned(),
                };
                format!("The KeyValueStore entry \"{entry}\" revokes the tokens issued before {v} ({}); {issued}.", utc(t))
            }
            Some(Some(_)) => format!("The KeyValueStore entry \"{entry}\" holds neither nothing nor a Unix time, so it revokes every token."),
        }
    }
}

/// `one of "a", "b"`, or `"a"` alone.
fn one_of(values: &[String]) -> String {
    match values {
        [one] => format!("\"{one}\""),
        several => format!("one of {}", quoted(several)),
    }
}

fn quoted(values: &[String]) -> String {
    values.iter().map(|v| format!("\"{v}\"")).collect::<Vec<_>>().join(", ")
}

/// A length of time for people: `45 s`, `2 h 13 min`, `3 d 4 h`.
pub fn span(seconds: f64) -> String {
    let s = seconds.abs().round() as u64;
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    match () {
        _ if d > 0 => format!("{d} d {h} h"),
        _ if h > 0 => format!("{h} h {m} min"),
        _ if m > 0 => format!("{m} min {sec} s"),
        _ => format!("{sec} s"),
    }
}

/// Unix seconds as a UTC date: `2023-11-14 22:13:20 UTC`.
pub fn utc(seconds: f64) -> String {
    if !seconds.is_finite() || seconds.abs() > 8.64e15 {
        return "not a date".into();
    }
    let s = seconds.floor() as i64;
    let (days, rest) = (s.div_euclid(86_400), s.rem_euclid(86_400));
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC", rest / 3600, rest % 3600 / 60, rest % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_spans_read_as_people_write_them() {
        assert_eq!(utc(1_700_000_000.0), "2023-11-14 22:13:20 UTC");
        assert_eq!(utc(0.0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400.0), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(-1.0), "1969-12-31 23:59:59 UTC");
        assert_eq!(span(7_980.0), "2 h 13 min");
        assert_eq!(span(45.0), "45 s");
        assert_eq!(span(90_000.0), "1 d 1 h");
        assert_eq!(span(-61.0), "1 min 1 s");
    }
}
