//! Reason codes: for every code, a request that produces it, under njs and in the bundled engine
//! (which must agree on the answer and on the logged reason), for both runtimes and both ways of
//! logging; and nothing logged without `log`. (That a function built with `log` decides exactly
//! as the one built without is the hostile property test's, on random policies and requests.)

use std::collections::BTreeSet;

use cfjwt::cloudfront::Runtime;
use cfjwt::reason::{Decision, Reason};
use serde_json::{json, Value};

use crate::harness::{self, b64, case, case_at, case_with_store, event, token_raw, Case, Outcome, DEMO_KEY, NOW};

pub(crate) const OTHER_KEY: &[u8] = b"another-key-of-thirty-two-bytes-or-more-0123456789";
pub(crate) const STANDARD: &str = r#"{"alg":"HS256","typ":"JWT"}"#;
pub(crate) const URI: &str = "/courses/c1/lesson1.m3u8";

/// The policy with most checks: key ids, every time claim, `iss`, `aud`, `require`, `scope`,
/// `public` and `preflight`.
pub(crate) const STRICT: &str = r#"{
  "token": {"from": ["query:jwt"]},
  "claims": {"exp": "required", "nbf": "required", "max_age": 600, "iss": "https://issuer.example",
             "aud": "videos", "scope": "paths", "require": {"plan": ["pro", "team"]}},
  "public": ["/public/*"],
  "preflight": true
}"#;

/// One embedded key without id: the standard header is recognised by its text.
pub(crate) const PLAIN: &str = r#"{"token": {"from": ["query:jwt"]}}"#;

/// The secret in the KeyValueStore.
pub(crate) const STORE: &str =
    r#"{"key": {"kvs": "jwt.secret"}, "token": {"from": ["query:jwt"]}, "revocation": {"claim": "sid"}}"#;

/// Claims `STRICT` accepts.
pub(crate) fn strict_claims() -> Value {
    json!({"exp": NOW + 300, "nbf": NOW - 10, "iat": NOW - 10, "iss": "https://issuer.example",
           "aud": "videos", "paths": ["/courses/c1/*"], "plan": "pro"})
}

/// `claims` with `change` applied: a member set, or removed when the value is null.
fn with(mut claims: Value, change: Value) -> Value {
    for (k, v) in change.as_object().unwrap() {
        if v.is_null() {
            claims.as_object_mut().unwrap().remove(k);
        } else {
            claims[k] = v.clone();
        }
    }
    claims
}

fn kid_header(kid: &str) -> String {
    json!({"alg": "HS256", "typ": "JWT", "kid": kid}).to_string()
}

pub(crate) fn at(uri: &str, token: &str) -> Value {
    event(uri, json!({"jwt": {"value": token}}), json!({"host": {"value": "example.org"}}), json!({}))
}

pub(crate) fn signed(header: &str, claims: &Value) -> String {
    token_raw(header, &claims.to_string(), DEMO_KEY)
}

/// The requests for `STRICT` (generated with the demo key as `k1`), each with the code it must
/// produce.
pub(crate) fn strict_cases() -> Vec<(Case, Reason)> {
    let k1 = kid_header("k1");
    let good = strict_claims();
    let token = |claims: Value| signed(&k1, &claims);
    let valid = token(good.clone());
    let mut preflight = event(URI, json!({}), json!({}), json!({}));
    preflight["request"]["method"] = json!("OPTIONS");
    preflight["request"]["headers"] = json!({"origin": {"value": "https://app.example.com"},
                                             "access-control-request-method": {"value": "GET"}});
    let mut two = at(URI, &valid);
    two["request"]["querystring"]["jwt"]["multiValue"] = json!([{"value": valid}, {"value": valid}]);
    let claims = |change: Value| token(with(good.clone(), change));
    vec![
        (case(event("/public/site.css", json!({}), json!({}), json!({}))), Reason::Public),
        (case(preflight), Reason::Preflight),
        (case(event(URI, json!({"lang": {"value": "en"}}), json!({}), json!({}))), Reason::NoToken),
        (case(two), Reason::MultipleValues),
        (case(at(URI, "not-a-token")), Reason::Malformed),
        (case(at(URI, &signed(&kid_header("k9"), &good))), Reason::UnknownKid),
        (case(at(URI, &token_raw(&k1, &good.to_string(), OTHER_KEY))), Reason::Signature),
        (case(at(URI, &signed(r#"{"alg":"HS512","kid":"k1"}"#, &good))), Reason::Alg),
        (case(at(URI, &signed(r#"{"alg":"HS256","kid":"k1","crit":["exp"]}"#, &good))), Reason::Crit),
        (case(at(URI, &signed("{not json", &good))), Reason::Header),
        (case(at(URI, &token_raw(&k1, "[1,2]", DEMO_KEY))), Reason::Payload),
        (case(at(URI, &claims(json!({"exp": null})))), Reason::ExpMissing),
        (case(at(URI, &claims(json!({"exp": "1700000300"})))), Reason::ExpType),
        (case(at(URI, &claims(json!({"exp": NOW - 1})))), Reason::Expired),
        (case(at(URI, &claims(json!({"nbf": null})))), Reason::NbfMissing),
        (case(at(URI, &claims(json!({"nbf": true})))), Reason::NbfType),
        (case(at(URI, &claims(json!({"nbf": NOW + 60})))), Reason::NotYetValid),
        (case(at(URI, &claims(json!({"iat": null})))), Reason::IatMissing),
        (case(at(URI, &claims(json!({"iat": "yesterday"})))), Reason::IatType),
        (case(at(URI, &claims(json!({"iat": NOW + 60})))), Reason::IatFuture),
        (case(at(URI, &claims(json!({"iat": NOW - 700})))), Reason::TooOld),
        (case(at(URI, &claims(json!({"iss": "https://other.example"})))), Reason::Iss),
        (case(at(URI, &claims(json!({"aud": ["web", "api"]})))), Reason::Aud),
        (case(at(URI, &claims(json!({"plan": "free"})))), Reason::Claim),
        (case(at(URI, &claims(json!({"plan": null})))), Reason::Claim),
        (case(at(URI, &claims(json!({"plan": ["free", "trial"]})))), Reason::Claim),
        (case(at(URI, &claims(json!({"paths": null})))), Reason::ScopeClaim),
        (case(at(URI, &claims(json!({"paths": 7})))), Reason::ScopeClaim),
        (case(at(URI, &claims(json!({"paths": ["/courses/c2/*"]})))), Reason::Scope),
        (case(at("/courses/c1/../c2/a.ts", &valid)), Reason::UnsafeUri),
        (case(at(URI, &valid)), Reason::Ok),
        // The same token once its `exp` has passed.
        (case_at(at(URI, &valid), NOW + 301), Reason::Expired),
    ]
}

/// The requests for `PLAIN` (the demo key, no id).
pub(crate) fn plain_cases() -> Vec<(Case, Reason)> {
    let exp = json!({"exp": NOW + 300});
    vec![
        (case(at(URI, &signed(STANDARD, &json!({"exp": NOW + 300, "aud": "web"})))), Reason::Aud),
        (case(at(URI, &signed(r#"{"alg":"none"}"#, &exp))), Reason::Alg),
        (case(at(URI, &signed(r#"{"alg":"HS256","crit":["b64"]}"#, &exp))), Reason::Crit),
        (case(at(URI, &signed("]", &exp))), Reason::Header),
        (case(at(URI, &token_raw(STANDARD, "\"text\"", DEMO_KEY))), Reason::Payload),
        (case(at(URI, &token_raw(STANDARD, "{\"exp\":1e999}", DEMO_KEY))), Reason::ExpType),
        (case(at(URI, &signed(STANDARD, &json!({"exp": NOW + 300, "iat": "x"})))), Reason::IatType),
        (case(at(URI, &signed(STANDARD, &json!({"exp": NOW + 300, "nbf": NOW + 10})))), Reason::NotYetValid),
        (case(at(URI, &format!("{}.{}", b64(STANDARD.as_bytes()), "e30"))), Reason::Malformed),
        (case(at(URI, &signed(STANDARD, &exp))), Reason::Ok),
    ]
}

/// The requests for `STORE`, with the store each one meets.
pub(crate) fn store_cases() -> Vec<(Case, Reason)> {
    let exp = json!({"exp": NOW + 300, "sid": "s1"});
    let secret = std::str::from_utf8(DEMO_KEY).unwrap();
    let store = json!({"jwt.secret": secret, "jwt.secret:k2": secret});
    let revoked = json!({"jwt.secret": secret, "revoked:s1": ""});
    let valid = signed(STANDARD, &exp);
    vec![
        (case_with_store(at(URI, &valid), json!({})), Reason::KeyUnavailable),
        (case_with_store(at(URI, &valid), json!({"jwt.secret": "too-short"})), Reason::KeyUnavailable),
        (case_with_store(at(URI, &signed(&kid_header("k3"), &exp)), store.clone()), Reason::KeyUnavailable),
        (case_with_store(at(URI, &signed(&kid_header("a kid"), &exp)), store.clone()), Reason::UnknownKid),
        (case_with_store(at(URI, &signed("nul", &exp)), store.clone()), Reason::Header),
        (case_with_store(at(URI, &token_raw(STANDARD, &exp.to_string(), OTHER_KEY)), store.clone()), Reason::Signature),
        (case_with_store(at(URI, &token_raw(STANDARD, "{", DEMO_KEY)), store.clone()), Reason::Payload),
        (case_with_store(at(URI, &signed(&kid_header("k2"), &exp)), store.clone()), Reason::Ok),
        (case_with_store(at(URI, &valid), revoked), Reason::Revoked),
        (case_with_store(at(URI, &signed(STANDARD, &json!({"exp": NOW + 300}))), store.clone()), Reason::Revoked),
        (case_with_store(at(URI, &valid), store), Reason::Ok),
    ]
}

/// `cors`, and the requests for it.
pub(crate) const CORS: &str = r#"{"token": {"from": ["query:jwt"]}, "cors": {"origins": ["https://app.example.com"]}}"#;

pub(crate) fn cors_cases() -> Vec<(Case, Reason)> {
    let preflight = |origin: &str| {
        let mut e = event(URI, json!({}), json!({}), json!({}));
        e["request"]["method"] = json!("OPTIONS");
        e["request"]["headers"] =
            json!({"origin": {"value": origin}, "access-control-request-method": {"value": "GET"}});
        case(e)
    };
    vec![
        (preflight("https://app.example.com"), Reason::Preflight),
        (preflight("https://other.example"), Reason::Origin),
        (case(at(URI, &signed(STANDARD, &json!({"exp": NOW + 60})))), Reason::Ok),
    ]
}

/// The policy with `log` and the runtime set.
fn logged(policy: &str, log: &str, runtime: Runtime) -> String {
    let mut v: Value = serde_json::from_str(&harness::with_runtime(policy, runtime)).unwrap();
    v["log"] = json!(log);
    v.to_string()
}

/// Runs each case under njs and in the bundled engine and checks the reason it logged and that
/// its answer goes with it; returns the codes seen.
fn check(name: &str, code: &str, cases: &[(Case, Reason)]) -> BTreeSet<Reason> {
    let list: Vec<Case> = cases.iter().map(|(c, _)| c.clone()).collect();
    let answers = harness::run_with_reasons(code, &list);
    let mut seen = BTreeSet::new();
    for ((case, want), (outcome, reason)) in cases.iter().zip(&answers) {
        let decision = match want.decision() {
            Decision::Allow => "allow",
            Decision::Deny => "deny",
        };
        let expected = format!("{decision} {}", want.code());
        assert_eq!(reason.as_deref(), Some(expected.as_str()), "{name}: {:?}", case.event["request"]);
        match want.decision() {
            Decision::Allow if *want == Reason::Preflight && name.starts_with("cors") => {
                assert_eq!(outcome.status(), Some(204), "{name}: {want:?} but {outcome:?}")
            }
            Decision::Allow => assert!(outcome.allowed(), "{name}: {want:?} but {outcome:?}"),
            Decision::Deny => assert_eq!(outcome.status(), Some(401), "{name}: {want:?} but {outcome:?}"),
        }
        seen.insert(*want);
    }
    seen
}

#[test]
fn every_code_is_produced_under_both_runtimes_and_both_ways_of_logging() {
    let mut seen = BTreeSet::new();
    for runtime in Runtime::ALL {
        for log in ["console", "access-log"] {
            if log == "access-log" && !runtime.profile().log_custom_data {
                continue;
            }
            let name = format!("{runtime}, log {log}");
            let strict = logged(STRICT, log, runtime);
            let code = harness::generate(&strict, vec![harness::key_with_id("k1", DEMO_KEY)]);
            seen.extend(check(&format!("strict, {name}"), &code, &strict_cases()));
            let code = harness::generate(&logged(PLAIN, log, runtime), vec![harness::key(DEMO_KEY)]);
            seen.extend(check(&format!("plain, {name}"), &code, &plain_cases()));
            let code = harness::generate(&logged(CORS, log, runtime), vec![harness::key(DEMO_KEY)]);
            seen.extend(check(&format!("cors, {name}"), &code, &cors_cases()));
            if runtime.profile().key_value_store {
                let code = harness::generate(&logged(STORE, log, runtime), vec![]);
                seen.extend(check(&format!("store, {name}"), &code, &store_cases()));
            }
        }
    }
    let missing: Vec<&str> = Reason::ALL.iter().filter(|r| !seen.contains(r)).map(|r| r.code()).collect();
    assert!(missing.is_empty(), "no request produced {missing:?}");
}

#[test]
fn without_log_nothing_is_logged_and_the_answers_are_the_same() {
    for runtime in Runtime::ALL {
        let policy = harness::with_runtime(STRICT, runtime);
        let keys = || vec![harness::key_with_id("k1", DEMO_KEY)];
        let quiet = harness::generate(&policy, keys());
        let loud = harness::generate(&logged(STRICT, "console", runtime), keys());
        assert!(!quiet.contains("console") && !quiet.contains("why"), "{quiet}");
        let cases: Vec<Case> = strict_cases().into_iter().map(|(c, _)| c).collect();
        let without = harness::run_with_reasons(&quiet, &cases);
        let with_log = harness::run_with_reasons(&loud, &cases);
        for ((a, reason), (b, _)) in without.iter().zip(&with_log) {
            assert_eq!(reason, &None, "logged without `log`");
            assert_eq!(a, b, "{runtime}: `log` changed an answer");
        }
        assert!(without.iter().any(|(o, _)| matches!(o, Outcome::Request(_))));
    }
}

#[test]
fn logging_adds_at_most_400_bytes_to_the_seed_function() {
    let seed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/seed.json")).unwrap();
    let base = harness::generate(&seed, vec![harness::key(DEMO_KEY)]).len();
    for log in ["console", "access-log"] {
        let mut v: Value = serde_json::from_str(&seed).unwrap();
        v["log"] = json!(log);
        let with_log = harness::generate(&v.to_string(), vec![harness::key(DEMO_KEY)]).len();
        assert!(with_log <= base + 400, "log {log}: {with_log} bytes, {} more than the seed's {base}", with_log - base);
    }
}

#[test]
fn access_logs_need_runtime_2() {
    let policy = logged(PLAIN, "access-log", Runtime::Js1);
    let err = cfjwt::policy::parse(&policy, std::path::Path::new("p.json")).unwrap_err().to_string();
    assert!(err.contains("log: the access logs' custom data needs runtime cloudfront-js-2.0"), "{err}");
    let err = cfjwt::policy::parse(r#"{"log": "stdout"}"#, std::path::Path::new("p.json")).unwrap_err().to_string();
    assert!(err.contains("`stdout` is not a log setting; use one of none, console, access-log"), "{err}");
}

#[test]
fn the_readme_lists_every_code_with_its_meaning() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let rows: Vec<&str> = readme.lines().filter(|l| l.starts_with("| `") && l.matches(" | ").count() == 2).collect();
    let listed: Vec<String> =
        rows.iter().filter(|l| l.contains(" | allow | ") || l.contains(" | deny | ")).map(|l| l.to_string()).collect();
    let expected: Vec<String> = Reason::ALL
        .iter()
        .map(|r| {
            let decision = if r.decision() == Decision::Allow { "allow" } else { "deny" };
            format!("| `{}` | {decision} | {} |", r.code(), r.meaning())
        })
        .collect();
    assert_eq!(listed, expected, "README.md's table of reason codes is src/reason.rs's list, in order");
}
