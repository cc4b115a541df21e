//! `revocation` and `key.encoding`, under njs (with the KeyValueStore stand-in, which counts every
//! read) and in the bundled engine: a token not revoked, revoked by an empty entry, revoked by
//! time (`iat` before, equal to and after the entry's time, and none), a missing or mistyped
//! claim, a failed read, how many reads each costs (none for a forged, expired or malformed
//! token), and the stored key text in each encoding against tokens signed with the decoded key.

use base64::Engine as _;
use serde_json::{json, Value};

use crate::harness::*;

const STANDARD: &str = r#"{"alg":"HS256","typ":"JWT"}"#;
const T: i64 = NOW - 3600;

fn policy(extra: Value) -> String {
    let mut p = json!({"log": "console", "revocation": {"claim": "sid"}});
    p.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    p.to_string()
}

fn with_sid(sid: Value, iat: Option<i64>) -> String {
    let mut claims = json!({"exp": NOW + 600, "sid": sid});
    if let Some(iat) = iat {
        claims["iat"] = json!(iat);
    }
    token(claims)
}

/// Runs `cases` (token, store) under both engines and returns (allowed, reason, njs reads).
fn decide(code: &str, cases: &[(String, Option<Value>)]) -> Vec<(bool, Option<String>, u64)> {
    let cases: Vec<Case> =
        cases.iter().map(|(t, kvs)| Case { event: query_event(t), now: NOW, kvs: kvs.clone() }).collect();
    let decided = run_with_reasons(code, &cases);
    let reads = under_njs::store_reads(code, &cases);
    decided.into_iter().zip(reads).map(|((o, reason), r)| (o.allowed(), reason, r)).collect()
}

#[test]
fn an_entry_revokes_a_session_or_the_tokens_issued_before_its_time() {
    let code = generate(&policy(json!({})), vec![key(DEMO_KEY)]);
    assert!(code.contains("async function handler("), "revocation reads the store");
    let store = |entries: Value| Some(entries);
    let forged = token_raw(
        STANDARD,
        &json!({"exp": NOW + 600, "sid": "s1"}).to_string(),
        b"not-the-key-not-the-key-not-the-key!",
    );
    let expired = token(json!({"exp": NOW - 1, "sid": "s1"}));
    let long_sid = "x".repeat(512 - "revoked:".len() + 1);
    let cases = vec![
        // (token, store) -> (allowed, reason, reads)
        (with_sid(json!("s1"), None), store(json!({}))),
        (with_sid(json!("s1"), None), store(json!({"revoked:s1": ""}))),
        (with_sid(json!("s2"), None), store(json!({"revoked:s1": ""}))),
        (with_sid(json!("s1"), Some(T - 1)), store(json!({"revoked:s1": T.to_string()}))),
        (with_sid(json!("s1"), Some(T)), store(json!({"revoked:s1": T.to_string()}))),
        (with_sid(json!("s1"), Some(T + 1)), store(json!({"revoked:s1": T.to_string()}))),
        (with_sid(json!("s1"), None), store(json!({"revoked:s1": T.to_string()}))),
        (with_sid(json!("s1"), Some(NOW)), store(json!({"revoked:s1": "soon"}))),
        (token(json!({"exp": NOW + 600})), store(json!({}))),
        (with_sid(json!(7), None), store(json!({"revoked:7": ""}))),
        (with_sid(json!(""), None), store(json!({"revoked:": ""}))),
        (with_sid(json!(["s1"]), None), store(json!({}))),
        (with_sid(json!(long_sid), None), store(json!({}))),
        // No store associated: every read fails, and the function fails closed.
        (with_sid(json!("s1"), None), None),
        // Forged, expired and malformed tokens never reach the store.
        (forged, store(json!({"revoked:s1": ""}))),
        (expired, store(json!({"revoked:s1": ""}))),
        ("a.b.c".into(), store(json!({}))),
    ];
    let want: Vec<(bool, &str, u64)> = vec![
        (true, "allow ok", 1),
        (false, "deny revoked", 2),
        (true, "allow ok", 1),
        (false, "deny revoked", 2),
        (true, "allow ok", 2),
        (true, "allow ok", 2),
        (false, "deny revoked", 2),
        (false, "deny revoked", 2),
        (false, "deny revoked", 0),
        (false, "deny revoked", 0),
        (false, "deny revoked", 0),
        (false, "deny revoked", 0),
        (false, "deny revoked", 0),
        (false, "deny revoked", 1),
        (false, "deny signature", 0),
        (false, "deny expired", 0),
        (false, "deny malformed", 0),
    ];
    let got = decide(&code, &cases);
    for (i, ((allowed, reason, reads), (a, r, n))) in got.iter().zip(&want).enumerate() {
        assert_eq!((*allowed, reason.as_deref(), *reads), (*a, Some(*r), *n), "case {i}: {:?}", cases[i].1);
    }
}

#[test]
fn with_the_secret_in_the_store_the_secrets_read_comes_on_top() {
    let secret = "a store secret of at least thirty-two bytes";
    let code = generate(
        &policy(json!({"key": {"kvs": "jwt.secret"}, "revocation": {"claim": "sub", "prefix": "out:"}})),
        vec![],
    );
    let signed = |claims: Value| token_raw(STANDARD, &claims.to_string(), secret.as_bytes());
    let store = |extra: Value| {
        let mut s = json!({"jwt.secret": secret});
        s.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        Some(s)
    };
    let cases = vec![
        (signed(json!({"exp": NOW + 60, "sub": "u1", "iat": NOW - 10})), store(json!({}))),
        (signed(json!({"exp": NOW + 60, "sub": "u1", "iat": NOW - 10})), store(json!({"out:u1": NOW.to_string()}))),
        (signed(json!({"exp": NOW + 60, "sub": "u1", "iat": NOW})), store(json!({"out:u1": NOW.to_string()}))),
        (token(json!({"exp": NOW + 60, "sub": "u1"})), store(json!({"out:u1": ""}))),
    ];
    let got = decide(&code, &cases);
    assert_eq!(got[0], (true, Some("allow ok".into()), 2), "the secret, then `exists`");
    assert_eq!(got[1], (false, Some("deny revoked".into()), 3), "logged out everywhere: issued before");
    assert_eq!(got[2], (true, Some("allow ok".into()), 3), "a new login after the entry");
    assert!(!got[3].0, "signed with another key");
    assert_eq!(got[3].2, 1, "a token signed with another key costs the secret's read only");
}

#[test]
fn revocation_needs_runtime_2_and_a_prefix_apart_from_the_secret() {
    for (p, message) in [
        (
            json!({"runtime": "cloudfront-js-1.0", "revocation": {"claim": "sid"}}),
            "revocation: revocation reads the KeyValueStore, which needs runtime cloudfront-js-2.0",
        ),
        (json!({"revocation": {}}), "revocation.claim: name the claim"),
        (json!({"revocation": {"claim": ""}}), "revocation.claim: the claim name is empty"),
        (json!({"revocation": {"claim": "sid", "prefix": ""}}), "revocation.prefix: a prefix is 1 to 256 bytes"),
        (json!({"revocation": {"claim": "sid", "prefix": "a b"}}), "revocation.prefix: a prefix is 1 to 256 bytes"),
        (
            json!({"key": {"kvs": "jwt.secret"}, "revocation": {"claim": "sid", "prefix": "jwt."}}),
            "revocation.prefix: `jwt.` and the secret's name `jwt.secret` overlap",
        ),
        (
            json!({"key": {"kvs": "k"}, "revocation": {"claim": "sid", "prefix": "k:"}}),
            "revocation.prefix: `k:` and the secret's name `k` overlap",
        ),
        (json!({"key": {"encoding": "base64"}}), "key.encoding: `encoding` says how the KeyValueStore's text is read"),
        (json!({"key": {"kvs": "k", "encoding": "latin1"}}), "key.encoding: `latin1` is not an encoding"),
    ] {
        let e = cfjwt::policy::parse(&p.to_string(), std::path::Path::new("p.json")).unwrap_err().to_string();
        assert!(e.starts_with(&format!("p.json: {message}")), "{p}: {e}");
    }
}

#[test]
fn the_stored_text_means_what_the_key_file_means() {
    // A key of bytes that are not text, and the demo key: each stored as a key file holds it.
    let binary: Vec<u8> = (0u8..40).map(|i| i.wrapping_mul(37).wrapping_add(200)).collect();
    let b64 = base64::engine::general_purpose::STANDARD;
    let b64url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let cases: Vec<(&str, String, Vec<u8>)> = vec![
        ("utf8", format!("{}\n", std::str::from_utf8(DEMO_KEY).unwrap()), DEMO_KEY.to_vec()),
        ("utf8", std::str::from_utf8(DEMO_KEY).unwrap().to_owned(), DEMO_KEY.to_vec()),
        ("base64", format!("{}\n", b64.encode(&binary)), binary.clone()),
        ("base64", format!("{}\r\n", b64.encode(&binary)), binary.clone()),
        ("base64url", b64url.encode(&binary), binary.clone()),
        ("hex", format!("{}\n", hex::encode(&binary)), binary.clone()),
        ("hex", hex::encode_upper(&binary), binary.clone()),
    ];
    for (encoding, stored, bytes) in &cases {
        let code = generate(
            &json!({"key": {"kvs": "jwt.secret", "encoding": encoding}, "log": "console"}).to_string(),
            vec![],
        );
        // `gen --key-encoding` reads the same file to the same bytes.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("jwt.key");
        std::fs::write(&file, stored).unwrap();
        let encoding_arg = match *encoding {
            "utf8" => cfjwt::key::Encoding::Utf8,
            "base64" => cfjwt::key::Encoding::Base64,
            "base64url" => cfjwt::key::Encoding::Base64url,
            _ => cfjwt::key::Encoding::Hex,
        };
        let options = cfjwt::key::LoadOptions { encoding: encoding_arg, allow_short: false };
        let loaded = cfjwt::key::load(&cfjwt::key::KeyArg::File { id: None, path: file }, options).unwrap();
        assert_eq!(loaded.secret.expose(), &bytes[..], "{encoding}: gen reads other bytes");

        let good = token_raw(STANDARD, &json!({"exp": NOW + 60}).to_string(), bytes);
        let text_signed = token_raw(STANDARD, &json!({"exp": NOW + 60}).to_string(), stored.trim_end().as_bytes());
        let store = json!({"jwt.secret": stored});
        let out = run_with_reasons(
            &code,
            &[case_with_store(query_event(&good), store.clone()), case_with_store(query_event(&text_signed), store)],
        );
        assert_eq!(out[0].1.as_deref(), Some("allow ok"), "{encoding} {stored:?}");
        if *encoding != "utf8" {
            assert_eq!(out[1].1.as_deref(), Some("deny signature"), "{encoding}: the text is not the key");
        }
    }
    // Text that is not in the encoding, or too short once decoded: the key is unavailable.
    for (encoding, stored) in [
        ("base64", "not base64!"),
        ("hex", "abc"),
        ("hex", "zz".repeat(32).as_str()),
        ("base64", &b64.encode([1u8; 31])),
    ] {
        let code = generate(
            &json!({"key": {"kvs": "jwt.secret", "encoding": encoding}, "log": "console"}).to_string(),
            vec![],
        );
        let t = token_raw(STANDARD, &json!({"exp": NOW + 60}).to_string(), &[1u8; 31]);
        let out = run_with_reasons(&code, &[case_with_store(query_event(&t), json!({"jwt.secret": stored}))]);
        assert_eq!(out[0].1.as_deref(), Some("deny key-unavailable"), "{encoding} {stored:?}");
    }
}
