//! `cfjwt serve`: a local HTTP server on 127.0.0.1 that runs a viewer-request function on every
//! request, in the bundled engine and exactly as `cfjwt test` runs an event, and answers as
//! CloudFront would: with the function's response, or, when the function lets the request
//! through, with the file its (possibly rewritten) URI names under a root directory, the local
//! origin ([`origin`]).
//!
//! * **Events** are made by [`runtime::event::from_url`] from the request's method, target,
//!   headers and peer address, the one way cfjwt makes events from requests.
//! * **Runs** use the options `cfjwt test` uses: the runtime of the file's marker comment, the
//!   time given or the clock's at each request, the `--kvs` store, one second at most. Each
//!   request gets its own engine (about half a millisecond), on the worker thread serving it.
//! * **Failures** are answered as CloudFront answers them: 503 for a function that threw or ran
//!   out of time, 502 for a result that fails validation; the error goes to the log.
//! * **CORS** on the root's answers: for a request whose `origin` is one of
//!   [`Config::cors_origins`], what the local origin answers (a file, a 404, ...) carries
//!   `access-control-allow-origin` (that origin), `access-control-allow-credentials: true` and
//!   `vary: origin`, standing in for the response headers policy that adds them in CloudFront.
//!   The function's own responses get nothing added: the policy's `cors` puts its headers there.
//! * **Workers**: a fixed pool of threads, each taking requests from the server's queue, so that
//!   a player's parallel segment requests are served in parallel. [`Stopper::stop`] lets each
//!   finish the request it serves and return.

pub mod origin;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde_json::Value;

use crate::cloudfront::Runtime;
use crate::runtime::event::{self, UrlRequest};
use crate::runtime::report::{self, Verdict};
use crate::runtime::{self, InputError, Options};

/// How many requests are served at a time.
pub const WORKERS: usize = 4;

/// How long [`Server::run`] waits, once stopped, for the requests being served to finish.
const STOP_GRACE: Duration = Duration::from_secs(2);

/// How the FunctionErrorMessage of a result that fails validation starts (`runtime::validate`):
/// CloudFront answers those with a 502, and other failures with a 503.
const VALIDATION_FAILURE: &str = "The function's result failed CloudFront validation";

/// What `cfjwt serve` is asked for.
#[derive(Clone, Debug)]
pub struct Config {
    /// The function file.
    pub file: PathBuf,
    /// The directory the local origin serves files from.
    pub root: PathBuf,
    /// The port on 127.0.0.1; 0 for a free one.
    pub port: u16,
    /// A KeyValueStore file (see [`runtime::load_store`]).
    pub kvs: Option<PathBuf>,
    /// The time the function sees, in Unix seconds; none for the clock at each request.
    pub now: Option<f64>,
    /// None for the file's marker comment, else cloudfront-js-2.0.
    pub runtime: Option<Runtime>,
    /// The origins whose requests get CORS headers on what the root answers (`--cors-origin`).
    pub cors_origins: Vec<String>,
}

/// Why the server cannot start. The message is one sentence naming the problem.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("--root {}: not a directory", path.display())]
    Root { path: PathBuf },
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("cannot listen on 127.0.0.1:{port}: {message}")]
    Bind { port: u16, message: String },
}

/// The function and what every run of it needs.
struct Function {
    code: String,
    runtime: Runtime,
    now: Option<f64>,
    kvs: Option<BTreeMap<String, String>>,
}

impl Function {
    /// The options of one run, as `cfjwt test` makes them.
    fn options(&self) -> Options {
        let now_ms = match self.now {
            Some(s) => s * 1000.0,
            None => SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as f64).unwrap_or(0.0),
        };
        Options { runtime: self.runtime, now_ms, kvs: self.kvs.clone(), time_limit: Duration::from_secs(1) }
    }
}

/// Stops a running [`Server`]; cheap to clone and to send to a signal handler's thread.
#[derive(Clone)]
pub struct Stopper {
    http: Arc<tiny_http::Server>,
    stopped: Arc<AtomicBool>,
}

impl Stopper {
    /// Makes every worker return once it has answered the request it serves (if any).
    pub fn stop(&self) {
        if !self.stopped.swap(true, Ordering::SeqCst) {
            for _ in 0..WORKERS {
                self.http.unblock();
            }
        }
    }
}

/// A server listening on 127.0.0.1, ready to [`run`](Server::run).
pub struct Server {
    http: Arc<tiny_http::Server>,
    addr: SocketAddr,
    shared: Arc<Shared>,
    stopped: Arc<AtomicBool>,
    /// The function file, as given.
    file: PathBuf,
}

/// What every worker reads.
struct Shared {
    function: Function,
    root: PathBuf,
    cors_origins: Vec<String>,
}

impl Server {
    /// Reads the function (which must compile and define a handler) and its store, checks the
    /// root, and listens.
    pub fn bind(config: &Config) -> Result<Server, ServeError> {
        let root = config
            .root
            .canonicalize()
            .ok()
            .filter(|r| r.is_dir())
            .ok_or(ServeError::Root { path: config.root.clone() })?;
        let code = std::fs::read_to_string(&config.file)
            .map_err(|source| InputError::Read { path: config.file.clone(), source })?;
        let kvs = config.kvs.as_deref().map(runtime::load_store).transpose()?;
        let runtime = config.runtime.or_else(|| Runtime::from_marker(&code)).unwrap_or_default();
        let function = Function { code, runtime, now: config.now, kvs };
        // Compiled once here, with no event, so that a function that cannot run is refused now.
        runtime::run(&function.code, &[], &function.options())
            .map_err(|source| InputError::Function { path: config.file.clone(), source })?;
        let http = tiny_http::Server::http(("127.0.0.1", config.port))
            .map_err(|e| ServeError::Bind { port: config.port, message: e.to_string() })?;
        let addr = http
            .server_addr()
            .to_ip()
            .ok_or(ServeError::Bind { port: config.port, message: "not an IP address".into() })?;
        Ok(Server {
            http: Arc::new(http),
            addr,
            shared: Arc::new(Shared { function, root, cors_origins: config.cors_origins.clone() }),
            file: config.file.clone(),
            stopped: Arc::new(AtomicBool::new(false)),
        })
    }

    /// What would make every request fail for a reason of the local setup: a function that reads
    /// the KeyValueStore, served without `--kvs`.
    pub fn warnings(&self) -> Vec<runtime::report::Warning> {
        let f = &self.shared.function;
        match f.kvs {
            None if runtime::reads_store(&f.code) => {
                vec![runtime::report::Warning::NoStore { file: self.file.display().to_string() }]
            }
            _ => Vec::new(),
        }
    }

    /// The address it listens on (the port is the one picked, for `--port 0`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What stops [`run`](Server::run).
    pub fn stopper(&self) -> Stopper {
        Stopper { http: Arc::clone(&self.http), stopped: Arc::clone(&self.stopped) }
    }

    /// Serves requests on [`WORKERS`] threads until stopped, giving `log` one line per request.
    /// Once stopped, waits a little for the requests being answered, then returns.
    pub fn run(self, log: Arc<dyn Fn(&str) + Send + Sync>) {
        let (done, finished) = mpsc::channel();
        for _ in 0..WORKERS {
            let (http, shared, stopped, log, done) = (
                Arc::clone(&self.http),
                Arc::clone(&self.shared),
                Arc::clone(&self.stopped),
                Arc::clone(&log),
                done.clone(),
            );
            std::thread::spawn(move || {
                loop {
                    match http.recv() {
                        Ok(request) => shared.serve(request, &*log),
                        Err(_) if stopped.load(Ordering::SeqCst) => break,
                        Err(_) => {}
                    }
                }
                let _ = done.send(());
            });
        }
        drop(done);
        let mut waiting = WORKERS;
        // Until stopped, every worker runs; after, each returns within its request's time.
        while waiting > 0 {
            let wait = if self.stopped.load(Ordering::SeqCst) { STOP_GRACE } else { Duration::from_millis(200) };
            match finished.recv_timeout(wait) {
                Ok(()) => waiting -= 1,
                Err(mpsc::RecvTimeoutError::Timeout) if !self.stopped.load(Ordering::SeqCst) => {}
                Err(_) => break,
            }
        }
    }
}

/// What answers one request.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
    /// For the log: the verdict and reason (`allow`, `deny:CODE`, ...; `-` when the function did
    /// not run), and anything to add (an error, the URI the origin was asked for).
    verdict: String,
    note: Option<String>,
}

enum Body {
    Bytes(Vec<u8>),
    File { file: File, start: u64, len: u64 },
}

impl Answer {
    fn text(status: u16, verdict: &str, text: &str, note: Option<String>) -> Answer {
        Answer {
            status,
            headers: vec![("content-type".into(), "text/plain; charset=utf-8".into())],
            body: Body::Bytes(format!("{text}\n").into_bytes()),
            verdict: verdict.to_owned(),
            note,
        }
    }
}

impl Shared {
    fn serve(&self, request: tiny_http::Request, log: &dyn Fn(&str)) {
        let start = Instant::now();
        let method = request.method().as_str().to_owned();
        let target = request.url().to_owned();
        let answer = self.answer(&request, &method, &target);
        let mut line = format!(
            "{method} {} {} {} {:.1}ms",
            target.split_once('?').map_or(target.as_str(), |(path, _)| path),
            answer.verdict,
            answer.status,
            start.elapsed().as_secs_f64() * 1000.0
        );
        if let Some(note) = &answer.note {
            line.push_str(": ");
            line.push_str(note);
        }
        let mut headers: Vec<tiny_http::Header> = answer
            .headers
            .iter()
            .filter_map(|(name, value)| tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).ok())
            .collect();
        // The function's response may leave the type out; tiny_http would then say text/plain.
        if !answer.headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("content-type")) {
            headers.extend(tiny_http::Header::from_bytes(&b"Content-Type"[..], &b"application/octet-stream"[..]));
        }
        let status = tiny_http::StatusCode(answer.status);
        let sent = match answer.body {
            Body::Bytes(bytes) => {
                let len = bytes.len();
                request.respond(tiny_http::Response::new(status, headers, &bytes[..], Some(len), None))
            }
            Body::File { mut file, start, len } => match file.seek(SeekFrom::Start(start)) {
                Ok(_) => {
                    let reader = file.take(len);
                    request.respond(tiny_http::Response::new(status, headers, reader, Some(len as usize), None))
                }
                Err(e) => Err(e),
            },
        };
        if let Err(e) = sent {
            line.push_str(&format!(" (not sent: {e})"));
        }
        log(&line);
    }

    fn answer(&self, request: &tiny_http::Request, method: &str, target: &str) -> Answer {
        if !event::METHODS.contains(&method) {
            return Answer::text(405, "-", "405 Method Not Allowed", Some("not a method CloudFront takes".into()));
        }
        let url = UrlRequest {
            url: target.to_owned(),
            method: Some(method.to_owned()),
            headers: request.headers().iter().map(|h| format!("{}: {}", h.field, h.value)).collect(),
            cookies: Vec::new(),
            ip: request.remote_addr().map(|a| a.ip().to_canonical().to_string()),
        };
        let event = match event::from_url(&url) {
            Ok(event) => event,
            Err(e) => {
                return Answer::text(400, "-", "400 Bad Request", Some(format!("no event for this request: {e}")))
            }
        };
        let result = match runtime::run(&self.function.code, std::slice::from_ref(&event), &self.function.options()) {
            Ok(mut results) => results.remove(0),
            Err(e) => return Answer::text(503, "FAILED", "503 Service Unavailable", Some(e.to_string())),
        };
        let verdict = match (report::verdict(&result), report::reason(&result)) {
            (verdict, Some(reason)) => format!("{verdict}:{}", reason.code),
            (verdict, None) => verdict.to_string(),
        };
        if result.failed() {
            let (status, text) = if result.function_error_message.starts_with(VALIDATION_FAILURE) {
                (502, "502 Bad Gateway")
            } else {
                (503, "503 Service Unavailable")
            };
            return Answer::text(status, &verdict, text, Some(result.function_error_message.clone()));
        }
        let output: Value = serde_json::from_str(&result.function_output).unwrap_or_default();
        let mut answer = match report::verdict(&result) {
            Verdict::Allow => {
                let mut answer = self.origin(&output["request"], method, &event.json()["request"]);
                self.add_cors(&mut answer, request);
                answer
            }
            _ => response(&output["response"]),
        };
        answer.verdict = verdict;
        answer
    }

    /// With `--cors-origin`: `vary: origin` on every answer of the root, and, for a request whose
    /// `origin` header is a listed origin (exact match), `access-control-allow-origin` and
    /// `access-control-allow-credentials: true`.
    fn add_cors(&self, answer: &mut Answer, request: &tiny_http::Request) {
        if self.cors_origins.is_empty() {
            return;
        }
        let origin = request.headers().iter().find(|h| h.field.equiv("origin")).map(|h| h.value.as_str());
        if let Some(origin) = origin.filter(|o| self.cors_origins.iter().any(|listed| listed == o)) {
            answer.headers.push(("access-control-allow-origin".into(), origin.to_owned()));
            answer.headers.push(("access-control-allow-credentials".into(), "true".into()));
        }
        answer.headers.push(("vary".into(), "origin".into()));
    }

    /// What the origin answers to the request the function let through.
    fn origin(&self, request: &Value, method: &str, received: &Value) -> Answer {
        let uri = request["uri"].as_str().unwrap_or("/");
        let rewritten = (Some(uri) != received["uri"].as_str()).then(|| format!("origin {uri}"));
        if method != "GET" && method != "HEAD" {
            return Answer::text(405, "", "405 Method Not Allowed", rewritten);
        }
        let path = match origin::resolve(&self.root, uri) {
            Ok(path) => path,
            Err(origin::Refused::BadPath(why)) => {
                return Answer::text(400, "", "400 Bad Request", Some(format!("origin {uri}: {why}")))
            }
            Err(origin::Refused::NotFound) => return Answer::text(404, "", "404 Not Found", rewritten),
        };
        let opened = File::open(&path).and_then(|f| f.metadata().map(|m| (f, m.len())));
        let Ok((file, size)) = opened else {
            return Answer::text(404, "", "404 Not Found", Some(format!("origin {uri}: cannot read it")));
        };
        let mut headers = vec![
            ("content-type".to_owned(), origin::content_type(&path).to_owned()),
            ("accept-ranges".to_owned(), "bytes".to_owned()),
        ];
        let range = request.pointer("/headers/range/value").and_then(Value::as_str);
        let (status, start, len) = match origin::range(range, size) {
            origin::Range::Whole => (200, 0, size),
            origin::Range::Part { start, end } => {
                headers.push(("content-range".into(), format!("bytes {start}-{end}/{size}")));
                (206, start, end - start + 1)
            }
            origin::Range::Unsatisfiable => {
                let mut answer = Answer::text(416, "", "416 Range Not Satisfiable", rewritten);
                answer.headers.push(("content-range".into(), format!("bytes */{size}")));
                return answer;
            }
        };
        Answer { status, headers, body: Body::File { file, start, len }, verdict: String::new(), note: rewritten }
    }
}

/// The function's own response, as CloudFront sends it: its status, headers (each value of a
/// `multiValue` on its own line), cookies as `set-cookie` headers with their attributes, and body.
fn response(response: &Value) -> Answer {
    let status = response["statusCode"].as_u64().and_then(|s| u16::try_from(s).ok()).unwrap_or(502);
    let mut headers = Vec::new();
    let each = |entry: &Value| -> Vec<Value> {
        match entry.get("multiValue").and_then(Value::as_array) {
            Some(values) if !values.is_empty() => values.clone(),
            _ => vec![entry.clone()],
        }
    };
    if let Some(map) = response["headers"].as_object() {
        for (name, entry) in map {
            // The length is the body's, whatever the function says.
            if name == "content-length" || name == "transfer-encoding" {
                continue;
            }
            for value in each(entry) {
                headers.push((name.clone(), value["value"].as_str().unwrap_or("").to_owned()));
            }
        }
    }
    if let Some(map) = response["cookies"].as_object() {
        for (name, entry) in map {
            for value in each(entry) {
                let mut cookie = format!("{name}={}", value["value"].as_str().unwrap_or(""));
                if let Some(attributes) = value["attributes"].as_str().filter(|a| !a.is_empty()) {
                    cookie.push_str("; ");
                    cookie.push_str(attributes.trim_start_matches([';', ' ']));
                }
                headers.push(("set-cookie".into(), cookie));
            }
        }
    }
    let body = match &response["body"] {
        Value::String(text) => text.clone().into_bytes(),
        Value::Object(body) => {
            let data = body.get("data").and_then(Value::as_str).unwrap_or("");
            match body.get("encoding").and_then(Value::as_str) {
                Some("base64") => base64::engine::general_purpose::STANDARD.decode(data).unwrap_or_default(),
                _ => data.as_bytes().to_vec(),
            }
        }
        _ => Vec::new(),
    };
    Answer { status, headers, body: Body::Bytes(body), verdict: String::new(), note: None }
}
