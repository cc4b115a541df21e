//! A real player in a real browser: the player page of `examples/player/` (hls.js) in headless
//! Chromium, in front of `cfjwt serve` running the example's function on a root that holds the
//! page under `/player/` and the HLS stream of `tests/fixtures/hls/` under `/courses/c1/`, as
//! `make player` lays it out, and again under `/courses/c2/` (a second course).
//!
//! Each test starts its own server ([`origin`]) and sends one viewer (a browser context: an
//! empty cookie jar) on its visits with [`view`], then checks what the browser did (every request
//! and its answer, the cookies kept, what hls.js loaded and played: [`Visit`]) against the
//! server's log of the same requests (verdict and status: [`Logged`]). A page on a second origin
//! is served by [`Site`], a plain static server inside the test. The tests share one Chromium and
//! one `examples/player/visit.mjs` driving it over the DevTools protocol ([`Browser`]).
//!
//! Chromium (`/usr/bin/chromium`), Node.js and the example's npm packages are installed by
//! `make deps`; without them a test fails and says so, it never skips.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Read, Write as _};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::harness::{self, DEMO_KEY, NOW};
use crate::serve::{self, Served};

/// Debian's Chromium, as `make deps` installs it.
const CHROMIUM: &str = "/usr/bin/chromium";

/// How long one visit may take: the stream plays in 3 seconds.
const VISIT_LIMIT: Duration = Duration::from_secs(20);

/// How long Chromium may take to start, and node to connect to it.
const START_LIMIT: Duration = Duration::from_secs(20);

/// How long the server may take to log a request it has answered.
const LOG_LIMIT: Duration = Duration::from_secs(5);

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn example(path: &str) -> PathBuf {
    repo("examples/player").join(path)
}

/// Panics, saying what is missing and how to install it, unless Chromium, node and the example's
/// npm packages are there.
fn require_tools() {
    let mut missing = Vec::new();
    if !Path::new(CHROMIUM).is_file() {
        missing.push(format!("Chromium ({CHROMIUM})"));
    }
    let node = Command::new("node").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status();
    if !node.is_ok_and(|s| s.success()) {
        missing.push("Node.js (`node`)".to_owned());
    }
    for file in ["hls.js/dist/hls.min.js", "playwright-core/package.json"] {
        if !example("node_modules").join(file).is_file() {
            missing.push(format!("examples/player/node_modules/{file}"));
        }
    }
    assert!(
        missing.is_empty(),
        "the browser tests need {}: run `make deps` (as root; it installs Debian's chromium and the npm \
         packages of examples/player)",
        missing.join(", ")
    );
}

/// The test stream, `tests/fixtures/hls/`: `master.m3u8` names the media playlist `lesson1.m3u8`,
/// which names the segments.
struct Stream {
    /// The segments' file names, in order.
    segments: Vec<String>,
    /// The sum of their durations.
    seconds: f64,
}

fn stream() -> Stream {
    let playlist = std::fs::read_to_string(repo("tests/fixtures/hls/lesson1.m3u8")).unwrap();
    let segments: Vec<String> =
        playlist.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned).collect();
    let seconds = playlist
        .lines()
        .filter_map(|l| l.strip_prefix("#EXTINF:"))
        .map(|l| l.trim_end_matches(',').split(',').next().unwrap().parse::<f64>().unwrap())
        .sum();
    assert!(segments.len() >= 2 && seconds > 0.0, "{playlist}");
    Stream { segments, seconds }
}

/// Copies the player page's files into `dir`: `index.html`, `player.js` and hls.js's build.
fn page_into(dir: &Path) {
    require_tools();
    std::fs::create_dir_all(dir).unwrap();
    for file in ["index.html", "player.js", "node_modules/hls.js/dist/hls.min.js"] {
        let from = example(file);
        std::fs::copy(&from, dir.join(from.file_name().unwrap())).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    }
}

/// The player's policy, `examples/player/policy.json`.
fn player_policy() -> String {
    std::fs::read_to_string(example("policy.json")).unwrap()
}

/// The courses on the root of [`origin`], each holding the test stream.
const COURSES: [&str; 2] = ["c1", "c2"];

/// `cfjwt serve` running the function of `policy` (with the demo key) at [`NOW`], on a root with
/// the page under `/player/` and the stream under `/courses/c1/` and `/courses/c2/`.
fn origin(policy: &str) -> Served {
    origin_with(policy, &[])
}

/// [`origin`], with `extra` arguments for `cfjwt serve`.
fn origin_with(policy: &str, extra: &[&str]) -> Served {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().to_path_buf();
    let root = base.join("root");
    page_into(&root.join("player"));
    for name in COURSES {
        let course = root.join("courses").join(name);
        std::fs::create_dir_all(&course).unwrap();
        for entry in std::fs::read_dir(repo("tests/fixtures/hls")).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), course.join(entry.file_name())).unwrap();
        }
    }
    std::fs::write(base.join("f.js"), harness::generate(policy, vec![harness::key(DEMO_KEY)])).unwrap();
    serve::start_in(dir, base, extra)
}

fn url_of(served: &Served) -> String {
    format!("http://127.0.0.1:{}", served.port)
}

/// A token for the courses `paths` lists, valid for an hour after [`NOW`].
fn token_for(paths: &[&str]) -> String {
    harness::token(json!({"sub": "u1", "paths": paths, "exp": NOW + 3600}))
}

/// The player page of the origin `page` (`http://host:port`), playing `manifest`.
fn player_url(page: &str, manifest: &str) -> String {
    let mut src = String::new();
    for byte in manifest.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => src.push(byte as char),
            _ => src.push_str(&format!("%{byte:02X}")),
        }
    }
    format!("{page}/player/?src={src}")
}

/// [`player_url`], with hls.js sending its requests with credentials (`&credentials=1`).
fn player_url_with_credentials(page: &str, manifest: &str) -> String {
    format!("{}&credentials=1", player_url(page, manifest))
}

/// Every line a child writes on `stream`, kept as it comes and sent on the channel.
fn lines_of(stream: impl Read + Send + 'static) -> (Arc<Mutex<Vec<String>>>, mpsc::Receiver<String>) {
    let kept = Arc::new(Mutex::new(Vec::new()));
    let (send, lines) = mpsc::channel();
    let keep = Arc::clone(&kept);
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            keep.lock().unwrap().push(line.clone());
            let _ = send.send(line);
        }
    });
    (kept, lines)
}

/// The last lines of `lines`, for a failure's message, less Chromium's complaints that the
/// machine has no D-Bus.
fn tail(lines: &Mutex<Vec<String>>) -> String {
    let lines = lines.lock().unwrap();
    let said: Vec<&str> = lines.iter().map(String::as_str).filter(|l| !l.contains(":ERROR:dbus/")).collect();
    said[said.len().saturating_sub(20)..].join("\n")
}

/// The browser the tests share: one headless Chromium, with a fresh profile and the DevTools
/// protocol on a free port of 127.0.0.1, and one `visit.mjs` driving it, to which each test sends
/// its viewer's plan. Started by the first test that needs it (Chromium's start and node's loading
/// of playwright-core take about two seconds, once), it lives until the test binary ends, and
/// then a watchdog kills Chromium's process group (node is in it) and removes the profile: the
/// watchdog waits for the end of a pipe that only this process holds, so it acts however the
/// binary ends, even killed.
struct Browser {
    plans: Mutex<ChildStdin>,
    next_id: AtomicU64,
    /// The reply each plan's test waits for, by the plan's id.
    waiting: Arc<Mutex<HashMap<u64, mpsc::Sender<Value>>>>,
    chromium_said: Arc<Mutex<Vec<String>>>,
    node_said: Arc<Mutex<Vec<String>>>,
    _processes: Vec<Child>,
    _watchdog: ChildStdin,
}

fn browser() -> &'static Browser {
    static BROWSER: OnceLock<Browser> = OnceLock::new();
    BROWSER.get_or_init(Browser::start)
}

impl Browser {
    fn start() -> Browser {
        require_tools();
        let profile = tempfile::Builder::new().prefix("cfjwt-chromium-").tempdir().unwrap().keep();
        let mut chromium = Command::new(CHROMIUM)
            .args([
                "--headless=new",
                // Chromium refuses to run as root with its sandbox.
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                // No connection leaves the machine: no updates, sync, first-run pages.
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--autoplay-policy=no-user-gesture-required",
                "--mute-audio",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{CHROMIUM}: {e}: run `make deps`"));
        let group = chromium.id().to_string();
        let mut watchdog = Command::new("sh")
            .args(["-c", r#"read -r _; kill -s KILL -- "-$1" 2>/dev/null; rm -rf -- "$2""#, "watchdog", &group])
            .arg(&profile)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let watchdog_stdin = watchdog.stdin.take().unwrap();
        let (chromium_said, lines) = lines_of(chromium.stderr.take().unwrap());
        let deadline = Instant::now() + START_LIMIT;
        let endpoint = loop {
            match lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) => {
                    if let Some(endpoint) = line.strip_prefix("DevTools listening on ") {
                        break endpoint.trim().to_owned();
                    }
                }
                Err(_) => {
                    panic!("Chromium gave no DevTools endpoint within {START_LIMIT:?}:\n{}", tail(&chromium_said))
                }
            }
        };
        let mut node = Command::new("node")
            .arg(example("visit.mjs"))
            .arg(&endpoint)
            .process_group(chromium.id() as i32)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("node: {e}: run `make deps`"));
        let plans = Mutex::new(node.stdin.take().unwrap());
        let (node_said, _) = lines_of(node.stderr.take().unwrap());
        let waiting: Arc<Mutex<HashMap<u64, mpsc::Sender<Value>>>> = Arc::default();
        let (_, replies) = lines_of(node.stdout.take().unwrap());
        let dispatch = Arc::clone(&waiting);
        std::thread::spawn(move || {
            for line in replies {
                let reply: Value =
                    serde_json::from_str(&line).unwrap_or_else(|e| json!({"error": format!("{e}: {line}")}));
                let id = reply["id"].as_u64();
                let mut waiting = dispatch.lock().unwrap();
                match id.and_then(|id| waiting.remove(&id)) {
                    Some(send) => {
                        let _ = send.send(reply);
                    }
                    // A reply to no plan: every plan waiting hears of it.
                    None => {
                        for (_, send) in waiting.drain() {
                            let _ = send.send(reply.clone());
                        }
                    }
                }
            }
            // node is gone: the plans still waiting get no reply, and their senders go.
            dispatch.lock().unwrap().clear();
        });
        Browser {
            plans,
            next_id: AtomicU64::new(0),
            waiting,
            chromium_said,
            node_said,
            _processes: vec![chromium, node, watchdog],
            _watchdog: watchdog_stdin,
        }
    }

    /// One viewer's visits of `urls` (see `visit.mjs`), each with [`VISIT_LIMIT`].
    fn visit(&self, urls: &[String]) -> Vec<Visit> {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let visits: Vec<Value> =
            urls.iter().map(|url| json!({"url": url, "timeout_ms": VISIT_LIMIT.as_millis() as u64})).collect();
        let (send, reply) = mpsc::channel();
        self.waiting.lock().unwrap().insert(id, send);
        let sent = writeln!(self.plans.lock().unwrap(), "{}", json!({"id": id, "visits": visits}));
        let failed = |why: &str| -> ! {
            panic!("visit.mjs {why}:\n{}\nChromium said:\n{}", tail(&self.node_said), tail(&self.chromium_said))
        };
        if let Err(e) = sent {
            failed(&format!("takes no plan ({e})"));
        }
        let reply = match reply.recv_timeout(START_LIMIT + VISIT_LIMIT * urls.len() as u32) {
            Ok(reply) => reply,
            Err(mpsc::RecvTimeoutError::Timeout) => failed("did not answer in time"),
            Err(mpsc::RecvTimeoutError::Disconnected) => failed("has stopped"),
        };
        if let Some(error) = reply.get("error") {
            failed(&format!("failed: {}", error.as_str().unwrap_or_default()));
        }
        serde_json::from_value(reply["visits"].clone()).unwrap_or_else(|e| failed(&format!("gave a bad report ({e})")))
    }
}

/// One visit: the requests made while the page was open, in the order they were issued (a
/// redirect's next request is a request of its own), the cookies kept after it, and what the
/// player page recorded (none if the page never ran its script).
#[derive(Debug, Deserialize)]
struct Visit {
    url: String,
    timed_out: bool,
    player: Option<Player>,
    requests: Vec<Request>,
    cookies: Vec<Cookie>,
}

#[derive(Debug, Deserialize)]
struct Request {
    url: String,
    /// None when the browser had no answer to show: the request failed.
    status: Option<u16>,
    location: Option<String>,
    set_cookie: Option<String>,
    /// The answer's `access-control-allow-origin` and `access-control-allow-credentials`.
    allow_origin: Option<String>,
    allow_credentials: Option<String>,
    /// The cookie header sent.
    cookie: Option<String>,
    /// The origin header sent.
    origin: Option<String>,
    /// Why it failed (`net::ERR_FAILED`, ...).
    failure: Option<String>,
}

impl Request {
    /// The URL's path, without the query string.
    fn path(&self) -> &str {
        let rest = self.url.split_once("://").map_or(self.url.as_str(), |(_, rest)| rest);
        let path = rest.find('/').map_or("/", |i| &rest[i..]);
        path.split_once('?').map_or(path, |(path, _)| path)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Cookie {
    name: String,
    value: String,
    domain: String,
    path: String,
    http_only: bool,
    secure: bool,
    same_site: String,
}

/// `window.player` of `examples/player/player.js`.
#[derive(Debug, Deserialize)]
struct Player {
    events: Vec<PlayerEvent>,
    outcome: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PlayerEvent {
    name: String,
    #[serde(flatten)]
    details: Map<String, Value>,
}

impl Player {
    fn events<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Map<String, Value>> + 'a {
        self.events.iter().filter(move |e| e.name == name).map(|e| &e.details)
    }
}

impl Visit {
    /// The player's record, once the visit has ended with `outcome`.
    fn player(&self, outcome: &str) -> &Player {
        assert!(!self.timed_out, "{}: the player had no outcome in time: {:#?}", self.url, self.player);
        let player = self.player.as_ref().unwrap_or_else(|| panic!("{}: not the player page", self.url));
        assert_eq!(player.outcome.as_deref(), Some(outcome), "{}: {player:#?}", self.url);
        player
    }

    /// The requests for paths under `/courses/`: the stream's.
    fn stream_requests(&self) -> Vec<&Request> {
        self.requests.iter().filter(|r| r.path().starts_with("/courses/")).collect()
    }
}

/// One request on the server's log: `METHOD PATH VERDICT STATUS TIME[: note]`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Logged {
    path: String,
    verdict: String,
    status: u16,
}

impl Logged {
    fn parse(line: &str) -> Option<Logged> {
        let mut words = line.split_whitespace();
        let (method, path, verdict, status) = (words.next()?, words.next()?, words.next()?, words.next()?);
        if !method.bytes().all(|b| b.is_ascii_uppercase()) || !path.starts_with('/') {
            return None;
        }
        Some(Logged { path: path.to_owned(), verdict: verdict.to_owned(), status: status.parse().ok()? })
    }
}

fn logged(path: &str, verdict: &str, status: u16) -> Logged {
    Logged { path: path.into(), verdict: verdict.into(), status }
}

/// What one viewer's visits did: the browser's account, and the server's log of the requests.
struct Seen {
    visits: Vec<Visit>,
    log: Vec<Logged>,
}

/// One viewer, with an empty cookie jar, visits the player page at each of `urls` in turn, each
/// visit ending once the player has an outcome; what the browser saw, and what `origin` logged.
fn view(origin: &Served, urls: &[String]) -> Seen {
    let logged_before = origin.log.lock().unwrap().len();
    let visits = browser().visit(urls);
    // Every request the browser saw answered, or failing after it was sent, is on the log once
    // the server has written its line.
    let origin_url = format!("{}/", url_of(origin));
    let answered = visits
        .iter()
        .flat_map(|v| &v.requests)
        .filter(|r| r.url.starts_with(&origin_url) && (r.status.is_some() || r.failure.is_some()))
        .count();
    let log = || -> Vec<Logged> {
        origin.log.lock().unwrap()[logged_before..].iter().filter_map(|l| Logged::parse(l)).collect()
    };
    let deadline = Instant::now() + LOG_LIMIT;
    while log().len() < answered && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    Seen { visits, log: log() }
}

impl Seen {
    fn only_visit(&self) -> &Visit {
        assert_eq!(self.visits.len(), 1);
        &self.visits[0]
    }

    /// The log's lines for paths under `/courses/`, sorted: the server's workers may log two
    /// requests in another order than they came.
    fn stream_log(&self) -> Vec<Logged> {
        let mut lines: Vec<Logged> = self.log.iter().filter(|l| l.path.starts_with("/courses/")).cloned().collect();
        lines.sort();
        lines
    }
}

/// A plain static file server on 127.0.0.1, on a port of its own: a second origin for a page,
/// with no function in front of it and no CORS header. GET only; stops when dropped.
struct Site {
    port: u16,
    stop: Arc<AtomicBool>,
    accepting: Option<JoinHandle<()>>,
    _root: tempfile::TempDir,
}

impl Site {
    /// The player page under `/player/`.
    fn with_player() -> Site {
        let root = tempfile::tempdir().unwrap();
        page_into(&root.path().join("player"));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let (dir, stopped) = (root.path().to_path_buf(), Arc::clone(&stop));
        let accepting = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    let dir = dir.clone();
                    std::thread::spawn(move || Site::answer(&dir, stream));
                }
            }
        });
        Site { port, stop, accepting: Some(accepting), _root: root }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn answer(dir: &Path, mut stream: TcpStream) {
        let _ = stream.set_read_timeout(Some(LOG_LIMIT));
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head);
        let target = head.split(' ').nth(1).unwrap_or("/");
        let path = target.split_once('?').map_or(target, |(path, _)| path);
        let mut file = dir.to_path_buf();
        for segment in path.split('/').filter(|s| !s.is_empty()) {
            file.push(segment);
        }
        if file.is_dir() {
            file.push("index.html");
        }
        let safe = head.starts_with("GET ") && !path.split('/').any(|s| s == ".." || s.contains('%'));
        let (status, kind, body) = match std::fs::read(&file) {
            Ok(body) if safe => {
                let kind = match file.extension().and_then(|e| e.to_str()) {
                    Some("html") => "text/html; charset=utf-8",
                    Some("js") => "text/javascript",
                    _ => "application/octet-stream",
                };
                ("200 OK", kind, body)
            }
            _ => ("404 Not Found", "text/plain", b"404 Not Found\n".to_vec()),
        };
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body));
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(accepting) = self.accepting.take() {
            let _ = accepting.join();
        }
    }
}

/// The paths the player asks for once past the hand-off, in order: the manifest, the media
/// playlist and each segment of `course`.
fn stream_paths(course: &str, stream: &Stream) -> Vec<String> {
    let mut paths = vec![format!("/courses/{course}/master.m3u8"), format!("/courses/{course}/lesson1.m3u8")];
    paths.extend(stream.segments.iter().map(|s| format!("/courses/{course}/{s}")));
    paths
}

/// hls.js loaded every fragment of `course` whole and buffered it, and the video played to its end.
fn assert_played(player: &Player, course: &str, stream: &Stream) {
    let loaded: Vec<(String, u64)> = player
        .events("frag-loaded")
        .map(|e| (e["url"].as_str().unwrap().to_owned(), e["bytes"].as_u64().unwrap()))
        .collect();
    let files: Vec<(String, u64)> = stream
        .segments
        .iter()
        .map(|s| {
            (format!("/courses/{course}/{s}"), std::fs::metadata(repo("tests/fixtures/hls").join(s)).unwrap().len())
        })
        .collect();
    assert_eq!(loaded, files);
    assert_eq!(player.events("frag-buffered").count(), stream.segments.len());
    // On a busy machine the video may stall and play again (a second `playing`, a non-fatal
    // `bufferStalledError`); no load failed.
    assert!(player.events("playing").count() >= 1, "{player:#?}");
    assert!(player.events("error").all(|e| e["type"] != "networkError" && e["fatal"] == false), "{player:#?}");
    let ended = player.events("ended").next().unwrap()["time"].as_f64().unwrap();
    assert!((ended - stream.seconds).abs() < 0.25, "ended at {ended} s of {} s", stream.seconds);
}

/// The server's log of a viewer who followed a link to `course` and played it: the hand-off's
/// redirect, then every request of [`stream_paths`] let through.
fn played_log(course: &str, stream: &Stream) -> Vec<Logged> {
    let mut lines: Vec<Logged> = stream_paths(course, stream).iter().map(|p| logged(p, "allow", 200)).collect();
    lines.push(logged(&format!("/courses/{course}/master.m3u8"), "redirect", 302));
    lines
}

#[test]
fn a_link_with_a_token_plays_every_segment_with_the_cookie_of_the_handoff() {
    let stream = stream();
    let origin = origin(&player_policy());
    let token = token_for(&["/courses/c1/*"]);
    let manifest = format!("/courses/c1/master.m3u8?jwt={token}");
    let seen = view(&origin, &[player_url(&url_of(&origin), &manifest)]);
    let visit = seen.only_visit();
    let player = visit.player("ended");

    // The link: answered by the hand-off, a 302 to the same URL without the token, setting the
    // cookie.
    let requests = visit.stream_requests();
    let link = requests[0];
    assert_eq!(link.url, format!("{}{manifest}", url_of(&origin)));
    assert_eq!((link.status, link.location.as_deref()), (Some(302), Some("/courses/c1/master.m3u8")), "{link:?}");
    assert_eq!(link.cookie, None);
    let set_cookie = link.set_cookie.as_deref().expect("the hand-off sets a cookie");
    let mut attributes = set_cookie.split("; ");
    assert_eq!(attributes.next(), Some(format!("token={token}").as_str()));
    assert_eq!(
        attributes.collect::<Vec<_>>(),
        ["Secure", "HttpOnly", "SameSite=Lax", "Path=/courses/", "Max-Age=3600"]
    );

    // The browser kept it...
    let kept: Vec<&Cookie> = visit.cookies.iter().collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    let c = kept[0];
    assert_eq!(
        (c.name.as_str(), c.value.as_str(), c.domain.as_str(), c.path.as_str()),
        ("token", token.as_str(), "127.0.0.1", "/courses/")
    );
    assert_eq!((c.http_only, c.secure, c.same_site.as_str()), (true, true, "Lax"));

    // ... and sent it on every later request, manifest, playlist and segments, none of which
    // carries the token in its URL; each got its file.
    let mut expected = vec!["/courses/c1/master.m3u8".to_owned(), "/courses/c1/lesson1.m3u8".to_owned()];
    expected.extend(stream.segments.iter().map(|s| format!("/courses/c1/{s}")));
    assert_eq!(requests[1..].iter().map(|r| r.path()).collect::<Vec<_>>(), expected);
    for r in &requests[1..] {
        assert!(!r.url.contains("jwt="), "{}", r.url);
        assert_eq!(r.cookie.as_deref(), Some(format!("token={token}").as_str()), "{}", r.url);
        assert_eq!(r.status, Some(200), "{r:?}");
    }

    // hls.js loaded every fragment whole, and the video played to its end.
    assert_played(player, "c1", &stream);

    // The server: the page is public, the link got the hand-off, everything after it was let
    // through.
    assert!(seen.log.contains(&logged("/player/", "allow", 200)), "{:?}", seen.log);
    let mut expected: Vec<Logged> = expected.iter().map(|p| logged(p, "allow", 200)).collect();
    expected.push(logged("/courses/c1/master.m3u8", "redirect", 302));
    expected.sort();
    assert_eq!(seen.stream_log(), expected);
}

#[test]
fn a_viewer_without_a_token_for_the_course_gets_nothing() {
    let origin = origin(&player_policy());
    let page = url_of(&origin);
    let other_course = token_for(&["/courses/c2/*"]);
    // The player pointed at the manifest without a token, at the media playlist and at a segment
    // (URLs a viewer may have seen), and at the manifest with a token for another course.
    let sources = [
        "/courses/c1/master.m3u8".to_owned(),
        "/courses/c1/lesson1.m3u8".to_owned(),
        format!("/courses/c1/{}", stream().segments[0]),
        format!("/courses/c1/master.m3u8?jwt={other_course}"),
    ];
    let urls: Vec<String> = sources.iter().map(|src| player_url(&page, src)).collect();
    let seen = view(&origin, &urls);
    assert_eq!(seen.visits.len(), sources.len());
    for visit in &seen.visits {
        let requests = visit.stream_requests();
        assert_eq!(requests.len(), 1, "{}: {requests:#?}", visit.url);
        let r = requests[0];
        assert_eq!((r.status, &r.location, &r.set_cookie, &r.cookie), (Some(401), &None, &None, &None), "{r:#?}");
        assert!(visit.cookies.is_empty(), "{:?}", visit.cookies);
        let player = visit.player("error");
        let errors: Vec<&Map<String, Value>> = player.events("error").collect();
        assert_eq!(errors.len(), 1, "{player:#?}");
        let error = (&errors[0]["details"], &errors[0]["fatal"], &errors[0]["status"]);
        assert_eq!(error, (&json!("manifestLoadError"), &json!(true), &json!(401)), "{player:#?}");
        assert_eq!(player.events("frag-loaded").count(), 0, "{player:#?}");
    }
    let mut expected: Vec<Logged> =
        sources.iter().map(|src| logged(src.split_once('?').map_or(src, |(path, _)| path), "deny", 401)).collect();
    expected.sort();
    assert_eq!(seen.stream_log(), expected);
}

#[test]
fn a_page_on_another_origin_gets_no_stream_without_cors() {
    let origin = origin(&player_policy());
    let site = Site::with_player();
    let token = token_for(&["/courses/c1/*"]);
    let manifest = format!("{}/courses/c1/master.m3u8?jwt={token}", url_of(&origin));
    let seen = view(&origin, &[player_url(&site.url(), &manifest)]);
    let visit = seen.only_visit();

    // The page and hls.js come from the site ...
    let page: Vec<(&str, Option<u16>)> =
        visit.requests.iter().filter(|r| r.url.starts_with(&site.url())).map(|r| (r.path(), r.status)).collect();
    assert_eq!(page, [("/player/", Some(200)), ("/player/hls.min.js", Some(200)), ("/player/player.js", Some(200))]);
    // ... the function answers the link with its hand-off, but the answer carries no CORS header,
    // so the browser hands hls.js nothing (status 0) and keeps no cookie.
    assert_eq!(seen.stream_log(), [logged("/courses/c1/master.m3u8", "redirect", 302)]);
    let requests = visit.stream_requests();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    assert_eq!((requests[0].status, requests[0].failure.is_some()), (None, true), "{requests:#?}");
    assert!(visit.cookies.is_empty(), "{:?}", visit.cookies);
    let player = visit.player("error");
    let errors: Vec<&Map<String, Value>> = player.events("error").collect();
    assert_eq!(errors.len(), 1, "{player:#?}");
    assert_eq!((&errors[0]["details"], &errors[0]["status"]), (&json!("manifestLoadError"), &json!(0)));
}

#[test]
fn a_fresh_link_replaces_a_stale_cookie_and_plays_the_other_course() {
    let stream = stream();
    let origin = origin(&player_policy());
    let page = url_of(&origin);
    let old = token_for(&["/courses/c1/*"]);
    let new = token_for(&["/courses/c1/*", "/courses/c2/*"]);
    // One viewer: a link to course 1 first, then a fresh link, with a token for both courses, to
    // course 2.
    let links = [format!("/courses/c1/master.m3u8?jwt={old}"), format!("/courses/c2/master.m3u8?jwt={new}")];
    let seen = view(&origin, &links.iter().map(|l| player_url(&page, l)).collect::<Vec<_>>());
    assert_eq!(seen.visits.len(), 2);
    let (first, second) = (&seen.visits[0], &seen.visits[1]);
    first.player("ended");
    let kept: Vec<(&str, &str)> = first.cookies.iter().map(|c| (c.name.as_str(), c.value.as_str())).collect();
    assert_eq!(kept, [("token", old.as_str())]);

    // The fresh link goes out with the stale cookie; the function reads the query first, and its
    // hand-off sets the new token in place of the old one.
    let requests = second.stream_requests();
    let link = requests[0];
    assert_eq!(link.url, format!("{page}{}", links[1]));
    assert_eq!(link.cookie.as_deref(), Some(format!("token={old}").as_str()), "{link:?}");
    assert_eq!((link.status, link.location.as_deref()), (Some(302), Some("/courses/c2/master.m3u8")), "{link:?}");
    let set_cookie = link.set_cookie.as_deref().expect("the hand-off sets a cookie");
    assert!(set_cookie.starts_with(&format!("token={new}; ")), "{set_cookie}");
    let kept: Vec<(&str, &str, &str)> =
        second.cookies.iter().map(|c| (c.name.as_str(), c.value.as_str(), c.path.as_str())).collect();
    assert_eq!(kept, [("token", new.as_str(), "/courses/")]);

    // Every request of course 2 after it carries the new cookie and gets its file; the video plays.
    let paths = stream_paths("c2", &stream);
    assert_eq!(requests[1..].iter().map(|r| r.path()).collect::<Vec<_>>(), paths);
    for r in &requests[1..] {
        assert_eq!((r.status, r.cookie.as_deref()), (Some(200), Some(format!("token={new}").as_str())), "{r:?}");
    }
    assert_played(second.player("ended"), "c2", &stream);

    // The server: each link got its hand-off, everything after it was let through.
    let mut expected = played_log("c1", &stream);
    expected.extend(played_log("c2", &stream));
    expected.sort();
    assert_eq!(seen.stream_log(), expected);
}

#[test]
fn a_page_on_another_origin_plays_with_credentials_thanks_to_cors() {
    let stream = stream();
    let site = Site::with_player();
    let mut policy: Value = serde_json::from_str(&player_policy()).unwrap();
    policy["cors"] = json!({"origins": [site.url()], "credentials": true, "max_age": 600});
    // The function answers for its own responses; `--cors-origin` stands in for the response
    // headers policy that puts the same headers on the files in CloudFront.
    let origin = origin_with(&policy.to_string(), &["--cors-origin", &site.url()]);
    let token = token_for(&["/courses/c1/*"]);
    let manifest = format!("{}/courses/c1/master.m3u8?jwt={token}", url_of(&origin));
    let seen = view(&origin, &[player_url_with_credentials(&site.url(), &manifest)]);
    let visit = seen.only_visit();
    let player = visit.player("ended");
    assert_eq!(player.events("config").next().map(|e| &e["credentials"]), Some(&json!(true)));

    let page: Vec<(&str, Option<u16>)> =
        visit.requests.iter().filter(|r| r.url.starts_with(&site.url())).map(|r| (r.path(), r.status)).collect();
    assert_eq!(page, [("/player/", Some(200)), ("/player/hls.min.js", Some(200)), ("/player/player.js", Some(200))]);

    // Every request for the stream goes out from the site's origin and its answer allows that
    // origin with credentials: the function's 302, setting the cookie, then the files.
    let requests = visit.stream_requests();
    for r in &requests {
        assert_eq!(r.origin.as_deref(), Some(site.url().as_str()), "{r:?}");
        assert_eq!(r.allow_origin.as_deref(), Some(site.url().as_str()), "{r:?}");
        assert_eq!(r.allow_credentials.as_deref(), Some("true"), "{r:?}");
    }
    let link = requests[0];
    assert_eq!(link.url, manifest);
    assert_eq!((link.status, link.location.as_deref()), (Some(302), Some("/courses/c1/master.m3u8")), "{link:?}");
    assert!(link.set_cookie.as_deref().is_some_and(|c| c.starts_with(&format!("token={token}; "))), "{link:?}");
    let kept: Vec<(&str, &str)> = visit.cookies.iter().map(|c| (c.name.as_str(), c.value.as_str())).collect();
    assert_eq!(kept, [("token", token.as_str())]);
    assert_eq!(requests[1..].iter().map(|r| r.path()).collect::<Vec<_>>(), stream_paths("c1", &stream));
    for r in &requests[1..] {
        assert_eq!((r.status, r.cookie.as_deref()), (Some(200), Some(format!("token={token}").as_str())), "{r:?}");
    }
    assert_played(player, "c1", &stream);

    // The server: no preflight (hls.js's GETs are simple requests), the hand-off, then files.
    let mut expected = played_log("c1", &stream);
    expected.sort();
    assert_eq!(seen.stream_log(), expected);
}
