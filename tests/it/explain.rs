//! `cfjwt explain`: for every reason code a request that produces it, explained through the
//! command line as text and as JSON (the code, a sentence with the values, the token decoded);
//! the exit codes; `--token -`, `--url` and `--event`; and no key in any output, in any encoding.

use std::path::Path;

use assert_cmd::Command;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::harness::{self, DEMO_KEY, NOW};
use crate::reasons::{self, at, signed, STANDARD, URI};
use cfjwt::reason::{Decision, Reason};

fn cfjwt() -> Command {
    Command::cargo_bin("cfjwt").unwrap()
}

/// A directory with the policies (`strict.json`, `plain.json`, `store.json`) and the demo key.
fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("strict.json"), reasons::STRICT).unwrap();
    std::fs::write(dir.path().join("plain.json"), reasons::PLAIN).unwrap();
    std::fs::write(dir.path().join("store.json"), reasons::STORE).unwrap();
    std::fs::write(dir.path().join("cors.json"), reasons::CORS).unwrap();
    std::fs::write(dir.path().join("demo.key"), DEMO_KEY).unwrap();
    dir
}

/// `cfjwt explain` with a policy and its key options, on an event file, at `NOW`-based time.
fn explain(dir: &Path, policy: &str, case: &harness::Case, json: bool) -> (Option<i32>, String, String) {
    let event = dir.join("event.json");
    std::fs::write(&event, case.event.to_string()).unwrap();
    let mut cmd = cfjwt();
    cmd.current_dir(dir).args(["explain", "--config", policy, "--now", &case.now.to_string(), "--event", "event.json"]);
    match policy {
        "strict.json" => {
            cmd.args(["--key-file", "k1=demo.key"]);
        }
        "plain.json" | "cors.json" => {
            cmd.args(["--key-file", "demo.key"]);
        }
        _ => {}
    }
    if let Some(kvs) = &case.kvs {
        std::fs::write(dir.join("kvs.json"), kvs.to_string()).unwrap();
        cmd.args(["--kvs", "kvs.json"]);
    }
    if json {
        cmd.arg("--json");
    }
    let out = cmd.output().unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn every_code_is_explained_with_its_sentence_and_json() {
    let dir = setup();
    let mut seen = std::collections::BTreeSet::new();
    let groups = [
        ("strict.json", reasons::strict_cases()),
        ("plain.json", reasons::plain_cases()),
        ("store.json", reasons::store_cases()),
        ("cors.json", reasons::cors_cases()),
    ];
    for (policy, cases) in groups {
        for (case, want) in cases {
            let (code, text, err) = explain(dir.path(), policy, &case, false);
            let verdict = match want.decision() {
                Decision::Allow => "allow",
                Decision::Deny => "deny",
            };
            let first = text.lines().next().unwrap_or("");
            assert_eq!(first, format!("{verdict}: {}", want.code()), "{policy} {:?}\n{text}{err}", case.event);
            let sentence = text.lines().nth(1).unwrap_or("");
            assert!(sentence.len() > 20 && sentence.ends_with('.'), "{policy} {want:?}: {text}");
            assert_eq!(code, Some(if verdict == "allow" { 0 } else { 1 }), "{text}{err}");
            let (_, out, _) = explain(dir.path(), policy, &case, true);
            let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
            assert_eq!(v["verdict"], verdict);
            assert_eq!(v["reason"], want.code());
            assert_eq!(v["message"], sentence);
            assert!(v.get("header").is_some() && v.get("claims").is_some(), "{v}");
            seen.insert(want);
        }
    }
    let missing: Vec<&str> = Reason::ALL.iter().filter(|r| !seen.contains(r)).map(|r| r.code()).collect();
    assert!(missing.is_empty(), "not explained: {missing:?}");
}

#[test]
fn sentences_name_the_values_involved() {
    let dir = setup();
    let good = reasons::strict_claims();
    let k1 = r#"{"alg":"HS256","typ":"JWT","kid":"k1"}"#;
    let cases = [
        (
            json!({"exp": NOW - 7980}),
            "exp 1699992020 (2023-11-14 20:00:20 UTC) is 2 h 13 min before now (2023-11-14 22:13:20 UTC).",
        ),
        (json!({"aud": "web"}), "aud \"web\" is not \"videos\"."),
        (json!({"plan": "free"}), "\"plan\" \"free\" is not one of \"pro\", \"team\", as claims.require asks."),
        (json!({"plan": ["free", "trial"]}), "\"plan\" [\"free\",\"trial\"] holds none of \"pro\", \"team\"."),
        (json!({"iss": "https://evil.example"}), "iss \"https://evil.example\" is not \"https://issuer.example\"."),
        (json!({"nbf": NOW + 90}), "nbf 1700000090 (2023-11-14 22:14:50 UTC) is 1 min 30 s after now"),
        (json!({"iat": NOW - 4000}), "is 1 h 6 min before now (2023-11-14 22:13:20 UTC), more than max_age (600 s)."),
        (
            json!({"paths": ["/courses/c2/*"]}),
            "No pattern of the \"paths\" claim [\"/courses/c2/*\"] matches the URI /courses/c1/lesson1.m3u8.",
        ),
    ];
    for (change, words) in cases {
        let mut claims = good.clone();
        for (k, v) in change.as_object().unwrap() {
            claims[k] = v.clone();
        }
        let case = harness::case(at(URI, &signed(k1, &claims)));
        let (_, text, _) = explain(dir.path(), "strict.json", &case, false);
        assert!(text.contains(words), "expected {words:?} in:\n{text}");
        // The claims are shown, times with their dates.
        assert!(text.contains("  exp: "), "{text}");
        assert!(text.contains(" UTC)\n"), "{text}");
    }
    // Revocation names the entry it read.
    let revoked = harness::case_with_store(
        at(URI, &harness::token(json!({"exp": NOW + 60, "sid": "s9", "iat": NOW - 100}))),
        json!({"jwt.secret": std::str::from_utf8(DEMO_KEY).unwrap(), "revoked:s9": (NOW - 10).to_string()}),
    );
    let (_, text, _) = explain(dir.path(), "store.json", &revoked, false);
    assert!(
        text.contains("The KeyValueStore entry \"revoked:s9\" revokes the tokens issued before 1699999990 (2023-11-14 22:13:10 UTC); this token's iat 1699999900"),
        "{text}"
    );
    let wrong_key = harness::token_raw(k1, &good.to_string(), reasons::OTHER_KEY);
    let (_, text, _) = explain(dir.path(), "strict.json", &harness::case(at(URI, &wrong_key)), false);
    assert!(text.contains("The signature does not match the key with kid \"k1\"."), "{text}");
    let dir2 = tempfile::tempdir().unwrap();
    std::fs::write(dir2.path().join("p.json"), reasons::PLAIN).unwrap();
    std::fs::write(dir2.path().join("a.key"), DEMO_KEY).unwrap();
    std::fs::write(dir2.path().join("b.key"), reasons::OTHER_KEY).unwrap();
    let token =
        harness::token_raw(STANDARD, &json!({"exp": NOW + 60}).to_string(), b"a third key, used by nobody at all, 32+");
    let out = cfjwt()
        .current_dir(dir2.path())
        .args(["explain", "--config", "p.json", "--key-file", "a.key", "--key-file", "b.key"])
        .args(["--now", &NOW.to_string(), "--token", &token])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("The signature does not match any of the 2 keys."), "{text}");
}

#[test]
fn a_token_from_standard_input_or_a_url_and_bad_input() {
    let dir = setup();
    let token = signed(STANDARD, &json!({"exp": NOW + 600}));
    let base = ["explain", "--config", "plain.json", "--key-file", "demo.key", "--now", "1700000000"];
    let out =
        cfjwt().current_dir(dir.path()).args(base).args(["--token", "-"]).write_stdin(format!("{token}\n")).output();
    let out = out.unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8(out.stdout).unwrap().starts_with("allow: ok\n"));
    let url = format!("https://d111.cloudfront.net/a/b.ts?lang=en&jwt={token}");
    let out = cfjwt().current_dir(dir.path()).args(base).args(["--url", &url, "--json"]).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["verdict"].as_str(), v["reason"].as_str()), (Some("allow"), Some("ok")), "{v}");
    assert_eq!(v["claims"]["exp"], NOW + 600);
    // Expired one second later than allowed: exit 1.
    let late =
        ["explain", "--config", "plain.json", "--key-file", "demo.key", "--now", "1700000600", "--token", &token];
    assert_eq!(cfjwt().current_dir(dir.path()).args(late).output().unwrap().status.code(), Some(1));
    // Bad input: exit 2, one sentence.
    let out = cfjwt().current_dir(dir.path()).args(base).args(["--token", "two words"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("the token is not one value"));
    let out = cfjwt().current_dir(dir.path()).args(base).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "one of --token, --url, --event is required");
    let out = cfjwt().current_dir(dir.path()).args(["explain", "--config", "plain.json", "--token", &token]).output();
    let out = out.unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("no key given"));
}

#[test]
fn a_key_never_appears_in_the_output_whatever_its_encoding() {
    let dir = setup();
    let secret = b"\x01\x02explain-must-never-print-this-secret\xff\xfe";
    let key = cfjwt::key::Secret::new(secret.to_vec());
    let encodings = [
        ("hex", hex::encode(secret)),
        ("base64", base64::engine::general_purpose::STANDARD.encode(secret)),
        ("base64url", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret)),
    ];
    let text_key = "a-utf8-secret-that-explain-must-never-print";
    let text_secret = cfjwt::key::Secret::new(text_key.as_bytes().to_vec());
    let mut runs = Vec::new();
    for (encoding, text) in &encodings {
        std::fs::write(dir.path().join("k.key"), text).unwrap();
        for token in [
            harness::token_raw(STANDARD, &json!({"exp": NOW + 60}).to_string(), secret),
            harness::token_raw(STANDARD, &json!({"exp": NOW - 60}).to_string(), secret),
            harness::token_raw(STANDARD, &json!({"exp": NOW + 60}).to_string(), DEMO_KEY),
            "garbage".to_string(),
        ] {
            for json in [false, true] {
                let mut cmd = cfjwt();
                cmd.current_dir(dir.path())
                    .args(["explain", "--config", "plain.json", "--key-file", "k.key", "--key-encoding", encoding])
                    .args(["--now", &NOW.to_string(), "--token", &token]);
                if json {
                    cmd.arg("--json");
                }
                runs.push((key.forms(), cmd.output().unwrap()));
            }
        }
    }
    std::fs::write(dir.path().join("t.key"), text_key).unwrap();
    let token = harness::token_raw(STANDARD, &json!({"exp": NOW + 60}).to_string(), text_key.as_bytes());
    let out = cfjwt()
        .current_dir(dir.path())
        .args([
            "explain",
            "--config",
            "plain.json",
            "--key-file",
            "t.key",
            "--now",
            &NOW.to_string(),
            "--token",
            &token,
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("allow: ok"));
    runs.push((text_secret.forms(), out));
    let mut allowed = 0;
    for (forms, out) in &runs {
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        allowed += usize::from(out.status.code() == Some(0));
        for form in forms {
            assert!(!all.contains(form.as_str()), "the key ({form}) is in the output:\n{all}");
        }
    }
    assert_eq!(allowed, 3 * 2 + 1, "a token signed with the key is allowed in every encoding");
}
