//! `cfjwt test --expect` and `cfjwt event`, run as users run them: expectations checked on the
//! walkthroughs' events with their policies (and on events named wrong), the closing count, the
//! event file in each JSON result, reason codes, the warnings about inputs that deny silently,
//! `cf.logCustomData`, and events printed by `cfjwt event` going back through `cfjwt test`.

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::time::{SystemTime, UNIX_EPOCH};

use assert_cmd::Command;
use serde_json::{json, Value};

use crate::harness::{self, DEMO_KEY};

fn cfjwt() -> Command {
    Command::cargo_bin("cfjwt").unwrap()
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The time the walkthroughs' event tokens were minted for.
const EVENTS_NOW: &str = "1700000000";

/// What a run printed and how it ended.
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn lines(&self) -> Vec<Value> {
        self.stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
    }
}

fn ran(cmd: &mut Command) -> Ran {
    let out = cmd.output().unwrap();
    Ran {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// Runs cfjwt under a terminal (util-linux `script`), without colour: what it printed (stdout and
/// stderr together) and its exit code.
fn on_a_terminal(args: &[&str], dir: &Path) -> (String, i32) {
    let mut line = shell_words::quote(assert_cmd::cargo::cargo_bin("cfjwt").to_str().unwrap()).into_owned();
    for a in args {
        line.push(' ');
        line.push_str(&shell_words::quote(a));
    }
    let out = StdCommand::new("script")
        .args(["-qec", &line, "/dev/null"])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("util-linux `script` runs commands under a terminal");
    (String::from_utf8(out.stdout).unwrap().replace("\r\n", "\n"), out.status.code().unwrap())
}

/// A temporary directory holding the files of one test.
struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Dir {
        Dir(tempfile::tempdir().unwrap())
    }
    fn path(&self, name: &str) -> String {
        self.0.path().join(name).display().to_string()
    }
    fn write(&self, name: &str, text: &str) -> String {
        std::fs::write(self.0.path().join(name), text).unwrap();
        self.path(name)
    }
    fn event(&self, name: &str, event: &Value) -> String {
        self.write(name, &event.to_string())
    }
}

/// The function a walkthrough's policy (`templates/init/SETUP.json`) gives with the demo key (none
/// for the KeyValueStore's), written into `dir`.
fn walkthrough_function(setup: &str, dir: &Dir) -> String {
    let policy = std::fs::read_to_string(repo(&format!("templates/init/{setup}.json"))).unwrap();
    let keys = harness::keys_for(&serde_json::from_str(&policy).unwrap());
    dir.write(&format!("{setup}.js"), &harness::generate(&policy, keys))
}

/// The walkthrough's event files, relative to its folder, in name order.
fn walkthrough_events(setup: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo(&format!("examples/walkthroughs/{setup}/events")))
        .unwrap()
        .map(|e| format!("events/{}", e.unwrap().file_name().to_str().unwrap()))
        .collect();
    names.sort();
    names
}

/// `cfjwt test` on a walkthrough's events, from its folder, piped (JSON lines), with `extra`.
fn test_walkthrough(setup: &str, function: &str, extra: &[&str]) -> Ran {
    let mut cmd = cfjwt();
    cmd.current_dir(repo(&format!("examples/walkthroughs/{setup}")))
        .args(["test", function, "--now", EVENTS_NOW])
        .args(extra)
        .arg("--event")
        .args(walkthrough_events(setup));
    ran(&mut cmd)
}

mod by_verdict {
    use super::*;

    #[test]
    fn every_walkthrough_comes_out_as_its_events_are_named() {
        let dir = Dir::new();
        for (setup, extra) in
            [("video-cookie", &[][..]), ("api-bearer", &[]), ("kvs-rotation", &["--kvs", "store.json"])]
        {
            let f = walkthrough_function(setup, &dir);
            let r = test_walkthrough(setup, &f, &[extra, &["--expect", "by-name"]].concat());
            let events = walkthrough_events(setup);
            assert_eq!(r.code, 0, "{setup}: {}", r.stderr);
            assert_eq!(r.stderr, format!("{} passed, 0 failed\n", events.len()), "{setup}");
            let named: Vec<Value> = r.lines().iter().map(|l| l["Event"].clone()).collect();
            assert_eq!(
                named,
                events.iter().map(|e| json!(e)).collect::<Vec<_>>(),
                "{setup}: each result names its file"
            );
        }
    }

    #[test]
    fn one_verdict_for_every_event_counts_the_others_as_failed() {
        let dir = Dir::new();
        let f = walkthrough_function("video-cookie", &dir);
        // 2 allow-, 4 deny-, 1 redirect- events.
        for (expect, passed, failed) in [("allow", 2, 5), ("deny", 4, 3), ("redirect", 1, 6)] {
            let r = test_walkthrough("video-cookie", &f, &["--expect", expect]);
            assert_eq!(r.code, 1, "{expect}");
            let stderr: Vec<&str> = r.stderr.lines().collect();
            assert_eq!(stderr.len(), failed + 1, "{expect}: one line per mismatch, then the count: {}", r.stderr);
            assert_eq!(*stderr.last().unwrap(), format!("{passed} passed, {failed} failed"), "{expect}");
            assert_eq!(r.lines().len(), 7, "{expect}: stdout stays JSON lines, one per event");
        }
        let r = test_walkthrough("video-cookie", &f, &["--expect", "allow"]);
        assert!(r.stderr.contains("events/deny-no-token.json: expected allow, the function answered deny\n"));
        assert!(r.stderr.contains(
            "events/redirect-manifest-with-query-token.json: expected allow, the function answered redirect\n"
        ));
        assert!(!r.stderr.contains("allow-favicon"), "{}", r.stderr);
    }

    #[test]
    fn a_misnamed_event_fails_and_a_nameless_one_is_bad_input() {
        let dir = Dir::new();
        let f = walkthrough_function("video-cookie", &dir);
        let events = repo("examples/walkthroughs/video-cookie/events");
        let copy = |from: &str, to: &str| {
            std::fs::copy(events.join(from), dir.0.path().join(to)).unwrap();
            dir.path(to)
        };
        let good = copy("allow-favicon.json", "allow-favicon.json");
        let misnamed = copy("deny-other-course.json", "allow-other-course.json");
        let nameless = copy("deny-no-token.json", "no-token.json");
        let also_nameless = copy("deny-no-token.json", "denied-no-token.json");

        let r =
            ran(cfjwt().args(["test", &f, "--now", EVENTS_NOW, "--expect", "by-name", "--event", &good, &misnamed]));
        assert_eq!(r.code, 1);
        assert_eq!(r.stderr, format!("{misnamed}: expected allow, the function answered deny\n1 passed, 1 failed\n"));

        for bad in [&nameless, &also_nameless] {
            let r = ran(cfjwt().args(["test", &f, "--expect", "by-name", "--event", &good, bad]));
            assert_eq!(r.code, 2, "{bad}");
            assert_eq!(r.stdout, "", "nothing runs");
            assert!(r.stderr.starts_with(&format!("error: {bad}: with --expect by-name, an event file's name")));
            assert!(r.stderr.contains("allow-…, deny-… or redirect-…"), "{}", r.stderr);
        }
        // The same files are fine without by-name.
        assert_eq!(ran(cfjwt().args(["test", &f, "--expect", "deny", "--event", &nameless])).code, 0);
        for bad in ["FAILED", "allowed", "deny:", "deny:two words", ""] {
            let r = ran(cfjwt().args(["test", &f, "--expect", bad, "--event", &good]));
            assert_eq!(r.code, 2, "--expect {bad:?}");
            assert!(r.stderr.contains("--expect"), "{}", r.stderr);
        }
    }

    #[test]
    fn a_table_ends_with_the_count_and_says_what_went_wrong() {
        let dir = Dir::new();
        let f = walkthrough_function("video-cookie", &dir);
        let folder = repo("examples/walkthroughs/video-cookie");
        let mut args = vec!["test", f.as_str(), "--now", EVENTS_NOW, "--expect", "deny", "--event"];
        let events = walkthrough_events("video-cookie");
        args.extend(events.iter().map(String::as_str));
        let (shown, code) = on_a_terminal(&args, &folder);
        assert_eq!(code, 1, "{shown}");
        assert!(shown.ends_with("\n4 passed, 3 failed\n"), "{shown}");
        assert!(
            shown.contains(
                "allow     events/allow-favicon.json\n  mismatch  expected deny, the function answered allow\n"
            ),
            "{shown}"
        );
        assert!(shown.contains("deny      events/deny-no-token.json\n  status    401 Unauthorized\n"), "{shown}");
        assert_eq!(shown.matches("mismatch").count(), 3, "{shown}");
        // Without --expect, no count.
        let (shown, code) = on_a_terminal(&args[..4].iter().chain(&args[6..]).copied().collect::<Vec<_>>(), &folder);
        assert_eq!(code, 0, "{shown}");
        assert!(!shown.contains("passed") && !shown.contains("mismatch"), "{shown}");
    }

    #[test]
    fn a_function_that_throws_fails_every_expectation() {
        let dir = Dir::new();
        let f = dir.write("throws.js", "function handler(event) { throw new Error('boom'); }\n");
        let e = dir.event("allow-x.json", &harness::query_event("t"));
        let r = ran(cfjwt().args(["test", &f, "--expect", "by-name", "--event", &e]));
        assert_eq!(r.code, 1);
        assert!(
            r.stderr.starts_with(&format!("{e}: expected allow, the function failed: Error: boom")),
            "{}",
            r.stderr
        );
        assert!(r.stderr.ends_with("0 passed, 1 failed\n"), "{}", r.stderr);
    }
}

mod reasons {
    use super::*;

    /// Denies with the reason code `expired` in the way `how` says, and allows /public with `public`.
    fn function(how: &str) -> String {
        let say = |text: &str| match how {
            "console" => format!("console.log('cfjwt: {text}');"),
            "log-data" => format!("cf.logCustomData('{text}');"),
            _ => String::new(),
        };
        format!(
            "import cf from 'cloudfront';\nfunction handler(event) {{\n  if (event.request.uri == '/public') {{ {} return \
             event.request; }}\n  {}\n  return {{ statusCode: 401, statusDescription: 'Unauthorized' }};\n}}\n",
            say("allow public"),
            say("deny expired")
        )
    }

    #[test]
    fn a_reason_code_is_matched_from_the_log_or_the_log_data() {
        let dir = Dir::new();
        let denied = dir.event("deny-old.json", &harness::event("/x", json!({}), json!({}), json!({})));
        let public = dir.event("allow-public.json", &harness::event("/public", json!({}), json!({}), json!({})));
        for how in ["console", "log-data"] {
            let f = dir.write(&format!("{how}.js"), &function(how));
            cfjwt().args(["check", &f]).assert().success();
            let r = ran(cfjwt().args(["test", &f, "--expect", "deny:expired", "--event", &denied]));
            assert_eq!((r.code, r.stderr.as_str()), (0, "1 passed, 0 failed\n"), "{how}");
            let r = ran(cfjwt().args(["test", &f, "--expect", "allow:public", "--event", &public]));
            assert_eq!(r.code, 0, "{how}: {}", r.stderr);
            let r = ran(cfjwt().args(["test", &f, "--expect", "deny:bad-signature", "--event", &denied]));
            assert_eq!(r.code, 1, "{how}");
            assert_eq!(
                r.stderr,
                format!(
                    "{denied}: expected deny:bad-signature, the function answered deny:expired\n0 passed, 1 failed\n"
                )
            );
            let r = ran(cfjwt().args(["test", &f, "--expect", "allow:expired", "--event", &denied]));
            assert!(r.stderr.contains("expected allow:expired, the function answered deny:expired\n"), "{}", r.stderr);
            // by-name checks the verdict only.
            let r = ran(cfjwt().args(["test", &f, "--expect", "by-name", "--event", &denied, &public]));
            assert_eq!((r.code, r.stderr.as_str()), (0, "2 passed, 0 failed\n"), "{how}");

            let (shown, _) = on_a_terminal(&["test", &f, "--event", &denied], dir.0.path());
            assert!(shown.contains("\n  status    401 Unauthorized\n  reason    expired\n"), "{how}: {shown}");
        }
        let silent = dir.write("silent.js", &function("none"));
        let r = ran(cfjwt().args(["test", &silent, "--expect", "deny:expired", "--event", &denied]));
        assert_eq!(r.code, 1);
        assert!(r.stderr.starts_with(&format!(
            "{denied}: expected deny:expired, the function answered deny and logged no reason\n"
        )));
        // Only a line of the function's own counts: `cfjwt: ` first.
        let other =
            dir.write("other.js", "function handler(e) { console.log('deny expired'); return {statusCode: 403}; }");
        let r = ran(cfjwt().args(["test", &other, "--expect", "deny:expired", "--event", &denied]));
        assert!(r.stderr.contains("logged no reason"), "{}", r.stderr);
    }
}

mod warnings {
    use super::*;

    #[test]
    fn a_store_function_without_a_store_is_warned_about() {
        let dir = Dir::new();
        let f = walkthrough_function("kvs-rotation", &dir);
        let r = test_walkthrough("kvs-rotation", &f, &[]);
        assert_eq!(r.code, 0);
        let warning = format!(
            "warning: {f} reads the KeyValueStore (cf.kvs()) and no --kvs file was given: every read fails (a \
             generated function then denies)\n"
        );
        assert!(r.stderr.starts_with(&warning), "{}", r.stderr);
        assert_eq!(r.stderr.matches("warning:").count(), 1, "once per run: {}", r.stderr);
        assert!(r.lines().iter().all(|l| serde_json::from_str::<Value>(l["FunctionOutput"].as_str().unwrap())
            .unwrap()["response"]["statusCode"]
            == 401));
        let r = test_walkthrough("kvs-rotation", &f, &["--kvs", "store.json"]);
        assert_eq!(r.stderr, "");
        // The cloudfront module without the store: no warning.
        let logs = dir.write(
            "logs.js",
            "import cf from 'cloudfront';\nfunction handler(event) { cf.logCustomData('x'); return event.request; }\n",
        );
        let e = dir.event("e.json", &harness::query_event("t"));
        let r = ran(cfjwt().args(["test", &logs, "--event", &e]));
        assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    }

    #[test]
    fn a_query_string_in_the_uri_is_warned_about() {
        let dir = Dir::new();
        let f = dir.write(
            "seed.js",
            &harness::generate(
                &std::fs::read_to_string(repo("examples/seed.json")).unwrap(),
                vec![harness::key(DEMO_KEY)],
            ),
        );
        let token = harness::token(json!({"exp": harness::NOW + 60}));
        let in_uri =
            dir.event("in-uri.json", &harness::event(&format!("/a?jwt={token}"), json!({}), json!({}), json!({})));
        let right = dir.event("right.json", &harness::query_event(&token));
        let now = harness::NOW.to_string();
        let r = ran(cfjwt().args(["test", &f, "--now", &now, "--event", &in_uri, &right]));
        assert_eq!(r.code, 0);
        assert_eq!(
            r.stderr,
            format!(
                "warning: {in_uri}: request.uri holds a `?`; CloudFront gives the query string in \
                 request.querystring, never in the uri, so the function sees neither the path nor the parameters it \
                 expects\n"
            )
        );
        let verdicts: Vec<bool> =
            r.lines().iter().map(|l| l["FunctionOutput"].as_str().unwrap().starts_with("{\"request\"")).collect();
        assert_eq!(verdicts, [false, true], "the token in the uri is never read: a silent deny");
    }
}

mod log_custom_data {
    use super::*;

    /// Runs `body` (the handler's, returning the request) on the events, and gives each result's
    /// LogCustomData (`None` when the field is absent).
    fn log_data(top_level: &str, body: &str, uris: &[&str]) -> Vec<Option<String>> {
        let dir = Dir::new();
        let f = dir.write(
            "f.js",
            &format!("import cf from 'cloudfront';\n{top_level}\nfunction handler(event) {{\n{body}\nreturn event.request;\n}}\n"),
        );
        let mut cmd = cfjwt();
        cmd.args(["test", &f, "--event"]);
        for (i, uri) in uris.iter().enumerate() {
            cmd.arg(dir.event(&format!("e{i}.json"), &harness::event(uri, json!({}), json!({}), json!({}))));
        }
        let r = ran(&mut cmd);
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.lines().iter().map(|l| l.get("LogCustomData").map(|d| d.as_str().unwrap().to_owned())).collect()
    }

    #[test]
    fn the_last_call_counts_per_event() {
        let body = "cf.logCustomData('first'); if (event.request.uri == '/b') cf.logCustomData('second');\n\
                    if (event.request.uri == '/none') cf.logCustomData('');";
        assert_eq!(
            log_data("", body, &["/a", "/b", "/none"]),
            [Some("first".into()), Some("second".into()), Some(String::new())]
        );
        let body = "if (event.request.uri == '/a') cf.logCustomData('only a');";
        assert_eq!(log_data("", body, &["/a", "/b"]), [Some("only a".into()), None], "nothing carries over");
        // What the top-level code records counts in every invocation, until the handler records.
        let body = "if (event.request.uri == '/b') cf.logCustomData('b');";
        assert_eq!(
            log_data("cf.logCustomData('top');", body, &["/a", "/b", "/c"]),
            [Some("top".into()), Some("b".into()), Some("top".into())]
        );
        // A promise left pending records after the invocation ended: dropped.
        let body = "Promise.resolve().then(function () { cf.logCustomData('late'); });";
        assert_eq!(log_data("", body, &["/a"]), [None]);
    }

    #[test]
    fn it_is_cut_at_800_bytes_url_encoded() {
        let cut = |text: &str| log_data("", &format!("cf.logCustomData({text});"), &["/a"]).remove(0).unwrap();
        assert_eq!(cut("'x'.repeat(800)"), "x".repeat(800));
        assert_eq!(cut("'x'.repeat(801)"), "x".repeat(800));
        assert_eq!(cut("'-._~'.repeat(300)").len(), 800, "unreserved characters are one byte each");
        // A space is %20: 266 fit; `é` is %C3%A9, and is never split.
        assert_eq!(cut("' '.repeat(300)"), " ".repeat(266));
        assert_eq!(cut("'ab' + 'é'.repeat(200)"), format!("ab{}", "é".repeat(133)));
        assert_eq!(cut("'deny expired'"), "deny expired");
    }

    #[test]
    fn it_takes_a_string_and_is_shown_in_the_table() {
        let dir = Dir::new();
        let f = dir.write(
            "f.js",
            "import cf from 'cloudfront';\nfunction handler(event) {\n  cf.logCustomData(event.request.uri == '/n' ? 5 : \
             'deny expired');\n  return { statusCode: 403 };\n}\n",
        );
        let string = dir.event("s.json", &harness::event("/s", json!({}), json!({}), json!({})));
        let number = dir.event("n.json", &harness::event("/n", json!({}), json!({}), json!({})));
        let r = ran(cfjwt().args(["test", &f, "--event", &string, &number]));
        assert_eq!(r.code, 1, "a number is refused: the function fails");
        let lines = r.lines();
        assert_eq!(lines[0]["LogCustomData"], "deny expired");
        let keys: Vec<&String> = lines[0].as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "Event",
                "FunctionOutput",
                "FunctionErrorMessage",
                "FunctionExecutionLogs",
                "LogCustomData",
                "ComputeUtilization"
            ]
        );
        assert!(lines[1]["FunctionErrorMessage"]
            .as_str()
            .unwrap()
            .starts_with("TypeError: logCustomData takes one string"));
        let (shown, _) = on_a_terminal(&["test", &f, "--event", &string], dir.0.path());
        assert!(shown.contains("\n  reason    expired\n"), "{shown}");
        assert!(shown.ends_with("\n  log-data  deny expired\n"), "{shown}");
    }
}

mod event_command {
    use super::*;

    fn unix_now() -> i64 {
        SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
    }

    /// `cfjwt event ARGS`, which must succeed: the event it printed, and the text.
    fn event(args: &[&str]) -> (Value, String) {
        let r = ran(cfjwt().arg("event").args(args));
        assert_eq!(r.code, 0, "{}", r.stderr);
        (serde_json::from_str(&r.stdout).unwrap(), r.stdout)
    }

    fn function(dir: &Dir, policy: &str) -> String {
        dir.write("f.js", &harness::generate(policy, vec![harness::key(DEMO_KEY)]))
    }

    #[test]
    fn the_printed_event_is_allowed_with_a_fresh_token_in_the_query() {
        let dir = Dir::new();
        let f = function(&dir, &std::fs::read_to_string(repo("examples/seed.json")).unwrap());
        let token = harness::token(json!({"sub": "u1", "exp": unix_now() + 300}));
        let url = format!("https://d111111abcdef8.cloudfront.net/courses/c1/lesson1.m3u8?jwt={token}&lang=en");
        let (printed, text) = event(&[&url, "--header", "User-Agent: curl/8.5.0"]);
        assert!(text.starts_with("{\n  \"version\": \"1.0\",\n") && text.ends_with("}\n"), "pretty-printed: {text}");
        assert_eq!(
            printed,
            json!({
                "version": "1.0",
                "context": {"eventType": "viewer-request"},
                "viewer": {"ip": "198.51.100.11"},
                "request": {
                    "method": "GET",
                    "uri": "/courses/c1/lesson1.m3u8",
                    "querystring": {"jwt": {"value": token}, "lang": {"value": "en"}},
                    "headers": {"host": {"value": "d111111abcdef8.cloudfront.net"}, "user-agent": {"value": "curl/8.5.0"}},
                    "cookies": {}
                }
            })
        );
        let allowed = dir.write("allow-query.json", &text);
        let r = ran(cfjwt().args(["test", &f, "--expect", "allow", "--event", &allowed]));
        assert_eq!((r.code, r.stderr.as_str()), (0, "1 passed, 0 failed\n"));
        let output: Value = serde_json::from_str(r.lines()[0]["FunctionOutput"].as_str().unwrap()).unwrap();
        assert_eq!(output["request"]["querystring"], json!({"lang": {"value": "en"}}), "the token is stripped");

        let (_, without) = event(&["/courses/c1/lesson1.m3u8?lang=en"]);
        let denied = dir.write("deny-no-token.json", &without);
        let expired = harness::token(json!({"exp": unix_now() - 10}));
        let (_, old) = event(&[&format!("/courses/c1/lesson1.m3u8?jwt={expired}")]);
        let old = dir.write("deny-expired.json", &old);
        let r = ran(cfjwt().args(["test", &f, "--expect", "by-name", "--event", &allowed, &denied, &old]));
        assert_eq!((r.code, r.stderr.as_str()), (0, "3 passed, 0 failed\n"));
    }

    #[test]
    fn a_cookie_token_is_allowed_from_cookie_or_header() {
        let dir = Dir::new();
        let f = function(&dir, r#"{"token": {"from": ["cookie:token"]}, "claims": {"exp": "required"}}"#);
        let token = harness::token(json!({"exp": unix_now() + 300}));
        let (by_flag, text) =
            event(&["/video/seg-1.ts", "--cookie", &format!("token={token}"), "--cookie", "theme=dark"]);
        assert_eq!(by_flag["request"]["cookies"], json!({"token": {"value": token}, "theme": {"value": "dark"}}));
        assert_eq!(by_flag["request"]["headers"], json!({}), "a path has no host");
        let (by_header, header_text) = event(&["/video/seg-1.ts", "-H", &format!("Cookie: token={token}; theme=dark")]);
        assert_eq!(by_header, by_flag, "a cookie header becomes cookies, not a header");
        for (name, text) in [("allow-flag.json", &text), ("allow-header.json", &header_text)] {
            let e = dir.write(name, text);
            let r = ran(cfjwt().args(["test", &f, "--expect", "allow", "--event", &e]));
            assert_eq!((r.code, r.stderr.as_str()), (0, "1 passed, 0 failed\n"), "{name}");
        }
        let (twice, _) =
            event(&["/v", "--cookie", "token=a", "--cookie", "token=b", "--ip", "203.0.113.7", "--method", "post"]);
        assert_eq!(
            twice["request"]["cookies"]["token"],
            json!({"value": "a", "multiValue": [{"value": "a"}, {"value": "b"}]})
        );
        assert_eq!(twice["viewer"]["ip"], "203.0.113.7");
        assert_eq!(twice["request"]["method"], "POST");
        // Several values of one cookie: the function denies, as it does at the edge.
        let e = dir.event("deny-twice.json", &twice);
        assert_eq!(ran(cfjwt().args(["test", &f, "--expect", "by-name", "--event", &e])).code, 0);
    }

    #[test]
    fn values_are_kept_as_sent() {
        let (e, _) = event(&["/a%2Fb/c%20d?q=a%2Bb+c&q=2&flag", "-H", "X-Thing: one", "-H", "x-thing: two"]);
        assert_eq!(e["request"]["uri"], "/a%2Fb/c%20d");
        assert_eq!(
            e["request"]["querystring"],
            json!({"q": {"value": "a%2Bb+c", "multiValue": [{"value": "a%2Bb+c"}, {"value": "2"}]}, "flag": {"value": ""}})
        );
        assert_eq!(e["request"]["headers"]["x-thing"]["multiValue"], json!([{"value": "one"}, {"value": "two"}]));
    }

    #[test]
    fn bad_input_exits_2() {
        for args in [
            &["/a", "--header", "no colon"][..],
            &["/a", "--header", "two words: x"],
            &["/a", "--method", "FETCH"],
            &["/a", "--cookie", "novalue"],
            &["/a", "--ip", "localhost"],
            &["a/b"],
            &["ftp://example.org/a"],
        ] {
            let r = ran(cfjwt().arg("event").args(args));
            assert_eq!(r.code, 2, "{args:?}");
            assert_eq!(r.stdout, "", "{args:?}");
            assert!(r.stderr.starts_with("error: ") && r.stderr.lines().count() == 1, "{args:?}: {}", r.stderr);
        }
    }
}
