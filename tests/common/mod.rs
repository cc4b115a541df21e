//! Shared by the integration tests: generating functions, crafting tokens and events, and running
//! functions on many events at once, under njs and in the bundled engine.
#![allow(dead_code)]

pub mod njs;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use cfjwt::cloudfront::Runtime;
use cfjwt::emit::Style;
use cfjwt::key::{Key, Secret};

/// The demo key of the examples: public, for tests only.
pub const DEMO_KEY: &[u8] = b"cfjwt-demo-key-PUBLIC-never-use-in-production-0123456789";

/// The time every test runs at, unless it says otherwise.
pub const NOW: i64 = 1_700_000_000;

/// A key without id.
pub fn key(secret: &[u8]) -> Key {
    Key { id: None, secret: Secret::new(secret.to_vec()) }
}

/// A key with an id.
pub fn key_with_id(id: &str, secret: &[u8]) -> Key {
    Key { id: Some(id.into()), secret: Secret::new(secret.to_vec()) }
}

/// The minified function for a policy (JSON text) and keys.
pub fn generate(policy: &str, keys: Vec<Key>) -> String {
    generate_styled(policy, keys, Style::Minified)
}

pub fn generate_styled(policy: &str, keys: Vec<Key>, style: Style) -> String {
    let policy = cfjwt::policy::parse(policy, std::path::Path::new("policy.json")).expect("policy is valid");
    cfjwt::generate::generate(&policy, keys, style).expect("generates").code
}

/// The policy with its runtime set.
pub fn with_runtime(policy: &str, runtime: Runtime) -> String {
    let mut v: Value = serde_json::from_str(policy).unwrap();
    v["runtime"] = json!(runtime.name());
    v.to_string()
}

/// Unpadded base64url.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// HMAC-SHA256 of `input` under `secret`, unpadded base64url: written here with the hmac crate,
/// independently of the generator.
pub fn hs256(secret: &[u8], input: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(input.as_bytes());
    b64(&mac.finalize().into_bytes())
}

/// A token from raw header and payload text, signed with `secret`.
pub fn token_raw(header: &str, payload: &str, secret: &[u8]) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let sig = hs256(secret, &input);
    format!("{input}.{sig}")
}

/// A token with the standard header and these claims, signed with the demo key.
pub fn token(claims: Value) -> String {
    token_raw(r#"{"alg":"HS256","typ":"JWT"}"#, &claims.to_string(), DEMO_KEY)
}

/// Tokens that are not three base64url segments with a 43-character signature, made from a
/// valid `good` one, by name. Some are refused by the generated function's first comparison (the
/// dot 44 characters from the end), the others only by its regular expression: both sides of
/// that shortcut are here.
pub fn malformed_tokens(good: &str) -> Vec<(String, String)> {
    let parts: Vec<&str> = good.split('.').collect();
    let (h, p, s) = (parts[0], parts[1], parts[2]);
    let chars43 = "A".repeat(43);
    vec![
        ("two segments".into(), format!("{h}.{p}")),
        ("two segments, the second 43 characters".into(), format!("{h}.{chars43}")),
        ("four segments".into(), format!("{h}.{p}.{s}.{s}")),
        ("empty header".into(), format!(".{p}.{s}")),
        ("empty payload".into(), format!("{h}..{s}")),
        ("empty signature".into(), format!("{h}.{p}.")),
        ("only a dot and a signature".into(), format!(".{s}")),
        ("shorter than a signature".into(), "abc".into()),
        ("padding".into(), format!("{h}.{p}.{s}=")),
        ("padded payload".into(), format!("{h}.{p}==.{s}")),
        ("standard alphabet +".into(), format!("{h}.{p}.{}", s.replacen(|c: char| c.is_ascii_alphabetic(), "+", 1))),
        ("standard alphabet /".into(), format!("{h}.{p}.{}", s.replacen(|c: char| c.is_ascii_alphabetic(), "/", 1))),
        ("standard alphabet + in the payload".into(), format!("{h}.{}+.{s}", p)),
        ("non-ASCII in the header".into(), format!("{h}\u{e9}.{p}.{s}")),
        ("non-ASCII in the signature".into(), format!("{h}.{p}.{}\u{e9}", &s[..42])),
        ("space inside".into(), format!("{h} .{p}.{s}")),
        ("signature too short".into(), format!("{h}.{p}.{}", &s[..42])),
        ("signature too long".into(), format!("{h}.{p}.{s}A")),
        ("empty".into(), String::new()),
        ("dots only".into(), "..".into()),
        ("trailing newline".into(), format!("{good}\n")),
    ]
}

/// A viewer-request event in the `aws cloudfront test-function` format.
pub fn event(uri: &str, querystring: Value, headers: Value, cookies: Value) -> Value {
    json!({
        "version": "1.0",
        "context": {"eventType": "viewer-request"},
        "viewer": {"ip": "198.51.100.11"},
        "request": {"method": "GET", "uri": uri, "querystring": querystring, "headers": headers, "cookies": cookies}
    })
}

/// An event carrying `token` in `?jwt=`, beside another parameter.
pub fn query_event(token: &str) -> Value {
    event("/courses/c1/lesson1.m3u8", json!({"jwt": {"value": token}, "lang": {"value": "en"}}), json!({"host": {"value": "example.org"}}), json!({}))
}

/// One case: an event and the clock.
#[derive(Clone, Debug)]
pub struct Case {
    pub event: Value,
    pub now: i64,
    /// The KeyValueStore's contents (a JSON object of strings), if the function reads it.
    pub kvs: Option<Value>,
}

pub fn case(event: Value) -> Case {
    Case { event, now: NOW, kvs: None }
}

pub fn case_at(event: Value, now: i64) -> Case {
    Case { event, now, kvs: None }
}

pub fn case_with_store(event: Value, kvs: Value) -> Case {
    Case { event, now: NOW, kvs: Some(kvs) }
}

/// What the function answered to one event.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// It returned the request (maybe changed).
    Request(Value),
    /// It returned a response.
    Response(Value),
    /// It threw or returned something else; the text says what.
    Failed(String),
}

impl Outcome {
    pub fn allowed(&self) -> bool {
        matches!(self, Outcome::Request(_))
    }

    /// The response's status code when it denied.
    pub fn status(&self) -> Option<i64> {
        match self {
            Outcome::Response(r) => r["statusCode"].as_i64(),
            _ => None,
        }
    }

    pub fn request(&self) -> &Value {
        match self {
            Outcome::Request(r) => r,
            other => panic!("expected the request to go on, got {other:?}"),
        }
    }

    /// Classifies what a handler returned: a response has a statusCode.
    pub fn from_returned(v: Value) -> Outcome {
        if v.get("statusCode").is_some() {
            Outcome::Response(v)
        } else if v.get("uri").is_some() {
            Outcome::Request(v)
        } else {
            Outcome::Failed(format!("returned {v}"))
        }
    }
}

/// Runs a function on cases under njs and in the bundled engine, asserts that both agree, and
/// returns the outcomes.
pub fn run(code: &str, cases: &[Case]) -> Vec<Outcome> {
    // Both engines get the event as CloudFront builds it (every object present).
    let cases: Vec<Case> = cases
        .iter()
        .map(|c| Case { event: cfjwt::runtime::normalize_event(c.event.clone()).expect("a valid event").json().clone(), ..c.clone() })
        .collect();
    let cases = &cases[..];
    let by_njs = njs::run(code, cases);
    let by_engine = engine_run(code, cases);
    for (i, (a, b)) in by_njs.iter().zip(&by_engine).enumerate() {
        assert_eq!(a, b, "njs and the bundled engine disagree on case {i}: {:?}", cases[i].event);
    }
    by_njs
}

/// Runs cases in the bundled engine only.
pub fn engine_run(code: &str, cases: &[Case]) -> Vec<Outcome> {
    engine::run(code, cases)
}

#[path = "engine_runner.rs"]
pub mod engine;
