//! `forward` (verified claims to request headers, the same headers removed from every request)
//! and `claims.require` (claims that must have one of the given values), under njs and in the
//! bundled engine, both runtimes: every JSON type, control characters and the length limit for
//! `forward`; each value type, list-valued, missing and mistyped claims for `require`, with the
//! reason code `claim`; and the policy rules around both.

use cfjwt::cloudfront::Runtime;
use serde_json::{json, Value};

use crate::harness::*;

fn header<'a>(r: &'a Value, name: &str) -> Option<&'a str> {
    r["headers"].get(name).and_then(|h| h["value"].as_str())
}

/// A GET of `uri` with the spoofed headers a viewer might send.
fn spoofed(uri: &str, query: Value) -> Case {
    let headers =
        json!({"host": {"value": "example.org"}, "x-user-id": {"value": "admin"}, "x-tenant": {"value": "t-spoofed"}});
    case(event(uri, query, headers, json!({})))
}

#[test]
fn forwarded_headers_come_from_the_token_only() {
    let p = json!({"forward": {"sub": "x-user-id", "tenant": "x-tenant"}, "public": ["/public/*"], "preflight": true, "deny": {"status": 403}});
    let good = token(json!({"exp": NOW + 600, "sub": "u-42", "tenant": "acme"}));
    let no_tenant = token(json!({"exp": NOW + 600, "sub": "u-43"}));
    let expired = token(json!({"exp": NOW - 1, "sub": "u-42"}));
    for runtime in Runtime::ALL {
        let code = generate(&with_runtime(&p.to_string(), runtime), vec![key(DEMO_KEY)]);
        let mut preflight = spoofed("/a", json!({}));
        preflight.event["request"]["method"] = json!("OPTIONS");
        preflight.event["request"]["headers"]["origin"] = json!({"value": "https://app.example"});
        preflight.event["request"]["headers"]["access-control-request-method"] = json!({"value": "GET"});
        let cases = [
            spoofed("/a", json!({"jwt": {"value": good}})),
            spoofed("/a", json!({"jwt": {"value": no_tenant}})),
            spoofed("/public/x", json!({})),
            preflight,
            spoofed("/a", json!({"jwt": {"value": expired}})),
            spoofed("/a", json!({})),
        ];
        let out = run(&code, &cases);
        let r = out[0].request();
        assert_eq!(header(r, "x-user-id"), Some("u-42"), "{runtime}");
        assert_eq!(header(r, "x-tenant"), Some("acme"), "{runtime}");
        // A claim the token lacks sets nothing, and the viewer's header is gone all the same.
        let r = out[1].request();
        assert_eq!(header(r, "x-user-id"), Some("u-43"), "{runtime}");
        assert_eq!(header(r, "x-tenant"), None, "{runtime}: {r}");
        // Public and preflight requests: no token, so neither header, whatever the viewer sent.
        for i in [2, 3] {
            let r = out[i].request();
            assert_eq!((header(r, "x-user-id"), header(r, "x-tenant")), (None, None), "{runtime}: case {i}: {r}");
            assert_eq!(header(r, "host"), Some("example.org"), "{runtime}: other headers stay");
        }
        // Denied: the policy's answer, nothing of the request goes on.
        assert_eq!(out[4].status(), Some(403), "{runtime}");
        assert_eq!(out[5].status(), Some(403), "{runtime}");
    }
}

#[test]
fn forwarded_values_of_every_json_type() {
    let p = json!({"forward": {"v": "x-v"}});
    let text = |v: &str| Some(v.to_owned());
    let cases: Vec<(Value, Option<String>)> = vec![
        (json!("text as it is"), text("text as it is")),
        (json!("é€😀"), text("é€😀")),
        (json!(""), None),
        (json!(42), text("42")),
        (json!(-1.5), text("-1.5")),
        (json!(1e21), text("1e+21")),
        (json!(0.000001), text("0.000001")),
        (json!(true), text("true")),
        (json!(false), text("false")),
        (Value::Null, None),
        (json!({"a": 1}), None),
        (json!(["a"]), None),
        (json!("line\nbreak"), None),
        (json!("nul\u{0}"), None),
        (json!("tab\there"), None),
        (json!("del\u{7f}"), None),
        (json!("a".repeat(1024)), Some("a".repeat(1024))),
        (json!("a".repeat(1025)), None),
        // Three UTF-8 bytes each: 1,024 bytes in 342 characters, then 1,026.
        (json!(format!("{}a", "€".repeat(341))), Some(format!("{}a", "€".repeat(341)))),
        (json!("€".repeat(342)), None),
    ];
    for runtime in Runtime::ALL {
        let code = generate(&with_runtime(&p.to_string(), runtime), vec![key(DEMO_KEY)]);
        let events: Vec<Case> = cases
            .iter()
            .map(|(v, _)| spoofed("/a", json!({"jwt": {"value": token(json!({"exp": NOW + 60, "v": v}))}})))
            .collect();
        // 1e400 is Infinity once parsed: no JSON form, so nothing is set.
        let infinite = token_raw(r#"{"alg":"HS256","typ":"JWT"}"#, r#"{"exp":1700000060,"v":1e400}"#, DEMO_KEY);
        let mut events = events;
        events.push(spoofed("/a", json!({"jwt": {"value": infinite}})));
        let out = run(&code, &events);
        for (i, (v, want)) in cases.iter().enumerate() {
            assert_eq!(header(out[i].request(), "x-v"), want.as_deref(), "{runtime}: {v}");
        }
        assert_eq!(header(out[cases.len()].request(), "x-v"), None, "{runtime}: 1e400");
    }
}

fn required(runtime: Runtime, require: Value) -> String {
    let p = json!({"runtime": runtime.name(), "log": "console", "claims": {"require": require}});
    generate(&p.to_string(), vec![key(DEMO_KEY)])
}

#[test]
fn required_claims_of_each_type() {
    let require = json!({"plan": ["pro", "team"], "email_verified": true, "level": 3});
    // (claims beside exp, allowed)
    let cases: Vec<(Value, bool)> = vec![
        (json!({"plan": "pro", "email_verified": true, "level": 3}), true),
        (json!({"plan": "team", "email_verified": true, "level": 3.0}), true),
        (json!({"plan": ["free", "team"], "email_verified": true, "level": 3}), true),
        (json!({"plan": "pro", "email_verified": [false, true], "level": [1, 3]}), true),
        (json!({"plan": "free", "email_verified": true, "level": 3}), false),
        (json!({"plan": ["free"], "email_verified": true, "level": 3}), false),
        (json!({"plan": [], "email_verified": true, "level": 3}), false),
        (json!({"email_verified": true, "level": 3}), false),
        (json!({"plan": "pro", "level": 3}), false),
        (json!({"plan": "pro", "email_verified": "true", "level": 3}), false),
        (json!({"plan": "pro", "email_verified": 1, "level": 3}), false),
        (json!({"plan": "pro", "email_verified": true, "level": "3"}), false),
        (json!({"plan": {"pro": true}, "email_verified": true, "level": 3}), false),
        (json!({"plan": null, "email_verified": true, "level": 3}), false),
        (json!({"plan": "PRO", "email_verified": true, "level": 3}), false),
        (json!({"plan": [["pro"]], "email_verified": true, "level": 3}), false),
    ];
    for runtime in Runtime::ALL {
        let code = required(runtime, require.clone());
        let events: Vec<Case> = cases
            .iter()
            .map(|(claims, _)| {
                let mut c = claims.clone();
                c["exp"] = json!(NOW + 60);
                case(query_event(&token(c)))
            })
            .collect();
        let out = run_with_reasons(&code, &events);
        for (i, (claims, allowed)) in cases.iter().enumerate() {
            let (outcome, reason) = &out[i];
            assert_eq!(outcome.allowed(), *allowed, "{runtime}: {claims}");
            let want = if *allowed { "allow ok" } else { "deny claim" };
            assert_eq!(reason.as_deref(), Some(want), "{runtime}: {claims}");
        }
    }
}

#[test]
fn a_required_value_may_be_one_string_number_or_boolean() {
    for runtime in Runtime::ALL {
        for (require, good, bad) in [
            (json!({"groups": "teachers"}), json!(["students", "teachers"]), json!(["students"])),
            (json!({"groups": "teachers"}), json!("teachers"), json!("teacher")),
            (json!({"n": -2}), json!(-2), json!(2)),
            (json!({"n": 0}), json!(0), json!(false)),
            (json!({"ok": false}), json!(false), json!(0)),
        ] {
            let code = required(runtime, require.clone());
            let claim = require.as_object().unwrap().keys().next().unwrap().clone();
            let events: Vec<Case> = [good.clone(), bad.clone()]
                .iter()
                .map(|v| case(query_event(&token(json!({"exp": NOW + 60, claim.as_str(): v})))))
                .collect();
            let out = run(&code, &events);
            assert!(out[0].allowed(), "{runtime} {require}: {good}");
            assert!(!out[1].allowed(), "{runtime} {require}: {bad}");
        }
    }
}

#[test]
fn policies_with_unusable_forward_or_require_are_refused() {
    for (policy, message) in [
        (json!({"forward": {"sub": "X-User"}}), "forward.sub: CloudFront gives header names in lower case"),
        (json!({"forward": {"sub": "host"}}), "forward.sub: `host` is a header CloudFront does not let functions add"),
        (json!({"forward": {"sub": "x-amz-cf-id"}}), "forward.sub: `x-amz-cf-id` is a header CloudFront does not let"),
        (
            json!({"forward": {"sub": "x-jwt"}, "token": {"from": ["header:x-jwt"]}}),
            "forward.sub: `x-jwt` is a token source",
        ),
        (
            json!({"forward": {"sub": "x-a", "tenant": "x-a"}}),
            "forward.tenant: `x-a` is also the header of claim `sub`",
        ),
        (json!({"forward": {"sub": 1}}), "forward.sub: expected a header name"),
        (json!({"forward": {"sub": "cookie"}}), "forward.sub: `cookie` means something to CloudFront"),
        (json!({"forward": {"sub": "__proto__"}}), "forward.sub: `__proto__` is a name every JavaScript object has"),
        (json!({"forward": ["sub"]}), "forward"),
        (json!({"claims": {"require": {"plan": []}}}), "claims.require.plan: the list is empty"),
        (json!({"claims": {"require": {"plan": ""}}}), "claims.require.plan: the value is empty"),
        (
            json!({"claims": {"require": {"plan": {"a": 1}}}}),
            "claims.require.plan: expected a string, a number or a boolean",
        ),
        (json!({"claims": {"require": {"plan": ["pro", null]}}}), "claims.require.plan[1]: expected a string"),
        (
            json!({"claims": {"require": {"n": 9007199254740993u64}}}),
            "claims.require.n: 9007199254740993 is not a number JavaScript holds exactly",
        ),
        (
            json!({"claims": {"require": {"iss": "x"}}}),
            "claims.require.iss: `iss` has its own rule: write it as claims.iss",
        ),
        (json!({"claims": {"require": {"aud": "x"}}}), "claims.require.aud: `aud` has its own rule"),
        (json!({"then": ""}), "then: the path is empty"),
    ] {
        let e = cfjwt::policy::parse(&policy.to_string(), std::path::Path::new("p.json")).unwrap_err().to_string();
        assert!(e.starts_with(&format!("p.json: {message}")), "{policy}: {e}");
    }
}

#[test]
fn unused_features_cost_nothing() {
    // Without forward, require or then, none of their code is in the function.
    let code = generate("{}", vec![key(DEMO_KEY)]);
    for piece in ["toUTF8", "byteLength", "\\x00-\\x1f", "JSON.stringify", "isArray"] {
        assert!(!code.contains(piece), "{piece} in {code}");
    }
}
