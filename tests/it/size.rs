//! The size targets, as tests: the output is deterministic, so its size is too. The seed's policy
//! fits in 1,000 bytes, a full policy in 2,000, and no combination of features in 4,096.

use cfjwt::cloudfront::Runtime;
use serde_json::{json, Value};

use crate::harness::*;

fn size(policy: &Value, keys: Vec<cfjwt::key::Key>) -> usize {
    generate(&policy.to_string(), keys).len()
}

#[test]
fn seed_policy_fits_in_1000_bytes() {
    for runtime in Runtime::ALL {
        let policy =
            json!({"runtime": runtime.name(), "token": {"from": ["query:jwt"]}, "claims": {"exp": "required"}});
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

/// Every combination of the policy's features (`harness::features`), with values of ordinary
/// length.
#[test]
fn no_combination_of_features_exceeds_4096_bytes() {
    let mut largest = (0, String::new(), Vec::new());
    for c in combinations() {
        let features = c.features();
        let n = size(&c.policy, c.keys);
        if n > largest.0 {
            largest = (n, c.policy.to_string(), features);
        }
    }
    assert!(largest.0 <= 4096, "{} bytes for {} ({:?})", largest.0, largest.1, largest.2);
    eprintln!("largest combination: {} bytes ({})", largest.0, largest.2.join(", "));
}

/// The largest combination, with `forward` (two claims) and `claims.require` (a list and a
/// boolean) on top: still within 4,096 bytes. Without them the function has none of their code
/// (`forward.rs`, `unused_features_cost_nothing`).
#[test]
fn forward_and_require_on_the_largest_combination_stay_within_4096_bytes() {
    let (mut policy, keys) = combinations()
        .into_iter()
        .map(|c| (size(&c.policy, c.keys.clone()), c))
        .max_by_key(|(n, _)| *n)
        .map(|(_, c)| (c.policy, c.keys))
        .unwrap();
    let before = size(&policy, keys.clone());
    policy["forward"] = json!({"sub": "x-user-id", "tenant": "x-tenant"});
    policy["claims"]["require"] = json!({"plan": ["pro", "team"], "email_verified": true});
    let n = size(&policy, keys);
    assert!(n <= 4096, "{n} bytes for {policy}");
    eprintln!("largest combination {before} bytes; with forward and require {n}");
}

#[test]
fn output_is_deterministic() {
    let policy = r#"{"token": {"from": ["cookie:a", "query:b"]}, "claims": {"iss": ["x", "y"], "aud": "z", "scope": "s"}, "public": ["/p/*"]}"#;
    let keys = || {
        vec![
            key_with_id("b", b"second-key-second-key-second-key-!"),
            key_with_id("a", b"first-key-first-key-first-key-first"),
        ]
    };
    let first = generate(policy, keys());
    for _ in 0..5 {
        assert_eq!(generate(policy, keys()), first);
    }
}
