//! The generated function, executed: every rule of the spec at its edges, for both runtimes,
//! under njs and in the bundled engine (which must agree).

use cfjwt::cloudfront::Runtime;
use serde_json::json;

use crate::harness::*;

const SEED: &str = r#"{"token": {"from": ["query:jwt"]}, "claims": {"exp": "required"}}"#;

fn seed(runtime: Runtime) -> String {
    generate(&with_runtime(SEED, runtime), vec![key(DEMO_KEY)])
}

/// Runs `cases` against the seed function on both runtimes and checks each verdict.
fn expect_seed(cases: &[(&str, Case, bool)]) {
    for runtime in Runtime::ALL {
        let code = seed(runtime);
        let list: Vec<Case> = cases.iter().map(|(_, c, _)| c.clone()).collect();
        let outcomes = run(&code, &list);
        for ((name, _, allow), outcome) in cases.iter().zip(&outcomes) {
            if *allow {
                assert!(outcome.allowed(), "{runtime}: {name}: expected to pass, got {outcome:?}");
            } else {
                assert_eq!(outcome.status(), Some(401), "{runtime}: {name}: expected 401, got {outcome:?}");
            }
        }
    }
}

fn valid() -> String {
    token(json!({"sub": "u1", "exp": NOW + 60}))
}

#[test]
fn a_valid_token_passes_stripped_and_other_parameters_kept() {
    for runtime in Runtime::ALL {
        let out = run(&seed(runtime), &[case(query_event(&valid()))]);
        let req = out[0].request();
        assert_eq!(req["querystring"], json!({"lang": {"value": "en"}}), "{runtime}");
        assert_eq!(req["uri"], "/courses/c1/lesson1.m3u8");
        assert_eq!(req["headers"], json!({"host": {"value": "example.org"}}));
    }
}

#[test]
fn the_deny_response_is_a_401_with_www_authenticate() {
    for runtime in Runtime::ALL {
        let out = run(&seed(runtime), &[case(event("/x", json!({}), json!({}), json!({})))]);
        match &out[0] {
            Outcome::Response(r) => assert_eq!(
                r,
                &json!({"statusCode": 401, "statusDescription": "Unauthorized", "headers": {"www-authenticate": {"value": "Bearer"}}})
            ),
            other => panic!("{runtime}: {other:?}"),
        }
    }
}

#[test]
fn malformed_tokens_are_denied() {
    let cases = malformed_tokens(&valid());
    let list: Vec<(&str, Case, bool)> = cases.iter().map(|(n, t)| (n.as_str(), case(query_event(t)), false)).collect();
    expect_seed(&list);
}

#[test]
fn wrong_key_and_tampering_are_denied() {
    let other_key = token_raw(
        r#"{"alg":"HS256","typ":"JWT"}"#,
        &json!({"exp": NOW + 60}).to_string(),
        b"another-key-another-key-another-key!!",
    );
    let good = valid();
    let (input, sig) = good.rsplit_once('.').unwrap();
    let tampered_payload = {
        let forged = b64(json!({"sub": "admin", "exp": NOW + 60}).to_string().as_bytes());
        let h = input.split('.').next().unwrap();
        format!("{h}.{forged}.{sig}")
    };
    let flipped = {
        let mut chars: Vec<char> = sig.chars().collect();
        chars[0] = if chars[0] == 'A' { 'B' } else { 'A' };
        format!("{input}.{}", chars.into_iter().collect::<String>())
    };
    let last_char = {
        let mut chars: Vec<char> = sig.chars().collect();
        let n = chars.len() - 1;
        chars[n] = if chars[n] == 'A' { 'Q' } else { 'A' };
        format!("{input}.{}", chars.into_iter().collect::<String>())
    };
    expect_seed(&[
        ("valid", case(query_event(&good)), true),
        ("other key", case(query_event(&other_key)), false),
        ("tampered payload", case(query_event(&tampered_payload)), false),
        ("first signature character", case(query_event(&flipped)), false),
        ("last signature character", case(query_event(&last_char)), false),
    ]);
}

#[test]
fn the_header_must_pin_hs256_without_crit() {
    let payload = json!({"exp": NOW + 60}).to_string();
    let with = |header: &str| case(query_event(&token_raw(header, &payload, DEMO_KEY)));
    expect_seed(&[
        ("standard header", with(r#"{"alg":"HS256","typ":"JWT"}"#), true),
        ("no typ", with(r#"{"alg":"HS256"}"#), true),
        ("other typ", with(r#"{"alg":"HS256","typ":"at+jwt"}"#), true),
        ("alg none", with(r#"{"alg":"none","typ":"JWT"}"#), false),
        ("alg HS512", with(r#"{"alg":"HS512","typ":"JWT"}"#), false),
        ("alg lower case", with(r#"{"alg":"hs256"}"#), false),
        ("alg missing", with(r#"{"typ":"JWT"}"#), false),
        ("alg not a string", with(r#"{"alg":["HS256"]}"#), false),
        ("alg null", with(r#"{"alg":null}"#), false),
        ("crit", with(r#"{"alg":"HS256","crit":["exp"]}"#), false),
        ("crit null", with(r#"{"alg":"HS256","crit":null}"#), false),
        ("header an array", with(r#"["HS256"]"#), false),
        ("header a string", with(r#""HS256""#), false),
        ("header a number", with("1"), false),
        ("header null", with("null"), false),
        ("header not JSON", with("{alg:HS256}"), false),
        ("header empty object", with("{}"), false),
    ]);
}

#[test]
fn the_payload_must_be_a_json_object() {
    let with = |payload: &str| case(query_event(&token_raw(r#"{"alg":"HS256","typ":"JWT"}"#, payload, DEMO_KEY)));
    expect_seed(&[
        ("array", with(&format!("[{{\"exp\":{}}}]", NOW + 60)), false),
        ("string", with("\"x\""), false),
        ("number", with("42"), false),
        ("null", with("null"), false),
        ("true", with("true"), false),
        ("not JSON", with("{exp:1}"), false),
        ("empty", with(""), false),
        ("object", with(&format!("{{\"exp\":{}}}", NOW + 60)), true),
    ]);
}

#[test]
fn exp_is_required_and_checked_to_the_second() {
    let at = |claims: serde_json::Value, now: i64| case_at(query_event(&token(claims)), now);
    expect_seed(&[
        ("missing", at(json!({"sub": "u"}), NOW), false),
        ("in the past", at(json!({"exp": NOW - 1}), NOW), false),
        ("exactly now", at(json!({"exp": NOW}), NOW), false),
        ("one second left", at(json!({"exp": NOW + 1}), NOW), true),
        ("fraction of a second left", at(json!({"exp": NOW as f64 + 0.5}), NOW), true),
        ("a string", at(json!({"exp": (NOW + 60).to_string()}), NOW), false),
        ("null", at(json!({"exp": null}), NOW), false),
        ("true", at(json!({"exp": true}), NOW), false),
        ("an object", at(json!({"exp": {"v": NOW + 60}}), NOW), false),
        ("an array", at(json!({"exp": [NOW + 60]}), NOW), false),
    ]);
}

#[test]
fn nbf_is_checked_when_present() {
    let at = |claims: serde_json::Value| case(query_event(&token(claims)));
    expect_seed(&[
        ("nbf in the future", at(json!({"exp": NOW + 60, "nbf": NOW + 1})), false),
        ("nbf now", at(json!({"exp": NOW + 60, "nbf": NOW})), true),
        ("nbf in the past", at(json!({"exp": NOW + 60, "nbf": NOW - 10})), true),
        ("nbf a string", at(json!({"exp": NOW + 60, "nbf": "0"})), false),
        ("nbf null", at(json!({"exp": NOW + 60, "nbf": null})), false),
    ]);
}

#[test]
fn iat_must_be_a_number_even_without_max_age() {
    let at = |claims: serde_json::Value| case(query_event(&token(claims)));
    expect_seed(&[
        ("iat a number", at(json!({"exp": NOW + 60, "iat": NOW})), true),
        ("iat in the future is not checked without max_age", at(json!({"exp": NOW + 60, "iat": NOW + 999})), true),
        ("iat a string", at(json!({"exp": NOW + 60, "iat": "yesterday"})), false),
        ("iat null", at(json!({"exp": NOW + 60, "iat": null})), false),
        ("iat true", at(json!({"exp": NOW + 60, "iat": true})), false),
        ("iat a list", at(json!({"exp": NOW + 60, "iat": [1]})), false),
        ("iat an object", at(json!({"exp": NOW + 60, "iat": {}})), false),
    ]);
}

/// `1e400` and `-1e400` parse as Infinity and -Infinity: such a time is not a number a token can
/// be checked against (an `exp` of Infinity would never expire), so it denies, like any other
/// value that is not a finite number. The claims are written as text (serde cannot write them).
#[test]
fn times_must_be_finite_numbers() {
    let with = |claims: String| case(query_event(&token_raw(r#"{"alg":"HS256","typ":"JWT"}"#, &claims, DEMO_KEY)));
    let exp = NOW + 60;
    expect_seed(&[
        ("exp 1e400", with(r#"{"exp":1e400}"#.into()), false),
        ("exp 1E400", with(r#"{"exp":1E400}"#.into()), false),
        ("exp 2e308", with(r#"{"exp":2e308}"#.into()), false),
        ("exp -1e400", with(r#"{"exp":-1e400}"#.into()), false),
        ("exp the largest finite number", with(r#"{"exp":1.7976931348623157e308}"#.into()), true),
        ("exp 1e400 as a string", with(r#"{"exp":"1e400"}"#.into()), false),
        ("exp Infinity as a string", with(r#"{"exp":"Infinity"}"#.into()), false),
        ("nbf -1e400", with(format!(r#"{{"exp":{exp},"nbf":-1e400}}"#)), false),
        ("nbf 1e400", with(format!(r#"{{"exp":{exp},"nbf":1e400}}"#)), false),
        ("nbf the smallest finite number", with(format!(r#"{{"exp":{exp},"nbf":-1.7976931348623157e308}}"#)), true),
        ("iat 1e400", with(format!(r#"{{"exp":{exp},"iat":1e400}}"#)), false),
        ("iat -1e400", with(format!(r#"{{"exp":{exp},"iat":-1e400}}"#)), false),
        ("iat finite", with(format!(r#"{{"exp":{exp},"iat":-5e-324}}"#)), true),
        ("a later exp 1e400 wins", with(format!(r#"{{"exp":{exp},"exp":1e400}}"#)), false),
        ("a later finite exp wins", with(format!(r#"{{"exp":1e400,"exp":{exp}}}"#)), true),
    ]);
}

/// The seed names no audience: a token that carries `aud`, whatever its value, is denied (RFC
/// 7519 §4.1.3); one without passes.
#[test]
fn aud_without_a_configured_audience_denies() {
    let with = |claims: serde_json::Value| case(query_event(&token(claims)));
    let exp = NOW + 60;
    expect_seed(&[
        ("no aud", with(json!({"exp": exp, "sub": "u"})), true),
        ("aud a string", with(json!({"exp": exp, "aud": "api"})), false),
        ("aud empty", with(json!({"exp": exp, "aud": ""})), false),
        ("aud a list", with(json!({"exp": exp, "aud": ["api"]})), false),
        ("aud an empty list", with(json!({"exp": exp, "aud": []})), false),
        ("aud null", with(json!({"exp": exp, "aud": null})), false),
        ("aud false", with(json!({"exp": exp, "aud": false})), false),
        ("aud inside another claim", with(json!({"exp": exp, "ctx": {"aud": "api"}})), true),
        ("Aud is another claim", with(json!({"exp": exp, "Aud": "api"})), true),
    ]);
}

#[test]
fn optional_exp_and_required_nbf() {
    let policy = r#"{"claims": {"exp": "optional", "nbf": "required"}}"#;
    for runtime in Runtime::ALL {
        let code = generate(&with_runtime(policy, runtime), vec![key(DEMO_KEY)]);
        let out = run(
            &code,
            &[
                case(query_event(&token(json!({"nbf": NOW - 5})))),
                case(query_event(&token(json!({"nbf": NOW - 5, "exp": NOW - 1})))),
                case(query_event(&token(json!({"exp": NOW + 60})))),
                case(query_event(&token(json!({"nbf": NOW - 5, "exp": "soon"})))),
            ],
        );
        assert!(out[0].allowed(), "{runtime}: no exp, nbf ok: {:?}", out[0]);
        assert!(!out[1].allowed(), "{runtime}: expired");
        assert!(!out[2].allowed(), "{runtime}: nbf missing");
        assert!(!out[3].allowed(), "{runtime}: exp a string");
    }
}

#[test]
fn a_query_parameter_given_twice_is_denied() {
    let t = valid();
    let twice =
        event("/a", json!({"jwt": {"value": t, "multiValue": [{"value": t}, {"value": t}]}}), json!({}), json!({}));
    let once_listed = event("/a", json!({"jwt": {"value": t, "multiValue": [{"value": t}]}}), json!({}), json!({}));
    expect_seed(&[("twice", case(twice), false), ("multiValue of one", case(once_listed), true)]);
}

#[test]
fn no_token_or_the_wrong_parameter_is_denied() {
    let t = valid();
    expect_seed(&[
        ("no query string", case(event("/a", json!({}), json!({}), json!({}))), false),
        ("other name", case(event("/a", json!({"token": {"value": t}}), json!({}), json!({}))), false),
        (
            "in a header",
            case(event("/a", json!({}), json!({"authorization": {"value": format!("Bearer {t}")}}), json!({}))),
            false,
        ),
        ("empty value", case(event("/a", json!({"jwt": {"value": ""}}), json!({}), json!({}))), false),
    ]);
}

#[test]
fn strip_off_keeps_the_token() {
    let policy = r#"{"token": {"from": ["query:jwt"], "strip": false}}"#;
    for runtime in Runtime::ALL {
        let code = generate(&with_runtime(policy, runtime), vec![key(DEMO_KEY)]);
        let t = valid();
        let out = run(&code, &[case(query_event(&t))]);
        assert_eq!(out[0].request()["querystring"]["jwt"]["value"], t, "{runtime}");
    }
}

#[test]
fn keys_of_any_bytes_verify_as_rust_hmac_does() {
    let keys: Vec<Vec<u8>> = vec![
        (0u8..=255).collect(),
        "clé-secrète-日本語-🔑-padding-padding-padding".as_bytes().to_vec(),
        vec![0u8; 32],
        vec![0xff; 64],
        b"\"quotes\" and \\backslashes\\ and </script> and ${x} and `tick`".to_vec(),
        "line\nbreak\r\nand\u{2028}separator and tab\t".as_bytes().to_vec(),
    ];
    for runtime in Runtime::ALL {
        for secret in &keys {
            let code = generate(&with_runtime(SEED, runtime), vec![key(secret)]);
            let claims = json!({"exp": NOW + 60}).to_string();
            let right = token_raw(r#"{"alg":"HS256"}"#, &claims, secret);
            // Flip one bit: HMAC pads short keys with zeros, so dropping a zero byte would not change it.
            let mut other = secret.clone();
            other[0] ^= 1;
            let wrong = token_raw(r#"{"alg":"HS256"}"#, &claims, &other);
            let out = run(&code, &[case(query_event(&right)), case(query_event(&wrong))]);
            assert!(out[0].allowed(), "{runtime}: key {secret:?}: {:?}", out[0]);
            assert!(!out[1].allowed(), "{runtime}: key {secret:?}");
        }
    }
}

#[test]
fn several_keys_without_ids_are_all_tried() {
    let k1 = b"first-key-first-key-first-key-first-key!".to_vec();
    let k2 = b"second-key-second-key-second-key-second!".to_vec();
    let k3 = b"third-key-third-key-third-key-third-key!".to_vec();
    let claims = json!({"exp": NOW + 60}).to_string();
    for runtime in Runtime::ALL {
        let code = generate(&with_runtime(SEED, runtime), vec![key(&k1), key(&k2)]);
        let out = run(
            &code,
            &[
                case(query_event(&token_raw(r#"{"alg":"HS256"}"#, &claims, &k1))),
                case(query_event(&token_raw(r#"{"alg":"HS256"}"#, &claims, &k2))),
                case(query_event(&token_raw(r#"{"alg":"HS256"}"#, &claims, &k3))),
                case(query_event(&token_raw(r#"{"alg":"HS256","kid":"whatever"}"#, &claims, &k2))),
            ],
        );
        assert!(out[0].allowed() && out[1].allowed(), "{runtime}: {out:?}");
        assert!(!out[2].allowed(), "{runtime}");
        assert!(out[3].allowed(), "{runtime}: kid is ignored when no key has an id");
    }
}

#[test]
fn never_throws_on_odd_requests() {
    // Requests shaped in ways CloudFront does not send still get an answer, not an exception.
    // The bundled engine refuses such events as input, so they run under njs alone.
    let t = valid();
    let odd = [
        json!({"request": {"method": "GET", "uri": "/a", "querystring": {"jwt": {}}, "headers": {}, "cookies": {}}}),
        json!({"request": {"method": "GET", "uri": "/a", "querystring": {"jwt": {"value": 5}}, "headers": {}, "cookies": {}}}),
        json!({"request": {"method": "GET", "uri": "/a", "querystring": {"jwt": {"value": t, "multiValue": "x"}}, "headers": {}, "cookies": {}}}),
        json!({"request": {"method": "GET", "uri": "/a", "headers": {}}}),
    ];
    for runtime in Runtime::ALL {
        let cases: Vec<Case> = odd.iter().cloned().map(case).collect();
        for (i, out) in under_njs::run(&seed(runtime), &cases).iter().enumerate() {
            assert!(!matches!(out, Outcome::Failed(_)), "{runtime}: case {i} threw: {out:?}");
        }
    }
}
