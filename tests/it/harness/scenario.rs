//! The requests `make bench` measures every handler on: where a policy's token is read from, the
//! claims of a token that passes all its checks, and that token made malformed in the three
//! ways the bench times. Shared by `benches/bench.rs` (which includes this file) and the test
//! that each bench baseline decides like the generated function on these same requests.

use std::collections::BTreeMap;

use cfjwt::cloudfront::Runtime;
use serde_json::{json, Map, Value};

use super::events::event;
use super::sign::token_raw;

/// The URI every bench request asks for.
pub const URI: &str = "/courses/c1/lesson1.mp4";
/// The URI pattern a scoped policy's token carries (it covers `URI`).
pub const SCOPE: &str = "/courses/c1/*";

/// The runtime a handler's code names in a marker comment in its first three lines (the
/// baselines carry it below a title line), else 2.0.
pub fn runtime_of(code: &str) -> Runtime {
    code.lines().take(3).find_map(Runtime::from_marker).unwrap_or_default()
}

/// Where a policy's token is read from (its first `token.from` source).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Query(String),
    Bearer,
    Header(String),
    Cookie(String),
}

impl Source {
    pub fn parse(spec: &str) -> Source {
        match spec.split_once(':') {
            Some(("header", "authorization")) => Source::Bearer,
            Some(("header", name)) => Source::Header(name.to_owned()),
            Some(("cookie", name)) => Source::Cookie(name.to_owned()),
            Some(("query", name)) => Source::Query(name.to_owned()),
            _ => panic!("unknown token source {spec}"),
        }
    }

    pub fn label(&self) -> String {
        match self {
            Source::Query(n) => format!("?{n}="),
            Source::Bearer => "Authorization: Bearer".into(),
            Source::Header(n) => format!("{n}:"),
            Source::Cookie(n) => format!("cookie {n}="),
        }
    }
}

/// The request a handler is measured on, and what a valid token for it carries.
#[derive(Clone)]
pub struct Scenario {
    pub source: Source,
    pub claims: Map<String, Value>,
    /// KeyValueStore contents, for a policy that reads its key from one.
    pub kvs: Option<BTreeMap<String, String>>,
}

impl Scenario {
    /// A token in `?jwt=` with `sub` and `exp`: what the seed policy and the references take.
    pub fn seed(now: i64) -> Scenario {
        let mut claims = Map::new();
        claims.insert("sub".into(), json!("bench-user"));
        claims.insert("exp".into(), json!(now + 3600));
        Scenario { source: Source::Query("jwt".into()), claims, kvs: None }
    }

    /// A scenario that satisfies every check of `policy` (parsed policy JSON), whose key (or
    /// KeyValueStore secret) is `key`.
    pub fn for_policy(policy: &Value, now: i64, key: &str) -> Scenario {
        // With the hand-off, the cookie: the player's segment requests, nearly every request, carry
        // it (the query token is read first, but once per lesson). Else the first source.
        let handoff_cookie =
            policy.pointer("/token/handoff/cookie").and_then(Value::as_str).map(|c| format!("cookie:{c}"));
        let source = handoff_cookie
            .as_deref()
            .or_else(|| policy.pointer("/token/from/0").and_then(Value::as_str))
            .map(Source::parse)
            .unwrap_or_else(|| Source::Query("jwt".into()));
        let c = policy.get("claims").cloned().unwrap_or(json!({}));
        let first = |v: &Value| match v {
            Value::Array(items) => items.first().cloned(),
            other => Some(other.clone()),
        };
        let mut claims = Map::new();
        claims.insert("sub".into(), json!("bench-user"));
        if let Some(iss) = c.get("iss").and_then(first) {
            claims.insert("iss".into(), iss);
        }
        if let Some(aud) = c.get("aud").and_then(first) {
            claims.insert("aud".into(), aud);
        }
        if c.get("max_age").is_some() {
            claims.insert("iat".into(), json!(now - 60));
        }
        claims.insert("exp".into(), json!(now + 3600));
        if let Some(scope) = c.get("scope").and_then(Value::as_str) {
            claims.insert(scope.into(), json!([SCOPE]));
        }
        let kvs = policy.pointer("/key/kvs").and_then(Value::as_str).map(|name| {
            let mut store = BTreeMap::new();
            store.insert(name.to_owned(), key.to_owned());
            store
        });
        Scenario { source, claims, kvs }
    }

    /// The viewer-request event carrying `token` where the scenario's source reads it.
    pub fn event(&self, token: &str) -> Value {
        let mut query = Map::new();
        let mut headers = Map::new();
        let mut cookies = Map::new();
        headers.insert("host".into(), json!({"value": "d111111abcdef8.cloudfront.net"}));
        headers.insert("accept".into(), json!({"value": "*/*"}));
        headers.insert("user-agent".into(), json!({"value": "Mozilla/5.0 (bench)"}));
        match &self.source {
            Source::Query(n) => drop(query.insert(n.clone(), json!({"value": token}))),
            Source::Bearer => drop(headers.insert("authorization".into(), json!({"value": format!("Bearer {token}")}))),
            Source::Header(n) => drop(headers.insert(n.clone(), json!({"value": token}))),
            Source::Cookie(n) => drop(cookies.insert(n.clone(), json!({"value": token}))),
        }
        event(URI, Value::Object(query), Value::Object(headers), Value::Object(cookies))
    }
}

/// The tokens the bench times: a valid one and three malformed ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Valid,
    Segments,
    Alphabet,
    SigLength,
}

pub const MALFORMED: [Kind; 3] = [Kind::Segments, Kind::Alphabet, Kind::SigLength];

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Valid => "valid",
            Kind::Segments => "2 segments",
            Kind::Alphabet => "bad alphabet",
            Kind::SigLength => "42-char signature",
        }
    }
}

/// An HS256 token with the common header `{"alg":"HS256","typ":"JWT"}`, made malformed as `kind`
/// says: its signature dropped, a `+` ten characters into its payload, or its signature cut to
/// 42 characters.
pub fn token(key: &str, claims: &Map<String, Value>, kind: Kind) -> String {
    let good = token_raw(r#"{"alg":"HS256","typ":"JWT"}"#, &serde_json::to_string(claims).unwrap(), key.as_bytes());
    let (input, sig) = good.rsplit_once('.').unwrap();
    match kind {
        Kind::Valid => good.clone(),
        Kind::Segments => input.to_owned(),
        Kind::Alphabet => {
            let (header, payload) = input.split_once('.').unwrap();
            let mut p = payload.to_owned();
            p.replace_range(10..11, "+");
            format!("{header}.{p}.{sig}")
        }
        Kind::SigLength => format!("{input}.{}", &sig[..42]),
    }
}
