//! The generated signature comparison reads every character of both signatures whatever they hold
//! (rule 4 of the specification, "no early exit on the first differing character"). The function
//! runs with probes that log what it reads, under njs and in the bundled engine, on a correct
//! signature and on signatures differing at the first, middle or last character (or everywhere):
//! every read must be the same, in the same order, whatever the input, and both signatures must
//! be read whole, 43 characters per side.
//!
//! Two ways of reading are recognised: `String.prototype.charCodeAt` calls (a loop that ORs the
//! differences), and a string handed whole to a hash's `update` (comparing digests of both
//! signatures). A comparison the probes cannot see (`===` on the signatures themselves) reads
//! nothing here and fails.

use std::collections::BTreeMap;

use cfjwt::cloudfront::Runtime;
use serde_json::{json, Value};

use crate::harness::*;

/// Appended to the function: every `charCodeAt` call logs `#read <index> <string>`, and every
/// string given to a hash made by `CRYPTO.createHash` logs `#hash <string>`.
const PROBE: &str = r#"
;(function () {
  var charCodeAt = String.prototype.charCodeAt;
  String.prototype.charCodeAt = function (i) {
    console.log('#read ' + i + ' ' + String(this));
    return charCodeAt.call(this, i);
  };
  var createHash = CRYPTO.createHash;
  CRYPTO.createHash = function (algorithm) {
    var hash = createHash.call(CRYPTO, algorithm), update = hash.update;
    hash.update = function (data) {
      if (typeof data == 'string') console.log('#hash ' + data);
      update.call(hash, data);
      return hash;
    };
    return hash;
  };
})();
"#;

/// The name the function gives the `crypto` module (minified code renames it): the `X` of
/// `X = require("crypto")` or `import X from "crypto"`.
fn crypto_binding(code: &str) -> String {
    let ident = |s: &str| -> String {
        let s = s.trim_end();
        let start = s.rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$')).map_or(0, |i| i + 1);
        s[start..].to_owned()
    };
    for quoted in ["\"crypto\"", "'crypto'"] {
        for (at, _) in code.match_indices(quoted) {
            let before = code[..at].trim_end();
            if let Some(call) = before.strip_suffix("require(") {
                if let Some(assign) = call.trim_end().strip_suffix('=') {
                    return ident(assign);
                }
            } else if let Some(import) = before.strip_suffix("from") {
                return ident(import);
            }
        }
    }
    panic!("the function does not load the crypto module the way this probe expects:\n{code}")
}

fn probed(code: &str) -> String {
    format!("{code}\n{}", PROBE.replace("CRYPTO", &crypto_binding(code)))
}

/// One thing the function read.
#[derive(Clone, Debug, PartialEq)]
enum Read {
    /// `s.charCodeAt(i)`.
    Char(String, usize),
    /// `hash.update(s)`.
    Hashed(String),
}

/// What one case did: its reads in order, and whether the request went on.
#[derive(Debug)]
struct Trace {
    reads: Vec<Read>,
    allowed: bool,
}

fn parse_read(line: &str) -> Option<Read> {
    if let Some(rest) = line.strip_prefix("#read ") {
        let (i, s) = rest.split_once(' ')?;
        return Some(Read::Char(s.to_owned(), i.parse().ok()?));
    }
    line.strip_prefix("#hash ").map(|s| Read::Hashed(s.to_owned()))
}

/// The reads in the lines a case logged (njs 0.7's deprecation notices may precede a mark).
fn reads_in(logs: &[String]) -> Vec<Read> {
    logs.iter().filter_map(|l| l.find('#').and_then(|at| parse_read(&l[at..]))).collect()
}

fn njs_traces(code: &str, cases: &[Case]) -> Vec<Trace> {
    under_njs::answers(code, cases)
        .into_iter()
        .map(|a| {
            assert!(!matches!(a.outcome, Outcome::Failed(_)), "the function threw under njs: {:?}", a.outcome);
            Trace { reads: reads_in(&a.logs), allowed: a.outcome.allowed() }
        })
        .collect()
}

fn engine_traces(code: &str, cases: &[Case]) -> Vec<Trace> {
    in_engine::answers(code, cases)
        .into_iter()
        .map(|a| {
            let outcome = a.outcome;
            assert!(!matches!(outcome, Outcome::Failed(_)), "the function failed in the bundled engine: {outcome:?}");
            Trace { reads: reads_in(&a.logs), allowed: outcome.allowed() }
        })
        .collect()
}

/// How many times each character of `s` was read: one per `charCodeAt` of its index, one per
/// index each time the whole of `s` was hashed.
fn coverage(trace: &Trace, s: &str) -> BTreeMap<usize, usize> {
    let mut by_index = BTreeMap::new();
    for read in &trace.reads {
        match read {
            Read::Char(string, i) if string == s => *by_index.entry(*i).or_insert(0) += 1,
            Read::Hashed(string) if string == s => {
                for i in 0..s.chars().count() {
                    *by_index.entry(i).or_insert(0) += 1;
                }
            }
            _ => {}
        }
    }
    by_index
}

/// The reads with the signatures replaced by a placeholder: what an observer of the reads (and
/// of their timing) could tell apart between inputs.
fn shape(trace: &Trace, signatures: &[&str]) -> Vec<Read> {
    let hide = |s: &String| if signatures.contains(&s.as_str()) { "<signature>".to_owned() } else { s.clone() };
    trace
        .reads
        .iter()
        .map(|r| match r {
            Read::Char(s, i) => Read::Char(hide(s), *i),
            Read::Hashed(s) => Read::Hashed(hide(s)),
        })
        .collect()
}

/// `n` reads of every index from 0 to 42.
fn every_index(n: usize) -> BTreeMap<usize, usize> {
    (0..43).map(|i| (i, n)).collect()
}

/// A token with its signature changed at `at` (a different base64url character).
fn altered(token: &str, at: usize) -> String {
    let (input, sig) = token.rsplit_once('.').unwrap();
    let mut chars: Vec<char> = sig.chars().collect();
    chars[at] = if chars[at] == 'A' { 'w' } else { 'A' };
    format!("{input}.{}", chars.into_iter().collect::<String>())
}

/// Runs a correct token and tokens whose signature is wrong at the first, middle, last or every
/// character through `code` in both engines, and checks the reads.
fn check_reads(label: &str, code: &str, secret: &[u8], header: &str, kvs: Option<Value>) {
    let code = probed(code);
    let claims = json!({"exp": NOW + 60}).to_string();
    let good = token_raw(header, &claims, secret);
    let (input, expected) = good.rsplit_once('.').map(|(a, b)| (a.to_owned(), b.to_owned())).unwrap();
    assert_eq!(expected, hs256(secret, &input));
    let tokens = [
        ("correct", good.clone()),
        ("first character wrong", altered(&good, 0)),
        ("middle character wrong", altered(&good, 21)),
        ("last character wrong", altered(&good, 42)),
        ("every character wrong", format!("{input}.{}", if expected.starts_with('A') { "w" } else { "A" }.repeat(43))),
    ];
    let cases: Vec<Case> =
        tokens.iter().map(|(_, t)| Case { event: query_event(t), now: NOW, kvs: kvs.clone() }).collect();
    for (engine, traces) in [("njs", njs_traces(&code, &cases)), ("bundled engine", engine_traces(&code, &cases))] {
        let mut shapes = Vec::new();
        for ((name, token), trace) in tokens.iter().zip(&traces) {
            let actual = token.rsplit_once('.').unwrap().1;
            let what = format!("{label}, {engine}, {name}");
            assert_eq!(trace.allowed, *name == "correct", "{what}: verdict");
            if actual == expected {
                // Both sides are the same string: read twice.
                assert_eq!(
                    coverage(trace, actual),
                    every_index(2),
                    "{what}: reads of the signatures; all reads: {:?}",
                    trace.reads
                );
            } else {
                assert_eq!(
                    coverage(trace, actual),
                    every_index(1),
                    "{what}: reads of the token's signature; all reads: {:?}",
                    trace.reads
                );
                assert_eq!(
                    coverage(trace, &expected),
                    every_index(1),
                    "{what}: reads of the computed signature; all reads: {:?}",
                    trace.reads
                );
            }
            shapes.push((name, shape(trace, &[actual, &expected])));
        }
        for (name, s) in &shapes[1..] {
            assert_eq!(
                s, &shapes[0].1,
                "{label}, {engine}: the reads for \"{name}\" differ from those for a correct signature"
            );
        }
    }
}

#[test]
fn one_embedded_key_reads_every_character_on_both_runtimes() {
    let policy = r#"{"token": {"from": ["query:jwt"]}}"#;
    for runtime in Runtime::ALL {
        let code = generate(&with_runtime(policy, runtime), vec![key(DEMO_KEY)]);
        check_reads(&format!("{runtime}, one key"), &code, DEMO_KEY, r#"{"alg":"HS256","typ":"JWT"}"#, None);
        check_reads(&format!("{runtime}, one key, other header"), &code, DEMO_KEY, r#"{"alg":"HS256"}"#, None);
    }
}

#[test]
fn a_key_from_the_key_value_store_reads_every_character() {
    let policy = r#"{"runtime": "cloudfront-js-2.0", "key": {"kvs": "jwt.secret"}}"#;
    let code = generate(policy, vec![]);
    let secret = "store-secret-store-secret-store-secret!";
    let store = json!({ "jwt.secret": secret });
    check_reads("cloudfront-js-2.0, KeyValueStore", &code, secret.as_bytes(), r#"{"alg":"HS256"}"#, Some(store));
}

#[test]
fn a_key_picked_by_kid_reads_every_character() {
    let a = b"key-a-key-a-key-a-key-a-key-a-key-a!".to_vec();
    let b = b"key-b-key-b-key-b-key-b-key-b-key-b!".to_vec();
    for runtime in Runtime::ALL {
        let code = generate(&with_runtime("{}", runtime), vec![key_with_id("a", &a), key_with_id("b", &b)]);
        check_reads(&format!("{runtime}, kid b"), &code, &b, r#"{"alg":"HS256","kid":"b"}"#, None);
    }
}

/// With several keys and no kid, every key is tried; each comparison still reads both
/// signatures whole, whichever key (if any) the token was signed with.
#[test]
fn rotation_without_kid_reads_every_character_of_each_comparison() {
    let keys: Vec<Vec<u8>> =
        vec![b"rotation-key-1-rotation-key-1-rotation!".to_vec(), b"rotation-key-2-rotation-key-2-rotation!".to_vec()];
    let other = b"nobody-s-key-nobody-s-key-nobody-s-key!".to_vec();
    let claims = json!({"exp": NOW + 60}).to_string();
    for runtime in Runtime::ALL {
        let code = probed(&generate(&with_runtime("{}", runtime), keys.iter().map(|k| key(k)).collect()));
        let signers = [&keys[0], &keys[1], &other];
        let tokens: Vec<String> = signers.iter().map(|k| token_raw(r#"{"alg":"HS256"}"#, &claims, k)).collect();
        let cases: Vec<Case> = tokens.iter().map(|t| case(query_event(t))).collect();
        for (engine, traces) in [("njs", njs_traces(&code, &cases)), ("bundled engine", engine_traces(&code, &cases))] {
            for (i, (token, trace)) in tokens.iter().zip(&traces).enumerate() {
                let (input, actual) = token.rsplit_once('.').unwrap();
                let what = format!("{runtime}, {engine}, signed with key {i}");
                assert_eq!(trace.allowed, i < 2, "{what}: verdict");
                // However many keys were compared (at least up to the matching one), each
                // comparison read both sides whole: the token's signature once per comparison,
                // each computed signature once.
                let computed: Vec<String> = keys.iter().map(|k| hs256(k, input)).collect();
                let comparisons = computed.iter().filter(|c| !coverage(trace, c).is_empty()).count();
                let needed = if i < 2 { i + 1 } else { keys.len() };
                assert!(comparisons >= needed, "{what}: {comparisons} comparisons; reads: {:?}", trace.reads);
                let matching = computed[..comparisons].iter().filter(|c| *c == actual).count();
                for c in computed[..comparisons].iter().filter(|c| *c != actual) {
                    assert_eq!(coverage(trace, c), every_index(1), "{what}: reads of the signature under a key");
                }
                assert_eq!(
                    coverage(trace, actual),
                    every_index(comparisons + matching),
                    "{what}: reads of the token's signature"
                );
            }
        }
    }
}

/// The measurement itself: a hand-written comparison that stops at the first difference is
/// caught by the same probes, in both engines (so the tests above would catch one too).
#[test]
fn the_probe_catches_an_early_exit() {
    let claims = json!({"exp": NOW + 60}).to_string();
    let good = token_raw(r#"{"alg":"HS256"}"#, &claims, DEMO_KEY);
    let expected = good.rsplit_once('.').unwrap().1.to_owned();
    let code = probed(&format!(
        "var crypto = require('crypto');\nfunction handler(event) {{\n  var sig = event.request.querystring.jwt.value.split('.')[2], expected = {};\n  \
         for (var i = 0; i < 43; i++) if (expected.charCodeAt(i) !== sig.charCodeAt(i)) return {{ statusCode: 401 }};\n  \
         return event.request;\n}}\n",
        serde_json::to_string(&expected).unwrap()
    ));
    let cases =
        [case(query_event(&good)), case(query_event(&altered(&good, 0))), case(query_event(&altered(&good, 42)))];
    for (engine, traces) in [("njs", njs_traces(&code, &cases)), ("bundled engine", engine_traces(&code, &cases))] {
        let counts: Vec<usize> = traces.iter().map(|t| t.reads.len()).collect();
        assert_eq!(counts, vec![86, 2, 86], "{engine}: an early exit reads less when the first character differs");
        assert_eq!(coverage(&traces[1], &expected), BTreeMap::from([(0, 1)]), "{engine}");
        let sigs = |t: &str| t.rsplit_once('.').unwrap().1.to_owned();
        assert_ne!(
            shape(&traces[1], &[&sigs(&altered(&good, 0)), &expected]),
            shape(&traces[0], &[&expected]),
            "{engine}"
        );
    }
}

/// And a comparison of the signatures with `===`, which neither probe can see, reads nothing.
#[test]
fn the_probe_sees_nothing_of_a_plain_comparison() {
    let claims = json!({"exp": NOW + 60}).to_string();
    let good = token_raw(r#"{"alg":"HS256"}"#, &claims, DEMO_KEY);
    let expected = good.rsplit_once('.').unwrap().1.to_owned();
    let code = probed(&format!(
        "var crypto = require('crypto');\nfunction handler(event) {{\n  \
         return event.request.querystring.jwt.value.split('.')[2] === {} ? event.request : {{ statusCode: 401 }};\n}}\n",
        serde_json::to_string(&expected).unwrap()
    ));
    let traces = njs_traces(&code, &[case(query_event(&altered(&good, 0)))]);
    assert!(coverage(&traces[0], &expected).is_empty(), "a plain comparison would not pass check_reads");
}
