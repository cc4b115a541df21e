//! The cookie hand-off where a course platform meets it: a fresh link wins over a stale cookie
//! (and `gen` refuses the order in which it would not), no URI turns the hand-off or a redirect
//! denial into a `Location` on another host; under njs and in the bundled engine, both runtimes.

use cfjwt::cloudfront::Runtime;
use serde_json::{json, Value};

use crate::harness::*;

const VIDEO: &str = r#"{"token": {"from": ["query:jwt", "cookie:token"], "handoff": {"cookie": "token", "path": "/courses/"}},
                        "claims": {"scope": "paths"}}"#;

fn course(n: u32) -> String {
    token(json!({"exp": NOW + 3600, "paths": [format!("/courses/c{n}/*")]}))
}

fn request(uri: &str, query: Value, cookies: Value) -> Case {
    case(event(uri, query, json!({"host": {"value": "video.example.com"}}), cookies))
}

#[test]
fn a_fresh_link_wins_over_a_stale_cookie() {
    let (old, new) = (course(1), course(2));
    for runtime in Runtime::ALL {
        let code = generate(&with_runtime(VIDEO, runtime), vec![key(DEMO_KEY)]);
        let cases = [
            // A course-1 cookie and a fresh course-2 link: the link is read, moved into the cookie.
            request("/courses/c2/master.m3u8", json!({"jwt": {"value": new}}), json!({"token": {"value": old}})),
            // The same cookie on course 2 without the link: its scope says no.
            request("/courses/c2/master.m3u8", json!({}), json!({"token": {"value": old}})),
            // The cookie issued after the link (a newer login elsewhere): the link is still read.
            request(
                "/courses/c2/master.m3u8",
                json!({"jwt": {"value": new}}),
                json!({"token": {"value": token(json!({"exp": NOW + 7200, "iat": NOW, "paths": ["/courses/c1/*"]}))}}),
            ),
            // An expired cookie and a fresh link.
            request(
                "/courses/c2/master.m3u8",
                json!({"jwt": {"value": new}}),
                json!({"token": {"value": token(json!({"exp": NOW - 10, "paths": ["/courses/c2/*"]}))}}),
            ),
        ];
        let out = run(&code, &cases);
        for i in [0, 2, 3] {
            let Outcome::Response(r) = &out[i] else { panic!("{runtime}: case {i}: {:?}", out[i]) };
            assert_eq!(r["statusCode"], 302, "{runtime}");
            assert_eq!(r["headers"]["location"]["value"], "/courses/c2/master.m3u8", "{runtime}");
            assert_eq!(r["cookies"]["token"]["value"], new.as_str(), "{runtime}: the new token is the cookie");
        }
        assert_eq!(out[1].status(), Some(401), "{runtime}");
    }
}

#[test]
fn the_handoff_location_carries_no_token_of_any_source() {
    let policy =
        r#"{"token": {"from": ["query:jwt", "query:access_token", "cookie:token"], "handoff": {"cookie": "token"}}}"#;
    let t = token(json!({"exp": NOW + 60}));
    for runtime in Runtime::ALL {
        let code = generate(&with_runtime(policy, runtime), vec![key(DEMO_KEY)]);
        let query = json!({"jwt": {"value": t}, "access_token": {"value": "another"}, "lang": {"value": "en"}});
        let out = run(&code, &[request("/courses/c1/master.m3u8", query, json!({"token": {"value": "old"}}))]);
        let Outcome::Response(r) = &out[0] else { panic!("{runtime}: {:?}", out[0]) };
        assert_eq!(r["headers"]["location"]["value"], "/courses/c1/master.m3u8?lang=en", "{runtime}");
    }
}

#[test]
fn gen_refuses_a_handoff_cookie_read_before_the_query() {
    let cookie_first = r#"{"token": {"from": ["cookie:token", "query:jwt"], "handoff": {"cookie": "token"}}}"#;
    let err = cfjwt::policy::parse(cookie_first, std::path::Path::new("p.json")).unwrap_err().to_string();
    assert!(
        err.contains("token.from: with token.handoff, `query:jwt` must come before `cookie:token`")
            && err.contains("older cookie"),
        "{err}"
    );
    // Another cookie before the query is no hand-off cookie: accepted.
    let other =
        r#"{"token": {"from": ["cookie:session", "query:jwt", "cookie:token"], "handoff": {"cookie": "token"}}}"#;
    assert!(cfjwt::policy::parse(other, std::path::Path::new("p.json")).is_ok());
}

/// URIs a browser would read, as a `Location`, as naming another host.
const OFF_HOST: &[&str] =
    &["//evil.example/x", "///evil.example/x", "/\\evil.example/x", "/\\/evil.example/x", "//\\\\evil.example", "////"];

/// Whether a browser reads `location` as a path on the same host.
fn same_host(location: &str) -> bool {
    location.starts_with('/') && !location[1..].starts_with(['/', '\\'])
}

#[test]
fn no_uri_makes_the_handoff_redirect_to_another_host() {
    let unscoped = r#"{"token": {"from": ["query:jwt", "cookie:token"], "handoff": {"cookie": "token"}}}"#;
    let t = token(json!({"exp": NOW + 60}));
    for runtime in Runtime::ALL {
        let code = generate(&with_runtime(unscoped, runtime), vec![key(DEMO_KEY)]);
        let cases: Vec<Case> = OFF_HOST
            .iter()
            .map(|uri| request(uri, json!({"jwt": {"value": t}, "a": {"value": "1"}}), json!({})))
            .collect();
        for (uri, out) in OFF_HOST.iter().zip(run(&code, &cases)) {
            let Outcome::Response(r) = &out else { panic!("{runtime}: {uri}: {out:?}") };
            assert_eq!(r["statusCode"], 302, "{runtime}: {uri}");
            let location = r["headers"]["location"]["value"].as_str().unwrap();
            assert!(same_host(location), "{runtime}: {uri} gave Location {location}");
            assert!(location.ends_with("?a=1"), "{runtime}: {location}");
            assert_eq!(location.trim_end_matches("?a=1").trim_start_matches('/'), uri.trim_start_matches(['/', '\\']));
        }
    }
}

#[test]
fn no_uri_makes_a_redirect_denial_name_another_host() {
    for deny in ["/login?next={uri}", "https://app.example.com/login?next={uri}", "/{uri}"] {
        let policy = json!({"deny": {"redirect": deny}}).to_string();
        for runtime in Runtime::ALL {
            let code = generate(&with_runtime(&policy, runtime), vec![key(DEMO_KEY)]);
            let cases: Vec<Case> = OFF_HOST.iter().map(|uri| request(uri, json!({}), json!({}))).collect();
            for (uri, out) in OFF_HOST.iter().zip(run(&code, &cases)) {
                let Outcome::Response(r) = &out else { panic!("{runtime}: {uri}: {out:?}") };
                let location = r["headers"]["location"]["value"].as_str().unwrap();
                let ok = if deny.starts_with("https://") {
                    location.starts_with("https://app.example.com/")
                } else {
                    same_host(location)
                };
                assert!(ok, "{runtime}: {deny}, {uri}: Location {location}");
                assert!(!location.contains("//evil") && !location.contains("\\"), "{location}");
            }
        }
    }
}
