//! Every policy feature, executed at its edges on both runtimes where the runtime allows: token
//! sources and stripping, leeway, max_age, iss, aud, scope, public paths, preflight, key
//! rotation, the KeyValueStore, deny responses, and policy strings that look like code.

use cfjwt::cloudfront::Runtime;
use serde_json::{json, Value};

use crate::harness::*;

const URI: &str = "/courses/c1/lesson1.m3u8";

/// Runs named cases against the function for `policy` on every runtime and checks the verdicts:
/// `true` passes, `false` is denied with the policy's deny response.
fn expect(policy: &str, keys: &[cfjwt::key::Key], runtimes: &[Runtime], cases: Vec<(&str, Case, bool)>) {
    for &runtime in runtimes {
        let code = generate(&with_runtime(policy, runtime), keys.to_vec());
        let list: Vec<Case> = cases.iter().map(|(_, c, _)| c.clone()).collect();
        let outcomes = run(&code, &list);
        for ((name, _, allow), outcome) in cases.iter().zip(&outcomes) {
            assert!(!matches!(outcome, Outcome::Failed(_)), "{runtime}: {name}: threw {outcome:?}");
            assert_eq!(outcome.allowed(), *allow, "{runtime}: {name}: {outcome:?}");
        }
    }
}

fn demo() -> Vec<cfjwt::key::Key> {
    vec![key(DEMO_KEY)]
}

fn good() -> String {
    token(json!({"sub": "u1", "exp": NOW + 60}))
}

fn q(name: &str, value: &str) -> Value {
    event(URI, json!({ name: {"value": value} }), json!({}), json!({}))
}

fn h(name: &str, value: &str) -> Value {
    event(URI, json!({}), json!({ name: {"value": value} }), json!({}))
}

fn c(name: &str, value: &str) -> Value {
    event(URI, json!({}), json!({}), json!({ name: {"value": value} }))
}

fn at_uri(uri: &str, token: &str) -> Value {
    event(uri, json!({"jwt": {"value": token}}), json!({}), json!({}))
}

#[test]
fn header_cookie_and_bearer_sources() {
    let policy = r#"{"token": {"from": ["header:authorization", "cookie:token", "header:x-token"]}}"#;
    let t = good();
    expect(
        policy,
        &demo(),
        &Runtime::ALL,
        vec![
            ("Bearer", case(h("authorization", &format!("Bearer {t}"))), true),
            ("bearer lower case", case(h("authorization", &format!("bearer {t}"))), true),
            ("BEARER upper case", case(h("authorization", &format!("BEARER {t}"))), true),
            ("several spaces", case(h("authorization", &format!("Bearer    {t}"))), true),
            ("no space", case(h("authorization", &format!("Bearer{t}"))), false),
            ("tab", case(h("authorization", &format!("Bearer\t{t}"))), false),
            ("no scheme", case(h("authorization", &t)), false),
            ("Basic", case(h("authorization", &format!("Basic {t}"))), false),
            ("trailing space", case(h("authorization", &format!("Bearer {t} "))), false),
            ("two tokens", case(h("authorization", &format!("Bearer {t} {t}"))), false),
            ("cookie", case(c("token", &t)), true),
            ("bare custom header", case(h("x-token", &t)), true),
            ("Bearer in a custom header", case(h("x-token", &format!("Bearer {t}"))), false),
            ("query is not a source here", case(q("jwt", &t)), false),
        ],
    );
}

/// A chain checks each source's value as it takes it, to remove it from the request only once it
/// passes (`bearer()` for `Authorization`; `checked()` for two or more other sources, the same
/// check in place for one): every malformed token is refused from each source, a good one from none.
#[test]
fn malformed_tokens_are_denied_from_every_source_of_a_chain() {
    let t = good();
    let malformed = malformed_tokens(&t);
    let from = |source: &str, token: &str| match source {
        "header:authorization" => h("authorization", &format!("Bearer {token}")),
        "cookie:token" => c("token", token),
        _ => q("jwt", token),
    };
    for sources in [
        vec!["header:authorization", "cookie:token", "query:jwt"],
        vec!["cookie:token", "header:authorization"],
        vec!["query:jwt", "cookie:token"],
    ] {
        let policy = json!({"token": {"from": sources}}).to_string();
        let code = generate_styled(&policy, demo(), cfjwt::emit::Style::Pretty);
        let helper = code.contains("function checked(");
        let others = sources.iter().filter(|s| **s != "header:authorization").count();
        assert_eq!(
            helper,
            others >= 2,
            "checked() is for chains with two or more sources besides Authorization:\n{code}"
        );
        let mut cases = Vec::new();
        for source in &sources {
            cases.push((format!("good, {source}"), case(from(source, &t)), true));
            for (name, bad) in &malformed {
                cases.push((format!("{name}, {source}"), case(from(source, bad)), false));
            }
        }
        expect(&policy, &demo(), &Runtime::ALL, cases.iter().map(|(n, c, a)| (n.as_str(), c.clone(), *a)).collect());
    }
}

#[test]
fn only_the_first_present_source_is_read() {
    let policy = r#"{"token": {"from": ["query:jwt", "cookie:token"]}}"#;
    let t = good();
    let garbage_then_valid =
        event(URI, json!({"jwt": {"value": "garbage"}}), json!({}), json!({"token": {"value": t}}));
    let absent_then_valid = event(URI, json!({"other": {"value": "x"}}), json!({}), json!({"token": {"value": t}}));
    let valid_then_garbage =
        event(URI, json!({"jwt": {"value": t}}), json!({}), json!({"token": {"value": "garbage"}}));
    expect(
        policy,
        &demo(),
        &Runtime::ALL,
        vec![
            ("first garbage, second valid", case(garbage_then_valid), false),
            ("first absent, second valid", case(absent_then_valid), true),
            ("first valid, second garbage", case(valid_then_garbage), true),
        ],
    );
}

/// Every form of taking a token (one source; a chain checking with `checked()`, in place, or
/// through `bearer()`) removes a good one from the source it came from, and nothing else.
#[test]
fn strip_removes_every_source_from_every_request_let_through() {
    let t = good();
    let keep_q = json!({"lang": {"value": "en"}});
    let keep_h = json!({"host": {"value": "example.org"}});
    let keep_c = json!({"session": {"value": "s"}});
    let all = ["query:jwt", "header:authorization", "cookie:token"];
    // Every source carries a token (a decoy in the others); whichever is read, none goes on.
    let with_tokens = |uri: &str, method: &str| {
        let mut e = event(uri, keep_q.clone(), keep_h.clone(), keep_c.clone());
        e["request"]["method"] = json!(method);
        e["request"]["querystring"]["jwt"] = json!({"value": t});
        e["request"]["headers"]["authorization"] = json!({"value": format!("Bearer {t}")});
        e["request"]["cookies"]["token"] = json!({"value": t});
        e
    };
    let mut preflight = with_tokens(URI, "OPTIONS");
    preflight["request"]["headers"]["origin"] = json!({"value": "https://app.example.com"});
    preflight["request"]["headers"]["access-control-request-method"] = json!({"value": "GET"});
    for from in [
        vec!["query:jwt", "header:authorization", "cookie:token"],
        vec!["cookie:token", "header:authorization"],
        vec!["query:jwt"],
        vec!["header:authorization"],
    ] {
        for extra in [json!({}), json!({"public": ["/public/*"], "preflight": true})] {
            let mut policy = json!({"token": {"from": from}});
            policy.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            for runtime in Runtime::ALL {
                let code = generate(&with_runtime(&policy.to_string(), runtime), demo());
                let mut cases = vec![case(with_tokens(URI, "GET"))];
                if extra.get("public").is_some() {
                    cases.push(case(with_tokens("/public/site.css", "GET")));
                    cases.push(case(preflight.clone()));
                }
                for (i, o) in run(&code, &cases).iter().enumerate() {
                    let r = o.request();
                    for source in all {
                        let (kind, name) = source.split_once(':').unwrap();
                        let container = match kind {
                            "query" => "querystring",
                            "header" => "headers",
                            _ => "cookies",
                        };
                        let configured = from.contains(&source);
                        assert_eq!(
                            r[container].get(name).is_some(),
                            !configured,
                            "{runtime}, {policy}, case {i}: {source} {}",
                            if configured { "went on" } else { "was removed, not being a source" }
                        );
                    }
                    assert!(r["querystring"]["lang"] == keep_q["lang"] && r["cookies"]["session"] == keep_c["session"]);
                    assert_eq!(r["headers"]["host"], keep_h["host"]);
                }
            }
        }
    }
    // Without strip, nothing is removed.
    let code = generate(r#"{"token": {"from": ["query:jwt", "cookie:token"], "strip": false}}"#, demo());
    let out = run(&code, &[case(with_tokens(URI, "GET"))]);
    assert_eq!(out[0].request()["querystring"]["jwt"]["value"], t.as_str());
    assert_eq!(out[0].request()["cookies"]["token"]["value"], t.as_str());
}

#[test]
fn leeway_applies_to_the_second() {
    let policy = r#"{"claims": {"leeway": 30, "nbf": "optional"}}"#;
    let tok = |claims: Value| case(q("jwt", &token(claims)));
    expect(
        policy,
        &demo(),
        &Runtime::ALL,
        vec![
            ("exp 29 s ago", tok(json!({"exp": NOW - 29})), true),
            ("exp 30 s ago", tok(json!({"exp": NOW - 30})), false),
            ("nbf in 30 s", tok(json!({"exp": NOW + 60, "nbf": NOW + 30})), true),
            ("nbf in 31 s", tok(json!({"exp": NOW + 60, "nbf": NOW + 31})), false),
        ],
    );
}

#[test]
fn max_age_edges() {
    let policy = r#"{"claims": {"max_age": 600, "leeway": 5}}"#;
    let tok = |iat: Value| case(q("jwt", &token(json!({"exp": NOW + 60, "iat": iat}))));
    expect(
        policy,
        &demo(),
        &Runtime::ALL,
        vec![
            ("iat max_age + leeway ago", tok(json!(NOW - 605)), true),
            ("one second older", tok(json!(NOW - 606)), false),
            ("iat now", tok(json!(NOW)), true),
            ("iat in the future within leeway", tok(json!(NOW + 5)), true),
            ("iat in the future beyond leeway", tok(json!(NOW + 6)), false),
            ("iat a string", tok(json!((NOW - 1).to_string())), false),
            ("iat null", tok(Value::Null), false),
            ("iat missing", case(q("jwt", &token(json!({"exp": NOW + 60})))), false),
        ],
    );
}

#[test]
fn issuer_one_or_many() {
    let tok = |iss: Value| case(q("jwt", &token(json!({"exp": NOW + 60, "iss": iss}))));
    let missing = || case(q("jwt", &good()));
    expect(
        r#"{"claims": {"iss": "https://lms.example.com"}}"#,
        &demo(),
        &Runtime::ALL,
        vec![
            ("equal", tok(json!("https://lms.example.com")), true),
            ("trailing slash", tok(json!("https://lms.example.com/")), false),
            ("in a list", tok(json!(["https://lms.example.com"])), false),
            ("missing", missing(), false),
        ],
    );
    expect(
        r#"{"claims": {"iss": ["https://a.example", "https://b.example"]}}"#,
        &demo(),
        &Runtime::ALL,
        vec![
            ("first", tok(json!("https://a.example")), true),
            ("second", tok(json!("https://b.example")), true),
            ("other", tok(json!("https://c.example")), false),
            ("a number", tok(json!(1)), false),
            ("missing", missing(), false),
        ],
    );
}

#[test]
fn audience_string_or_list_on_both_sides() {
    let tok = |aud: Value| case(q("jwt", &token(json!({"exp": NOW + 60, "aud": aud}))));
    for policy in [r#"{"claims": {"aud": "videos"}}"#, r#"{"claims": {"aud": ["videos", "api"]}}"#] {
        expect(
            policy,
            &demo(),
            &Runtime::ALL,
            vec![
                ("string", tok(json!("videos")), true),
                ("list that contains", tok(json!(["other", "videos"])), true),
                ("list that does not contain", tok(json!(["other", "more"])), false),
                ("empty list", tok(json!([])), false),
                ("list with a non-string", tok(json!(["videos", 1])), false),
                ("a number", tok(json!(5)), false),
                ("an object", tok(json!({"videos": true})), false),
                ("prefix", tok(json!("video")), false),
                ("missing", case(q("jwt", &good())), false),
            ],
        );
    }
}

/// `{"any": true}` accepts a token whatever its `aud` holds, or without one; every other check
/// stays.
#[test]
fn audience_any_accepts_every_aud() {
    let tok = |aud: Value| case(q("jwt", &token(json!({"exp": NOW + 60, "aud": aud}))));
    expect(
        r#"{"claims": {"aud": {"any": true}}}"#,
        &demo(),
        &Runtime::ALL,
        vec![
            ("a string", tok(json!("videos")), true),
            ("a list", tok(json!(["a", "b"])), true),
            ("a list with a non-string", tok(json!(["a", 1])), true),
            ("an empty list", tok(json!([])), true),
            ("null", tok(Value::Null), true),
            ("a number", tok(json!(5)), true),
            ("an object", tok(json!({"a": 1})), true),
            ("missing", case(q("jwt", &good())), true),
            ("expired", case(q("jwt", &token(json!({"exp": NOW, "aud": "videos"})))), false),
        ],
    );
    // Without a required claim the payload's object check stays: an array is not claims.
    let array = token_raw(r#"{"alg":"HS256"}"#, r#"[{"aud":"x"}]"#, DEMO_KEY);
    let object = token_raw(r#"{"alg":"HS256"}"#, r#"{"aud":"x"}"#, DEMO_KEY);
    expect(
        r#"{"claims": {"exp": "optional", "aud": {"any": true}}}"#,
        &demo(),
        &Runtime::ALL,
        vec![("an array payload", case(q("jwt", &array)), false), ("an object", case(q("jwt", &object)), true)],
    );
    expect(
        r#"{"claims": {"exp": "optional"}}"#,
        &demo(),
        &Runtime::ALL,
        vec![
            ("an array payload, no aud configured", case(q("jwt", &array)), false),
            ("aud, none configured", case(q("jwt", &object)), false),
            ("no claims at all", case(q("jwt", &token_raw(r#"{"alg":"HS256"}"#, "{}", DEMO_KEY))), true),
        ],
    );
}

/// Every rule that reads a time refuses one that is not finite (`1e400` is Infinity), with
/// leeway, optional `exp`, required `nbf` and `max_age`.
#[test]
fn every_time_rule_refuses_infinity() {
    let raw = |claims: &str| case(q("jwt", &token_raw(r#"{"alg":"HS256"}"#, claims, DEMO_KEY)));
    let exp = NOW + 60;
    expect(
        r#"{"claims": {"exp": "optional", "nbf": "required", "leeway": 30}}"#,
        &demo(),
        &Runtime::ALL,
        vec![
            ("nbf now, no exp", raw(&format!(r#"{{"nbf":{NOW}}}"#)), true),
            ("exp 1e400", raw(&format!(r#"{{"nbf":{NOW},"exp":1e400}}"#)), false),
            ("exp -1e400", raw(&format!(r#"{{"nbf":{NOW},"exp":-1e400}}"#)), false),
            ("nbf -1e400", raw(r#"{"nbf":-1e400}"#), false),
            ("nbf 1e400", raw(r#"{"nbf":1e400}"#), false),
            ("iat 1e400", raw(&format!(r#"{{"nbf":{NOW},"iat":1e400}}"#)), false),
        ],
    );
    expect(
        r#"{"claims": {"max_age": 600, "leeway": 5}}"#,
        &demo(),
        &Runtime::ALL,
        vec![
            ("iat now", raw(&format!(r#"{{"exp":{exp},"iat":{NOW}}}"#)), true),
            ("iat 1e400", raw(&format!(r#"{{"exp":{exp},"iat":1e400}}"#)), false),
            ("iat -1e400", raw(&format!(r#"{{"exp":{exp},"iat":-1e400}}"#)), false),
            ("exp 1e400", raw(&format!(r#"{{"exp":1e400,"iat":{NOW}}}"#)), false),
        ],
    );
}

#[test]
fn scope_opens_only_its_paths() {
    let policy = r#"{"claims": {"scope": "paths"}}"#;
    let scoped = |paths: Value| token(json!({"exp": NOW + 60, "paths": paths}));
    let t = scoped(json!(["/courses/c1/*", "/extras/notes.pdf"]));
    expect(
        policy,
        &demo(),
        &Runtime::ALL,
        vec![
            ("inside the prefix", case(at_uri("/courses/c1/lesson1.m3u8", &t)), true),
            ("deeper inside", case(at_uri("/courses/c1/hls/seg-001.ts", &t)), true),
            ("exact path", case(at_uri("/extras/notes.pdf", &t)), true),
            ("exact path plus more", case(at_uri("/extras/notes.pdf.bak", &t)), false),
            ("longer name sharing the prefix", case(at_uri("/courses/c10/lesson1.m3u8", &t)), false),
            ("the prefix without its slash", case(at_uri("/courses/c1", &t)), false),
            ("other course", case(at_uri("/courses/c2/lesson1.m3u8", &t)), false),
            ("dot dot", case(at_uri("/courses/c1/../c2/lesson1.m3u8", &t)), false),
            ("dot dot at the end", case(at_uri("/courses/c1/..", &t)), false),
            ("dot segment", case(at_uri("/courses/c1/./lesson1.m3u8", &t)), false),
            ("encoded dots", case(at_uri("/courses/c1/%2e%2e/c2/x", &t)), false),
            ("encoded dots upper case", case(at_uri("/courses/c1/%2E%2E/c2/x", &t)), false),
            ("encoded slash", case(at_uri("/courses/c1/..%2fc2/x", &t)), false),
            ("encoded slash upper case", case(at_uri("/courses/c1/x%2Fy", &t)), false),
            ("encoded backslash", case(at_uri("/courses/c1/..%5cc2", &t)), false),
            ("backslash", case(at_uri("/courses/c1/..\\c2", &t)), false),
            ("dots inside a name are fine", case(at_uri("/courses/c1/v1..2/x.ts", &t)), true),
            ("a string claim", case(at_uri("/courses/c1/a", &scoped(json!("/courses/c1/*")))), true),
            ("claim missing", case(at_uri("/courses/c1/a", &good())), false),
            ("claim a number", case(at_uri("/courses/c1/a", &scoped(json!(1)))), false),
            ("claim with a non-string", case(at_uri("/courses/c1/a", &scoped(json!(["/courses/c1/*", 1])))), false),
            ("claim empty list", case(at_uri("/courses/c1/a", &scoped(json!([])))), false),
        ],
    );
}

#[test]
fn public_paths_and_preflight_skip_the_token() {
    let policy = r#"{"public": ["/favicon.ico", "/public/*"], "preflight": true}"#;
    let preflight = |headers: Value| {
        let mut e = event("/courses/c1/a", json!({}), headers, json!({}));
        e["request"]["method"] = json!("OPTIONS");
        case(e)
    };
    expect(
        policy,
        &demo(),
        &Runtime::ALL,
        vec![
            ("exact public path", case(event("/favicon.ico", json!({}), json!({}), json!({}))), true),
            ("public prefix", case(event("/public/css/a.css", json!({}), json!({}), json!({}))), true),
            ("not public", case(event("/favicon.ico2", json!({}), json!({}), json!({}))), false),
            (
                "public prefix escaped with ..",
                case(event("/public/../courses/c1/a", json!({}), json!({}), json!({}))),
                false,
            ),
            (
                "public prefix escaped with %2e",
                case(event("/public/%2e%2e/courses/c1/a", json!({}), json!({}), json!({}))),
                false,
            ),
            (
                "preflight",
                preflight(
                    json!({"origin": {"value": "https://app.example"}, "access-control-request-method": {"value": "GET"}}),
                ),
                true,
            ),
            ("OPTIONS without origin", preflight(json!({"access-control-request-method": {"value": "GET"}})), false),
            ("OPTIONS without request method", preflight(json!({"origin": {"value": "https://app.example"}})), false),
            ("private with a token", case(at_uri("/courses/c1/a", &good())), true),
        ],
    );
    // Without `preflight`, a preflight needs a token like any request.
    expect(
        r#"{}"#,
        &demo(),
        &Runtime::ALL,
        vec![(
            "preflight off",
            preflight(
                json!({"origin": {"value": "https://app.example"}, "access-control-request-method": {"value": "GET"}}),
            ),
            false,
        )],
    );
}

#[test]
fn rotation_with_key_ids() {
    let k1 = b"rotation-key-one-rotation-key-one-xx".to_vec();
    let k2 = b"rotation-key-two-rotation-key-two-xx".to_vec();
    let keys = vec![key_with_id("k1", &k1), key_with_id("k2", &k2)];
    let claims = json!({"exp": NOW + 60}).to_string();
    let signed = |header: &str, secret: &[u8]| case(q("jwt", &token_raw(header, &claims, secret)));
    expect(
        "{}",
        &keys,
        &Runtime::ALL,
        vec![
            ("kid k1, key 1", signed(r#"{"alg":"HS256","kid":"k1"}"#, &k1), true),
            ("kid k2, key 2", signed(r#"{"alg":"HS256","kid":"k2"}"#, &k2), true),
            ("kid naming the other key", signed(r#"{"alg":"HS256","kid":"k2"}"#, &k1), false),
            ("unknown kid", signed(r#"{"alg":"HS256","kid":"k3"}"#, &k1), false),
            ("kid a number", signed(r#"{"alg":"HS256","kid":1}"#, &k1), false),
            ("kid null", signed(r#"{"alg":"HS256","kid":null}"#, &k1), false),
            ("no kid, key 1", signed(r#"{"alg":"HS256"}"#, &k1), true),
            ("no kid, key 2", signed(r#"{"alg":"HS256"}"#, &k2), true),
            ("no kid, other key", signed(r#"{"alg":"HS256"}"#, DEMO_KEY), false),
        ],
    );
    // One key with an id: a token naming another id is denied, one without kid is tried.
    expect(
        "{}",
        &[key_with_id("k1", &k1)],
        &Runtime::ALL,
        vec![
            ("kid k1", signed(r#"{"alg":"HS256","kid":"k1"}"#, &k1), true),
            ("kid k2", signed(r#"{"alg":"HS256","kid":"k2"}"#, &k1), false),
            ("no kid", signed(r#"{"alg":"HS256"}"#, &k1), true),
        ],
    );
}

#[test]
fn key_value_store_with_rotation() {
    let policy = r#"{"key": {"kvs": "jwt.secret"}}"#;
    let old = b"store-key-old-store-key-old-store-key".to_vec();
    let new = b"store-key-new-store-key-new-store-key".to_vec();
    let new_text = String::from_utf8(new.clone()).unwrap();
    let (id64, id65) = ("k".repeat(64), "k".repeat(65));
    // Entries under key ids the function must never ask for, holding the key the tokens use:
    // only the key-id rule stands between such a token and the store.
    let mut store = json!({
        "jwt.secret": String::from_utf8(old.clone()).unwrap(),
        "jwt.secret:2026-11": new_text,
        "jwt.secret:a:b": new_text,
        "jwt.secret:": new_text,
        "jwt.secret:k\n": new_text,
    });
    store[format!("jwt.secret:{id64}")] = json!(new_text);
    store[format!("jwt.secret:{id65}")] = json!(new_text);
    let claims = json!({"exp": NOW + 60}).to_string();
    let signed =
        |header: &str, secret: &[u8]| case_with_store(q("jwt", &token_raw(header, &claims, secret)), store.clone());
    let with_kid = |kid: &str| signed(&json!({"alg": "HS256", "kid": kid}).to_string(), &new);
    expect(
        policy,
        &[],
        &[Runtime::Js2],
        vec![
            ("no kid, default key", signed(r#"{"alg":"HS256"}"#, &old), true),
            ("kid, its key", signed(r#"{"alg":"HS256","kid":"2026-11"}"#, &new), true),
            ("kid, the other key", signed(r#"{"alg":"HS256","kid":"2026-11"}"#, &old), false),
            ("no kid, the new key", signed(r#"{"alg":"HS256"}"#, &new), false),
            ("kid missing from the store", signed(r#"{"alg":"HS256","kid":"2027-01"}"#, &new), false),
            ("kid with a colon", signed(r#"{"alg":"HS256","kid":"a:b"}"#, &new), false),
            ("kid a number", signed(r#"{"alg":"HS256","kid":5}"#, &new), false),
            ("kid of 64 characters", with_kid(&id64), true),
            ("kid of 65 characters", with_kid(&id65), false),
            ("kid empty", with_kid(""), false),
            ("kid ending in a line break", with_kid("k\n"), false),
            (
                "store empty",
                case_with_store(q("jwt", &token_raw(r#"{"alg":"HS256"}"#, &claims, &old)), json!({})),
                false,
            ),
        ],
    );
}

/// The function for a KeyValueStore policy, generated with or without `--allow-short-key`.
fn store_function(allow_short: bool) -> String {
    let policy = cfjwt::policy::parse(r#"{"key": {"kvs": "jwt.secret"}}"#, std::path::Path::new("p.json")).unwrap();
    let keys = cfjwt::generate::Keys { embedded: vec![], allow_short };
    cfjwt::generate::generate(&policy, keys, cfjwt::emit::Style::Minified).unwrap().code
}

/// A secret read from the store must have 32 UTF-8 bytes, as `gen` requires of an embedded key
/// (RFC 7518 §3.2); with `--allow-short-key` only an empty one denies. Each token is signed with
/// the value the store holds, so the length is all that can deny it.
#[test]
fn a_store_secret_too_short_to_be_a_secret_denies() {
    let claims = json!({"exp": NOW + 60}).to_string();
    let signed_with = |secret: &str| {
        let t = token_raw(r#"{"alg":"HS256"}"#, &claims, secret.as_bytes());
        case_with_store(q("jwt", &t), json!({ "jwt.secret": secret }))
    };
    // Lengths in UTF-8 bytes; the non-ASCII ones are half as long in characters.
    let secrets: Vec<(&str, String)> = vec![
        ("empty", String::new()),
        ("10 bytes", "0123456789".into()),
        ("31 bytes", "a".repeat(31)),
        ("32 bytes", "a".repeat(32)),
        ("31 bytes in 16 characters", format!("{}a", "é".repeat(15))),
        ("32 bytes in 16 characters", "é".repeat(16)),
        ("32 bytes in 8 characters", "😀".repeat(8)),
        ("28 bytes in 7 characters", "😀".repeat(7)),
    ];
    for (allow_short, passes) in [
        (false, [false, false, false, true, false, true, true, false]),
        (true, [false, true, true, true, true, true, true, true]),
    ] {
        let code = store_function(allow_short);
        let cases: Vec<Case> = secrets.iter().map(|(_, s)| signed_with(s)).collect();
        for (((name, secret), outcome), pass) in secrets.iter().zip(run(&code, &cases)).zip(passes) {
            assert_eq!(secret.len() >= 32 || (allow_short && !secret.is_empty()), pass, "{name}: the table");
            assert!(!matches!(outcome, Outcome::Failed(_)), "{name}: threw {outcome:?}");
            assert_eq!(outcome.allowed(), pass, "allow_short {allow_short}: {name}: {outcome:?}");
        }
    }
    // The same rule for a secret picked by `kid`.
    let code = store_function(false);
    let kid = |secret: &str| {
        let t = token_raw(r#"{"alg":"HS256","kid":"k1"}"#, &claims, secret.as_bytes());
        case_with_store(q("jwt", &t), json!({ "jwt.secret": "a".repeat(32), "jwt.secret:k1": secret }))
    };
    let out = run(&code, &[kid(&"b".repeat(31)), kid(&"b".repeat(32))]);
    assert!(!out[0].allowed() && out[1].allowed(), "{out:?}");
}

#[test]
fn no_store_read_without_a_well_formed_token() {
    let code = generate(&with_runtime(r#"{"key": {"kvs": "jwt.secret"}}"#, Runtime::Js2), vec![]);
    let store = json!({"jwt.secret": String::from_utf8_lossy(DEMO_KEY)});
    let cases = vec![
        case_with_store(event(URI, json!({}), json!({}), json!({})), store.clone()),
        case_with_store(q("jwt", "garbage"), store.clone()),
        case_with_store(q("jwt", "a.b.c"), store.clone()),
        case_with_store(q("jwt", &good()), store.clone()),
    ];
    let reads = under_njs::store_reads(&code, &cases);
    assert_eq!(reads, vec![0, 0, 0, 1]);
}

#[test]
fn deny_with_status_or_redirect() {
    for runtime in Runtime::ALL {
        let code = generate(&with_runtime(r#"{"deny": {"status": 403}}"#, runtime), demo());
        let out = run(&code, &[case(q("jwt", "x"))]);
        assert_eq!(
            out[0],
            Outcome::Response(json!({"statusCode": 403, "statusDescription": "Forbidden"})),
            "{runtime}"
        );

        let policy = r#"{"deny": {"redirect": "https://lms.example.com/login?next={uri}&from=cdn"}}"#;
        let code = generate(&with_runtime(policy, runtime), demo());
        let out = run(&code, &[case(event("/courses/c1/a b&c.m3u8", json!({}), json!({}), json!({})))]);
        assert_eq!(
            out[0],
            Outcome::Response(json!({
                "statusCode": 302,
                "statusDescription": "Found",
                "headers": {"location": {"value": "https://lms.example.com/login?next=%2Fcourses%2Fc1%2Fa%20b%26c.m3u8&from=cdn"}}
            })),
            "{runtime}"
        );
    }
}

#[test]
fn policy_strings_that_look_like_code_stay_literals() {
    let hostile = [
        "\"; return request; \"",
        "'; return request; '",
        "</script><script>alert(1)</script>",
        "line\u{2028}separator\u{2029}",
        "${request}",
        "`backtick`",
        "back\\slash\\",
        "*/ return request; /*",
        "é日本🔑",
    ];
    for value in hostile {
        // URI patterns cannot hold spaces or control characters, and a URI with a backslash is
        // never public: those values are not used as public paths.
        let path_like = !value.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\');
        let public = if path_like { format!("/pub/{value}") } else { "/pub/plain".to_string() };
        let policy = json!({
            "token": {"from": ["query:a\"b'c\\d"]},
            "claims": {"iss": value, "aud": [value, "x"]},
            "public": [public],
        })
        .to_string();
        for runtime in Runtime::ALL {
            let code = generate(&with_runtime(&policy, runtime), demo());
            let with = |iss: &str, aud: &str| {
                let t = token(json!({"exp": NOW + 60, "iss": iss, "aud": aud}));
                case(event(URI, json!({"a\"b'c\\d": {"value": t}}), json!({}), json!({})))
            };
            let mut near = value.to_string();
            near.push(' ');
            let out = run(
                &code,
                &[
                    with(value, value),
                    with(&near, value),
                    with(value, &near),
                    case(event(&public, json!({}), json!({}), json!({}))),
                    case(event(&format!("{public}x"), json!({}), json!({}), json!({}))),
                ],
            );
            assert!(out[0].allowed(), "{runtime}: {value:?} should match itself: {:?}", out[0]);
            assert!(!out[1].allowed(), "{runtime}: {value:?}: iss matched another string");
            assert!(!out[2].allowed(), "{runtime}: {value:?}: aud matched another string");
            assert!(out[3].allowed(), "{runtime}: {value:?}: public path should match itself");
            assert!(!out[4].allowed(), "{runtime}: {value:?}: public path matched another");
        }
    }
}

#[test]
fn unused_features_cost_nothing() {
    let plain = generate("{}", demo());
    for word in ["unsafe", "%(2e", "OPTIONS", "indexOf", "kvs", "location", "slice"] {
        assert!(!plain.contains(word), "a policy without that feature has `{word}`: {plain}");
    }
    let scoped = generate(r#"{"claims": {"scope": "paths"}}"#, demo());
    assert!(scoped.contains("%(2e|2f|5c)"), "{scoped}");
}

#[test]
fn cookie_handoff_end_to_end() {
    let policy = r#"{"token": {"from": ["query:jwt", "cookie:token"], "handoff": {"cookie": "token", "path": "/courses/"}},
                    "claims": {"scope": "paths"}}"#;
    let t = token(json!({"exp": NOW + 60, "paths": ["/courses/c1/*"]}));
    for runtime in Runtime::ALL {
        let code = generate(&with_runtime(policy, runtime), demo());
        // 1. The player asks for the manifest with the token in the query string.
        let manifest = event(
            "/courses/c1/master.m3u8",
            json!({"jwt": {"value": t}, "lang": {"value": "en"}, "q": {"value": "1", "multiValue": [{"value": "1"}, {"value": "2"}]}}),
            json!({"host": {"value": "cdn.example.com"}}),
            json!({}),
        );
        let out = run(&code, &[case(manifest)]);
        let Outcome::Response(r) = &out[0] else { panic!("{runtime}: expected a redirect, got {:?}", out[0]) };
        assert_eq!(r["statusCode"], 302, "{runtime}");
        assert_eq!(r["headers"]["location"]["value"], "/courses/c1/master.m3u8?lang=en&q=1&q=2", "{runtime}");
        assert_eq!(r["cookies"]["token"]["value"], t.as_str(), "{runtime}");
        assert_eq!(
            r["cookies"]["token"]["attributes"], "Secure; HttpOnly; SameSite=Lax; Path=/courses/; Max-Age=60",
            "{runtime}"
        );

        // 2. The redirected manifest request and the segment requests carry the cookie.
        let with_cookie = |uri: &str, query: Value| event(uri, query, json!({}), json!({"token": {"value": t}}));
        let out = run(
            &code,
            &[
                case(with_cookie("/courses/c1/master.m3u8", json!({"lang": {"value": "en"}}))),
                case(with_cookie("/courses/c1/hls/seg-001.ts", json!({}))),
                case(with_cookie("/courses/c2/hls/seg-001.ts", json!({}))),
            ],
        );
        assert_eq!(out[0].request()["querystring"], json!({"lang": {"value": "en"}}), "{runtime}");
        assert_eq!(out[0].request()["cookies"], json!({}), "{runtime}: the cookie is stripped too");
        assert!(out[1].allowed(), "{runtime}: segment with the cookie");
        assert_eq!(out[2].status(), Some(401), "{runtime}: the cookie opens only its scope");

        // 3. No hand-off for a bad token, for other methods, or for a cookie token.
        let mut post = event("/courses/c1/upload", json!({"jwt": {"value": t}}), json!({}), json!({}));
        post["request"]["method"] = json!("POST");
        let out = run(
            &code,
            &[
                case(event("/courses/c1/master.m3u8", json!({"jwt": {"value": "nope"}}), json!({}), json!({}))),
                case(post),
                case_at(event("/courses/c1/master.m3u8", json!({"jwt": {"value": t}}), json!({}), json!({})), NOW + 60),
            ],
        );
        assert_eq!(out[0].status(), Some(401), "{runtime}: bad token");
        assert_eq!(out[1].request()["querystring"], json!({}), "{runtime}: POST goes on, token stripped");
        assert_eq!(out[2].status(), Some(401), "{runtime}: expired token");
    }
}

#[test]
fn handoff_without_exp_sets_a_session_cookie() {
    let policy =
        r#"{"token": {"from": ["query:jwt", "cookie:t"], "handoff": {"cookie": "t"}}, "claims": {"exp": "optional"}}"#;
    let t = token(json!({"sub": "u"}));
    for runtime in Runtime::ALL {
        let code = generate(&with_runtime(policy, runtime), demo());
        let endless = token_raw(r#"{"alg":"HS256"}"#, r#"{"exp":1e400}"#, DEMO_KEY);
        let out = run(&code, &[case(q("jwt", &t)), case(q("jwt", &endless))]);
        let Outcome::Response(r) = &out[0] else { panic!("{runtime}: {:?}", out[0]) };
        assert_eq!(r["cookies"]["t"]["attributes"], "Secure; HttpOnly; SameSite=Lax; Path=/", "{runtime}");
        assert_eq!(r["headers"]["location"]["value"], URI, "{runtime}");
        assert_eq!(out[1].status(), Some(401), "{runtime}: an exp of Infinity is no session: {:?}", out[1]);
    }
}
