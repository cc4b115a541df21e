//! `cfjwt serve` over real HTTP on 127.0.0.1: a seed function in front of a root of files, each
//! server on a port of its own (`--port 0`, read from its start line), requests written by hand
//! on a `TcpStream`, every wait bounded, every server killed at the end. The browser tests
//! (`browser.rs`) start their servers with [`start_in`] too.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::harness::{self, DEMO_KEY, NOW};

const SEED: &str =
    r#"{"runtime": "cloudfront-js-2.0", "token": {"from": ["query:jwt"]}, "claims": {"exp": "required"}}"#;

/// How long anything a test waits for may take.
const LIMIT: Duration = Duration::from_secs(20);

/// A running `cfjwt serve`, killed when dropped.
pub(crate) struct Served {
    child: Child,
    pub(crate) port: u16,
    /// Every line of its stderr so far: the start line, then one line per request.
    pub(crate) log: Arc<Mutex<Vec<String>>>,
    lines: mpsc::Receiver<String>,
    _dir: tempfile::TempDir,
    dir: PathBuf,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A root of files beside a function file, in a fresh directory: `root/` holds the files and
/// `secret.txt` sits outside it.
fn setup(code: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().to_path_buf();
    let root = base.join("root");
    std::fs::create_dir_all(root.join("courses/c1")).unwrap();
    std::fs::create_dir_all(root.join("site")).unwrap();
    std::fs::write(root.join("courses/c1/lesson1.m3u8"), "#EXTM3U\n#EXT-X-VERSION:3\n").unwrap();
    std::fs::write(root.join("courses/c1/video.mp4"), (0u8..=255).collect::<Vec<u8>>()).unwrap();
    for i in 0..8 {
        std::fs::write(root.join(format!("courses/c1/seg{i}.ts")), format!("segment {i}")).unwrap();
    }
    std::fs::write(root.join("site/index.html"), "<p>index</p>").unwrap();
    std::fs::write(base.join("secret.txt"), "TOP SECRET").unwrap();
    std::os::unix::fs::symlink(base.join("secret.txt"), root.join("courses/c1/link.txt")).unwrap();
    std::fs::write(base.join("f.js"), code).unwrap();
    (dir, base)
}

fn seed() -> String {
    harness::generate(SEED, vec![harness::key(DEMO_KEY)])
}

fn good_token() -> String {
    harness::token(json!({"exp": NOW + 3600}))
}

fn start(code: &str) -> Served {
    let (dir, base) = setup(code);
    start_in(dir, base, &[])
}

/// `cfjwt serve BASE/f.js --root BASE/root --port 0 --now NOW`, with `extra` arguments; `dir`
/// (holding `base`) is removed when the server is dropped.
pub(crate) fn start_in(dir: tempfile::TempDir, base: PathBuf, extra: &[&str]) -> Served {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("cfjwt"))
        .arg("serve")
        .arg(base.join("f.js"))
        .arg("--root")
        .arg(base.join("root"))
        .args(["--port", "0", "--now", &NOW.to_string()])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let (send, lines) = mpsc::channel();
    let kept = Arc::clone(&log);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            kept.lock().unwrap().push(line.clone());
            let _ = send.send(line);
        }
    });
    let first = lines.recv_timeout(LIMIT).expect("the server says where it listens");
    let port = first
        .strip_prefix(&format!("serving {} on http://127.0.0.1:", base.join("f.js").display()))
        .and_then(|rest| rest.split_once('/'))
        .and_then(|(port, rest)| {
            assert_eq!(rest, format!(" (root {})", base.join("root").display()));
            port.parse().ok()
        })
        .unwrap_or_else(|| panic!("start line: {first}"));
    Served { child, port, log, lines, _dir: dir, dir: base }
}

/// A response: status, headers (names in lower case), body.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
    fn all(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str()).collect()
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl Served {
    fn request(&self, method: &str, target: &str, headers: &[&str]) -> Reply {
        request(self.port, method, target, headers)
    }

    fn get(&self, target: &str) -> Reply {
        self.request("GET", target, &[])
    }
}

/// One request on a connection of its own, read to its end.
fn request(port: u16, method: &str, target: &str, headers: &[&str]) -> Reply {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(LIMIT)).unwrap();
    stream.set_write_timeout(Some(LIMIT)).unwrap();
    let mut text = format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for h in headers {
        text.push_str(h);
        text.push_str("\r\n");
    }
    text.push_str("\r\n");
    stream.write_all(text.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a whole response head");
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.trim().to_ascii_lowercase(), v.trim().to_owned())
        })
        .collect();
    Reply { status, headers, body: raw[split + 4..].to_vec() }
}

impl Served {
    /// The next log line that starts with `start`.
    fn log_line(&self, start: &str) -> String {
        let deadline = Instant::now() + LIMIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self.lines.recv_timeout(left).unwrap_or_else(|_| panic!("no log line `{start}…`"));
            if line.starts_with(start) {
                return line;
            }
        }
    }
}

#[test]
fn a_valid_token_gets_the_file_and_none_gets_the_functions_answer() {
    let s = start(&seed());
    let token = good_token();
    let r = s.get(&format!("/courses/c1/lesson1.m3u8?jwt={token}"));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/vnd.apple.mpegurl"));
    assert_eq!(r.text(), "#EXTM3U\n#EXT-X-VERSION:3\n");
    let line = s.log_line("GET /courses/c1/lesson1.m3u8 ");
    assert!(line.starts_with("GET /courses/c1/lesson1.m3u8 allow 200 "), "{line}");
    assert!(!line.contains(&token), "the log keeps tokens out: {line}");

    let r = s.get("/courses/c1/lesson1.m3u8");
    assert_eq!(r.status, 401, "{}", r.text());
    let line = s.log_line("GET /courses/c1/lesson1.m3u8 ");
    assert!(line.starts_with("GET /courses/c1/lesson1.m3u8 deny"), "{line}");
    assert!(line.contains(" 401 ") && line.ends_with("ms"), "{line}");

    let r = s.get(&format!("/courses/c1/nothing.ts?jwt={token}"));
    assert_eq!(r.status, 404);
    let r = s.get(&format!("/site/?jwt={token}"));
    assert_eq!((r.status, r.text().as_str()), (200, "<p>index</p>"));
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    let r = s.get(&format!("/courses/?jwt={token}"));
    assert_eq!(r.status, 404, "a directory without index.html");
}

#[test]
fn parallel_requests_are_all_answered() {
    let s = start(&seed());
    let token = good_token();
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let (port, token) = (s.port, token.clone());
            std::thread::spawn(move || {
                let r = request(port, "GET", &format!("/courses/c1/seg{i}.ts?jwt={token}"), &[]);
                assert_eq!(r.status, 200);
                assert_eq!(r.header("content-type"), Some("video/mp2t"));
                assert_eq!(r.text(), format!("segment {i}"));
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let deadline = Instant::now() + LIMIT;
    while s.log.lock().unwrap().iter().filter(|l| l.starts_with("GET /courses/c1/seg")).count() < 8 {
        assert!(Instant::now() < deadline, "8 log lines");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn byte_ranges() {
    let s = start(&seed());
    let token = good_token();
    let target = format!("/courses/c1/video.mp4?jwt={token}");
    let whole = s.get(&target);
    assert_eq!((whole.status, whole.body.len()), (200, 256));
    assert_eq!(whole.header("accept-ranges"), Some("bytes"));
    assert_eq!(whole.header("content-type"), Some("video/mp4"));
    for (range, start, end) in [("bytes=10-19", 10, 19), ("bytes=250-", 250, 255), ("bytes=-6", 250, 255)] {
        let r = s.request("GET", &target, &[&format!("Range: {range}")]);
        assert_eq!(r.status, 206, "{range}");
        assert_eq!(r.header("content-range"), Some(format!("bytes {start}-{end}/256").as_str()));
        assert_eq!(r.body, (start..=end).map(|b| b as u8).collect::<Vec<u8>>(), "{range}");
    }
    let r = s.request("GET", &target, &["Range: bytes=256-300"]);
    assert_eq!(r.status, 416);
    assert_eq!(r.header("content-range"), Some("bytes */256"));
    // Every file takes ranges.
    let r = s.request("GET", &format!("/courses/c1/seg3.ts?jwt={token}"), &["Range: bytes=0-6"]);
    assert_eq!((r.status, r.text().as_str()), (206, "segment"));
}

#[test]
fn nothing_outside_the_root_is_served() {
    let s = start(&seed());
    let token = good_token();
    for path in ["/../secret.txt", "/%2e%2e/secret.txt", "/courses/..%2f..%2fsecret.txt", "/courses/c1/link.txt"] {
        for prefix in ["", "/courses/c1"] {
            let r = s.get(&format!("{prefix}{path}?jwt={token}"));
            assert!(r.status == 400 || r.status == 404, "{prefix}{path}: {}", r.status);
            assert!(!r.text().contains("TOP SECRET"), "{prefix}{path}");
        }
    }
    for path in ["/courses%5c..%5c..%5csecret.txt", "/x%00.txt", "/%zz"] {
        let r = s.get(&format!("{path}?jwt={token}"));
        assert_eq!(r.status, 400, "{path}");
    }
    assert!(s.dir.join("secret.txt").exists());
}

#[test]
fn failures_are_answered_as_cloudfront_does() {
    let s = start("function handler(event) { throw new Error('boom'); }\n");
    let r = s.get("/x");
    assert_eq!(r.status, 503);
    let line = s.log_line("GET /x ");
    assert!(line.starts_with("GET /x FAILED 503 ") && line.contains("boom"), "{line}");

    let s = start("function handler(event) { event.request.headers.host = {value: 'other'}; return event.request; }\n");
    let r = s.get("/x");
    assert_eq!(r.status, 502);
    let line = s.log_line("GET /x ");
    assert!(line.starts_with("GET /x FAILED 502 ") && line.contains("read-only header \"host\""), "{line}");
}

#[test]
fn the_functions_response_is_sent_whole_and_head_has_no_body() {
    let code = r#"function handler(event) {
  if (event.request.uri === '/allow') { return event.request; }
  console.log('cfjwt: deny no-entry');
  return { statusCode: 302, statusDescription: 'Found',
    headers: { location: { value: '/login' }, 'x-a': { value: '1', multiValue: [{ value: '1' }, { value: '2' }] } },
    cookies: { s: { value: 'v', attributes: 'Path=/; HttpOnly' } },
    body: 'go away' };
}
"#;
    let s = start(code);
    let r = s.get("/elsewhere");
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("/login"));
    assert_eq!(r.all("x-a"), ["1", "2"]);
    assert_eq!(r.all("set-cookie"), ["s=v; Path=/; HttpOnly"]);
    assert_eq!(r.text(), "go away");
    let line = s.log_line("GET /elsewhere ");
    assert!(line.starts_with("GET /elsewhere redirect:no-entry 302 "), "{line}");

    let r = s.request("HEAD", "/elsewhere", &[]);
    assert_eq!(r.status, 302);
    assert!(r.body.is_empty());
    let r = s.request("HEAD", "/allow", &[]);
    assert_eq!(r.status, 404);
    std::fs::write(s.dir.join("root/allow"), "abc").unwrap();
    let r = s.request("HEAD", "/allow", &[]);
    assert_eq!((r.status, r.header("content-length"), r.body.len()), (200, Some("3"), 0));
    let r = s.request("POST", "/allow", &["Content-Length: 0"]);
    assert_eq!(r.status, 405);
}

#[test]
fn sigint_stops_it_with_exit_0() {
    let mut s = start(&seed());
    assert_eq!(s.get("/x").status, 401);
    let kill = Command::new("kill").args(["-INT", &s.child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let deadline = Instant::now() + LIMIT;
    let status = loop {
        if let Some(status) = s.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not stop");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
    assert_eq!(s.log_line("stopped"), "stopped");
}

#[test]
fn bad_roots_and_functions_are_refused_with_exit_2() {
    let (_dir, base) = setup("function handler(event) { return event.request; ");
    let cfjwt = || Command::new(assert_cmd::cargo::cargo_bin("cfjwt"));
    let out = cfjwt()
        .arg("serve")
        .arg(base.join("f.js"))
        .arg("--root")
        .arg(base.join("root"))
        .args(["--port", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not compile"));
    std::fs::write(base.join("f.js"), seed()).unwrap();
    let out = cfjwt()
        .arg("serve")
        .arg(base.join("f.js"))
        .arg("--root")
        .arg(base.join("secret.txt"))
        .args(["--port", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a directory"), "{out:?}");
}

#[test]
fn cors_origins_get_cors_headers_on_the_roots_answers() {
    let (dir, base) = setup(&seed());
    let s = start_in(dir, base, &["--cors-origin", "http://127.0.0.1:9000", "--cors-origin", "https://app.example"]);
    let token = good_token();
    let file = format!("/courses/c1/seg0.ts?jwt={token}");
    for origin in ["http://127.0.0.1:9000", "https://app.example"] {
        let r = s.request("GET", &file, &[&format!("Origin: {origin}")]);
        assert_eq!((r.status, r.text().as_str()), (200, "segment 0"));
        assert_eq!(r.header("access-control-allow-origin"), Some(origin));
        assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
        assert_eq!(r.all("vary"), ["origin"]);
        // The function's own answer is sent as it made it (the seed's policy has no `cors`).
        let r = s.request("GET", "/courses/c1/seg0.ts", &[&format!("Origin: {origin}")]);
        assert_eq!((r.status, r.header("access-control-allow-origin"), r.header("vary")), (401, None, None));
    }
    let r = s.request("GET", &format!("/courses/c1/nothing.ts?jwt={token}"), &["Origin: https://app.example"]);
    assert_eq!((r.status, r.header("access-control-allow-origin")), (404, Some("https://app.example")));
    // Another origin, one that differs only in case or port, or none: no CORS header, but the
    // answer still varies by origin.
    for headers in [
        &["Origin: https://other.example"][..],
        &["Origin: HTTPS://APP.EXAMPLE"],
        &["Origin: http://127.0.0.1:9001"],
        &[],
    ] {
        let r = s.request("GET", &file, headers);
        assert_eq!(r.status, 200, "{headers:?}");
        assert_eq!(r.header("access-control-allow-origin"), None, "{headers:?}");
        assert_eq!(r.header("access-control-allow-credentials"), None, "{headers:?}");
        assert_eq!(r.all("vary"), ["origin"], "{headers:?}");
    }

    // Without the option, nothing is added.
    let plain = start(&seed());
    let r = plain.request("GET", &file, &["Origin: https://app.example"]);
    assert_eq!((r.status, r.header("access-control-allow-origin"), r.header("vary")), (200, None, None));

    // What is not an origin is refused.
    let (_dir, base) = setup(&seed());
    for bad in ["https://app.example/", "https://APP.example", "app.example", "*"] {
        let out = Command::new(assert_cmd::cargo::cargo_bin("cfjwt"))
            .arg("serve")
            .arg(base.join("f.js"))
            .arg("--root")
            .arg(base.join("root"))
            .args(["--port", "0", "--cors-origin", bad])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("not an origin"), "{bad}: {out:?}");
    }
}

#[test]
fn a_function_that_reads_the_store_without_kvs_is_warned_about() {
    let store = harness::generate(r#"{"key": {"kvs": "jwt.secret"}}"#, vec![]);
    let served = start(&store);
    // The warning follows the start line, before any request.
    let deadline = Instant::now() + LIMIT;
    while served.log.lock().unwrap().len() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let log = served.log.lock().unwrap().clone();
    assert!(log.get(1).is_some_and(|l| l.starts_with("warning: ") && l.contains("no --kvs file was given")), "{log:?}");
    drop(log);
    drop(served);
    // With --kvs, or for a function with the key embedded, no warning.
    let (dir, base) = setup(&store);
    std::fs::write(base.join("kvs.json"), r#"{"jwt.secret": "a-secret-of-thirty-two-bytes-or-more!!"}"#).unwrap();
    let kvs = base.join("kvs.json");
    let with_store = start_in(dir, base, &["--kvs", kvs.to_str().unwrap()]);
    let plain = start(&harness::generate(r#"{}"#, vec![harness::key(DEMO_KEY)]));
    std::thread::sleep(Duration::from_millis(300));
    for s in [&with_store, &plain] {
        assert!(!s.log.lock().unwrap().iter().any(|l| l.starts_with("warning:")), "{:?}", s.log.lock().unwrap());
    }
}
