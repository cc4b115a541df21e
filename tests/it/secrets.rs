//! No key in any message: where `gen --check` says a file differs, every error and summary of the
//! commands that read keys (`gen`, `token`), and the warning for a key that looks encoded but is
//! read as text. A key counts as shown when any 8 characters in a row of any of its forms appear:
//! the text given, the UTF-8 text, hex, base64, base64url and the literal the function embeds.

use assert_cmd::Command;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;

const POLICY: &str = r#"{"claims": {"exp": "required"}}"#;
const CHANGED_POLICY: &str = r#"{"claims": {"exp": "required", "leeway": 7}}"#;

fn cfjwt() -> Command {
    Command::cargo_bin("cfjwt").unwrap()
}

/// `n` bytes that look random (xorshift), the same every run.
fn random(n: usize, mut seed: u64) -> Vec<u8> {
    (0..n)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}

/// A key as written to its file (`text`), how it is read, and the bytes that come out.
#[derive(Clone)]
struct Secret {
    text: Vec<u8>,
    encoding: &'static str,
    bytes: Vec<u8>,
}

impl Secret {
    fn utf8(text: &str) -> Secret {
        Secret { text: text.as_bytes().to_vec(), encoding: "utf8", bytes: text.as_bytes().to_vec() }
    }

    fn encoded(bytes: Vec<u8>, encoding: &'static str) -> Secret {
        let text = match encoding {
            "base64" => STANDARD.encode(&bytes),
            "base64url" => URL_SAFE_NO_PAD.encode(&bytes),
            "hex" => hex::encode(&bytes),
            other => panic!("no encoding {other}"),
        };
        Secret { text: text.into_bytes(), encoding, bytes }
    }

    /// Another key of the same kind, nothing like this one: its characters (or bytes) backwards.
    fn variant(&self) -> Secret {
        match std::str::from_utf8(&self.bytes) {
            Ok(text) if self.encoding == "utf8" => Secret::utf8(&text.chars().rev().collect::<String>()),
            Ok(text) => Secret::encoded(text.chars().rev().collect::<String>().into_bytes(), self.encoding),
            Err(_) => Secret::encoded(self.bytes.iter().rev().copied().collect(), self.encoding),
        }
    }

    /// Every text the key could be shown as.
    fn forms(&self) -> Vec<String> {
        let mut forms = Vec::new();
        for bytes in [&self.text, &self.bytes] {
            if let Ok(text) = std::str::from_utf8(bytes) {
                forms.push(text.to_string());
                forms.push(js_literal(text));
            }
        }
        forms.push(hex::encode(&self.bytes));
        forms.push(hex::encode_upper(&self.bytes));
        for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
            forms.push(engine.encode(&self.bytes));
        }
        forms
    }

    /// The literal the function embeds: the string, or the hex that `bytes("…")` is called with.
    fn embedded(&self) -> String {
        match std::str::from_utf8(&self.bytes) {
            Ok(text) => format!("\"{}\"", js_literal(text)),
            Err(_) => format!("(\"{}\")", hex::encode(&self.bytes)),
        }
    }
}

/// `text` inside double quotes as swc's ASCII-only printer writes it.
fn js_literal(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' => "\\\"".to_string(),
            '\\' => "\\\\".to_string(),
            ' '..='~' => c.to_string(),
            '\u{80}'..='\u{ff}' => format!("\\x{:02x}", c as u32),
            c if (c as u32) < 0x10000 => format!("\\u{:04x}", c as u32),
            c => {
                let mut units = [0; 2];
                c.encode_utf16(&mut units).iter().map(|u| format!("\\u{u:04x}")).collect()
            }
        })
        .collect()
}

/// Fails when `message` shows any of `secrets` (8 characters in a row of a form, or a shorter
/// form of 4 or more whole).
fn assert_hidden(message: &str, secrets: &[&Secret]) {
    for secret in secrets {
        for form in secret.forms() {
            let chars: Vec<char> = form.chars().collect();
            if chars.len() < 8 {
                assert!(chars.len() < 4 || !message.contains(&form), "a key form shown: {message}");
                continue;
            }
            for w in chars.windows(8) {
                let window: String = w.iter().collect();
                assert!(!message.contains(&window), "8 characters of a key form ({window:?}) shown: {message}");
            }
        }
    }
}

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Dir {
        let d = Dir(tempfile::tempdir().unwrap());
        d.write("policy.json", POLICY.as_bytes());
        d.write("changed.json", CHANGED_POLICY.as_bytes());
        d
    }
    fn path(&self, name: &str) -> String {
        self.0.path().join(name).display().to_string()
    }
    fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.0.path().join(name), bytes).unwrap();
    }
    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.0.path().join(name)).unwrap()
    }

    /// `cfjwt gen` of `policy` with `keys` (`(kid, key)`, each written to a file), `extra` arguments.
    fn gen(&self, policy: &str, keys: &[(Option<&str>, &Secret)], extra: &[&str]) -> std::process::Output {
        let mut args = vec!["gen".to_string(), "--config".into(), self.path(policy)];
        for (n, (kid, key)) in keys.iter().enumerate() {
            let file = format!("key{n}-{}", rand_name(&key.text));
            self.write(&file, &key.text);
            args.push("--key-file".into());
            args.push(match kid {
                Some(kid) => format!("{kid}={}", self.path(&file)),
                None => self.path(&file),
            });
        }
        args.push("--key-encoding".into());
        args.push(keys.first().map_or("utf8", |(_, k)| k.encoding).into());
        args.extend(extra.iter().map(|s| s.to_string()));
        cfjwt().args(&args).output().unwrap()
    }
}

/// A file name for a key that does not show the key.
fn rand_name(text: &[u8]) -> String {
    text.iter().fold(0u32, |h, &b| h.wrapping_mul(31).wrapping_add(b as u32)).to_string()
}

/// The keys of the encodings `--key-encoding` reads, each beside another of the same kind.
fn cases() -> Vec<(&'static str, Secret, Secret)> {
    vec![
        (
            "utf8 with escapes",
            Secret::utf8("caf\u{e9}\u{2028}\"x'-utf8-secret-0123456789abcdefghij"),
            Secret::utf8("caf\u{e9}\u{2028}\"x'-utf8-secret-ZYXWVUTSRQPONMLKJIHG"),
        ),
        (
            "base64 of text",
            Secret::encoded(b"base64-encoded-ascii-secret-0123456789".to_vec(), "base64"),
            Secret::encoded(b"base64-encoded-ascii-secret-9876543210".to_vec(), "base64"),
        ),
        ("base64 of random bytes", Secret::encoded(random(32, 1), "base64"), Secret::encoded(random(32, 2), "base64")),
        (
            "base64url of random bytes",
            Secret::encoded(random(40, 3), "base64url"),
            Secret::encoded(random(40, 4), "base64url"),
        ),
        (
            "hex of UTF-8 text",
            Secret::encoded("h\u{e9}x-encoded-\u{2028}-utf8-secret-0123456789".as_bytes().to_vec(), "hex"),
            Secret::encoded("h\u{e9}x-encoded-\u{2028}-utf8-secret-9876543210".as_bytes().to_vec(), "hex"),
        ),
        (
            "hex, not UTF-8",
            Secret::encoded([vec![0xff, 0xfe], random(34, 5)].concat(), "hex"),
            Secret::encoded([vec![0xff, 0xfe], random(34, 6)].concat(), "hex"),
        ),
    ]
}

/// What `gen --check` says when the file differs: a place, short excerpts, no key.
fn assert_differs(out: &std::process::Output, what: &str, secrets: &[&Secret]) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{what}: {err}");
    let place = regex::Regex::new(r"differs from what `cfjwt gen` writes: first at \d+:\d+ of the ").unwrap();
    assert!(place.is_match(&err), "{what}: names LINE:COLUMN: {err}");
    assert!(err.contains("\n  the file:   ") && err.contains("\n  gen writes: "), "{what}: both excerpts: {err}");
    for line in err.lines().filter(|l| l.starts_with("  the file:") || l.starts_with("  gen writes:")) {
        assert!(line.chars().count() <= 14 + 62 + "<end of file>".len(), "{what}: a long excerpt: {line}");
    }
    assert_hidden(&err, secrets);
    err
}

#[test]
fn check_never_shows_a_key() {
    for (name, key, other) in cases() {
        let d = Dir::new();
        let out = d.gen("policy.json", &[(None, &key)], &["-o", &d.path("f.js")]);
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(d.read("f.js").contains(&key.embedded()), "{name}: the test knows how the key is embedded");
        assert_hidden(&String::from_utf8_lossy(&out.stderr), &[&key]);

        let current = d.gen("policy.json", &[(None, &key)], &["-o", &d.path("f.js"), "--check"]);
        assert!(current.status.success(), "{name}");
        assert_hidden(&String::from_utf8_lossy(&current.stderr), &[&key]);

        let policy = d.gen("changed.json", &[(None, &key)], &["-o", &d.path("f.js"), "--check"]);
        let err = assert_differs(&policy, &format!("{name}, changed policy"), &[&key]);
        assert!(err.contains("of the pretty-printed form"), "{name}: {err}");
        assert!(!err.contains("another key"), "{name}: only the policy changed: {err}");

        let changed = d.gen("policy.json", &[(None, &other)], &["-o", &d.path("f.js"), "--check"]);
        let err = assert_differs(&changed, &format!("{name}, changed key"), &[&key, &other]);
        assert!(err.contains("<key>"), "{name}: {err}");

        // The key changed and the policy too: the file's old key is hidden all the same.
        let both = d.gen("changed.json", &[(None, &other)], &["-o", &d.path("f.js"), "--check"]);
        assert_differs(&both, &format!("{name}, changed key and policy"), &[&key, &other]);
    }
}

#[test]
fn check_never_shows_a_key_of_several_or_in_a_pretty_file() {
    for (name, key, other) in cases() {
        let d = Dir::new();
        let third = other.variant();
        for style in [&[][..], &["--pretty"][..]] {
            let file = d.path("f.js");
            let write = [&["-o", file.as_str()][..], style].concat();
            let check = [&write[..], &["--check"]].concat();
            let out = d.gen("policy.json", &[(Some("a"), &key), (Some("b"), &other)], &write);
            assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
            let policy = d.gen("changed.json", &[(Some("a"), &key), (Some("b"), &other)], &check);
            assert_differs(&policy, &format!("{name}, several keys {style:?}, changed policy"), &[&key, &other]);
            let rotated = d.gen("policy.json", &[(Some("a"), &key), (Some("b"), &third)], &check);
            assert_differs(&rotated, &format!("{name}, several keys {style:?}, one changed"), &[&key, &other, &third]);
            let renamed = d.gen("policy.json", &[(Some("c"), &key), (Some("b"), &other)], &check);
            let err =
                assert_differs(&renamed, &format!("{name}, several keys {style:?}, a kid changed"), &[&key, &other]);
            assert!(err.contains("\"a\"") && err.contains("\"c\""), "{name}: a key id is no secret: {err}");
        }
    }
}

#[test]
fn check_never_shows_a_key_of_a_file_that_does_not_parse_or_differs_in_layout() {
    for (name, key, other) in cases() {
        let d = Dir::new();
        let out = d.gen("policy.json", &[(None, &key)], &["-o", &d.path("f.js")]);
        assert!(out.status.success(), "{name}");
        let written = d.read("f.js");

        // Spacing only: the texts are compared as they are, and line 2 starts with the key.
        let spaced = written.replacen(",", ", ", 1);
        d.write("f.js", spaced.as_bytes());
        let same_key = d.gen("policy.json", &[(None, &key)], &["-o", &d.path("f.js"), "--check"]);
        let err = assert_differs(&same_key, &format!("{name}, layout"), &[&key]);
        assert!(err.contains("first at 2:") && err.contains("of the file as it is"), "{name}: {err}");
        let other_key = d.gen("policy.json", &[(None, &other)], &["-o", &d.path("f.js"), "--check"]);
        assert_differs(&other_key, &format!("{name}, layout, changed key"), &[&key, &other]);

        // Broken: the file's text as it is, its long strings hidden.
        let broken = written.replacen("function", "function }", 1);
        d.write("f.js", broken.as_bytes());
        let same_key = d.gen("policy.json", &[(None, &key)], &["-o", &d.path("f.js"), "--check"]);
        let err = assert_differs(&same_key, &format!("{name}, broken"), &[&key]);
        assert!(err.contains("it does not parse"), "{name}: {err}");
        let other_key = d.gen("changed.json", &[(None, &other)], &["-o", &d.path("f.js"), "--check"]);
        assert_differs(&other_key, &format!("{name}, broken, changed key"), &[&key, &other]);
    }
}

#[test]
fn no_other_message_shows_a_key() {
    let d = Dir::new();
    let stderr = |out: std::process::Output| String::from_utf8_lossy(&out.stderr).into_owned();
    for (name, key, _) in cases() {
        // To stdout: the summary on stderr.
        let out = d.gen("policy.json", &[(None, &key)], &[]);
        assert!(out.status.success(), "{name}");
        let err = stderr(out);
        assert!(err.ends_with("of the 10,240-byte limit\n"), "{name}: {err}");
        assert_hidden(&err, &[&key]);

        // The same key twice; a policy that reads its key from the store.
        let out = d.gen("policy.json", &[(None, &key), (None, &key)], &[]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert_hidden(&stderr(out), &[&key]);
        d.write("kvs.json", br#"{"key": {"kvs": "jwt.secret"}}"#);
        let out = d.gen("kvs.json", &[(None, &key)], &[]);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        assert_hidden(&stderr(out), &[&key]);

        // Read the wrong way: short, or not decoding.
        for encoding in ["utf8", "base64", "base64url", "hex"] {
            let wrong = Secret { encoding, ..key.clone() };
            let out = d.gen("policy.json", &[(None, &wrong)], &[]);
            assert_hidden(&stderr(out), &[&key]);
        }

        // `token`: bad claims, two keys, and a token minted (stdout is the token).
        let file = d.path("token.key");
        d.write("token.key", &key.text);
        let token = |extra: &[&str]| {
            let args = [&["token", "--key-file", &file, "--key-encoding", key.encoding][..], extra].concat();
            cfjwt().args(args).output().unwrap()
        };
        for claims in ["[1]", "{", r#"{"sub": }"#] {
            let out = token(&["--claims", claims]);
            assert_eq!(out.status.code(), Some(2), "{name}");
            assert_hidden(&stderr(out), &[&key]);
        }
        let out = token(&["--key-file", &file]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert_hidden(&stderr(out), &[&key]);
        let out = token(&["--ttl", "60"]);
        assert!(out.status.success(), "{name}");
        assert_hidden(&stderr(out), &[&key]);
    }

    // A short key, and text that is no key in the encoding asked for.
    let short = Secret::utf8("short-secret-xyz");
    let out = d.gen("policy.json", &[(None, &short)], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_hidden(&stderr(out), &[&short]);
    for encoding in ["base64", "base64url", "hex"] {
        for text in ["this is *not* encoded, this is *not* encoded", "abcdefghijklmnopqrstuvwxyz.0123456789abcdefghijk"]
        {
            let bad = Secret { text: text.as_bytes().to_vec(), encoding, bytes: text.as_bytes().to_vec() };
            let out = d.gen("policy.json", &[(None, &bad)], &[]);
            assert_eq!(out.status.code(), Some(2), "{encoding}: {text}");
            let err = stderr(out);
            assert!(err.contains("does not decode as"), "{err}");
            assert_hidden(&err, &[&bad]);
        }
    }
}

#[test]
fn a_key_that_looks_encoded_but_is_read_as_text_is_warned_about() {
    let d = Dir::new();
    let with = |n: usize, signs: bool| {
        (1..).map(|seed| random(n, seed)).find(|b| STANDARD.encode(b).contains(['+', '/']) == signs).unwrap()
    };
    let (signs, plain) = (with(32, true), with(48, false));
    let looks = [
        (STANDARD.encode(&signs), "base64", 32),
        (STANDARD_NO_PAD.encode(&signs), "base64", 32),
        (URL_SAFE_NO_PAD.encode(&signs), "base64url", 32),
        (URL_SAFE.encode(&signs), "base64url", 32),
        (URL_SAFE.encode(&plain), "base64", 48),
        (hex::encode(random(32, 12)), "hex", 32),
        (hex::encode_upper(random(40, 13)), "hex", 40),
    ];
    for (text, meant, len) in looks {
        let as_text = Secret::utf8(&text);
        let decoded = Secret { text: text.clone().into_bytes(), encoding: meant, bytes: vec![] };
        let decoded = Secret { bytes: hex_or_b64(&decoded), ..decoded };
        let out = d.gen("policy.json", &[(None, &as_text)], &[]);
        assert!(out.status.success());
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        let warning = err.lines().find(|l| l.starts_with("warning: key file ")).unwrap_or_else(|| panic!("{err}"));
        assert!(warning.contains(&format!("pass --key-encoding {meant};")), "{warning}");
        assert!(warning.contains(&format!("sign with the {len} decoded bytes, not with the text")), "{warning}");
        assert_hidden(&err, &[&as_text, &decoded]);

        d.write("key", text.as_bytes());
        let token = cfjwt().args(["token", "--key-file", &d.path("key"), "--ttl", "60"]).output().unwrap();
        assert!(token.status.success());
        let err = String::from_utf8_lossy(&token.stderr).into_owned();
        assert!(err.starts_with("warning: key file ") && err.contains(&format!("--key-encoding {meant};")), "{err}");
        assert_hidden(&err, &[&as_text, &decoded]);

        // Read as meant, or from a variable read as text.
        let out = d.gen("policy.json", &[(None, &decoded)], &[]);
        assert!(out.status.success() && !String::from_utf8_lossy(&out.stderr).contains("warning"));
        let out = cfjwt()
            .env("CFJWT_SECRETS_TEST_KEY", &text)
            .args(["gen", "--config", &d.path("policy.json"), "--key-env", "CFJWT_SECRETS_TEST_KEY"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(err.starts_with("warning: environment variable CFJWT_SECRETS_TEST_KEY: "), "{err}");
        assert_hidden(&err, &[&as_text, &decoded]);
    }
    // Words, and the demo key, are text.
    for text in ["cfjwt-demo-key-PUBLIC-never-use-in-production-0123456789", "correct-horse-battery-staple-and-more"] {
        let out = d.gen("policy.json", &[(None, &Secret::utf8(text))], &[]);
        assert!(out.status.success());
        assert!(!String::from_utf8_lossy(&out.stderr).contains("warning"), "{text}");
    }
}

fn hex_or_b64(secret: &Secret) -> Vec<u8> {
    let text = std::str::from_utf8(&secret.text).unwrap();
    match secret.encoding {
        "hex" => hex::decode(text).unwrap(),
        "base64url" => URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).unwrap(),
        _ => STANDARD_NO_PAD.decode(text.trim_end_matches('=')).or_else(|_| URL_SAFE_NO_PAD.decode(text)).unwrap(),
    }
}
