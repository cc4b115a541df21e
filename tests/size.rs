//! The size targets, as tests: the output is deterministic, so its size is too. The seed's policy
//! fits in 1,000 bytes, a full policy in 2,000, and no combination of features in 4,096.

mod common;

use cfjwt::cloudfront::Runtime;
use common::*;
use serde_json::{json, Value};

fn size(policy: &Value, keys: Vec<cfjwt::key::Key>) -> usize {
    generate(&policy.to_string(), keys).len()
}

#[test]
fn seed_policy_fits_in_1000_bytes() {
    for runtime in Runtime::ALL {
        let policy = json!({"runtime": runtime.name(), "token": {"from": ["query:jwt"]}, "claims": {"exp": "required"}});
        let n = size(&policy, vec![key(DEMO_KEY)]);
        assert!(n <= 1000, "{runtime}: {n} bytes");
    }
}

#[test]
fn full_policy_fits_in_2000_bytes() {
    for runtime in Runtime::ALL {
        let policy = json!({
            "runtime": runtime.name(),
            "token": {"from": ["header:authorization", "cookie:token", "query:jwt"], "strip": true},
            "claims": {"exp": "required", "leeway": 30, "iss": ["https://lms.example.com", "https://auth.example.com"],
                       "aud": "videos", "scope": "paths"},
            "public": ["/favicon.ico", "/public/*"],
            "preflight": true
        });
        let n = size(&policy, vec![key(DEMO_KEY)]);
        assert!(n <= 2000, "{runtime}: {n} bytes");
    }
}

/// Every combination of the policy's features, with values of ordinary length.
#[test]
fn no_combination_of_features_exceeds_4096_bytes() {
    const FEATURES: usize = 12;
    let mut largest = (0, String::new());
    for runtime in Runtime::ALL {
        for mask in 0u32..(1 << FEATURES) {
            let on = |i: usize| mask & (1 << i) != 0;
            let store = on(11) && runtime == Runtime::Js2;
            let mut sources = vec!["query:jwt"];
            if on(0) {
                sources = vec!["header:authorization", "cookie:token", "query:jwt"];
            }
            let mut token = json!({"from": sources, "strip": !on(1)});
            if on(2) {
                token["from"] = json!(["cookie:token", "query:jwt", "header:authorization"]);
                token["handoff"] = json!({"cookie": "token", "path": "/courses/"});
            }
            let mut claims = json!({"exp": if on(3) { "optional" } else { "required" }, "nbf": if on(3) { "required" } else { "optional" }});
            if on(4) {
                claims["leeway"] = json!(30);
                claims["max_age"] = json!(3600);
            }
            if on(5) {
                claims["iss"] = json!(["https://lms.example.com", "https://auth.example.com"]);
            }
            if on(6) {
                claims["aud"] = json!(["videos", "api"]);
            }
            if on(7) {
                claims["scope"] = json!("paths");
            }
            let mut policy = json!({"runtime": runtime.name(), "token": token, "claims": claims});
            if on(8) {
                policy["public"] = json!(["/favicon.ico", "/public/*", "/robots.txt"]);
                policy["preflight"] = json!(true);
            }
            if on(9) {
                policy["deny"] = json!({"redirect": "https://lms.example.com/login?next={uri}"});
            }
            let keys = if store {
                policy["key"] = json!({"kvs": "jwt.secret"});
                vec![]
            } else if on(10) {
                (1..=3).map(|i| key_with_id(&format!("k{i}"), &[b'a' + i as u8; 48])).collect()
            } else {
                vec![key(DEMO_KEY)]
            };
            let n = size(&policy, keys);
            if n > largest.0 {
                largest = (n, policy.to_string());
            }
        }
    }
    assert!(largest.0 <= 4096, "{} bytes for {}", largest.0, largest.1);
    eprintln!("largest combination: {} bytes", largest.0);
}

#[test]
fn output_is_deterministic() {
    let policy = r#"{"token": {"from": ["cookie:a", "query:b"]}, "claims": {"iss": ["x", "y"], "aud": "z", "scope": "s"}, "public": ["/p/*"]}"#;
    let keys = || vec![key_with_id("b", b"second-key-second-key-second-key-!"), key_with_id("a", b"first-key-first-key-first-key-first")];
    let first = generate(policy, keys());
    for _ in 0..5 {
        assert_eq!(generate(policy, keys()), first);
    }
}
