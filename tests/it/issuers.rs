//! The issuer examples of `examples/issuers/` (README: *Minting tokens*): the Node programs
//! (jsonwebtoken, jose) and the Python one (PyJWT) mint, for every example policy, a token that
//! the policy's function lets through, under njs and in the bundled engine, from key files in
//! every `--key-encoding`; a key handled otherwise, or a token minted for another setup, is
//! denied. The Go and PHP programs are not run (their packages are out of reach of `make deps`):
//! their claims are held to the Python program's. And the README's snippets are the examples'
//! code.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use cfjwt::key::{Encoding, Key, KeyArg, LoadOptions};
use serde_json::{json, Value};

use crate::harness::scenario::Scenario;
use crate::harness::*;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

const ISSUERS: &str = "examples/issuers";

/// The Python of the virtual environment `make deps` makes, with PyJWT.
const VENV_PYTHON: &str = "target/issuers-venv/bin/python3";

/// One example program, run as `PROGRAM KEY_FILE ENCODING SETUP [KID]`.
struct Minter {
    name: &'static str,
    interpreter: fn() -> PathBuf,
    script: &'static str,
}

const JSONWEBTOKEN: Minter = Minter { name: "node jsonwebtoken", interpreter: node, script: "node/jsonwebtoken.mjs" };
const JOSE: Minter = Minter { name: "node jose", interpreter: node, script: "node/jose.mjs" };
const PYJWT: Minter = Minter { name: "python PyJWT", interpreter: python, script: "python/mint.py" };

/// `node`, with the example's packages installed (`npm ci`); panics saying to run `make deps`
/// when either is missing: the tests fail rather than skip.
fn node() -> PathBuf {
    let works = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(works, "node is not installed: run `make deps`");
    for package in ["jsonwebtoken", "jose"] {
        let dir = repo(ISSUERS).join("node/node_modules").join(package);
        assert!(dir.is_dir(), "{} is missing: run `make deps` (npm ci in {ISSUERS}/node)", dir.display());
    }
    PathBuf::from("node")
}

/// The virtual environment's Python; panics saying to run `make deps` when it is missing.
fn python() -> PathBuf {
    let path = repo(VENV_PYTHON);
    assert!(
        path.exists(),
        "{} is missing: run `make deps` (a venv with {ISSUERS}/python/requirements.txt)",
        path.display()
    );
    path
}

impl Minter {
    /// The token the program prints for `setup`, signed with the key file as `encoding` reads it.
    fn mint(&self, key_file: &Path, encoding: &str, setup: &str, kid: Option<&str>) -> String {
        let mut cmd = Command::new((self.interpreter)());
        cmd.arg(repo(ISSUERS).join(self.script)).arg(key_file).arg(encoding).arg(setup).args(kid);
        let out = cmd.output().unwrap_or_else(|e| panic!("{}: cannot run it: {e}", self.name));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "{} {setup} {encoding}: exit {:?} (missing packages? run `make deps`): {stderr}",
            self.name,
            out.status.code()
        );
        let stdout = String::from_utf8(out.stdout).expect("a token is ASCII");
        let token = stdout.strip_suffix('\n').unwrap_or_else(|| panic!("{}: not one line: {stdout:?}", self.name));
        assert!(!token.contains(char::is_whitespace), "{}: not one token: {stdout:?}", self.name);
        token.to_owned()
    }
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// 32 bytes whose base64 has `+` and `/` and whose base64url has `-` and `_`, so that each
/// alphabet is read as its own.
fn secret() -> Vec<u8> {
    let mut bytes = vec![0xfb, 0xef, 0xbe, 0xff, 0xff, 0xff];
    bytes.extend((0u8..26).map(|i| i.wrapping_mul(29).wrapping_add(7)));
    bytes
}

/// A key file in each `--key-encoding`, each ending as a key file may: the demo key (text, one
/// `\n`), the secret as padded base64 with `\n`, unpadded base64url with `\r\n`, hex with none.
fn key_files(dir: &Path) -> Vec<(&'static str, Encoding, PathBuf)> {
    let secret = secret();
    let files = [
        ("base64", Encoding::Base64, format!("{}\n", STANDARD.encode(&secret))),
        ("base64url", Encoding::Base64url, format!("{}\r\n", URL_SAFE_NO_PAD.encode(&secret))),
        ("hex", Encoding::Hex, hex::encode(&secret)),
    ];
    let mut out = vec![("utf8", Encoding::Utf8, repo("examples/demo.key"))];
    for (name, encoding, text) in files {
        let path = dir.join(format!("{name}.key"));
        std::fs::write(&path, text).unwrap();
        out.push((name, encoding, path));
    }
    out
}

/// The key as `cfjwt gen --key-file PATH --key-encoding ENCODING` reads it (the one key loader).
fn load(path: &Path, encoding: Encoding) -> Key {
    cfjwt::key::load(&KeyArg::file(path.to_str().unwrap()), LoadOptions { encoding, allow_short: false }).unwrap()
}

/// A token to run, what it is, and whether the function must let it through.
struct Trial {
    what: String,
    token: String,
    allow: bool,
}

/// Runs the trials against one function (under njs and in the bundled engine, which must agree)
/// at the current time, the tokens having been minted just before; returns what came out wrong.
fn run_trials(code: &str, policy: &Value, kvs: Option<&Value>, trials: &[Trial]) -> Vec<String> {
    let now = unix_now();
    let scenario = Scenario::for_policy(policy, now, "");
    let cases: Vec<Case> =
        trials.iter().map(|t| Case { event: scenario.event(&t.token), now, kvs: kvs.cloned() }).collect();
    let outcomes = crate::harness::run(code, &cases);
    trials
        .iter()
        .zip(outcomes)
        .filter(|(t, outcome)| if t.allow { !outcome.allowed() } else { outcome.status() != Some(401) })
        .map(|(t, outcome)| {
            let expected = if t.allow { "let through" } else { "denied with 401" };
            format!("{}: expected {expected}, got {outcome:?} (token {})", t.what, t.token)
        })
        .collect()
}

/// Tokens minted for one setup that another's policy must deny: each setup's claims matter.
const WRONG_SETUPS: &[(&str, &str, &str)] = &[
    ("api-bearer", "seed", "no iss, no aud"),
    ("seed", "api-bearer", "an aud the policy does not configure"),
    ("video-cookie", "seed", "no paths"),
    ("full", "api-bearer", "another aud"),
];

fn check_minter(minter: &Minter) {
    let dir = tempfile::tempdir().unwrap();
    let files = key_files(dir.path());
    let mut failures = Vec::new();
    let mut setups = Vec::new();
    let mut embedded = 0;
    for path in examples() {
        let setup = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let policy: Value = serde_json::from_str(&text).unwrap();
        let what = |detail: &str| format!("{} for {setup}, {detail}", minter.name);
        if let Some(name) = policy.pointer("/key/kvs").and_then(Value::as_str) {
            failures.extend(check_store(minter, &setup, name, &text, &policy, dir.path()));
        } else {
            // The demo key's text, and one encoded key file in turn: reading a key does not
            // depend on the policy, so each policy takes two and every encoding comes round.
            let encoded = &files[1 + embedded % (files.len() - 1)];
            embedded += 1;
            for (encoding, read_as, file) in [&files[0], encoded] {
                let code = generate(&text, vec![load(file, *read_as)]);
                let mut trials = vec![Trial {
                    what: what(&format!("{encoding} key file")),
                    token: minter.mint(file, encoding, &setup, None),
                    allow: true,
                }];
                if *encoding == "base64" {
                    trials.push(Trial {
                        what: what("base64 key file signed with its text (utf8)"),
                        token: minter.mint(file, "utf8", &setup, None),
                        allow: false,
                    });
                }
                if *encoding == "utf8" {
                    for (policy_of, minted_for, why) in WRONG_SETUPS.iter().filter(|w| w.0 == setup) {
                        trials.push(Trial {
                            what: format!("{} for {minted_for} against {policy_of} ({why})", minter.name),
                            token: minter.mint(file, encoding, minted_for, None),
                            allow: false,
                        });
                    }
                }
                failures.extend(run_trials(&code, &policy, None, &trials));
            }
        }
        setups.push(setup);
    }
    assert!(embedded >= files.len() - 1, "only {embedded} policies with an embedded key: not every encoding was tried");
    for wanted in ["seed", "seed-js1", "api-bearer", "full", "video-cookie", "kvs-rotation"] {
        assert!(setups.iter().any(|s| s == wanted), "no example policy {wanted}: {setups:?}");
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// A KeyValueStore policy: the store holds each secret as text, whose UTF-8 bytes are the key,
/// so the issuer reads its key file as `utf8` whatever the text looks like. The walkthrough's
/// store (the demo key under `NAME`, a second demo key under `NAME:2026-11`) and one entry
/// holding base64 text, as `cfjwt deploy`'s put-key stores a key file (less its line break).
fn check_store(minter: &Minter, setup: &str, name: &str, text: &str, policy: &Value, dir: &Path) -> Vec<String> {
    let walkthrough = repo("examples/walkthroughs/kvs-rotation");
    let mut store: BTreeMap<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(walkthrough.join("store.json")).unwrap()).unwrap();
    let base64_file = dir.join("store-base64.key");
    let base64_text = STANDARD.encode(secret());
    std::fs::write(&base64_file, format!("{base64_text}\n")).unwrap();
    store.insert(format!("{name}:2027-05"), json!(base64_text));
    let demo = repo("examples/demo.key");
    let rotated = walkthrough.join("demo-2026-11.key");
    let what = |detail: &str| format!("{} for {setup}, {detail}", minter.name);
    let trials = vec![
        Trial { what: what("no kid"), token: minter.mint(&demo, "utf8", setup, None), allow: true },
        Trial { what: what("kid 2026-11"), token: minter.mint(&rotated, "utf8", setup, Some("2026-11")), allow: true },
        Trial {
            what: what("kid 2027-05, a base64 text read as utf8"),
            token: minter.mint(&base64_file, "utf8", setup, Some("2027-05")),
            allow: true,
        },
        Trial {
            what: what("kid 2027-05, the base64 text decoded"),
            token: minter.mint(&base64_file, "base64", setup, Some("2027-05")),
            allow: false,
        },
        Trial {
            what: what("kid 2026-11 signed with the older key"),
            token: minter.mint(&demo, "utf8", setup, Some("2026-11")),
            allow: false,
        },
    ];
    let code = generate(text, Vec::new());
    run_trials(&code, policy, Some(&json!(store)), &trials)
}

#[test]
fn node_jsonwebtoken_mints_what_every_example_policy_lets_through() {
    check_minter(&JSONWEBTOKEN);
}

#[test]
fn node_jose_mints_what_every_example_policy_lets_through() {
    check_minter(&JOSE);
}

#[test]
fn python_pyjwt_mints_what_every_example_policy_lets_through() {
    check_minter(&PYJWT);
}

/// Each setup's line of a program's table: the quoted strings on it (setup, claim names and
/// values) and the lifetime in seconds.
fn setup_table(file: &str) -> BTreeMap<String, (Vec<String>, i64)> {
    let text = std::fs::read_to_string(repo(ISSUERS).join(file)).unwrap();
    let quoted = regex::Regex::new(r#""([^"]*)"|'([^']*)'"#).unwrap();
    let ttl = regex::Regex::new(r"[\[({]\s*(?:ttl: )?(\d+)(?: \* time\.(Second|Minute|Hour))?|\{time\.(Hour)").unwrap();
    let mut table = BTreeMap::new();
    for path in examples() {
        let setup = path.file_stem().unwrap().to_str().unwrap();
        let line = text
            .lines()
            .find(|l| {
                [format!("\"{setup}\""), format!("'{setup}'")].iter().any(|q| l.trim_start().starts_with(q.as_str()))
            })
            .unwrap_or_else(|| panic!("{file}: no line for the setup {setup}"));
        let strings = quoted.captures_iter(line).map(|c| c.get(1).or(c.get(2)).unwrap().as_str().to_owned()).collect();
        let c = ttl.captures(line).unwrap_or_else(|| panic!("{file}: no lifetime on {line:?}"));
        let unit = match c.get(2).or(c.get(3)).map(|u| u.as_str()) {
            Some("Minute") => 60,
            Some("Hour") => 3600,
            _ => 1,
        };
        let seconds = c.get(1).map_or(1, |n| n.as_str().parse::<i64>().unwrap()) * unit;
        table.insert(setup.to_owned(), (strings, seconds));
    }
    table
}

#[test]
fn go_and_php_set_the_claims_python_sets() {
    let python = setup_table("python/mint.py");
    assert_eq!(python["api-bearer"].0, ["api-bearer", "iss", "https://auth.example.com", "aud", "api"]);
    assert_eq!(python["full"].1, 3600);
    for file in ["go/main.go", "php/mint.php"] {
        assert_eq!(setup_table(file), python, "{file} against python/mint.py");
    }
}

/// The fenced blocks of the README's *Minting tokens* section, each with the last
/// `examples/issuers/…` path named before it since the previous block.
fn readme_snippets() -> Vec<(Option<String>, String, String)> {
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    let start = readme.find("\n## Minting tokens\n").expect("README has a Minting tokens section");
    let section = &readme[start + 1..];
    let section = &section[..section[1..].find("\n## ").map_or(section.len(), |e| e + 1)];
    let path = regex::Regex::new(r"`(examples/issuers/[^`]+)`").unwrap();
    let mut snippets = Vec::new();
    let mut named = None;
    let mut block: Option<(String, String)> = None;
    for line in section.lines() {
        match &mut block {
            Some((lang, body)) if line.trim_start() == "```" => {
                snippets.push((named.take(), lang.clone(), std::mem::take(body)));
                block = None;
            }
            Some((_, body)) => {
                body.push_str(line);
                body.push('\n');
            }
            None if line.trim_start().starts_with("```") => {
                block = Some((line.trim_start()[3..].to_owned(), String::new()));
            }
            None => {
                if let Some(last) = path.captures_iter(line).last() {
                    named = Some(last[1].to_owned());
                }
            }
        }
    }
    assert!(block.is_none(), "an unclosed code block in Minting tokens");
    snippets
}

#[test]
fn the_readme_shows_the_examples_own_code() {
    let mut shown = Vec::new();
    for (file, lang, body) in readme_snippets() {
        if !["js", "python", "go", "php"].contains(&lang.as_str()) {
            continue;
        }
        let file = file
            .unwrap_or_else(|| panic!("a {lang} block of Minting tokens names no examples/issuers/ file before it"));
        let code = std::fs::read_to_string(repo(&file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(code.contains(&body), "the README's {lang} block is not the text of {file}:\n{body}");
        shown.push(file);
    }
    for file in
        ["node/key.mjs", "node/jsonwebtoken.mjs", "node/jose.mjs", "python/mint.py", "go/main.go", "php/mint.php"]
    {
        let file = format!("{ISSUERS}/{file}");
        assert!(shown.contains(&file), "the README shows no code of {file}");
    }
}

#[test]
fn every_file_the_section_names_exists() {
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    let path = regex::Regex::new(r"(examples/issuers/[A-Za-z0-9_./-]*[A-Za-z0-9_/])").unwrap();
    let named: Vec<&str> = path.captures_iter(&readme).map(|c| c.get(1).unwrap().as_str()).collect();
    assert!(!named.is_empty());
    for name in named {
        assert!(repo(name).exists(), "the README names {name}, which does not exist");
    }
}
