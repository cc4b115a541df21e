//! `cfjwt kvs`, run as an operator runs it: the printed `aws cloudfront-keyvaluestore` commands
//! split as the shell splits them (and run in bash with a stand-in `aws`), named after the
//! policy's entries, taking the secret from its file and never printing it; the refusals; and
//! `--store` changes read back by `cfjwt test --kvs` on tokens minted by `cfjwt token`: a put
//! secret verifies, a revocation denies (`revoked`) and its undoing allows again, a time revokes
//! the tokens issued before it only, a rotation's steps move from the old secret to the new one.

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;
use serde_json::{json, Value};

fn cfjwt() -> Command {
    Command::cargo_bin("cfjwt").unwrap()
}

const ARN: &str = "arn:aws:cloudfront::123456789012:key-value-store/0123abcd-4567-89ef-0123-456789abcdef";

/// The secret the tests put: text that must appear in no output.
const SECRET: &str = "kvs-test-secret-never-printed-0123456789abcdef";

/// The time the tests' tokens are checked at.
const NOW: i64 = 1_700_000_000;

/// What a run printed and how it ended.
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

fn ran(cmd: &mut Command) -> Ran {
    let out = cmd.output().unwrap();
    Ran {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// `cfjwt kvs ARGS` in `dir`; it must succeed.
fn kvs(dir: &Path, args: &[&str]) -> Ran {
    let r = ran(cfjwt().current_dir(dir).arg("kvs").args(args));
    assert_eq!(r.code, 0, "cfjwt kvs {args:?}: {}", r.stderr);
    r
}

/// `cfjwt kvs ARGS` in `dir`; it must fail as bad input, saying `says`.
fn refused(dir: &Path, args: &[&str], says: &str) -> Ran {
    let r = ran(cfjwt().current_dir(dir).arg("kvs").args(args));
    assert_eq!(r.code, 2, "cfjwt kvs {args:?} should be refused: {}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains(says), "cfjwt kvs {args:?}: `{says}` not in {}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    r
}

/// A work directory with a policy `policy.json` and the secret file `it's a secret.key`.
fn work(policy: Value) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("policy.json"), policy.to_string()).unwrap();
    std::fs::write(dir.path().join("it's a secret.key"), format!("{SECRET}\n")).unwrap();
    dir
}

fn store_policy() -> Value {
    json!({"key": {"kvs": "jwt.secret"}, "revocation": {"claim": "sid"}, "log": "console"})
}

/// The commands of a printed script, as the shell splits them (comments and continuation lines
/// handled), an assignment `NAME=$(COMMAND)` as its command.
fn shell_commands(text: &str) -> Vec<Vec<String>> {
    text.replace("\\\n", " ")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| {
            let l = match l.strip_prefix("ETAG=$(") {
                Some(inner) => inner.strip_suffix(')').unwrap_or_else(|| panic!("unclosed: {l}")),
                None => l,
            };
            shell_words::split(l).unwrap_or_else(|e| panic!("{e}: {l}"))
        })
        .collect()
}

/// The word after `flag`.
fn arg<'a>(command: &'a [String], flag: &str) -> Option<&'a str> {
    command.iter().position(|w| w == flag).map(|i| command[i + 1].as_str())
}

/// Checks the ETag step and returns the one change command after it.
fn the_change(text: &str) -> Vec<String> {
    let commands = shell_commands(text);
    assert_eq!(commands.len(), 2, "{text}");
    assert_eq!(
        commands[0],
        [
            "aws",
            "cloudfront-keyvaluestore",
            "describe-key-value-store",
            "--kvs-arn",
            ARN,
            "--query",
            "ETag",
            "--output",
            "text"
        ]
    );
    let change = commands[1].clone();
    assert_eq!(change[..2], ["aws", "cloudfront-keyvaluestore"], "{text}");
    assert_eq!(arg(&change, "--kvs-arn"), Some(ARN));
    assert_eq!(arg(&change, "--if-match"), Some("$ETAG"));
    change
}

#[test]
fn put_secret_names_the_policys_entry_and_reads_the_file() {
    let dir = work(store_policy());
    let key = "it's a secret.key";
    for (kid, entry) in [(None, "jwt.secret"), (Some("2026-11"), "jwt.secret:2026-11")] {
        let mut args = vec!["put-secret", "--config", "policy.json", "--kvs-arn", ARN, "--secret-file", key];
        args.extend(kid.iter().flat_map(|k| ["--kid", *k]));
        let r = kvs(dir.path(), &args);
        assert!(!r.stdout.contains(SECRET) && !r.stderr.contains(SECRET));
        let put = the_change(&r.stdout);
        assert_eq!(put[2], "put-key");
        assert_eq!(arg(&put, "--key"), Some(entry));
        assert_eq!(arg(&put, "--value"), Some("file://it's a secret.key"));
        assert!(r.stdout.contains("one trailing line break"), "{}", r.stdout);
        assert!(r.stdout.contains("key.encoding is utf8"), "{}", r.stdout);
    }
    // The encoding the comment names is the policy's.
    let dir = work(json!({"key": {"kvs": "edge/hmac", "encoding": "base64url"}}));
    let r = kvs(dir.path(), &["put-secret", "--config", "policy.json", "--kvs-arn", ARN, "--secret-file", "k"]);
    assert_eq!(arg(&the_change(&r.stdout), "--key"), Some("edge/hmac"));
    assert!(r.stdout.contains("key.encoding, base64url") && r.stdout.contains("--key-encoding base64url"));
}

#[test]
fn revoke_and_unrevoke_name_the_prefix_and_the_value() {
    let dir = work(store_policy());
    let base = ["--config", "policy.json", "--kvs-arn", ARN];
    let revoke = |extra: &[&str]| {
        let r = kvs(dir.path(), &[&["revoke"], &base[..], extra].concat());
        let put = the_change(&r.stdout);
        assert_eq!(put[2], "put-key");
        (arg(&put, "--key").unwrap().to_string(), arg(&put, "--value").unwrap().to_string(), r.stdout)
    };
    let (key, value, said) = revoke(&["--value", "s-1"]);
    assert_eq!((key.as_str(), value.as_str()), ("revoked:s-1", ""));
    assert!(said.contains("new ones too") && said.contains("longest token lifetime"), "{said}");
    // Unix seconds, an RFC 3339 time, a fraction (rounded up: a token issued in that second,
    // before the time, is revoked).
    for (given, stored) in [
        ("1700000000", "1700000000"),
        ("2023-11-14T22:13:20Z", "1700000000"),
        ("2023-11-14T23:13:20+01:00", "1700000000"),
        ("1700000000.2", "1700000001"),
    ] {
        let (key, value, said) = revoke(&["--value", "u1", "--issued-before", given]);
        assert_eq!((key.as_str(), value.as_str()), ("revoked:u1", stored), "{given}");
        assert!(said.contains("new logins keep working"), "{said}");
    }
    let clock = || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let before = clock();
    let (_, value, _) = revoke(&["--value", "u1", "--issued-before", "now"]);
    let t: u64 = value.parse().unwrap();
    assert!(before <= t && t <= clock() + 1, "{t}");
    // A value that looks like an option, a value with spaces and quotes: one word each.
    let (key, _, _) = revoke(&["--value", "-it's a 'sid'"]);
    assert_eq!(key, "revoked:-it's a 'sid'");

    let r = kvs(dir.path(), &[&["unrevoke"], &base[..], &["--value", "s-1"]].concat());
    let delete = the_change(&r.stdout);
    assert_eq!(delete[2], "delete-key");
    assert_eq!(arg(&delete, "--key"), Some("revoked:s-1"));
    assert_eq!(arg(&delete, "--value"), None);

    // Another prefix, and `max_age` giving the time by which the entry can go.
    let dir = work(json!({"revocation": {"claim": "sub", "prefix": "rv/"}, "claims": {"max_age": 3600, "leeway": 30}}));
    let r = kvs(
        dir.path(),
        &["revoke", "--config", "policy.json", "--kvs-arn", ARN, "--value", "u1", "--issued-before", "1700000000"],
    );
    assert_eq!(arg(&the_change(&r.stdout), "--key"), Some("rv/u1"));
    assert!(r.stdout.contains("by 2023-11-14 23:13:50 UTC at the latest"), "{}", r.stdout);
}

/// Runs a printed script in bash with a stand-in `aws` that records each call's arguments and
/// what a `file://` value names, and answers the ETag query: the shell, not a parser, decides what
/// the AWS CLI receives.
fn run_in_bash(dir: &Path, script: &str) -> Vec<Vec<String>> {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let aws = bin.join("aws");
    std::fs::write(
        &aws,
        "#!/bin/bash\n\
         printf '%s\\0' \"$@\" >> \"$AWS_LOG\"; printf '\\n' >> \"$AWS_LOG\"\n\
         for a in \"$@\"; do case \"$a\" in file://*) cat \"${a#file://}\" > \"$AWS_LOG.value\";; esac; done\n\
         case \"$2\" in describe-key-value-store) echo ETAG-1;; esac\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&aws, std::fs::Permissions::from_mode(0o755)).unwrap();
    let log = dir.join("aws.log");
    let _ = std::fs::remove_file(&log);
    let status = StdCommand::new("bash")
        .args(["-euo", "pipefail", "-c", script])
        .current_dir(dir)
        .env("PATH", format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()))
        .env("AWS_LOG", &log)
        .status()
        .unwrap();
    assert!(status.success(), "{script}");
    std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| l.trim_end_matches('\0').split('\0').map(str::to_string).collect())
        .collect()
}

#[test]
fn the_printed_commands_run_in_bash() {
    let dir = work(store_policy());
    let base = ["--config", "policy.json", "--kvs-arn", ARN];
    let put =
        kvs(dir.path(), &[&["put-secret"], &base[..], &["--kid", "k1", "--secret-file", "it's a secret.key"]].concat());
    let calls = run_in_bash(dir.path(), &put.stdout);
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0][1], "describe-key-value-store");
    assert_eq!(
        calls[1],
        [
            "cloudfront-keyvaluestore",
            "put-key",
            "--kvs-arn",
            ARN,
            "--key",
            "jwt.secret:k1",
            "--value",
            "file://it's a secret.key",
            "--if-match",
            "ETAG-1"
        ]
    );
    // The AWS CLI is the one that reads the secret, when the command runs.
    assert_eq!(std::fs::read_to_string(dir.path().join("aws.log.value")).unwrap(), format!("{SECRET}\n"));

    let revoke = kvs(dir.path(), &[&["revoke"], &base[..], &["--value", "$(not run) `nor this`"]].concat());
    let calls = run_in_bash(dir.path(), &revoke.stdout);
    assert_eq!(arg(&calls[1], "--key"), Some("revoked:$(not run) `nor this`"));
    assert_eq!(arg(&calls[1], "--value"), Some(""), "an empty value stays one (empty) argument");
    assert_eq!(arg(&calls[1], "--if-match"), Some("ETAG-1"));

    let unrevoke = kvs(dir.path(), &[&["unrevoke"], &base[..], &["--value", "-x"]].concat());
    let calls = run_in_bash(dir.path(), &unrevoke.stdout);
    assert_eq!(calls[1][1], "delete-key");
    assert_eq!(arg(&calls[1], "--key"), Some("revoked:-x"));
    // An entry name led by `-` is given as `--key=NAME`, so the AWS CLI does not take it for an option.
    std::fs::write(dir.path().join("dash.json"), json!({"revocation": {"claim": "sid", "prefix": "-r:"}}).to_string())
        .unwrap();
    let dash = kvs(dir.path(), &["unrevoke", "--config", "dash.json", "--kvs-arn", ARN, "--value", "x"]);
    let calls = run_in_bash(dir.path(), &dash.stdout);
    assert!(calls[1].contains(&"--key=-r:x".to_string()), "{calls:?}");
}

#[test]
fn rotate_prints_each_step_when_it_is_due() {
    let dir = work(json!({"key": {"kvs": "jwt.secret", "encoding": "base64"}, "claims": {"max_age": 900}}));
    let first =
        ["rotate", "--config", "policy.json", "--kvs-arn", ARN, "--new-kid", "2026-11", "--secret-file", "new.key"];
    let mut args: Vec<String> = first.iter().map(|s| s.to_string()).collect();
    let mut steps = Vec::new();
    // Each step names the next one's command line; following them goes through the four steps.
    loop {
        let words: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = kvs(dir.path(), &words);
        assert!(r.stdout.starts_with("# cfjwt kvs rotate: a new signing secret, in four steps"), "{}", r.stdout);
        let next: Vec<&str> = r.stdout.lines().filter_map(|l| l.strip_prefix("# cfjwt kvs rotate ")).collect();
        steps.push(r.stdout.clone());
        match next[..] {
            [] => break,
            [line] => {
                let words = shell_words::split(&format!("rotate {line}")).unwrap();
                assert_eq!(arg(&words, "--config"), Some("policy.json"));
                assert_eq!(arg(&words, "--kvs-arn"), Some(ARN));
                assert_eq!(arg(&words, "--new-kid"), Some("2026-11"));
                args = words;
            }
            _ => panic!("more than one next step: {}", r.stdout),
        }
    }
    assert_eq!(steps.len(), 4);
    for (i, text) in steps.iter().enumerate() {
        let marked: Vec<&str> = text.lines().filter(|l| l.ends_with("<- this step")).collect();
        assert_eq!(marked.len(), 1, "{text}");
        assert!(marked[0].starts_with(&format!("#   {}. ", i + 1)), "{text}");
        assert!(text.contains(&format!("# Step {} of 4, now: ", i + 1)), "{text}");
    }
    let put = the_change(&steps[0]);
    assert_eq!((put[2].as_str(), arg(&put, "--key")), ("put-key", Some("jwt.secret:2026-11")));
    assert_eq!(arg(&put, "--value"), Some("file://new.key"));
    assert!(shell_commands(&steps[1]).is_empty() && shell_commands(&steps[2]).is_empty());
    assert!(steps[1].contains("cfjwt token --key-file 2026-11=new.key --key-encoding base64"), "{}", steps[1]);
    assert!(steps[2].contains("900 s (15 min 0 s) at most"), "{}", steps[2]);
    let delete = the_change(&steps[3]);
    assert_eq!((delete[2].as_str(), arg(&delete, "--key")), ("delete-key", Some("jwt.secret")));
    assert!(steps[3].contains("--old-kid 2026-11"), "the next rotation: {}", steps[3]);

    // From a secret with a key id: the old entry is NAME:OLD.
    let r = kvs(
        dir.path(),
        &["rotate", "--config", "policy.json", "--kvs-arn", ARN, "--new-kid", "b", "--old-kid", "a", "--step", "4"],
    );
    assert_eq!(arg(&the_change(&r.stdout), "--key"), Some("jwt.secret:a"));
}

#[test]
fn bad_requests_are_refused_and_write_nothing() {
    let embedded = work(json!({"claims": {"exp": "required"}}));
    let d = embedded.path();
    refused(d, &["put-secret", "--config", "policy.json", "--kvs-arn", ARN, "--secret-file", "k"], "no key.kvs");
    refused(
        d,
        &["rotate", "--config", "policy.json", "--kvs-arn", ARN, "--new-kid", "n", "--secret-file", "k"],
        "no key.kvs",
    );
    refused(d, &["revoke", "--config", "policy.json", "--kvs-arn", ARN, "--value", "s"], "no revocation");
    refused(d, &["unrevoke", "--config", "policy.json", "--store", "s.json", "--value", "s"], "no revocation");
    assert!(!d.join("s.json").exists());

    let dir = work(store_policy());
    let d = dir.path();
    let put = |extra: &[&'static str]| [&["put-secret", "--config", "policy.json"][..], extra].concat();
    refused(d, &put(&["--kvs-arn", ARN, "--secret-file", "k", "--kid", "a b"]), "--kid: `a b` is not a key id");
    refused(d, &put(&["--kvs-arn", ARN, "--secret-file", "k", "--kid", "k".repeat(65).leak()]), "--kid");
    refused(d, &put(&["--kvs-arn", "arn:aws:s3:::bucket", "--secret-file", "k"]), "--kvs-arn");
    refused(d, &put(&["--kvs-arn", ARN, "--secret-file", "$HOME/k"]), "expands `$`");
    refused(d, &put(&["--kvs-arn", ARN, "--secret-file", "a\nb"]), "--secret-file");
    refused(d, &put(&["--secret-file", "k"]), "--kvs-arn");
    refused(d, &["put-secret", "--config", "nope.json", "--kvs-arn", ARN, "--secret-file", "k"], "nope.json");
    let revoke =
        |extra: &[&'static str]| [&["revoke", "--config", "policy.json", "--kvs-arn", ARN][..], extra].concat();
    refused(d, &revoke(&["--value", ""]), "--value: empty");
    refused(d, &revoke(&["--value", "v".repeat(505).leak()]), "513 bytes, over the KeyValueStore's 512");
    assert!(kvs(d, &revoke(&["--value", "v".repeat(504).leak()])).stdout.contains("put-key"));
    refused(d, &revoke(&["--value", "s", "--issued-before", "-5"]), "before 1970");
    refused(d, &revoke(&["--value", "s", "--issued-before", "yesterday"]), "--issued-before");
    let rotate =
        |extra: &[&'static str]| [&["rotate", "--config", "policy.json", "--kvs-arn", ARN][..], extra].concat();
    refused(d, &rotate(&["--new-kid", "n"]), "--secret-file: step 1");
    refused(d, &rotate(&["--new-kid", "n", "--old-kid", "n", "--step", "4"]), "both `n`");
    refused(d, &rotate(&["--new-kid", "n/1", "--step", "2"]), "--new-kid");
    refused(d, &rotate(&["--new-kid", "n", "--step", "5"]), "--step");

    // A secret file the function could not use is refused by --store, named but never quoted.
    for (policy, text, says) in [
        (store_policy(), "short-secret\n", "at least 32"),
        (
            json!({"key": {"kvs": "jwt.secret", "encoding": "hex"}}),
            "not-hex-not-hex-not-hex-not-hex-not-hex-not-hex-not-hex-not-hex\n",
            "does not decode as hex",
        ),
    ] {
        let dir = work(policy);
        std::fs::write(dir.path().join("bad.key"), text).unwrap();
        let r = refused(
            dir.path(),
            &["put-secret", "--config", "policy.json", "--store", "s.json", "--secret-file", "bad.key"],
            says,
        );
        assert!(r.stderr.contains("bad.key") && !r.stderr.contains(text.trim_end()), "{}", r.stderr);
        assert!(!dir.path().join("s.json").exists());
    }
    // A store file that is not a JSON object is left as it is.
    std::fs::write(d.join("list.json"), "[1]").unwrap();
    refused(d, &["revoke", "--config", "policy.json", "--store", "list.json", "--value", "s"], "a JSON object");
    assert_eq!(std::fs::read_to_string(d.join("list.json")).unwrap(), "[1]");
}

/// A function built from `dir/policy.json` (no key: it reads the store), as `dir/f.js`.
fn function(dir: &Path) -> PathBuf {
    let out = dir.join("f.js");
    let r = ran(cfjwt().current_dir(dir).args(["gen", "--config", "policy.json", "-o", "f.js"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    out
}

/// A token from `cfjwt token` with `claims`, issued at `iat`, for an hour, from the key file
/// `key` (`KID=PATH` for a kid) read as `encoding`.
fn token(dir: &Path, key: &str, encoding: &str, claims: Value, iat: i64) -> String {
    let r = ran(cfjwt().current_dir(dir).args(["token", "--key-file", key, "--key-encoding", encoding]).args([
        "--claims",
        &claims.to_string(),
        "--iat",
        "--ttl",
        "3600",
        "--now",
        &iat.to_string(),
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout.trim().to_string()
}

/// An event directory `name` holding one request with the token in `?jwt=`.
fn event(dir: &Path, name: &str, token: &str) -> PathBuf {
    let events = dir.join(name);
    std::fs::create_dir_all(&events).unwrap();
    let r = ran(cfjwt().args(["event", &format!("/lesson.m3u8?jwt={token}")]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    std::fs::write(events.join("request.json"), r.stdout).unwrap();
    events
}

/// `cfjwt test` of the function on the events with the store, at [`NOW`]: whether every event came
/// out as `expect` says.
fn expect(dir: &Path, events: &Path, expect: &str) -> bool {
    let r = ran(cfjwt()
        .current_dir(dir)
        .args(["test", "f.js", "--kvs", "store.json", "--now", &NOW.to_string()])
        .args(["--json", "--expect", expect, "--event"])
        .arg(events));
    assert_ne!(r.code, 2, "{}", r.stderr);
    r.code == 0
}

#[test]
fn store_changes_are_what_cfjwt_test_reads() {
    let dir = work(store_policy());
    let d = dir.path();
    function(d);
    let r = kvs(
        d,
        &["put-secret", "--config", "policy.json", "--store", "store.json", "--secret-file", "it's a secret.key"],
    );
    assert!(r.stdout.is_empty(), "no --kvs-arn, no commands: {}", r.stdout);
    assert!(r.stderr.contains("store.json: put `jwt.secret`") && !r.stderr.contains(SECRET), "{}", r.stderr);
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(d.join("store.json")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "a new store file may hold secrets");
    // The file's text as it is, line break included: the function drops it.
    let store: Value = serde_json::from_str(&std::fs::read_to_string(d.join("store.json")).unwrap()).unwrap();
    assert_eq!(store, json!({"jwt.secret": format!("{SECRET}\n")}));

    let session = event(d, "session", &token(d, "it's a secret.key", "utf8", json!({"sid": "s1"}), NOW - 60));
    let other = event(d, "other", &token(d, "it's a secret.key", "utf8", json!({"sid": "s2"}), NOW - 60));
    assert!(expect(d, &session, "allow") && expect(d, &other, "allow"));
    assert!(!expect(d, &session, "deny:revoked"), "--expect can fail");

    let store_args = ["--config", "policy.json", "--store", "store.json", "--value", "s1"];
    let r = kvs(d, &[&["revoke"][..], &store_args].concat());
    assert!(r.stderr.contains("store.json: put `revoked:s1` (empty)"), "{}", r.stderr);
    assert!(expect(d, &session, "deny:revoked"), "the session is revoked");
    assert!(expect(d, &other, "allow"), "another session is not");

    kvs(d, &[&["unrevoke"][..], &store_args].concat());
    assert!(expect(d, &session, "allow"), "undone");
    let r = kvs(d, &[&["unrevoke"][..], &store_args].concat());
    assert!(r.stderr.contains("nothing to delete"), "{}", r.stderr);

    // A time revokes the tokens issued before it, not those issued at or after it.
    let early = event(d, "early", &token(d, "it's a secret.key", "utf8", json!({"sid": "s1"}), NOW - 600));
    let late = event(d, "late", &token(d, "it's a secret.key", "utf8", json!({"sid": "s1"}), NOW - 300));
    let cutoff = (NOW - 300).to_string();
    kvs(d, &[&["revoke"][..], &store_args, &["--issued-before", &cutoff]].concat());
    assert!(expect(d, &early, "deny:revoked"));
    assert!(expect(d, &late, "allow"));
    assert!(expect(d, &other, "allow"));
    // The other entries of the store are kept as they were.
    let store: Value = serde_json::from_str(&std::fs::read_to_string(d.join("store.json")).unwrap()).unwrap();
    assert_eq!(store, json!({"jwt.secret": format!("{SECRET}\n"), "revoked:s1": cutoff}));
}

#[test]
fn a_stored_key_file_means_the_key_gen_would_read() {
    // The same key file, base64 text of 32 random bytes: tokens signed with the decoded bytes
    // (`cfjwt token --key-encoding base64`) verify against the store the file was put into.
    use base64::Engine as _;
    let bytes: Vec<u8> = (0u8..32).map(|i| i.wrapping_mul(97).wrapping_add(13)).collect();
    for (encoding, text) in [
        ("base64", base64::engine::general_purpose::STANDARD.encode(&bytes)),
        ("base64url", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes)),
        ("hex", hex::encode(&bytes)),
    ] {
        let dir = work(json!({"key": {"kvs": "jwt.secret", "encoding": encoding}, "log": "console"}));
        let d = dir.path();
        std::fs::write(d.join("jwt.key"), format!("{text}\n")).unwrap();
        function(d);
        let r = kvs(d, &["put-secret", "--config", "policy.json", "--store", "store.json", "--secret-file", "jwt.key"]);
        assert!(!r.stderr.contains(&text), "{}", r.stderr);
        let decoded = event(d, "decoded", &token(d, "jwt.key", encoding, json!({}), NOW));
        let as_text = event(d, "text", &token(d, "jwt.key", "utf8", json!({}), NOW));
        assert!(expect(d, &decoded, "allow"), "{encoding}");
        assert!(expect(d, &as_text, "deny:signature"), "{encoding}: the text is not the key");
    }
}

#[test]
fn a_rotation_in_the_store_moves_from_the_old_secret_to_the_new() {
    let dir = work(store_policy());
    let d = dir.path();
    std::fs::write(d.join("new.key"), "kvs-test-the-new-secret-0123456789abcdefghij\n").unwrap();
    function(d);
    kvs(d, &["put-secret", "--config", "policy.json", "--store", "store.json", "--secret-file", "it's a secret.key"]);
    let old = event(d, "old", &token(d, "it's a secret.key", "utf8", json!({"sid": "a"}), NOW));
    let new = event(d, "new", &token(d, "2026-11=new.key", "utf8", json!({"sid": "b"}), NOW));
    assert!(expect(d, &old, "allow") && expect(d, &new, "deny:key-unavailable"));
    let rotate = ["rotate", "--config", "policy.json", "--store", "store.json", "--new-kid", "2026-11"];
    let r = kvs(d, &[&rotate[..], &["--secret-file", "new.key"]].concat());
    assert!(r.stderr.contains("store.json: put `jwt.secret:2026-11`"), "{}", r.stderr);
    assert!(expect(d, &old, "allow") && expect(d, &new, "allow"), "both secrets verify during the rotation");
    for step in ["2", "3"] {
        let r = kvs(d, &[&rotate[..], &["--step", step]].concat());
        assert!(r.stderr.is_empty(), "step {step} changes nothing: {}", r.stderr);
    }
    assert!(expect(d, &old, "allow"));
    kvs(d, &[&rotate[..], &["--step", "4"]].concat());
    assert!(expect(d, &old, "deny:key-unavailable") && expect(d, &new, "allow"));
    let store: Value = serde_json::from_str(&std::fs::read_to_string(d.join("store.json")).unwrap()).unwrap();
    assert_eq!(store.as_object().unwrap().keys().collect::<Vec<_>>(), ["jwt.secret:2026-11"]);
}

#[test]
fn help_and_man_pages_document_each_command() {
    let out = |args: &[&str]| String::from_utf8(cfjwt().args(args).output().unwrap().stdout).unwrap();
    let help = out(&["kvs", "rotate", "--help"]);
    for step in ["--step 1", "--step 2", "--step 3", "--step 4", "--old-kid"] {
        assert!(help.contains(step), "{help}");
    }
    assert!(out(&["help", "kvs"]).contains("put-secret"));
    let page = out(&["man", "kvs"]);
    assert!(page.contains("\n.TH cfjwt-kvs 1") && page.contains("cfjwt\\-kvs\\-rotate(1)"), "{page}");
    for sub in ["put-secret", "revoke", "unrevoke", "rotate"] {
        let page = out(&["man", &format!("kvs-{sub}")]);
        assert!(page.contains(&format!("\n.TH cfjwt-kvs-{sub} 1")), "{sub}: {page}");
        assert!(page.contains(".SH \"EXIT STATUS\"\n0 printed"), "{sub}: {page}");
        let example = format!("cfjwt kvs {} ", sub.replace('-', "\\-"));
        assert!(page.contains(".SH EXAMPLES") && page.contains(&example), "{sub}: {page}");
    }
    assert_eq!(cfjwt().args(["man", "kvs-nope"]).output().unwrap().status.code(), Some(2));
}
