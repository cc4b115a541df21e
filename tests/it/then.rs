//! `then`: the team's own viewer-request function after the check. A team file that rewrites
//! directory URIs, sets headers and uses names that collide with the generated code's (and with
//! its minified names) is composed with the check and run under njs and in the bundled engine,
//! both runtimes and both styles: requests let through reach it (with their claims, or null),
//! denied ones never do, what it throws is not taken for a denial, an `async` handler is awaited,
//! and the file's own problems are reported in its own lines.

use std::path::Path;

use cfjwt::cloudfront::Runtime;
use cfjwt::emit::Style;
use serde_json::{json, Value};

use crate::harness::*;

/// A team function written for `runtime`, using names the generated code uses too: `handler`,
/// `request`, `crypto`, helpers named like the generated ones (`signed`, `decode`, `strip`), and
/// one-letter names as the minifier gives them. `KEY` and `e` are declared only inside a function,
/// and read elsewhere as globals: they must not reach the generated code's names.
fn team_file(runtime: Runtime) -> String {
    let modules = match runtime {
        Runtime::Js1 => "var crypto = require('crypto');\n",
        Runtime::Js2 => "import crypto from 'crypto';\n",
    };
    format!(
        r#"{modules}var request = 'their request';
var a = 'index.html', b = 0, c = {{ count: 0 }};
function signed(x) {{ return 'team-' + x; }}
function decode(x) {{ return x; }}
function strip(x) {{ return x; }}
function shadow() {{ var KEY = 1, e = 2; return KEY + e; }}
function handler(event, claims) {{
  var r = event.request;
  b++;
  c.count = b;
  if (r.uri.slice(-1) === '/') r.uri += a;
  if (r.uri === '/boom') throw new Error('boom in the team code');
  r.headers['x-team'] = {{ value: signed(decode(strip(request))) }};
  r.headers['x-claims'] = {{ value: claims === null ? 'null' : typeof claims == 'object' ? 'sub=' + claims.sub : typeof claims }};
  r.headers['x-reach'] = {{ value: typeof KEY + ',' + typeof e }};
  r.headers['x-md5'] = {{ value: crypto.createHash('md5').update('a').digest('hex') }};
  return r;
}}
"#
    )
}

/// Writes the policy and the team file into `dir` and generates the function.
fn compose(dir: &Path, policy: &Value, team: &str, style: Style) -> Result<String, String> {
    std::fs::write(dir.join("edge.js"), team).unwrap();
    let file = dir.join("policy.json");
    std::fs::write(&file, policy.to_string()).unwrap();
    let policy = cfjwt::policy::load(&file).map_err(|e| e.to_string())?;
    cfjwt::generate::generate(&policy, vec![key(DEMO_KEY)], style).map(|g| g.code).map_err(|e| e.to_string())
}

fn policy(runtime: Runtime) -> Value {
    json!({
        "runtime": runtime.name(),
        "then": "edge.js",
        "public": ["/public/*"],
        "preflight": true,
        "claims": {"scope": "paths"}
    })
}

fn header<'a>(r: &'a Value, name: &str) -> Option<&'a str> {
    r["headers"].get(name).and_then(|h| h["value"].as_str())
}

fn get(uri: &str, query: Value) -> Case {
    case(event(uri, query, json!({"host": {"value": "example.org"}}), json!({})))
}

const MD5_OF_A: &str = "0cc175b9c0f1b6a831c399e269772661";

#[test]
fn requests_let_through_reach_the_team_handler_and_denied_ones_do_not() {
    let good = token(json!({"exp": NOW + 600, "sub": "u1", "paths": ["/courses/*"]}));
    let other = token(json!({"exp": NOW + 600, "sub": "u1", "paths": ["/elsewhere/*"]}));
    let dir = tempfile::tempdir().unwrap();
    for runtime in Runtime::ALL {
        for style in [Style::Minified, Style::Pretty] {
            let code = compose(dir.path(), &policy(runtime), &team_file(runtime), style).unwrap();
            let mut preflight = get("/courses/c1/", json!({}));
            preflight.event["request"]["method"] = json!("OPTIONS");
            preflight.event["request"]["headers"]["origin"] = json!({"value": "https://app.example"});
            preflight.event["request"]["headers"]["access-control-request-method"] = json!({"value": "GET"});
            let cases = [
                get("/courses/c1/", json!({"jwt": {"value": good}})),
                get("/public/", json!({})),
                preflight,
                get("/courses/c1/", json!({})),
                get("/courses/c1/", json!({"jwt": {"value": other}})),
                get("/courses/c1/", json!({"jwt": {"value": "not.a.token"}})),
            ];
            let out = run(&code, &cases);
            let what = format!("{runtime} {style:?}");
            // Verified: the team's rewrite, its headers, the claims, and the token stripped first.
            let r = out[0].request();
            assert_eq!(r["uri"], "/courses/c1/index.html", "{what}");
            assert_eq!(header(r, "x-team"), Some("team-their request"), "{what}");
            assert_eq!(header(r, "x-claims"), Some("sub=u1"), "{what}");
            assert_eq!(
                header(r, "x-reach"),
                Some("undefined,undefined"),
                "{what}: the team's globals reached the check"
            );
            assert_eq!(header(r, "x-md5"), Some(MD5_OF_A), "{what}");
            assert!(r["querystring"].get("jwt").is_none(), "{what}: the token goes before the team's code runs");
            // Public and preflight: the team's code runs, with null for claims.
            for i in [1, 2] {
                let r = out[i].request();
                assert_eq!(header(r, "x-claims"), Some("null"), "{what}: case {i}");
                assert_eq!(header(r, "x-team"), Some("team-their request"), "{what}: case {i}");
            }
            assert_eq!(out[1].request()["uri"], "/public/index.html", "{what}");
            // Denied: the check's 401, untouched by the team's code.
            for (i, o) in out.iter().enumerate().skip(3) {
                assert_eq!(o.status(), Some(401), "{what}: case {i}: {o:?}");
                assert!(o.allowed() || !format!("{o:?}").contains("x-team"), "{what}: case {i}");
            }
            // One handler, as CloudFront calls it; the team's renamed beside it.
            assert_eq!(code.matches("function handler(").count(), 1, "{what}");
            assert!(
                cfjwt::check::check_source(&code, runtime).is_empty(),
                "{what}: {:?}",
                cfjwt::check::check_source(&code, runtime)
            );
        }
    }
}

#[test]
fn what_the_team_code_throws_is_not_a_denial() {
    let good = token(json!({"exp": NOW + 600, "paths": ["/*"]}));
    let dir = tempfile::tempdir().unwrap();
    for runtime in Runtime::ALL {
        let code = compose(dir.path(), &policy(runtime), &team_file(runtime), Style::Minified).unwrap();
        let cases = [get("/boom", json!({"jwt": {"value": good}})), get("/boom", json!({}))];
        for (engine, outcomes) in [
            ("njs", under_njs::answers(&code, &cases).into_iter().map(|a| a.outcome).collect::<Vec<_>>()),
            ("the bundled engine", in_engine::answers(&code, &cases).into_iter().map(|a| a.outcome).collect()),
        ] {
            // Let through, the team's exception propagates (CloudFront's 503) ...
            match &outcomes[0] {
                Outcome::Failed(message) => {
                    assert!(message.contains("boom in the team code"), "{runtime} {engine}: {message}")
                }
                other => panic!("{runtime} {engine}: the team's exception was swallowed: {other:?}"),
            }
            // ... and a denied request never reaches that code.
            assert_eq!(outcomes[1].status(), Some(401), "{runtime} {engine}");
        }
    }
}

#[test]
fn an_async_team_handler_is_awaited() {
    let team = r#"import crypto from 'crypto';
async function later(x) { return x + '!'; }
async function handler(event, claims) {
  var request = event.request;
  var value = await later(claims ? claims.sub : 'anonymous');
  request.headers['x-later'] = { value: value };
  return request;
}
"#;
    let good = token(json!({"exp": NOW + 600, "sub": "u2", "paths": ["/*"]}));
    let dir = tempfile::tempdir().unwrap();
    let code = compose(dir.path(), &policy(Runtime::Js2), team, Style::Minified).unwrap();
    assert!(code.contains("async function handler("), "the generated handler awaits the team's");
    let out =
        run(&code, &[get("/a", json!({"jwt": {"value": good}})), get("/public/x", json!({})), get("/a", json!({}))]);
    assert_eq!(header(out[0].request(), "x-later"), Some("u2!"));
    assert_eq!(header(out[1].request(), "x-later"), Some("anonymous!"));
    assert_eq!(out[2].status(), Some(401));
}

#[test]
fn the_team_file_shares_the_runtimes_modules_with_the_check() {
    // A store policy imports `cloudfront` itself; so does the team's file, and `crypto` too.
    let team = r#"import cf from 'cloudfront';
import crypto from 'crypto';
import qs from 'querystring';
function handler(event) {
  var request = event.request;
  request.headers['x-md5'] = { value: crypto.createHash('md5').update('a').digest('hex') };
  request.headers['x-qs'] = { value: qs.stringify({ a: 1 }) };
  request.headers['x-kvs'] = { value: typeof cf.kvs };
  return request;
}
"#;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("edge.js"), team).unwrap();
    let file = dir.path().join("policy.json");
    std::fs::write(&file, json!({"key": {"kvs": "jwt.secret"}, "then": "edge.js"}).to_string()).unwrap();
    let policy = cfjwt::policy::load(&file).unwrap();
    let code = cfjwt::generate::generate(&policy, Vec::new(), Style::Minified).unwrap().code;
    for module in ["cloudfront", "crypto", "querystring"] {
        assert_eq!(code.matches(&format!("from\"{module}\"")).count(), 1, "one import of {module}: {code}");
    }
    let secret = "a store secret of at least thirty-two bytes";
    let good = token_raw(r#"{"alg":"HS256","typ":"JWT"}"#, &json!({"exp": NOW + 60}).to_string(), secret.as_bytes());
    let store = json!({"jwt.secret": secret});
    let cases = [case_with_store(query_event(&good), store.clone()), case_with_store(query_event("a.b.c"), store)];
    let out = run(&code, &cases);
    let r = out[0].request();
    assert_eq!(header(r, "x-md5"), Some(MD5_OF_A));
    assert_eq!(header(r, "x-qs"), Some("a=1"));
    assert_eq!(header(r, "x-kvs"), Some("function"));
    assert_eq!(out[1].status(), Some(401));
}

#[test]
fn the_team_files_problems_are_reported_in_its_own_lines() {
    let dir = tempfile::tempdir().unwrap();
    // `let` in a cloudfront-js-1.0 file: its own file, line and column.
    let team = "function handler(event) {\n  var r = event.request;\n  let x = 1;\n  return r;\n}\n";
    let e = compose(dir.path(), &policy(Runtime::Js1), team, Style::Minified).unwrap_err();
    let file = dir.path().join("edge.js");
    assert!(e.starts_with(&format!("{}:3:3: ", file.display())), "{e}");
    assert!(e.contains("let"), "{e}");
    // No handler at all.
    let e = compose(dir.path(), &policy(Runtime::Js2), "function main(e) { return e.request; }\n", Style::Minified)
        .unwrap_err();
    assert!(e.contains("edge.js:1:1: no top-level `handler` function"), "{e}");
    // A missing file.
    let missing = json!({"then": "nowhere.js"});
    std::fs::write(dir.path().join("policy.json"), missing.to_string()).unwrap();
    let e = cfjwt::policy::load(&dir.path().join("policy.json"))
        .map(|p| cfjwt::generate::generate(&p, vec![key(DEMO_KEY)], Style::Minified).unwrap_err().to_string())
        .unwrap();
    assert!(e.contains("nowhere.js: cannot read the `then` file"), "{e}");
}

#[test]
fn a_team_file_that_makes_the_function_too_large_is_refused_with_the_byte_count() {
    let dir = tempfile::tempdir().unwrap();
    // 9,000 bytes of its own: under the limit alone, over it with the check.
    let filler = "x".repeat(9000 - 120);
    let team = format!(
        "var note = '{filler}';\nfunction handler(event) {{ var r = event.request; r.headers['x-n'] = {{ value: note.slice(0, 1) }}; return r; }}\n"
    );
    let e = compose(dir.path(), &policy(Runtime::Js2), &team, Style::Minified).unwrap_err();
    assert!(e.starts_with("the function would be "), "{e}");
    assert!(e.contains("over CloudFront's 10240-byte limit"), "{e}");
    assert!(e.contains(&format!("edge.js is {} bytes of it", team.len())), "{e}");
    // Without the filler it fits, and the size gate measured the whole function.
    let small = team.replace(&filler, "x");
    let code = compose(dir.path(), &policy(Runtime::Js2), &small, Style::Minified).unwrap();
    assert!(code.len() > small.len() && code.len() < 10_240);
}

fn cfjwt(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_cfjwt")).current_dir(dir).args(args).output().expect("cfjwt runs")
}

#[test]
fn gen_check_check_test_and_explain_cover_the_team_code() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("edge")).unwrap();
    // The policy names the file relative to itself, from wherever cfjwt runs.
    std::fs::write(d.join("edge/team.js"), team_file(Runtime::Js2)).unwrap();
    std::fs::create_dir(d.join("conf")).unwrap();
    let p = json!({"then": "../edge/team.js", "log": "console", "claims": {"scope": "paths"}});
    std::fs::write(d.join("conf/policy.json"), p.to_string()).unwrap();
    std::fs::write(d.join("demo.key"), DEMO_KEY).unwrap();
    let gen = ["gen", "--config", "conf/policy.json", "--key-file", "demo.key", "--test-key", "-o", "out.js"];
    let out = cfjwt(d, &gen);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let code = std::fs::read_to_string(d.join("out.js")).unwrap();
    assert!(code.contains("team-"), "the team's code is in the function");

    let check = [&gen[..], &["--check"]].concat();
    assert!(cfjwt(d, &check).status.success(), "gen --check passes on what gen wrote");
    let out = cfjwt(d, &["check", "out.js"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));

    // `cfjwt test`: a verified request goes through the team's code; a denial names its reason.
    let good = token(json!({"exp": NOW + 600, "sub": "u1", "paths": ["/c/*"]}));
    std::fs::create_dir(d.join("events")).unwrap();
    let allowed = event("/c/", json!({"jwt": {"value": good}}), json!({}), json!({}));
    std::fs::write(d.join("events/allow-dir.json"), allowed.to_string()).unwrap();
    let denied = event("/d/", json!({"jwt": {"value": good}}), json!({}), json!({}));
    std::fs::write(d.join("events/deny-other.json"), denied.to_string()).unwrap();
    let now = NOW.to_string();
    let out = cfjwt(d, &["test", "out.js", "--event", "events", "--now", &now, "--expect", "by-name", "--json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("/c/index.html"), "{stdout}");
    let out =
        cfjwt(d, &["test", "out.js", "--event", "events/deny-other.json", "--now", &now, "--expect", "deny:scope"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));

    // `cfjwt explain` runs the whole function too.
    let explain =
        ["explain", "--config", "conf/policy.json", "--key-file", "demo.key", "--now", &now, "--token", &good];
    let out = cfjwt(d, &[&explain[..], &["--uri", "/c/"]].concat());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("allow: ok"), "{}", String::from_utf8_lossy(&out.stdout));
    let out = cfjwt(d, &[&explain[..], &["--uri", "/d/"]].concat());
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("deny: scope"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // A change to the team's file makes `gen --check` fail.
    let changed = team_file(Runtime::Js2).replace("team-", "ours-");
    std::fs::write(d.join("edge/team.js"), changed).unwrap();
    let out = cfjwt(d, &check);
    assert!(!out.status.success(), "gen --check passed with a changed team file");
}
