//! Golden files: each example policy in `examples/` beside its pretty-printed function in
//! `tests/golden/`, so a reviewer sees what changed in the JavaScript. `CFJWT_BLESS=1 cargo test
//! --test it golden` rewrites them. Each golden function is also run: a good token passes, and a
//! missing one is denied.

use std::path::Path;

use cfjwt::emit::Style;
use serde_json::{json, Value};

use crate::harness::*;

#[test]
fn golden_files_match() {
    let bless = std::env::var_os("CFJWT_BLESS").is_some();
    let mut stale = Vec::new();
    for path in examples() {
        let text = std::fs::read_to_string(&path).unwrap();
        let policy: Value = serde_json::from_str(&text).unwrap();
        let code = generate_styled(&text, keys_for(&policy), Style::Pretty);
        let golden = Path::new("tests/golden").join(path.file_stem().unwrap()).with_extension("js");
        if bless {
            std::fs::write(&golden, &code).unwrap();
        } else if std::fs::read_to_string(&golden).ok().as_deref() != Some(code.as_str()) {
            stale.push(golden.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "golden files differ (refresh with CFJWT_BLESS=1 cargo test --test it golden): {stale:?}"
    );
}

/// Builds a request that carries a token the way the policy's first source expects.
fn carrying(policy: &Value, token: &str) -> Value {
    let first = policy.pointer("/token/from/0").and_then(Value::as_str).unwrap_or("query:jwt");
    let (kind, name) = first.split_once(':').unwrap();
    let uri = "/courses/c1/lesson1.m3u8";
    match kind {
        "query" => event(uri, json!({ name: {"value": token} }), json!({}), json!({})),
        "cookie" => event(uri, json!({}), json!({}), json!({ name: {"value": token} })),
        "header" if name == "authorization" => {
            event(uri, json!({}), json!({ name: {"value": format!("Bearer {token}")} }), json!({}))
        }
        _ => event(uri, json!({}), json!({ name: {"value": token} }), json!({})),
    }
}

fn claims_for(policy: &Value) -> Value {
    let mut claims = json!({"sub": "u1", "exp": NOW + 60, "iat": NOW - 10, "nbf": NOW - 10});
    if let Some(iss) = policy.pointer("/claims/iss") {
        claims["iss"] = iss.as_array().map(|a| a[0].clone()).unwrap_or(iss.clone());
    }
    if let Some(aud) = policy.pointer("/claims/aud") {
        claims["aud"] = aud.as_array().map(|a| a[0].clone()).unwrap_or(aud.clone());
    }
    if let Some(scope) = policy.pointer("/claims/scope").and_then(Value::as_str) {
        claims[scope] = json!(["/courses/c1/*"]);
    }
    claims
}

#[test]
fn golden_functions_run() {
    for path in examples() {
        let text = std::fs::read_to_string(&path).unwrap();
        let policy: Value = serde_json::from_str(&text).unwrap();
        let store = policy
            .pointer("/key/kvs")
            .and_then(Value::as_str)
            .map(|name| json!({ name: String::from_utf8_lossy(DEMO_KEY) }));
        for style in [Style::Pretty, Style::Minified] {
            let code = generate_styled(&text, keys_for(&policy), style);
            let good = token(claims_for(&policy));
            let with_store = |e: Value| match &store {
                Some(kvs) => case_with_store(e, kvs.clone()),
                None => case(e),
            };
            let cases = vec![
                with_store(carrying(&policy, &good)),
                with_store(event("/courses/c1/lesson1.m3u8", json!({}), json!({}), json!({}))),
            ];
            let out = run(&code, &cases);
            // A good token in a hand-off's query source is moved into the cookie: a 302 that sets it.
            let handed_off = policy.pointer("/token/handoff").is_some()
                && matches!(&out[0], Outcome::Response(r) if r["statusCode"] == 302 && r["cookies"].get("token").is_some());
            assert!(
                out[0].allowed() || handed_off,
                "{}: {style:?}: a good token was denied: {:?}",
                path.display(),
                out[0]
            );
            assert!(!out[1].allowed(), "{}: {style:?}: no token passed", path.display());
        }
    }
}

/// The `then` example (`examples/then/`): its golden file is the whole function, the team's code
/// included, and it runs as the team's code expects.
#[test]
fn the_then_example_matches_its_golden_file_and_runs() {
    let path = Path::new("examples/then/policy.json");
    let policy = cfjwt::policy::load(path).unwrap();
    let golden = Path::new("tests/golden/then.js");
    let pretty = cfjwt::generate::generate(&policy, vec![key(DEMO_KEY)], Style::Pretty).unwrap().code;
    if std::env::var_os("CFJWT_BLESS").is_some() {
        std::fs::write(golden, &pretty).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(golden).ok().as_deref(),
        Some(pretty.as_str()),
        "tests/golden/then.js differs (refresh with CFJWT_BLESS=1 cargo test --test it golden)"
    );
    let good =
        token(json!({"exp": NOW + 60, "sub": "u7", "plan": "pro", "email_verified": true, "paths": ["/courses/*"]}));
    let free =
        token(json!({"exp": NOW + 60, "sub": "u8", "plan": "free", "email_verified": true, "paths": ["/courses/*"]}));
    for style in [Style::Pretty, Style::Minified] {
        let code = cfjwt::generate::generate(&policy, vec![key(DEMO_KEY)], style).unwrap().code;
        let cookie = |t: &str| json!({"token": {"value": t}});
        let out = run(
            &code,
            &[
                case(event("/courses/c1/", json!({}), json!({"x-user-id": {"value": "admin"}}), cookie(&good))),
                case(event("/pricing/team", json!({}), json!({"x-user-id": {"value": "admin"}}), json!({}))),
                case(event("/courses/c1/", json!({}), json!({}), cookie(&free))),
            ],
        );
        let r = out[0].request();
        assert_eq!(r["uri"], "/courses/c1/index.html", "{style:?}");
        assert_eq!(r["headers"]["x-user-id"]["value"], "u7", "{style:?}");
        assert_eq!(r["headers"]["x-plan"]["value"], "pro", "{style:?}");
        assert_eq!(r["headers"]["x-viewer"]["value"], "member", "{style:?}");
        let r = out[1].request();
        assert_eq!(r["uri"], "/pricing/team/index.html", "{style:?}");
        assert!(r["headers"].get("x-user-id").is_none(), "{style:?}: a spoofed header went through");
        assert_eq!(r["headers"]["x-viewer"]["value"], "guest", "{style:?}");
        assert_eq!(out[2].status(), Some(401), "{style:?}: a free plan");
    }
}
