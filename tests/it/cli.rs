//! The command line as users see it: exit codes, what goes to stdout and stderr, output files.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

const SECRET: &str = "cli-test-secret-cli-test-secret-cli-test-secret";

fn cfjwt() -> Command {
    Command::cargo_bin("cfjwt").unwrap()
}

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Dir {
        let d = Dir(tempfile::tempdir().unwrap());
        d.write("key", SECRET);
        d.write("policy.json", r#"{"claims": {"exp": "required"}}"#);
        d
    }
    fn path(&self, name: &str) -> String {
        self.0.path().join(name).display().to_string()
    }
    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.0.path().join(name), text).unwrap();
    }
    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.0.path().join(name)).unwrap()
    }
}

#[test]
fn gen_writes_to_stdout_with_a_size_summary() {
    let d = Dir::new();
    cfjwt()
        .args(["gen", "--config", &d.path("policy.json"), "--key-file", &d.path("key")])
        .assert()
        .success()
        .stdout(
            predicate::str::starts_with("// cloudfront-js-2.0\n").and(predicate::str::contains("function handler(")),
        )
        .stderr(predicate::str::is_match(r"^\d+ bytes, \d+% of the 10,240-byte limit\n$").unwrap());
}

#[test]
fn gen_output_file_and_check() {
    let d = Dir::new();
    let args = ["gen", "--config", &d.path("policy.json"), "--key-file", &d.path("key"), "-o", &d.path("out.js")];
    cfjwt().args(args).assert().success().stdout("");
    let written = d.read("out.js");
    let mut check = args.to_vec();
    check.push("--check");
    cfjwt().args(&check).assert().success().stderr(predicate::str::contains("is current"));
    d.write("out.js", &written.replace("HS256", "HS512"));
    cfjwt().args(&check).assert().code(1).stderr(
        predicate::str::contains("differs")
            .and(predicate::str::is_match(r"first at \d+:\d+ of the pretty-printed form").unwrap()),
    );
    assert!(d.read("out.js").contains("HS512"), "--check never writes");
}

#[test]
fn gen_is_deterministic() {
    let d = Dir::new();
    let run = || {
        cfjwt().args(["gen", "--config", &d.path("policy.json"), "--key-file", &d.path("key")]).output().unwrap().stdout
    };
    assert_eq!(run(), run());
}

#[test]
fn bad_policy_names_file_and_field() {
    let d = Dir::new();
    d.write("bad.json", r#"{"claims": {"leeway": 9000}}"#);
    cfjwt()
        .args(["gen", "--config", &d.path("bad.json"), "--key-file", &d.path("key"), "-o", &d.path("out.js")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.json: claims.leeway: 9000 is out of range"));
    assert!(!Path::new(&d.path("out.js")).exists(), "no output on failure");
}

#[test]
fn failed_run_leaves_existing_output_untouched() {
    let d = Dir::new();
    d.write("out.js", "previous");
    d.write("bad.json", r#"{"runtime": "cloudfront-js-3.0"}"#);
    cfjwt()
        .args(["gen", "--config", &d.path("bad.json"), "--key-file", &d.path("key"), "-o", &d.path("out.js")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("runtime"));
    assert_eq!(d.read("out.js"), "previous");
}

#[test]
fn key_problems_exit_2_without_showing_the_key() {
    let d = Dir::new();
    d.write("short", "short-secret");
    for args in [
        vec!["--key-file", "SHORT"],
        vec!["--key-file", "MISSING"],
        vec!["--key-env", "CFJWT_TEST_UNSET_VARIABLE"],
        vec![],
    ] {
        let mut full = vec!["gen".to_string(), "--config".into(), d.path("policy.json")];
        for a in args {
            full.push(match a {
                "SHORT" => d.path("short"),
                "MISSING" => d.path("missing"),
                other => other.to_string(),
            });
        }
        let out = cfjwt().args(&full).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{full:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("error: "), "{err}");
        assert!(!err.contains("short-secret"), "{err}");
        assert_eq!(err.lines().count(), 1, "one sentence: {err}");
    }
    cfjwt()
        .args(["gen", "--config", &d.path("policy.json"), "--key-file", &d.path("short"), "--allow-short-key"])
        .assert()
        .success();
}

#[test]
fn key_from_environment_and_encodings() {
    let d = Dir::new();
    let hex_key = hex::encode(SECRET);
    let from_file =
        cfjwt().args(["gen", "--config", &d.path("policy.json"), "--key-file", &d.path("key")]).output().unwrap();
    let from_env = cfjwt()
        .env("CFJWT_TEST_KEY", &hex_key)
        .args(["gen", "--config", &d.path("policy.json"), "--key-env", "CFJWT_TEST_KEY", "--key-encoding", "hex"])
        .output()
        .unwrap();
    assert!(from_env.status.success());
    assert_eq!(from_file.stdout, from_env.stdout);
    cfjwt()
        .env("CFJWT_TEST_KEY", "not hex at all, not hex at all, not hex at all")
        .args(["gen", "--config", &d.path("policy.json"), "--key-env", "CFJWT_TEST_KEY", "--key-encoding", "hex"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does not decode as hex").and(predicate::str::contains("not hex").not()));
}

#[test]
fn help_never_shows_a_key() {
    cfjwt()
        .env("CFJWT_TEST_KEY", SECRET)
        .args(["gen", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--key-file").and(predicate::str::contains(SECRET).not()));
}

#[test]
fn check_reports_file_line_column() {
    let d = Dir::new();
    d.write("fn.js", "function handler(event) {\n  let x = eval('1');\n  return event.request;\n}\n");
    cfjwt().args(["check", &d.path("fn.js"), "--runtime", "cloudfront-js-1.0"]).assert().code(1).stdout(
        predicate::str::contains(format!("{}:2:3: `let`", d.path("fn.js")))
            .and(predicate::str::contains(":2:11: `eval`")),
    );
    cfjwt().args(["check", &d.path("fn.js"), "--runtime", "cloudfront-js-2.0"]).assert().code(1);
    cfjwt().args(["check", &d.path("missing.js")]).assert().code(2);
}

#[test]
fn check_accepts_what_gen_writes_for_both_runtimes() {
    let d = Dir::new();
    for runtime in ["cloudfront-js-1.0", "cloudfront-js-2.0"] {
        d.write("p.json", &format!(r#"{{"runtime": "{runtime}"}}"#));
        cfjwt()
            .args(["gen", "--config", &d.path("p.json"), "--key-file", &d.path("key"), "-o", &d.path("f.js")])
            .assert()
            .success();
        cfjwt().args(["check", &d.path("f.js")]).assert().success();
    }
}

#[test]
fn check_size_limit() {
    let d = Dir::new();
    d.write("fn.js", "function handler(event) { return event.request; }\n");
    cfjwt()
        .args(["check", &d.path("fn.js"), "--max-bytes", "10"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("over the 10-byte limit"));
}

#[test]
fn token_mints_a_verifiable_hs256_token() {
    let d = Dir::new();
    let out = cfjwt()
        .args([
            "token",
            "--key-file",
            &d.path("key"),
            "--claims",
            r#"{"sub":"u1"}"#,
            "--ttl",
            "60",
            "--now",
            "1000",
            "--kid",
            "k1",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let t = String::from_utf8(out.stdout).unwrap();
    let t = t.trim_end();
    let (input, sig) = t.rsplit_once('.').unwrap();
    assert_eq!(sig, crate::harness::hs256(SECRET.as_bytes(), input));
    let (h, p) = input.split_once('.').unwrap();
    let dec = |s: &str| String::from_utf8(crate::harness::b64_decode(s).unwrap()).unwrap();
    assert_eq!(dec(h), r#"{"alg":"HS256","typ":"JWT","kid":"k1"}"#);
    assert_eq!(dec(p), r#"{"sub":"u1","exp":1060}"#);
}

#[test]
fn token_refuses_bad_claims() {
    let d = Dir::new();
    cfjwt().args(["token", "--key-file", &d.path("key"), "--claims", "[1]"]).assert().code(2);
    cfjwt().args(["token", "--key-file", &d.path("key"), "--claims", "{"]).assert().code(2);
    cfjwt().args(["token"]).assert().code(2);
}

#[test]
fn token_refuses_a_kid_the_function_denies_and_warns_of_time_claims_it_denies() {
    let d = Dir::new();
    let key = d.path("key");
    for kid in ["a kid", "", &"k".repeat(65), "é"] {
        cfjwt()
            .args(["token", "--key-file", &key, "--kid", kid])
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains("--kid: `").and(predicate::str::contains("1 to 64 of A-Z a-z 0-9 . _ -")));
    }
    cfjwt().args(["token", "--key-file", &key, "--kid", "2026-11.a_b"]).assert().success();
    let out = cfjwt()
        .args(["token", "--key-file", &key, "--claims", r#"{"exp":"1700000000","nbf":null,"iat":1,"sub":"u"}"#])
        .output()
        .unwrap();
    assert!(out.status.success(), "the token is minted all the same");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("warning: --claims: `exp` is \"1700000000\", not a number"), "{err}");
    assert!(err.contains("warning: --claims: `nbf` is null, not a number"), "{err}");
    assert!(!err.contains("`iat`") && !err.contains("`sub`"), "{err}");
    cfjwt().args(["token", "--key-file", &key, "--ttl", "-60"]).assert().success().stderr("");
    let help = String::from_utf8(cfjwt().args(["token", "--help"]).output().unwrap().stdout).unwrap();
    assert!(help.contains("negative for a token that has already expired") && !help.contains("Repeat"), "{help}");
}

#[test]
fn test_takes_a_directory_of_events() {
    let d = Dir::new();
    cfjwt()
        .args(["gen", "--config", &d.path("policy.json"), "--key-file", &d.path("key"), "-o", &d.path("f.js")])
        .assert()
        .success();
    std::fs::create_dir_all(d.0.path().join("events")).unwrap();
    let event =
        serde_json::json!({"request": {"method": "GET", "uri": "/a", "querystring": {}, "headers": {}}}).to_string();
    d.write("events/deny-b.json", &event);
    d.write("events/deny-a.json", &event);
    d.write("events/notes.txt", "not an event");
    let out = cfjwt()
        .args(["test", &d.path("f.js"), "--event", &d.path("events"), "--expect", "by-name", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<String> = String::from_utf8(out.stdout).unwrap().lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 2, "the .json files only");
    assert!(lines[0].contains("deny-a.json") && lines[1].contains("deny-b.json"), "in name order: {lines:?}");
    std::fs::create_dir_all(d.0.path().join("empty")).unwrap();
    cfjwt()
        .args(["test", &d.path("f.js"), "--event", &d.path("empty")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the directory holds no .json event file"));
}

#[test]
fn test_runs_events_and_prints_test_function_results() {
    let d = Dir::new();
    cfjwt()
        .args(["gen", "--config", &d.path("policy.json"), "--key-file", &d.path("key"), "-o", &d.path("f.js")])
        .assert()
        .success();
    let t = String::from_utf8(
        cfjwt().args(["token", "--key-file", &d.path("key"), "--ttl", "60", "--now", "1000"]).output().unwrap().stdout,
    )
    .unwrap();
    let event = |token: &str| {
        serde_json::json!({"version": "1.0", "context": {"eventType": "viewer-request"},
            "request": {"method": "GET", "uri": "/v/a.ts", "querystring": {"jwt": {"value": token}, "q": {"value": "1"}}, "headers": {}}})
        .to_string()
    };
    d.write("good.json", &event(t.trim()));
    d.write("bad.json", &event("nope"));
    let out = cfjwt()
        .args([
            "test",
            &d.path("f.js"),
            "--event",
            &d.path("good.json"),
            "--event",
            &d.path("bad.json"),
            "--now",
            "1000",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    let first: serde_json::Value = serde_json::from_str(lines[0]["FunctionOutput"].as_str().unwrap()).unwrap();
    assert_eq!(first["request"]["querystring"], serde_json::json!({"q": {"value": "1"}}));
    assert_eq!(lines[0]["FunctionErrorMessage"], "");
    let second: serde_json::Value = serde_json::from_str(lines[1]["FunctionOutput"].as_str().unwrap()).unwrap();
    assert_eq!(second["response"]["statusCode"], 401);
    // After exp, the same token is denied.
    let out =
        cfjwt().args(["test", &d.path("f.js"), "--event", &d.path("good.json"), "--now", "1060"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("401"));
}

#[test]
fn test_exit_codes() {
    let d = Dir::new();
    d.write("throws.js", "function handler(event) { throw new Error('boom'); }\n");
    d.write("e.json", r#"{"request": {"method": "GET", "uri": "/", "querystring": {}, "headers": {}}}"#);
    cfjwt()
        .args(["test", &d.path("throws.js"), "--event", &d.path("e.json")])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("boom"));
    d.write("not-event.json", r#"{"hello": 1}"#);
    cfjwt().args(["test", &d.path("throws.js"), "--event", &d.path("not-event.json")]).assert().code(2);
    d.write("broken.js", "function handler(event) {\n");
    cfjwt().args(["test", &d.path("broken.js"), "--event", &d.path("e.json")]).assert().code(2);
}

#[test]
fn output_over_the_size_limit_is_refused_and_near_it_warned() {
    let d = Dir::new();
    let issuers = |n: usize| -> Vec<String> {
        (0..n).map(|i| format!("https://issuer-{i:04}.example.com/realms/some-long-realm-name")).collect()
    };
    d.write("big.json", &serde_json::json!({"claims": {"iss": issuers(200)}}).to_string());
    cfjwt()
        .args(["gen", "--config", &d.path("big.json"), "--key-file", &d.path("key"), "-o", &d.path("out.js")])
        .assert()
        .code(2)
        .stderr(
            predicate::str::is_match(r"the function would be \d+ bytes, \d+ over CloudFront's 10240-byte limit")
                .unwrap(),
        );
    assert!(!Path::new(&d.path("out.js")).exists());
    // Find a list length that lands between 10,000 and 10,240 bytes: gen warns but writes.
    let near = (100..200)
        .find(|n| {
            d.write("near.json", &serde_json::json!({"claims": {"iss": issuers(*n)}}).to_string());
            let out =
                cfjwt().args(["gen", "--config", &d.path("near.json"), "--key-file", &d.path("key")]).output().unwrap();
            (10_001..=10_240).contains(&out.stdout.len())
        })
        .expect("some list length gives an output near the limit");
    d.write("near.json", &serde_json::json!({"claims": {"iss": issuers(near)}}).to_string());
    cfjwt()
        .args(["gen", "--config", &d.path("near.json"), "--key-file", &d.path("key")])
        .assert()
        .success()
        .stderr(predicate::str::starts_with("warning: ").and(predicate::str::contains("close to CloudFront's limit")));
}

/// Runs cfjwt with its stdout a pipe whose reader goes away after reading `read` bytes (0: right
/// after the start, before cfjwt writes anything), and checks that cfjwt ends quietly with exit 0.
fn ends_quietly_when_stdout_closes(args: &[&str], read: usize) {
    use std::io::Read as _;
    use std::process::{Command as StdCommand, Stdio};
    let mut child = StdCommand::new(env!("CARGO_BIN_EXE_cfjwt"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    if read > 0 {
        let mut head = vec![0; read];
        stdout.read_exact(&mut head).unwrap();
    }
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert!(!stderr.contains("error"), "{args:?}: {stderr}");
    assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
}

#[test]
fn a_closed_stdout_ends_every_command_quietly() {
    let d = Dir::new();
    let gen = ["gen", "--config", &d.path("policy.json"), "--key-file", &d.path("key")];
    cfjwt().args(gen).args(["-o", &d.path("f.js")]).assert().success();
    let token = ["token", "--key-file", &d.path("key"), "--ttl", "60"];
    let deploy = ["deploy", &d.path("f.js"), "--name", "f", "--format", "cloudformation"];
    let commands: [&[&str]; 9] = [
        &["schema"],
        &["man"],
        &["man", "gen"],
        &["completions", "bash"],
        &["completions", "zsh"],
        &gen,
        &token,
        &deploy,
        &["init", "--setup", "api-bearer", "-o", "-"],
    ];
    for args in commands {
        ends_quietly_when_stdout_closes(args, 0);
    }
    // More than a pipe holds (64 KiB), so cfjwt must still be writing when the reader goes.
    d.write("echo.js", "function handler(event) { return event.request; }\n");
    let big = "x".repeat(4000);
    let event = serde_json::json!({"request": {"method": "GET", "uri": "/", "headers": {"x-big": {"value": big}}}});
    d.write("e.json", &event.to_string());
    let mut test = vec!["test".to_string(), d.path("echo.js"), "--json".into(), "--event".into()];
    test.extend(std::iter::repeat_n(d.path("e.json"), 40));
    let test: Vec<&str> = test.iter().map(String::as_str).collect();
    let out = cfjwt().args(&test).output().unwrap();
    assert!(out.stdout.len() > 128 * 1024, "{} bytes", out.stdout.len());
    ends_quietly_when_stdout_closes(&test, 10);
    ends_quietly_when_stdout_closes(&test, 0);
}

#[test]
fn an_unreadable_policy_names_its_os_error_once() {
    let d = Dir::new();
    let missing = d.path("missing.json");
    let out = cfjwt().args(["gen", "--config", &missing, "--key-file", &d.path("key")]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.starts_with(&format!("error: {missing}: cannot read the policy file: ")), "{stderr}");
    assert_eq!(stderr.matches("No such file or directory").count(), 1, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// The Quick start's `gen` prints the size line its comment shows (the test key is 32 random bytes
/// in base64, so the function embeds them as hex).
#[test]
fn the_quick_start_size_line_is_what_gen_prints() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let quick = &readme[readme.find("## Quick start").unwrap()..];
    let policy = quick.lines().skip_while(|l| !l.starts_with("cat > policy.json")).nth(1).unwrap();
    let shown = quick.lines().find_map(|l| l.strip_prefix("# prints: ")).expect("the size line");
    let d = Dir::new();
    d.write("policy.json", policy);
    // Random bytes are next to never UTF-8 text: two keys that are not.
    let mut mixed = [0u8; 32];
    for (i, b) in mixed.iter_mut().enumerate() {
        *b = 0x80 | (i as u8).wrapping_mul(37);
    }
    for key in [[0xffu8; 32], mixed] {
        use base64::Engine as _;
        d.write("test.key", &base64::engine::general_purpose::STANDARD.encode(key));
        let out = cfjwt()
            .current_dir(d.0.path())
            .args(["gen", "--config", "policy.json", "--key-file", "test.key", "--key-encoding", "base64"])
            .args(["--test-key", "-o", "viewer-request.js"])
            .output()
            .unwrap();
        let said = String::from_utf8(out.stderr).unwrap();
        assert_eq!(said.trim_end(), shown, "the README's Quick start says {shown:?}");
    }
}
