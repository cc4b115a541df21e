// `make bench`: size, per-request cost under njs and in the bundled engine, `gen` time and `cfjwt test` throughput, side by side in one table.
//
// What it measures, for every policy in examples/, for each policy's hand-written baseline and for
// two more reference handlers in benches/:
//
// * bytes: the minified output of `cfjwt gen` and its share of CloudFront's 10,240-byte limit;
// * gen ms: median wall time of the release binary writing the function (process start included);
// * per-request time with a valid token and with three malformed ones (two segments, a character
//   outside base64url, a 42-character signature), under njs (`/usr/bin/njs`, the engine CloudFront
//   Functions is built on) and in the bundled engine (`cfjwt::runtime::run`).
//
// How: every (handler, token) pair is one case. A round runs every case once, njs first, then the
// bundled engine; rounds repeat, so drift hits every case alike (interleaved rounds). Under njs a
// case is one process calling the handler `iters` times, in 5 batches, on an event built fresh
// each call (njs keeps all memory until it exits, so the count per process stays bounded); the
// time comes from `Date.now()` with each batch's start aligned to a millisecond edge and the last
// partial millisecond measured by spinning, which gives microsecond resolution. njs runs with
// glibc's malloc on transparent huge pages (CFJWT_BENCH_HUGEPAGES=0 turns that off), so that the
// page faults of a process that never frees (a harness artefact) weigh less. In the bundled
// engine a case is 5 `runtime::run` calls over a fifth of `events` copies of the event each,
// each call timed whole, and 5 calls over one event, which time what a call costs before its
// events (building the engine, compiling the function, its top level): the fastest one-event
// call is taken from the fastest batch, and the rest divided among the batch's other events. A
// round's sample is the fastest batch, so a batch that lost the processor to another process
// does not count; the result is the median of the rounds.
//
// The cost of building, passing and checking the event is measured the same way with an empty
// handler on the same event shape and subtracted: `function handler(e){return e.request}` for
// valid tokens, and for malformed ones a handler that returns a ready-made 401 (the engine
// serialises and checks what a handler returns, and a response costs it less than a request);
// `async` forms for async handlers. Under njs the empty handler is a case of its own in the same
// round; in the bundled engine it runs right before the case, on the same batches. A case's cost
// is the median over rounds of (case - empty).
//
// References: one baseline per policy, its checks written by hand, plainly and carefully, making the
// same decisions as the generated function (`baseline.js` for the seed policy, `baseline-NAME.js`
// for examples/NAME.json), measured on the same requests as that policy; `floor.js` (one
// HMAC-SHA256 and one comparison), on the seed's token and, as `floor@NAME`, on the token of each
// policy whose token is longer (more claims: a longer signing input costs the HMAC more), always
// in `?jwt=`; `aws-sample-style.js` (our rewrite of the public AWS sample's approach), on the seed
// policy's requests. The baselines check the header and payload segments' alphabet only by
// decoding them, so they accept a correctly signed token whose segment ends in stray characters
// (which only the key's holder can make) and do a little less work than the generated functions.
// ×base is a handler's valid-token cost over that of the baseline of the policy whose requests
// or token it is measured on (the seed's for the sample and plain extras); ×floor is over the
// valid-token cost of floor.js on the same policy's token, ×sample over that of
// aws-sample-style.js. All on the same engine, from the same run.
//
// Knobs (environment): CFJWT_BENCH_ROUNDS (default 15), CFJWT_BENCH_NJS_ITERS (4000),
// CFJWT_BENCH_ENGINE_EVENTS (1000), CFJWT_BENCH_ENGINE_PER_ROUND (1), CFJWT_BENCH_GEN_RUNS (21),
// CFJWT_BENCH_TEST_EVENTS (20000), CFJWT_BENCH_RAW=1 (print every sample),
// CFJWT_BENCH_POLICIES (comma-separated policy names to keep, e.g. `seed,full`; their baselines are
// kept with them),
// CFJWT_BENCH_EXTRA (comma-separated .js files measured like the seed policy, token in ?jwt=, or
// `FILE.js@POLICY` with the requests made for examples/POLICY.json: for trying hand-edited
// variants of generated code side by side), CFJWT_BENCH_NO_ENGINE=1,
// CFJWT_BENCH_TOPLEVEL=1 (under njs, run the function's top-level code again on every call, as
// a fresh invocation would: for judging what moving work to the top level really saves),
// CFJWT_BENCH_HUGEPAGES=0 (njs on the default 4 KB pages).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cfjwt::cloudfront::{Runtime, MAX_CODE_BYTES};
use cfjwt::runtime::{self, Event, Options};
use serde_json::Value;

// The tests' harness pieces: running njs with the KeyValueStore stand-in, signing tokens,
// building events, and the requests measured here (which tests/it/baselines.rs also runs, to
// hold every baseline to the generated function's decisions on them).
#[path = "../tests/it/harness/events.rs"]
mod events;
#[path = "../tests/it/harness/njs.rs"]
mod njs;
#[path = "../tests/it/harness/scenario.rs"]
mod scenario;
#[path = "../tests/it/harness/sign.rs"]
mod sign;

use scenario::{runtime_of, Kind, Scenario, Source, MALFORMED};
/// Each sample is the fastest of this many batches (njs: of calls in one process; the bundled
/// engine: of runs over a share of the events).
const BATCHES: usize = 5;
const EMPTY: &str = "function handler(e){return e.request}";
const EMPTY_ASYNC: &str = "async function handler(e){return e.request}";
/// The reference for malformed tokens: returns a ready 401, so that what the harness does with a
/// response (the bundled engine serialises and checks it) is subtracted too.
const EMPTY_DENY: &str = "var D={statusCode:401,statusDescription:\"Unauthorized\",headers:{\"www-authenticate\":{value:\"Bearer\"}}};function handler(e){return D}";
const EMPTY_DENY_ASYNC: &str = "var D={statusCode:401,statusDescription:\"Unauthorized\",headers:{\"www-authenticate\":{value:\"Bearer\"}}};async function handler(e){return D}";

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Config {
    rounds: usize,
    njs_iters: usize,
    njs_warmup: usize,
    engine_events: usize,
    /// Engine rounds per njs round.
    engine_per_round: usize,
    gen_runs: usize,
    test_events: usize,
    engine: bool,
    /// Under njs, run the function's top-level code again on every call.
    top_level: bool,
    /// Run njs with glibc's malloc on transparent huge pages.
    huge_pages: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Policy,
    Baseline,
    Sample,
    Floor,
    Extra,
    Empty,
}

struct Handler {
    name: String,
    code: String,
    runtime: Runtime,
    scenario: Scenario,
    /// The policy whose requests `scenario` makes (`seed` for the seed's): picks the baseline
    /// that ×base divides by.
    scenario_of: String,
    role: Role,
    is_async: bool,
    /// Bytes of the generated (minified) output, for policies.
    bytes: Option<usize>,
    /// The policy file, for `gen` timing.
    policy: Option<PathBuf>,
}

impl Handler {
    fn new(name: &str, code: String, runtime: Runtime, scenario: Scenario, role: Role) -> Handler {
        let is_async = code.contains("async function handler");
        Handler {
            name: name.into(),
            code,
            runtime,
            scenario,
            scenario_of: "seed".into(),
            role,
            is_async,
            bytes: None,
            policy: None,
        }
    }
}

struct Case {
    handler: usize,
    kind: Kind,
    /// The empty-handler case measured on the same event shape (None for the empties themselves).
    reference: Option<usize>,
    token: String,
    njs_script: PathBuf,
    /// The bundled engine's events: copies of the event, normalised once, as `cfjwt test` reads them.
    events: Vec<Event>,
    njs: Vec<f64>,
    engine: Vec<f64>,
    /// The empty handler's time measured just before each `engine` sample.
    engine_empty: Vec<f64>,
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let cfjwt = PathBuf::from(env!("CARGO_BIN_EXE_cfjwt"));
    let cfg = Config {
        rounds: env_num("CFJWT_BENCH_ROUNDS", 15).max(1),
        njs_iters: env_num("CFJWT_BENCH_NJS_ITERS", 4000).max(100),
        njs_warmup: 200,
        engine_events: env_num("CFJWT_BENCH_ENGINE_EVENTS", 1000).max(10),
        engine_per_round: env_num("CFJWT_BENCH_ENGINE_PER_ROUND", 1).max(1),
        gen_runs: env_num("CFJWT_BENCH_GEN_RUNS", 21).max(1),
        test_events: env_num("CFJWT_BENCH_TEST_EVENTS", 20_000).max(1),
        engine: std::env::var("CFJWT_BENCH_NO_ENGINE").map_or(true, |v| v.is_empty() || v == "0"),
        top_level: std::env::var("CFJWT_BENCH_TOPLEVEL").is_ok_and(|v| !v.is_empty() && v != "0"),
        huge_pages: std::env::var("CFJWT_BENCH_HUGEPAGES").map_or(true, |v| v != "0"),
    };
    if !Path::new(njs::BINARY).exists() {
        eprintln!("bench: {} is missing: run `make deps` (installs Debian's njs)", njs::BINARY);
        std::process::exit(2);
    }
    let started = Instant::now();
    print_machine(&cfg);

    let key_file = root.join("examples/demo.key");
    let key = std::fs::read_to_string(&key_file).expect("examples/demo.key");
    let key = key.strip_suffix('\n').map(|k| k.strip_suffix('\r').unwrap_or(k)).unwrap_or(&key).to_owned();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let work = tempfile::tempdir().expect("a temporary directory");

    // Handlers: the policies in examples/, their baselines, the other references, extras, empties.
    let mut handlers = policy_handlers(&root, &cfjwt, &key_file, &key, now);
    let baselines: Vec<Handler> = handlers.iter().filter_map(|p| baseline_handler(&root, p)).collect();
    handlers.extend(baselines);
    let reference = |file: &str, role: Role| {
        let code =
            std::fs::read_to_string(root.join("benches").join(file)).unwrap_or_else(|e| panic!("benches/{file}: {e}"));
        Handler::new(file.trim_end_matches(".js"), code, Runtime::Js2, Scenario::seed(now), role)
    };
    handlers.push(reference("aws-sample-style.js", Role::Sample));
    handlers.push(reference("floor.js", Role::Floor));
    let floors: Vec<Handler> = handlers.iter().filter_map(|p| floor_handler(&handlers, p)).collect();
    handlers.extend(floors);
    if let Ok(extra) = std::env::var("CFJWT_BENCH_EXTRA") {
        for item in extra.split(',').filter(|p| !p.is_empty()) {
            // `FILE.js` takes the seed's requests; `FILE.js@POLICY` those of examples/POLICY.json.
            let (path, scenario, scenario_of) = match item.rsplit_once('@') {
                Some((path, policy)) => {
                    let file = root.join("examples").join(format!("{policy}.json"));
                    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
                    let policy: Value =
                        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
                    let name = file.file_stem().unwrap().to_string_lossy().into_owned();
                    (path, Scenario::for_policy(&policy, now, &key), name)
                }
                None => (item, Scenario::seed(now), "seed".to_owned()),
            };
            let code = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
            let name = Path::new(path).file_stem().unwrap().to_string_lossy().into_owned();
            let rt = runtime_of(&code);
            let mut h = Handler::new(&name, code, rt, scenario, Role::Extra);
            h.scenario_of = scenario_of;
            handlers.push(h);
        }
    }

    // Cases, with one empty-handler case per (token source, sync/async, runtime, valid/denied) in use.
    let mut cases: Vec<Case> = Vec::new();
    let mut empties: BTreeMap<(Source, bool, bool, bool), usize> = BTreeMap::new();
    let measured = handlers.len();
    for h in 0..measured {
        let kinds: &[Kind] = if handlers[h].role == Role::Floor {
            &[Kind::Valid]
        } else {
            &[Kind::Valid, Kind::Segments, Kind::Alphabet, Kind::SigLength]
        };
        for &kind in kinds {
            let deny = kind != Kind::Valid;
            let shape =
                (handlers[h].scenario.source.clone(), handlers[h].is_async, handlers[h].runtime == Runtime::Js1, deny);
            let empty_case = match empties.get(&shape) {
                Some(&c) => c,
                None => {
                    let code = match (shape.1, deny) {
                        (false, false) => EMPTY,
                        (true, false) => EMPTY_ASYNC,
                        (false, true) => EMPTY_DENY,
                        (true, true) => EMPTY_DENY_ASYNC,
                    };
                    let mut scenario = handlers[h].scenario.clone();
                    scenario.kvs = None;
                    let mut empty = Handler::new("empty", code.into(), handlers[h].runtime, scenario, Role::Empty);
                    empty.name = format!(
                        "empty{} ({}{}{})",
                        if deny { " 401" } else { "" },
                        shape.0.label(),
                        if shape.1 { ", async" } else { "" },
                        if shape.2 { ", 1.0" } else { "" }
                    );
                    handlers.push(empty);
                    let idx = handlers.len() - 1;
                    // The empties run on a valid token's event; a 401 one is expected to deny.
                    cases.push(new_case(
                        &handlers,
                        idx,
                        if deny { Kind::Segments } else { Kind::Valid },
                        None,
                        &key,
                        work.path(),
                        &cfg,
                    ));
                    empties.insert(shape.clone(), cases.len() - 1);
                    cases.len() - 1
                }
            };
            cases.push(new_case(&handlers, h, kind, Some(empty_case), &key, work.path(), &cfg));
        }
    }

    check_outcomes(&handlers, &cases, &cfg);

    eprintln!(
        "bench: {} handlers, {} cases, {} rounds ({} njs calls per case and round, {} engine events)",
        handlers.len(),
        cases.len(),
        cfg.rounds,
        cfg.njs_iters,
        cfg.engine_events
    );
    for round in 0..cfg.rounds {
        for case in cases.iter_mut() {
            let ns = njs_run(&case.njs_script, cfg.huge_pages)
                .unwrap_or_else(|e| panic!("njs, {}: {e}", handlers[case.handler].name));
            case.njs.push(ns.0);
        }
        if cfg.engine {
            for _ in 0..cfg.engine_per_round {
                engine_round(&handlers, &mut cases, now);
            }
        }
        eprintln!("bench: round {}/{} done ({:.0} s)", round + 1, cfg.rounds, started.elapsed().as_secs_f64());
    }

    let gen = gen_times(&cfjwt, &key_file, &handlers, cfg.gen_runs);
    let throughput = test_throughput(&cfjwt, &handlers, &cases, work.path(), cfg.test_events);

    if std::env::var("CFJWT_BENCH_RAW").is_ok_and(|v| !v.is_empty()) {
        for c in &cases {
            eprintln!(
                "raw {} {}: njs {:?} engine {:?}",
                handlers[c.handler].name,
                c.kind.name(),
                c.njs.iter().map(|v| (v / 10.0).round() / 100.0).collect::<Vec<_>>(),
                c.engine.iter().map(|v| (v / 10.0).round() / 100.0).collect::<Vec<_>>()
            );
        }
    }
    print_table(&handlers, &cases, &gen, &cfg);
    print_extras(&handlers, &cases, &gen, throughput, &cfg);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average at end: {}", load.split_whitespace().take(3).collect::<Vec<_>>().join(" "));
    eprintln!("bench: finished in {:.0} s", started.elapsed().as_secs_f64());
}

fn print_machine(cfg: &Config) {
    let uname = Command::new("uname")
        .arg("-m")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name") || l.starts_with("Model") || l.starts_with("cpu model"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_else(|| "unknown".into());
    let nproc = Command::new("nproc")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let njs = Command::new(njs::BINARY)
        .arg("-v")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let rev = Command::new("git")
        .args(["describe", "--always", "--dirty"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    println!("machine: {uname}, {model}, nproc {nproc}");
    println!(
        "njs {njs} ({}); bundled engine rquickjs (QuickJS-NG); cfjwt {} at {rev}",
        njs::BINARY,
        env!("CARGO_PKG_VERSION")
    );
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "method: medians of {} interleaved rounds; njs: {} calls per process and round{}{}; engine: {} run(s) of {} events per round; empty-handler cost subtracted",
        cfg.rounds,
        cfg.njs_iters,
        if cfg.huge_pages { ", malloc on huge pages" } else { ", 4 KB pages" },
        if cfg.top_level { ", top-level code re-run on every call" } else { "" },
        cfg.engine_per_round,
        cfg.engine_events
    );
    println!("load average at start: {}", load.split_whitespace().take(3).collect::<Vec<_>>().join(" "));
    println!();
}

/// Generates every policy in examples/ (the six main examples first, then any others by name).
fn policy_handlers(root: &Path, cfjwt: &Path, key_file: &Path, key: &str, now: i64) -> Vec<Handler> {
    const ORDER: [&str; 6] = ["seed", "seed-js1", "full", "api-bearer", "video-cookie", "kvs-rotation"];
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("examples"))
        .expect("examples/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    let rank = |p: &PathBuf| {
        let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
        (ORDER.iter().position(|o| *o == stem).unwrap_or(ORDER.len()), stem)
    };
    files.sort_by_key(rank);
    let keep: Option<Vec<String>> = std::env::var("CFJWT_BENCH_POLICIES")
        .ok()
        .filter(|v| !v.is_empty())
        .map(|v| v.split(',').map(str::to_owned).collect());
    let mut out = Vec::new();
    for file in files {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        if keep.as_ref().is_some_and(|k| !k.contains(&name)) {
            continue;
        }
        let policy: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let output = Command::new(cfjwt).args(gen_args(&file, key_file, &policy)).output().expect("cfjwt gen runs");
        assert!(output.status.success(), "cfjwt gen {}: {}", file.display(), String::from_utf8_lossy(&output.stderr));
        let code = String::from_utf8(output.stdout).expect("UTF-8 output");
        let rt = runtime_of(&code);
        let mut h = Handler::new(&name, code, rt, Scenario::for_policy(&policy, now, key), Role::Policy);
        h.bytes = Some(h.code.len());
        h.policy = Some(file);
        h.scenario_of = name;
        out.push(h);
    }
    out
}

/// The hand-written baseline of a policy handler (benches/baseline.js for the seed policy,
/// benches/baseline-NAME.js for examples/NAME.json), measured on the policy's own requests; None,
/// with a note, when the file is missing.
fn baseline_handler(root: &Path, policy: &Handler) -> Option<Handler> {
    let file = if policy.name == "seed" { "baseline.js".to_owned() } else { format!("baseline-{}.js", policy.name) };
    let code = match std::fs::read_to_string(root.join("benches").join(&file)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("bench: no benches/{file} ({e}): ×base left blank for {}", policy.name);
            return None;
        }
    };
    let rt = runtime_of(&code);
    let mut h = Handler::new(file.trim_end_matches(".js"), code, rt, policy.scenario.clone(), Role::Baseline);
    h.scenario_of = policy.scenario_of.clone();
    Some(h)
}

/// floor.js on the token of a policy handler whose valid token differs from the seed's (more
/// claims make a longer signing input, so one HMAC of it costs more), in `?jwt=`, so that a
/// policy's ×floor divides by one HMAC and comparison of its own token. None for other handlers
/// and for policies whose token is the seed's.
fn floor_handler(handlers: &[Handler], policy: &Handler) -> Option<Handler> {
    let seed = handlers.iter().find(|h| h.role == Role::Floor && h.scenario_of == "seed")?;
    if policy.role != Role::Policy || policy.scenario.claims == seed.scenario.claims {
        return None;
    }
    let scenario = Scenario { source: Source::Query("jwt".into()), claims: policy.scenario.claims.clone(), kvs: None };
    let mut h = Handler::new(&format!("floor@{}", policy.name), seed.code.clone(), seed.runtime, scenario, Role::Floor);
    h.scenario_of = policy.scenario_of.clone();
    Some(h)
}

fn gen_args(file: &Path, key_file: &Path, policy: &Value) -> Vec<String> {
    let mut args = vec!["gen".to_owned(), "--config".to_owned(), file.display().to_string()];
    if policy.pointer("/key/kvs").is_none() {
        args.push("--key-file".into());
        args.push(key_file.display().to_string());
    }
    args
}

#[allow(clippy::too_many_arguments)]
fn new_case(
    handlers: &[Handler],
    h: usize,
    kind: Kind,
    reference: Option<usize>,
    key: &str,
    dir: &Path,
    cfg: &Config,
) -> Case {
    let handler = &handlers[h];
    let token = scenario::token(key, &handler.scenario.claims, kind);
    let event = handler.scenario.event(&token);
    let case_dir = dir.join(format!("h{h}-{}", kind.name().replace(' ', "-")));
    std::fs::create_dir_all(&case_dir).unwrap();
    let script = njs_script(handler, &event, cfg.njs_iters, cfg.njs_warmup, cfg.top_level);
    let njs_script = njs::write_module(&case_dir, &script);
    Case {
        handler: h,
        kind,
        reference,
        token,
        njs_script,
        events: vec![runtime::normalize_event(event).expect("a valid event"); cfg.engine_events],
        njs: Vec::new(),
        engine: Vec::new(),
        engine_empty: Vec::new(),
    }
}

/// The njs program for one case: the handler's code, then a driver that times `iters` calls.
fn njs_script(h: &Handler, event: &Value, iters: usize, warmup: usize, top_level: bool) -> String {
    // `njs::write_module` points the imports of `cloudfront` at its KeyValueStore stand-in,
    // which reads the store from `globalThis.__kvs`.
    let code = &h.code;
    let store = serde_json::to_string(&h.scenario.kvs.clone().unwrap_or_default()).unwrap();
    // With CFJWT_BENCH_TOPLEVEL, every call also runs the function's top-level code again (as a
    // fresh invocation would): the code minus its imports, whose bindings the module already has,
    // becomes the body of `setup`, which returns its own `handler`.
    let (setup, call) = if top_level {
        (format!("function setup() {{\n{}\nreturn handler;\n}}\n", without_imports(&h.code)), "setup()(mk())")
    } else {
        (String::new(), "handler(mk())")
    };
    // A JSON object is a JavaScript object literal: `mk()` builds the event afresh on every call.
    let event = serde_json::to_string(event).unwrap();
    // The calls are timed in BATCHES batches; the fastest counts, so that a batch in which the
    // process lost the processor to another one does not.
    let call_loop = if h.is_async {
        format!("async function run() {{\n  var i, r, b, ms, best = Infinity;\n  for (i = 0; i < W; i++) r = await {call};\n  for (b = 0; b < BATCHES; b++) {{\n    var t0 = edge();\n    for (i = 0; i < NB; i++) r = await {call};\n    ms = since(t0);\n    if (ms < best) best = ms;\n  }}\n  report(r, best);\n}}\nrun().catch(function (e) {{ console.log('@@' + JSON.stringify({{error: String(e)}})); }});")
    } else {
        format!("var i, r, b, ms, best = Infinity;\nfor (i = 0; i < W; i++) r = {call};\nfor (b = 0; b < BATCHES; b++) {{\n  var t0 = edge();\n  for (i = 0; i < NB; i++) r = {call};\n  ms = since(t0);\n  if (ms < best) best = ms;\n}}\nreport(r, best);")
    };
    format!(
        "{code}\n;{setup}(function () {{\nglobalThis.__kvs = {store};\nvar BATCHES = {BATCHES}, NB = {nb}, W = {warmup};\nfunction mk() {{ return {event}; }}\n{DRIVER}\n{call_loop}\n}})();\n",
        nb = iters.div_ceil(BATCHES)
    )
}

/// The code with its `import X from "m";` declarations removed (they start a statement and end
/// at the first `;` or line break after the module name).
fn without_imports(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("import ") {
        let line = rest[..at].rsplit('\n').next().unwrap_or("").trim_end();
        let starts_statement = line.is_empty() || line.ends_with(';') || line.ends_with('}');
        let after = &rest[at..];
        let Some(from) = after.find("from") else {
            break;
        };
        let tail = &after[from + 4..];
        let end = tail.find([';', '\n']).map_or(tail.len(), |e| e + 1);
        if !starts_statement {
            out.push_str(&rest[..at + 7]);
            rest = &rest[at + 7..];
            continue;
        }
        out.push_str(&rest[..at]);
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Timing helpers for the njs driver: `Date.now()` ticks once a millisecond; the start is put on a
/// tick and the last partial millisecond is measured in spins of a calibrated loop.
const DRIVER: &str = r#"function spinsPerMs() {
  var r = [], j, t, c;
  for (j = 0; j < 7; j++) { t = Date.now(); while (Date.now() === t); t = Date.now(); c = 0; while (Date.now() === t) c++; r.push(c); }
  r.sort(function (a, b) { return a - b; });
  return r[3];
}
var KS = spinsPerMs();
function edge() { var s = Date.now(); while (Date.now() === s); return Date.now(); }
function since(t0) {
  var t1 = Date.now(), c = 0;
  while (Date.now() === t1) c++;
  return t1 + 1 - c / KS - t0;
}
function report(r, ms) {
  console.log('@@' + JSON.stringify({ns: ms * 1e6 / NB, denied: !!(r && r.statusCode), status: r && r.statusCode || 0}));
}"#;

/// Runs one njs case: (nanoseconds per call, whether the last call was denied).
fn njs_run(script: &Path, huge_pages: bool) -> Result<(f64, bool), String> {
    let mut cmd = njs::command(script);
    cmd.stdin(Stdio::null());
    if huge_pages {
        // njs frees nothing until it exits, so every call touches fresh memory; on 4 KB pages
        // that is a page fault per 4 KB (about 1 µs of a 10 µs call here), which a runtime that
        // reuses its per-request memory would not pay. glibc's malloc on transparent huge pages
        // takes about 7x fewer faults; without THP the setting does nothing.
        cmd.env("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1");
    }
    let out = cmd.output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().find_map(|l| l.find("@@").map(|at| &l[at + 2..])).ok_or_else(|| {
        format!(
            "no result; stdout: {} stderr: {}",
            stdout.chars().take(500).collect::<String>(),
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    let v: Value = serde_json::from_str(line).map_err(|e| format!("{e}: {line}"))?;
    if let Some(err) = v.get("error") {
        return Err(err.to_string());
    }
    Ok((v["ns"].as_f64().unwrap_or(f64::NAN), v["denied"].as_bool().unwrap_or(false)))
}

/// One `runtime::run` over `events`, the whole call timed (building the engine, compiling the
/// function and running its top level included): nanoseconds.
fn engine_call(h: &Handler, events: &[Event], now: i64) -> f64 {
    let t = Instant::now();
    let results = runtime::run(&h.code, events, &engine_options(h, now)).expect("the engine runs");
    let elapsed = t.elapsed();
    assert_eq!(results.len(), events.len());
    drop(results);
    elapsed.as_secs_f64() * 1e9
}

/// A handler's fastest batch over `batches`, in nanoseconds per event, with what a `runtime::run`
/// costs before its first event taken out: each batch of n events is timed, and so is a run over
/// its first event alone, and the per-event figure is (fastest n-event run - fastest 1-event run)
/// / (n - 1). Building the engine and compiling the function cost far more than one event, and
/// more for a larger function: left in, they would be charged to its requests.
fn engine_per_event(h: &Handler, batches: &[&[Event]], now: i64) -> f64 {
    let (mut all, mut first) = (f64::INFINITY, f64::INFINITY);
    for events in batches {
        first = first.min(engine_call(h, &events[..1], now));
        all = all.min(engine_call(h, events, now));
    }
    let n = batches.iter().map(|b| b.len()).min().unwrap_or(1);
    (all - first) / (n.max(2) - 1) as f64
}

/// Every case once in the bundled engine, its empty handler right before it on the same events,
/// so that the pair sees the same machine state (other processes, allocator, caches).
fn engine_round(handlers: &[Handler], cases: &mut [Case], now: i64) {
    for i in 0..cases.len() {
        let case = &cases[i];
        let chunk = case.events.len().div_ceil(BATCHES);
        let batches: Vec<&[Event]> = case.events.chunks(chunk).filter(|b| b.len() == chunk).collect();
        let empty = case.reference.map(|r| engine_per_event(&handlers[cases[r].handler], &batches, now));
        let best = engine_per_event(&handlers[case.handler], &batches, now);
        cases[i].engine.push(best);
        if let Some(e) = empty {
            cases[i].engine_empty.push(e);
        }
    }
}

fn engine_options(h: &Handler, now: i64) -> Options {
    Options {
        runtime: h.runtime,
        now_ms: now as f64 * 1000.0 + 500.0,
        kvs: h.scenario.kvs.clone(),
        time_limit: Duration::from_secs(1),
    }
}

/// Every case must decide as expected (valid: let through; malformed: denied) in both engines
/// before anything is timed: a fast wrong answer is not a result.
fn check_outcomes(handlers: &[Handler], cases: &[Case], cfg: &Config) {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let mut problems = Vec::new();
    for case in cases.iter() {
        let h = &handlers[case.handler];
        let expect_denied = case.kind != Kind::Valid;
        // The case's own script: this run doubles as a warm-up, and its time is discarded.
        match njs_run(&case.njs_script, cfg.huge_pages) {
            Ok((_, denied)) if denied == expect_denied => {}
            Ok((_, denied)) => problems.push(format!(
                "njs: {} with a {} token: {}",
                h.name,
                case.kind.name(),
                if denied { "denied" } else { "let through" }
            )),
            Err(e) => problems.push(format!("njs: {} with a {} token: {e}", h.name, case.kind.name())),
        }
        if cfg.engine {
            match runtime::run(&h.code, &case.events[..1], &engine_options(h, now)) {
                Ok(results) => {
                    let r = &results[0];
                    let denied = r.function_output.starts_with("{\"response\"");
                    if r.failed() {
                        problems.push(format!(
                            "engine: {} with a {} token failed: {}",
                            h.name,
                            case.kind.name(),
                            r.function_error_message
                        ));
                    } else if denied != expect_denied {
                        problems.push(format!(
                            "engine: {} with a {} token: {}",
                            h.name,
                            case.kind.name(),
                            if denied { "denied" } else { "let through" }
                        ));
                    }
                }
                Err(e) => problems.push(format!("engine: {}: {e}", h.name)),
            }
        }
    }
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("bench: wrong decision: {p}");
        }
        eprintln!("bench: the tokens are {:?}", cases.iter().map(|c| &c.token).take(2).collect::<Vec<_>>());
        std::process::exit(1);
    }
}

fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// A case's own cost in nanoseconds: the median over rounds of (case - empty handler) of the same round.
fn net(cases: &[Case], c: &Case, njs: bool) -> f64 {
    let (mine, empty) = match (njs, c.reference) {
        (_, None) => return median(if njs { &c.njs } else { &c.engine }),
        (true, Some(r)) => (&c.njs, &cases[r].njs),
        (false, Some(_)) => (&c.engine, &c.engine_empty),
    };
    let diffs: Vec<f64> = mine.iter().zip(empty).map(|(a, b)| a - b).collect();
    median(&diffs)
}

fn cost(cases: &[Case], h: usize, kind: Kind, njs: bool) -> Option<f64> {
    cases.iter().find(|c| c.handler == h && c.kind == kind).map(|c| net(cases, c, njs))
}

fn worst_malformed(cases: &[Case], h: usize, njs: bool) -> Option<(f64, Kind)> {
    MALFORMED.iter().filter_map(|&k| cost(cases, h, k, njs).map(|v| (v, k))).max_by(|a, b| a.0.total_cmp(&b.0))
}

fn us(ns: Option<f64>) -> String {
    ns.map_or("–".into(), |v| format!("{:.2}", v / 1000.0))
}

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
        _ => "–".into(),
    }
}

fn role_index(handlers: &[Handler], role: Role) -> Option<usize> {
    handlers.iter().position(|h| h.role == role)
}

/// The baseline measured on the same policy's requests as handler `h`.
fn baseline_of(handlers: &[Handler], h: usize) -> Option<usize> {
    handlers.iter().position(|b| b.role == Role::Baseline && b.scenario_of == handlers[h].scenario_of)
}

/// The floor measured on the same policy's token as handler `h`: its own floor@POLICY, else the
/// seed's.
fn floor_of(handlers: &[Handler], h: usize) -> Option<usize> {
    let floor = |of: &str| handlers.iter().position(|f| f.role == Role::Floor && f.scenario_of == of);
    floor(&handlers[h].scenario_of).or_else(|| floor("seed"))
}

fn print_table(handlers: &[Handler], cases: &[Case], gen: &BTreeMap<usize, f64>, cfg: &Config) {
    let sample = role_index(handlers, Role::Sample);
    let valid = |h: Option<usize>, njs: bool| h.and_then(|h| cost(cases, h, Kind::Valid, njs));
    let mut out = String::new();
    let engine_cols = cfg.engine;
    out.push_str("| handler | bytes | of 10,240 | gen ms | njs valid µs | ×base | ×floor | ×sample | njs malformed µs | ×floor |");
    if engine_cols {
        out.push_str(" engine valid µs | ×base | ×floor | ×sample | engine malformed µs | ×floor |");
    }
    out.push('\n');
    out.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    if engine_cols {
        out.push_str(" ---: | ---: | ---: | ---: | ---: | ---: |");
    }
    out.push('\n');
    for (i, h) in handlers.iter().enumerate() {
        if h.role == Role::Empty {
            continue;
        }
        let (bytes, share) = match h.bytes {
            Some(b) => (group(b), format!("{:.1}%", b as f64 * 100.0 / MAX_CODE_BYTES as f64)),
            None => (format!("({})", group(h.code.len())), "–".into()),
        };
        let gen_ms = gen.get(&i).map_or("–".into(), |ms| format!("{ms:.1}"));
        let _ = write!(out, "| {} | {bytes} | {share} | {gen_ms} |", h.name);
        let mut engines = vec![true];
        if engine_cols {
            engines.push(false);
        }
        let base = baseline_of(handlers, i);
        let floor = floor_of(handlers, i);
        for njs in engines {
            let v = valid(Some(i), njs);
            let bad = worst_malformed(cases, i, njs).map(|(v, _)| v);
            let _ = write!(
                out,
                " {} | {} | {} | {} | {} | {} |",
                us(v),
                ratio(v, valid(base, njs)),
                ratio(v, valid(floor, njs)),
                ratio(v, valid(sample, njs)),
                us(bad),
                ratio(bad, valid(floor, njs)),
            );
        }
        out.push('\n');
    }
    print!("{out}");
}

fn group(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn print_extras(
    handlers: &[Handler],
    cases: &[Case],
    gen: &BTreeMap<usize, f64>,
    throughput: Option<(f64, usize, String)>,
    cfg: &Config,
) {
    println!();
    println!("µs: per request, the handler's own work (empty handler on the same event subtracted); malformed: the worst of {}.",
        MALFORMED.iter().map(|k| k.name()).collect::<Vec<_>>().join(", "));
    println!("×base: to the valid-token cost of the hand-written baseline of the same policy on the same requests and engine (baseline.js for seed, baseline-NAME.js for NAME, also for floor@NAME; the seed's for floor and sample); ×floor: to that of floor.js on the same policy's token (floor@NAME; the seed's token for the seed, seed-js1 and the references); ×sample: to that of aws-sample-style.js; both on the same engine.");
    println!("targets: valid ≤ 1.00 ×base, malformed ≤ 0.30 ×floor.");
    println!("bytes in parentheses: source of a reference or extra handler, not minified. The public AWS sample (aws-samples/amazon-cloudfront-functions verify-jwt/index.js, first shipped) is 2,989 bytes (1,347 minified).");
    println!();
    println!("malformed tokens, µs (njs / engine):");
    for (i, h) in handlers.iter().enumerate() {
        if matches!(h.role, Role::Empty | Role::Floor) {
            continue;
        }
        let parts: Vec<String> = MALFORMED
            .iter()
            .map(|&k| {
                let e = if cfg.engine { us(cost(cases, i, k, false)) } else { "–".into() };
                format!("{} {} / {}", k.name(), us(cost(cases, i, k, true)), e)
            })
            .collect();
        println!("  {:<22} {}", h.name, parts.join("; "));
    }
    println!();
    println!("empty handler, gross µs per call (event built and passed; subtracted above) (njs / engine):");
    for c in cases.iter().filter(|c| c.reference.is_none()) {
        let e = if cfg.engine { us(Some(median(&c.engine))) } else { "–".into() };
        println!("  {:<40} {} / {}", handlers[c.handler].name, us(Some(median(&c.njs))), e);
    }
    println!();
    if let Some(full) = handlers.iter().position(|h| h.name == "full") {
        if let Some(ms) = gen.get(&full) {
            println!("cfjwt gen, full.json: {ms:.1} ms median of {} runs of the release binary (target < 20 ms); slowest policy {:.1} ms", cfg.gen_runs,
                gen.values().cloned().fold(0.0, f64::max));
        }
    }
    match throughput {
        Some((per_sec, n, what)) => println!(
            "cfjwt test: {:.0} events/s ({n} events of {what}, one process, wall time, median of 3; target ≥ 20,000/s)",
            per_sec
        ),
        None => println!("cfjwt test: not measured (no seed policy)"),
    }
}

/// Median wall time (ms) of `cfjwt gen` per policy, runs interleaved across policies.
fn gen_times(cfjwt: &Path, key_file: &Path, handlers: &[Handler], runs: usize) -> BTreeMap<usize, f64> {
    let mut times: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
    for _ in 0..runs {
        for (i, h) in handlers.iter().enumerate() {
            let Some(policy_file) = &h.policy else {
                continue;
            };
            let policy: Value = serde_json::from_str(&std::fs::read_to_string(policy_file).unwrap()).unwrap();
            let args = gen_args(policy_file, key_file, &policy);
            let t = Instant::now();
            let out = Command::new(cfjwt)
                .args(&args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .output()
                .expect("cfjwt gen");
            let ms = t.elapsed().as_secs_f64() * 1e3;
            assert!(out.status.success());
            times.entry(i).or_default().push(ms);
        }
    }
    times.into_iter().map(|(i, v)| (i, median(&v))).collect()
}

/// `cfjwt test` on the seed function with `n` events (the valid and malformed events in turn):
/// events per second of wall time, median of three runs.
fn test_throughput(
    cfjwt: &Path,
    handlers: &[Handler],
    cases: &[Case],
    dir: &Path,
    n: usize,
) -> Option<(f64, usize, String)> {
    let seed = handlers.iter().position(|h| h.name == "seed")?;
    let dir = dir.join("cfjwt-test");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("f.js"), &handlers[seed].code).unwrap();
    let mut names = Vec::new();
    for (j, c) in cases.iter().filter(|c| c.handler == seed).enumerate() {
        let name = format!("{j}.json");
        std::fs::write(dir.join(&name), serde_json::to_string(c.events[0].json()).unwrap()).unwrap();
        names.push(name);
    }
    let mut args = vec!["test".to_owned(), "f.js".to_owned(), "--json".to_owned()];
    for i in 0..n {
        args.push("--event".into());
        args.push(names[i % names.len()].clone());
    }
    let mut rates = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let out =
            Command::new(cfjwt).args(&args).current_dir(&dir).stderr(Stdio::piped()).output().expect("cfjwt test");
        let secs = t.elapsed().as_secs_f64();
        let lines = out.stdout.iter().filter(|&&b| b == b'\n').count();
        assert_eq!(
            lines,
            n,
            "cfjwt test printed {lines} results for {n} events: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        rates.push(n as f64 / secs);
    }
    Some((median(&rates), n, format!("seed.json, {} kinds in turn", names.len())))
}
