//! `cors`: the CORS headers on the responses the function makes (denial, redirect denial,
//! hand-off) for a listed origin and not for another, preflights answered by the function, and
//! the policy rules around it; under njs and in the bundled engine, both runtimes.

use cfjwt::cloudfront::Runtime;
use serde_json::{json, Value};

use crate::harness::*;

const APP: &str = "https://app.example.com";

fn policy(extra: Value) -> String {
    let mut p = json!({
        "token": {"from": ["query:jwt", "cookie:token"], "handoff": {"cookie": "token", "path": "/courses/"}},
        "claims": {"scope": "paths"},
        "cors": {"origins": [APP, "http://localhost:8788"], "credentials": true, "max_age": 900}
    });
    p.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    p.to_string()
}

fn from(origin: Option<&str>, method: &str, query: Value, extra: Value) -> Case {
    let mut headers = json!({"host": {"value": "video.example.com"}});
    if let Some(o) = origin {
        headers["origin"] = json!({"value": o});
    }
    headers.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let mut e = event("/courses/c1/master.m3u8", query, headers, json!({}));
    e["request"]["method"] = json!(method);
    case(e)
}

fn header<'a>(r: &'a Value, name: &str) -> Option<&'a str> {
    r["headers"].get(name).and_then(|h| h["value"].as_str())
}

#[test]
fn the_functions_own_responses_carry_cors_headers_for_a_listed_origin_only() {
    let good = token(json!({"exp": NOW + 600, "paths": ["/courses/c1/*"]}));
    let acrm = json!({"access-control-request-method": {"value": "GET"}, "access-control-request-headers": {"value": "range"}});
    for runtime in Runtime::ALL {
        let code = generate(&with_runtime(&policy(json!({})), runtime), vec![key(DEMO_KEY)]);
        let cases = [
            from(Some(APP), "GET", json!({}), json!({})),
            from(Some("https://evil.example"), "GET", json!({}), json!({})),
            from(None, "GET", json!({}), json!({})),
            from(Some(APP), "GET", json!({"jwt": {"value": good}}), json!({})),
            from(Some("https://evil.example"), "GET", json!({"jwt": {"value": good}}), json!({})),
            from(Some(APP), "OPTIONS", json!({}), acrm.clone()),
            from(Some("https://evil.example"), "OPTIONS", json!({}), acrm.clone()),
            from(Some("https://app.example.com.evil.example"), "OPTIONS", json!({}), acrm.clone()),
        ];
        let out = run(&code, &cases);
        let response = |i: usize| match &out[i] {
            Outcome::Response(r) => r.clone(),
            other => panic!("{runtime}: case {i}: {other:?}"),
        };
        // The 401 for a listed origin: the CORS headers, and still www-authenticate.
        let r = response(0);
        assert_eq!(r["statusCode"], 401);
        assert_eq!(header(&r, "access-control-allow-origin"), Some(APP), "{runtime}: {r}");
        assert_eq!(header(&r, "access-control-allow-credentials"), Some("true"));
        assert_eq!(header(&r, "vary"), Some("origin"));
        assert_eq!(header(&r, "www-authenticate"), Some("Bearer"));
        // Another origin, or none: the bare 401.
        for i in [1, 2] {
            let r = response(i);
            assert_eq!(r["statusCode"], 401);
            assert_eq!(r["headers"].as_object().unwrap().len(), 1, "{runtime}: case {i}: {r}");
        }
        // The hand-off's 302.
        let r = response(3);
        assert_eq!(r["statusCode"], 302);
        assert_eq!(header(&r, "access-control-allow-origin"), Some(APP));
        assert_eq!(r["cookies"]["token"]["value"], good.as_str());
        assert!(response(4)["headers"].get("access-control-allow-origin").is_none());
        // The preflight from a listed origin, answered here.
        let r = response(5);
        assert_eq!((r["statusCode"].as_i64(), r["statusDescription"].as_str()), (Some(204), Some("No Content")));
        assert_eq!(header(&r, "access-control-allow-origin"), Some(APP));
        assert_eq!(header(&r, "access-control-allow-methods"), Some("GET, HEAD"));
        assert_eq!(header(&r, "access-control-allow-headers"), Some("range"));
        assert_eq!(header(&r, "access-control-max-age"), Some("900"));
        assert_eq!(header(&r, "access-control-allow-credentials"), Some("true"));
        // From another origin (a prefix of one does not count): denied, bare.
        for i in [6, 7] {
            let r = response(i);
            assert_eq!(r["statusCode"], 401, "{runtime}: case {i}");
            assert!(r["headers"].get("access-control-allow-origin").is_none());
        }
    }
}

#[test]
fn a_redirect_denial_carries_them_too_and_credentials_are_optional() {
    let p = json!({"deny": {"redirect": "https://app.example.com/login?next={uri}"}, "cors": {"origins": [APP]}});
    for runtime in Runtime::ALL {
        let code = generate(&with_runtime(&p.to_string(), runtime), vec![key(DEMO_KEY)]);
        let out = run(&code, &[from(Some(APP), "GET", json!({}), json!({}))]);
        let Outcome::Response(r) = &out[0] else { panic!("{:?}", out[0]) };
        assert_eq!(r["statusCode"], 302);
        assert!(header(r, "location").unwrap().starts_with("https://app.example.com/login?next="));
        assert_eq!(header(r, "access-control-allow-origin"), Some(APP));
        assert_eq!(header(r, "access-control-allow-credentials"), None, "credentials default to off");
    }
    // A preflight's answer is kept 600 seconds unless the policy says otherwise.
    let code = generate(&p.to_string(), vec![key(DEMO_KEY)]);
    let acrm = json!({"access-control-request-method": {"value": "GET"}});
    let out = run(&code, &[from(Some(APP), "OPTIONS", json!({}), acrm)]);
    let Outcome::Response(r) = &out[0] else { panic!("{:?}", out[0]) };
    assert_eq!(header(r, "access-control-max-age"), Some("600"));
    assert_eq!(header(r, "access-control-allow-headers"), None);
}

#[test]
fn policy_rules() {
    let parse = |p: Value| cfjwt::policy::parse(&p.to_string(), std::path::Path::new("p.json")).map(|_| ());
    let err = |p: Value| parse(p).unwrap_err().to_string();
    assert!(parse(json!({"cors": {"origins": ["http://localhost:8787", "https://a.example"]}})).is_ok());
    assert!(err(json!({"cors": {"origins": [APP]}, "preflight": true}))
        .contains("preflight: `cors` answers CORS preflights itself"));
    assert!(err(json!({"cors": {}})).contains("cors.origins: list the origins"));
    assert!(err(json!({"cors": {"origins": []}})).contains("cors.origins: the list is empty"));
    for bad in ["*", "https://app.example.com/", "app.example.com", "https://App.example.com", "https://a.example/x"] {
        assert!(err(json!({"cors": {"origins": [bad]}})).contains("cors.origins[0]"), "{bad}");
    }
    assert!(err(json!({"cors": {"origins": [APP], "max_age": 86401}})).contains("cors.max_age"));
    // Without `cors`, nothing of it is in the function.
    let plain = generate(r#"{"token": {"from": ["query:jwt"]}}"#, vec![key(DEMO_KEY)]);
    assert!(!plain.contains("access-control") && !plain.contains("vary"), "{plain}");
}
