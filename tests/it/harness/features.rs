//! The policy's features: the names the tests give them (the size targets, `check` on every
//! combination, and the hostile test's count of what passing tokens reached all speak of
//! features in these words), what a policy uses by those names, and every combination of
//! the features with values of ordinary length.

use cfjwt::cloudfront::Runtime;
use cfjwt::key::Key;
use serde_json::{json, Value};

use super::{key, key_with_id, DEMO_KEY};

/// Every name [`features_of`] gives.
pub const FEATURES: &[&str] = &[
    "runtime 1.0",
    "runtime 2.0",
    "several sources",
    "strip off",
    "handoff",
    "optional exp",
    "required nbf",
    "leeway",
    "max_age",
    "iss",
    "aud",
    "scope",
    "public",
    "preflight",
    "redirect",
    "several keys",
    "keys with ids",
    "KeyValueStore",
];

/// The features a policy (its JSON) and its embedded keys use, by the names of [`FEATURES`].
pub fn features_of(policy: &Value, keys: &[Key]) -> Vec<&'static str> {
    let mut f = vec![if policy["runtime"] == "cloudfront-js-1.0" { "runtime 1.0" } else { "runtime 2.0" }];
    let token = &policy["token"];
    let claims = &policy["claims"];
    let on = [
        ("several sources", token["from"].as_array().is_some_and(|s| s.len() > 1)),
        ("strip off", token["strip"] == false),
        ("handoff", token.get("handoff").is_some()),
        ("optional exp", claims["exp"] == "optional"),
        ("required nbf", claims["nbf"] == "required"),
        ("leeway", claims["leeway"].as_f64().is_some_and(|l| l > 0.0)),
        ("max_age", claims.get("max_age").is_some()),
        ("iss", claims.get("iss").is_some()),
        ("aud", claims.get("aud").is_some_and(|a| a.is_string() || a.is_array())),
        ("scope", claims.get("scope").is_some()),
        ("public", policy["public"].as_array().is_some_and(|p| !p.is_empty())),
        ("preflight", policy["preflight"] == true),
        ("redirect", policy.pointer("/deny/redirect").is_some()),
        ("several keys", keys.len() > 1),
        ("keys with ids", keys.iter().any(|k| k.id.is_some())),
        ("KeyValueStore", policy.pointer("/key/kvs").is_some()),
    ];
    f.extend(on.iter().filter(|(_, on)| *on).map(|(name, _)| *name));
    f
}

/// One policy (JSON) and the keys to generate its function with.
pub struct Combination {
    pub runtime: Runtime,
    pub policy: Value,
    pub keys: Vec<Key>,
}

impl Combination {
    pub fn features(&self) -> Vec<&'static str> {
        features_of(&self.policy, &self.keys)
    }
}

/// Every combination of twelve switches, on each runtime that allows it (the KeyValueStore
/// needs cloudfront-js-2.0): three sources, strip off, the cookie hand-off, optional exp with
/// required nbf, leeway with max_age, two issuers, two audiences, scope, public paths with
/// preflight, a redirect on denial, three keys with ids, and the KeyValueStore.
pub fn combinations() -> Vec<Combination> {
    const SWITCHES: usize = 12;
    let mut out = Vec::new();
    for runtime in Runtime::ALL {
        for mask in 0u32..(1 << SWITCHES) {
            let on = |i: usize| mask & (1 << i) != 0;
            if on(11) && runtime != Runtime::Js2 {
                continue;
            }
            let mut sources = vec!["query:jwt"];
            if on(0) {
                sources = vec!["header:authorization", "cookie:token", "query:jwt"];
            }
            let mut token = json!({"from": sources, "strip": !on(1)});
            if on(2) {
                token["from"] = json!(["query:jwt", "cookie:token", "header:authorization"]);
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
            let keys = if on(11) {
                policy["key"] = json!({"kvs": "jwt.secret"});
                vec![]
            } else if on(10) {
                (1..=3).map(|i| key_with_id(&format!("k{i}"), &[b'a' + i as u8; 48])).collect()
            } else {
                vec![key(DEMO_KEY)]
            };
            out.push(Combination { runtime, policy, keys });
        }
    }
    out
}
