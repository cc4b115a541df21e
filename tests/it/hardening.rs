//! Hostile input to the command line, through the real binary: code nested deeply enough to
//! exhaust a recursive parser's stack (`check`, `deploy`, `test`), `--now` and `--ttl` values that
//! no token or `Date` can hold, names and comments with the characters YAML 1.1 reads as line
//! breaks in the CloudFormation snippet; and the private way to report a problem.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::Value;

fn cfjwt() -> Command {
    Command::cargo_bin("cfjwt").unwrap()
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The process ended by itself with an exit code (no signal: no stack overflow, no abort), and
/// said nothing about a crash.
fn assert_no_crash(out: &Output, what: &str) {
    assert!(out.status.code().is_some(), "{what}: killed by a signal: {}", text(&out.stderr));
    let said = text(&out.stderr);
    assert!(!said.contains("overflow") && !said.contains("panicked"), "{what}: {said}");
}

/// A function whose handler holds `body`.
fn function(body: &str) -> String {
    format!("// cloudfront-js-2.0\nfunction handler(event) {{\n  var v = {body};\n  return event.request;\n}}\n")
}

/// Code nested `n` levels deep, by kind.
fn nested(kind: &str, n: usize) -> String {
    match kind {
        "parentheses" => format!("{}1{}", "(".repeat(n), ")".repeat(n)),
        "arrays" => format!("{}{}", "[".repeat(n), "]".repeat(n)),
        "objects" => format!("{}1{}", "{a:".repeat(n), "}".repeat(n)),
        "templates" => format!("{}1{}", "`${".repeat(n), "}`".repeat(n)),
        "blocks" => format!("0;\n  {}{}", "{".repeat(n), "}".repeat(n)),
        _ => unreachable!(),
    }
}

/// A viewer-request event for `/a`, with `?jwt=TOKEN` unless the token is empty.
fn event_with(token: &str) -> String {
    let query = if token.is_empty() { serde_json::json!({}) } else { serde_json::json!({"jwt": {"value": token}}) };
    serde_json::json!({
        "version": "1.0",
        "context": {"eventType": "viewer-request"},
        "viewer": {"ip": "198.51.100.1"},
        "request": {"method": "GET", "uri": "/a", "querystring": query, "headers": {}, "cookies": {}}
    })
    .to_string()
}

const KINDS: [&str; 5] = ["parentheses", "arrays", "objects", "templates", "blocks"];

fn write(dir: &Path, name: &str, contents: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.display().to_string()
}

mod deep_code {
    use super::*;

    #[test]
    fn check_says_nested_too_deeply_where() {
        let dir = tempfile::tempdir().unwrap();
        for kind in KINDS {
            let file = write(dir.path(), &format!("{kind}.js"), &function(&nested(kind, 3000)));
            let out = cfjwt().args(["check", &file]).output().unwrap();
            assert_no_crash(&out, kind);
            assert_eq!(out.status.code(), Some(1), "{kind}: {}", text(&out.stderr));
            let said = text(&out.stdout);
            let line =
                said.lines().find(|l| l.contains("nested too deeply")).unwrap_or_else(|| panic!("{kind}: {said}"));
            let (place, message) = line.split_once(": ").unwrap();
            let mut parts = place.rsplitn(3, ':');
            let (column, row, name) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
            assert_eq!(name, file, "{line}");
            let (row, column): (usize, usize) = (row.parse().unwrap(), column.parse().unwrap());
            // The bracket named is the one that opens level 1,001 (the handler's body is level 1).
            let source = std::fs::read_to_string(&file).unwrap();
            let at = source.lines().nth(row - 1).unwrap().chars().nth(column - 1);
            assert!(matches!(at, Some('(' | '[' | '{' | '$')), "{kind}: {line} points at {at:?}");
            assert!(message.contains("1000 levels"), "{line}");
        }
    }

    #[test]
    fn nesting_up_to_the_limit_is_checked_as_usual() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), "deep.js", &function(&nested("parentheses", 998)));
        let out = cfjwt().args(["check", &file]).output().unwrap();
        assert_no_crash(&out, "998 parentheses");
        assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    }

    /// Nesting without brackets (operators, chains) is not counted; the parser's own stack,
    /// sized by the file, holds it.
    #[test]
    fn chains_without_brackets_do_not_crash_check() {
        let dir = tempfile::tempdir().unwrap();
        for (name, body) in [
            ("not", format!("{}1", "!".repeat(100_000))),
            ("arrows", format!("{}1", "a=>".repeat(40_000))),
            ("members", format!("event{}", ".a".repeat(50_000))),
            ("calls", format!("Math.max{}", "()".repeat(50_000))),
            ("sums", format!("1{}", "+1".repeat(50_000))),
            ("conditionals", format!("{}1", "event?1:".repeat(20_000))),
            ("assignments", format!("{}1", "v=".repeat(50_000))),
            ("news", format!("{}Object", "new ".repeat(30_000))),
            // A `/` after a function expression is a division the scan takes for a regular
            // expression, hiding the parentheses that follow on its line.
            ("hidden", format!("function(){{}} / {}1{} / 2", "(".repeat(20_000), ")".repeat(20_000))),
        ] {
            let file = write(dir.path(), &format!("{name}.js"), &function(&body));
            let out = cfjwt().args(["check", &file]).output().unwrap();
            assert_no_crash(&out, name);
            assert!(matches!(out.status.code(), Some(0 | 1)), "{name}: {}", text(&out.stderr));
        }
        let huge = write(dir.path(), "huge.js", &function(&format!("{}1", "!".repeat(300_000))));
        let out = cfjwt().args(["check", &huge]).output().unwrap();
        assert_no_crash(&out, "huge");
        assert!(text(&out.stdout).contains("too long to check beyond its size"), "{}", text(&out.stdout));
    }

    #[test]
    fn deploy_warns_and_still_prints_a_snippet() {
        let dir = tempfile::tempdir().unwrap();
        for kind in KINDS {
            // Under CloudFront's size limit, so that the first problem the warning names is the nesting.
            let levels = match kind {
                "objects" => 2000,
                "templates" => 1500,
                _ => 3000,
            };
            let code = function(&nested(kind, levels));
            assert!(code.len() < 10_240, "{kind}");
            let file = write(dir.path(), &format!("{kind}.js"), &code);
            for format in ["aws-cli", "cloudformation", "terraform"] {
                let out = cfjwt().args(["deploy", &file, "--name", "deep", "--format", format]).output().unwrap();
                assert_no_crash(&out, kind);
                assert_eq!(out.status.code(), Some(0), "{kind} {format}: {}", text(&out.stderr));
                let warned = text(&out.stderr);
                assert!(warned.contains("nested too deeply"), "{kind} {format}: {warned}");
                // Not parsed, the code is taken to embed a key: the snippet says where it goes.
                assert!(text(&out.stdout).contains("# WARNING: this function embeds its secret"), "{kind} {format}");
                if format == "cloudformation" {
                    let template: serde_norway::Value = serde_norway::from_slice(&out.stdout).unwrap();
                    let p = &template["Resources"]["DeepFunction"]["Properties"];
                    assert_eq!(p["FunctionCode"].as_str(), Some(code.as_str()), "{kind}");
                }
            }
        }
    }

    #[test]
    fn test_reports_the_engines_limit() {
        let dir = tempfile::tempdir().unwrap();
        let event = write(dir.path(), "event.json", &event_with(""));
        let mut files: Vec<(String, String)> =
            KINDS.iter().map(|k| (k.to_string(), function(&nested(k, 3000)))).collect();
        files.push(("not".into(), function(&format!("{}1", "!".repeat(100_000)))));
        files.push(("arrows".into(), function(&format!("{}1", "a=>".repeat(40_000)))));
        for (name, code) in files {
            let file = write(dir.path(), &format!("{name}.js"), &code);
            let out = cfjwt().args(["test", &file, "--event", &event]).output().unwrap();
            assert_no_crash(&out, &name);
            assert_eq!(out.status.code(), Some(2), "{name}: {}", text(&out.stderr));
            assert!(text(&out.stderr).contains("Maximum call stack size exceeded"), "{name}: {}", text(&out.stderr));
        }
    }
}

mod times {
    use super::*;

    fn claims(token: &str) -> Value {
        let payload = token.trim().split('.').nth(1).unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
    }

    fn token(args: &[&str]) -> Output {
        cfjwt().args(["token", "--key-file", repo("examples/demo.key").to_str().unwrap()]).args(args).output().unwrap()
    }

    #[test]
    fn now_refuses_what_is_not_a_finite_number() {
        let dir = tempfile::tempdir().unwrap();
        let event = write(dir.path(), "event.json", &event_with(""));
        let function = write(dir.path(), "f.js", &function("1"));
        for now in ["inf", "-inf", "Infinity", "nan", "NaN", "1e400", "-1e400"] {
            let out = cfjwt().args(["test", &function, "--event", &event, "--now", now]).output().unwrap();
            assert_eq!(out.status.code(), Some(2), "test --now {now}");
            assert!(out.stdout.is_empty());
            assert!(text(&out.stderr).contains("not a finite number of seconds"), "{now}: {}", text(&out.stderr));
            let out = token(&["--now", now, "--ttl", "60"]);
            assert_eq!(out.status.code(), Some(2), "token --now {now}");
            assert!(text(&out.stderr).contains("RFC 3339"), "{now}: {}", text(&out.stderr));
        }
        let out = cfjwt().args(["test", &function, "--event", &event, "--now", "1e13"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(text(&out.stderr).contains("JavaScript Date"), "{}", text(&out.stderr));
        let out = token(&["--now", "2026-12-01T12:00:00.5Z", "--ttl", "60"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(text(&out.stderr).contains("whole seconds"), "{}", text(&out.stderr));
    }

    #[test]
    fn now_takes_rfc3339_times() {
        let at = token(&["--now", "2026-12-01T12:00:00Z", "--ttl", "60", "--iat"]);
        assert!(at.status.success(), "{}", text(&at.stderr));
        assert_eq!(claims(&text(&at.stdout)), serde_json::json!({"iat": 1_796_126_400, "exp": 1_796_126_460}));
        let same = token(&["--now", "1796126400", "--ttl", "60", "--iat"]);
        assert_eq!(at.stdout, same.stdout);
        let offset = token(&["--now", "2026-12-01T07:00:00-05:00", "--ttl", "60", "--iat"]);
        assert_eq!(at.stdout, offset.stdout);

        // The function sees the time given: the token is good up to its `exp` second.
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("seed.js");
        cfjwt()
            .args(["gen", "--config", repo("examples/seed.json").to_str().unwrap()])
            .args(["--key-file", repo("examples/demo.key").to_str().unwrap(), "-o", f.to_str().unwrap()])
            .assert()
            .success();
        let jwt = text(&at.stdout).trim().to_string();
        let event = write(dir.path(), "event.json", &event_with(&jwt));
        for (now, allowed) in [
            ("2026-12-01T12:00:59.999Z", true),
            ("2026-12-01T13:00:59+01:00", true),
            ("2026-12-01T12:01:00Z", false),
            ("1796126460", false),
        ] {
            let out = cfjwt().args(["test", f.to_str().unwrap(), "--event", &event, "--now", now]).output().unwrap();
            assert!(out.status.success(), "{now}: {}", text(&out.stderr));
            let result: Value = serde_json::from_slice(&out.stdout).unwrap();
            let output: Value = serde_json::from_str(result["FunctionOutput"].as_str().unwrap()).unwrap();
            assert_eq!(output.get("request").is_some(), allowed, "{now}: {output}");
        }
    }

    #[test]
    fn exp_and_iat_that_json_cannot_hold_are_refused() {
        for (args, says) in [
            (vec!["--now", "9223372036854775807", "--ttl", "1"], "--ttl"),
            (vec!["--now", "-9223372036854775808", "--ttl", "-1"], "--ttl"),
            (vec!["--now", "9007199254740991", "--ttl", "1"], "--ttl"),
            (vec!["--now", "0", "--ttl", "9007199254740992"], "--ttl"),
            (vec!["--now", "-9007199254740991", "--ttl", "-1"], "--ttl"),
            (vec!["--now", "9007199254740992", "--iat"], "--now"),
        ] {
            let out = token(&args);
            assert_eq!(out.status.code(), Some(2), "{args:?}");
            assert!(out.stdout.is_empty(), "{args:?}");
            let said = text(&out.stderr);
            assert!(said.contains(says) && said.contains("cannot hold exactly"), "{args:?}: {said}");
        }
        let edge = token(&["--now", "9007199254740990", "--ttl", "1", "--iat"]);
        assert!(edge.status.success(), "{}", text(&edge.stderr));
        assert_eq!(claims(&text(&edge.stdout))["exp"], serde_json::json!(9_007_199_254_740_991_i64));
        let out = token(&["--ttl", "99999999999999999999"]);
        assert_eq!(out.status.code(), Some(2));
    }
}

mod yaml_line_breaks {
    use super::*;

    const BREAKS: [char; 3] = ['\u{85}', '\u{2028}', '\u{2029}'];

    fn deploy(dir: &Path, file: &str, extra: &[&str]) -> Output {
        cfjwt()
            .current_dir(dir)
            .args(["deploy", file, "--name", "jwt-check", "--format", "cloudformation"])
            .args(extra)
            .output()
            .unwrap()
    }

    /// A file name and a comment with U+2028 and U+2029, each followed by text that would be a
    /// YAML key if the separator ended its line; code with NEL, U+2028 and U+2029 in a string.
    #[test]
    fn names_comments_and_code_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let code =
            "// cloudfront-js-2.0\nvar s = 'a\u{85}b\u{2028}c\u{2029}d';\nfunction handler(e) { return e.request; }\n";
        let file = "viewer\u{2028}Outputs: {}\u{2029}Evil: 1 #.js";
        std::fs::write(dir.path().join(file), code).unwrap();
        let comment = "one\u{2028}Resources: {}\u{2029}two";
        let out = deploy(dir.path(), file, &["--comment", comment]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let snippet = String::from_utf8(out.stdout).unwrap();
        for c in BREAKS {
            assert!(!snippet.contains(c), "a raw U+{:04X} in\n{snippet}", c as u32);
        }
        assert!(snippet.starts_with("# cfjwt deploy: viewer\\u2028Outputs: {}\\u2029Evil: 1 #.js as"), "{snippet}");
        let template: serde_norway::Value =
            serde_norway::from_str(&snippet).unwrap_or_else(|e| panic!("{e}\n{snippet}"));
        let top: Vec<&str> = template.as_mapping().unwrap().keys().map(|k| k.as_str().unwrap()).collect();
        assert_eq!(top, ["AWSTemplateFormatVersion", "Resources", "Outputs"]);
        assert_eq!(template["Resources"].as_mapping().unwrap().len(), 1);
        let p = &template["Resources"]["JwtCheckFunction"]["Properties"];
        assert_eq!(p["FunctionConfig"]["Comment"].as_str(), Some(comment));
        assert_eq!(p["FunctionCode"].as_str(), Some(code));
        assert_eq!(p["Name"].as_str(), Some("jwt-check"));
    }

    /// The store key and the secret file go into commands that the template's comments carry: a
    /// separator there cannot be escaped without changing the command, so it is refused; NEL, a
    /// control character, is refused everywhere, as before.
    #[test]
    fn separators_in_commands_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let code = "// cloudfront-js-2.0\nimport cf from 'cloudfront';\n\
                    async function handler(e) { await cf.kvs().get('jwt.secret'); return e.request; }\n";
        std::fs::write(dir.path().join("kvs.js"), code).unwrap();
        let arn = "arn:aws:cloudfront::123456789012:key-value-store/abc";
        for (flag, value) in [
            ("--kvs-key", "jwt.secret\u{2028}x"),
            ("--secret-file", "jwt\u{2029}.key"),
            ("--kvs-key", "jwt.secret\u{85}"),
            ("--comment", "a\u{85}b"),
        ] {
            let out = deploy(dir.path(), "kvs.js", &["--kvs-arn", arn, flag, value]);
            assert_eq!(out.status.code(), Some(2), "{flag}");
            assert!(out.stdout.is_empty());
            assert!(text(&out.stderr).contains(flag), "{flag}: {}", text(&out.stderr));
        }
        let nel = "f\u{85}.js";
        std::fs::write(dir.path().join(nel), code).unwrap();
        assert_eq!(deploy(dir.path(), nel, &[]).status.code(), Some(2));
        let fine = deploy(dir.path(), "kvs.js", &["--kvs-arn", arn, "--secret-file", "secrets/jwt é.key"]);
        assert!(fine.status.success(), "{}", text(&fine.stderr));
        let template: serde_norway::Value = serde_norway::from_slice(&fine.stdout).unwrap();
        assert!(template["Resources"]["JwtCheckFunction"].is_mapping());
        assert!(!text(&fine.stdout).contains("WARNING"), "a function that reads the store embeds no secret");
    }
}

#[test]
fn security_md_names_a_private_channel() {
    let text = std::fs::read_to_string(repo("SECURITY.md")).unwrap();
    let reporting = &text[text.find("## Reporting a problem").expect("a section on reporting")..];
    for says in ["private vulnerability reporting", "Security", "Report a vulnerability", "What to include", "expect"] {
        assert!(reporting.contains(says), "SECURITY.md's reporting section does not say `{says}`");
    }
}
