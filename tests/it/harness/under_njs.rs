//! Runs functions under njs (through `njs.rs`): a script as it is, or a function on many cases
//! in one process, the cases written into a driver script appended to the function and each
//! result printed as one JSON line, with what the case logged and how often it read the
//! KeyValueStore.

use serde_json::Value;

use super::njs;
use super::{Case, Outcome};

/// Cases per njs process: njs keeps all memory until it exits.
const BATCH: usize = 400;

/// What a script printed.
pub struct Output {
    pub success: bool,
    /// Standard output, njs's deprecation notices taken out.
    pub stdout: String,
    pub stderr: String,
}

/// Runs `script` under njs, the KeyValueStore stand-in beside it.
pub fn run_script(script: &str) -> Output {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = njs::write_module(dir.path(), script);
    let out = njs::command(&file).output().expect("njs runs");
    Output {
        success: out.status.success(),
        stdout: strip_deprecations(String::from_utf8_lossy(&out.stdout).into_owned()),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// njs 0.7 prints "X() is deprecated and will be removed in the future" on stdout (without a
/// line break) the first time a byte-string method runs; it is not part of the program's output.
fn strip_deprecations(mut out: String) -> String {
    const TAIL: &str = " is deprecated and will be removed in the future";
    while let Some(at) = out.find(TAIL) {
        let start = out[..at]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '(' || c == ')'))
            .map_or(0, |i| i + 1);
        out.replace_range(start..at + TAIL.len(), "");
    }
    out
}

/// What the function did with one case under njs.
pub struct Answer {
    pub outcome: Outcome,
    /// KeyValueStore reads.
    pub reads: u64,
    /// The lines it logged while deciding this case.
    pub logs: Vec<String>,
    /// What it last gave `cf.logCustomData`.
    pub log_data: Option<String>,
}

/// Runs the function on every case.
pub fn answers(code: &str, cases: &[Case]) -> Vec<Answer> {
    let mut out = Vec::with_capacity(cases.len());
    for chunk in cases.chunks(BATCH) {
        out.extend(run_batch(code, chunk));
    }
    out
}

pub fn run(code: &str, cases: &[Case]) -> Vec<Outcome> {
    answers(code, cases).into_iter().map(|a| a.outcome).collect()
}

/// How many KeyValueStore reads the function made for each case.
pub fn store_reads(code: &str, cases: &[Case]) -> Vec<u64> {
    answers(code, cases).into_iter().map(|a| a.reads).collect()
}

fn run_batch(code: &str, cases: &[Case]) -> Vec<Answer> {
    let cases_json: Vec<Value> =
        cases.iter().map(|c| serde_json::json!({"event": c.event, "now": c.now, "kvs": c.kvs})).collect();
    let mut script = code.to_owned();
    script.push_str("\n;(function () {\n");
    script.push_str("var cases = ");
    script.push_str(&serde_json::to_string(&cases_json).unwrap());
    script.push_str(";\n");
    script.push_str(DRIVER);
    script.push_str("\n})();\n");
    let output = run_script(&script);
    // A result is `@@+` lines then one `@@$` line; whatever else was printed since the previous
    // result is what the case logged.
    let mut results: Vec<(String, Vec<String>)> = Vec::new();
    let mut pending = String::new();
    let mut logs = Vec::new();
    for line in output.stdout.lines() {
        match line.find("@@").map(|at| &line[at + 2..]) {
            Some(part) if part.starts_with('+') => pending.push_str(&part[1..]),
            Some(part) if part.starts_with('$') => {
                pending.push_str(&part[1..]);
                results.push((std::mem::take(&mut pending), std::mem::take(&mut logs)));
            }
            _ => logs.push(line.to_owned()),
        }
    }
    assert_eq!(
        results.len(),
        cases.len(),
        "njs printed {} results for {} cases; stdout: {} stderr: {}",
        results.len(),
        cases.len(),
        output.stdout.chars().take(2000).collect::<String>(),
        output.stderr
    );
    results
        .into_iter()
        .map(|(line, logs)| {
            let v: Value = serde_json::from_str(&line).expect("driver prints JSON");
            let reads = v["reads"].as_u64().unwrap_or(0);
            let log_data = v["logData"].as_str().map(str::to_owned);
            let outcome = match v.get("threw") {
                Some(msg) => Outcome::Failed(msg.to_string()),
                None => Outcome::from_returned(v["result"].clone()),
            };
            Answer { outcome, reads, logs, log_data }
        })
        .collect()
}

/// Calls the handler on each case with the clock frozen at its `now` and the KeyValueStore
/// holding its `kvs`, awaiting async handlers in order, and prints `{"result": ...}` or
/// `{"threw": ...}` in lines of at most 1,000 characters (njs cuts longer ones): `@@+`
/// continues a result, `@@$` ends it. Synchronous results are handled in a loop, so a long
/// batch does not grow the stack.
const DRIVER: &str = r#"
var i = 0;
function print(v) {
  var s = JSON.stringify(v);
  for (var k = 0; k + 1000 < s.length; k += 1000) console.log('@@+' + s.slice(k, k + 1000));
  console.log('@@$' + s.slice(k));
}
function next() {
  while (i < cases.length) {
    var c = cases[i++];
    Date.now = function () { return c.now * 1000; };
    globalThis.__kvs = c.kvs || null;
    globalThis.__reads = 0;
    globalThis.__logData = void 0;
    var r;
    try {
      r = handler(c.event);
    } catch (e) {
      print({threw: String(e), reads: globalThis.__reads, logData: globalThis.__logData});
      continue;
    }
    if (r && typeof r.then === 'function') {
      r.then(function (v) { print({result: v, reads: globalThis.__reads, logData: globalThis.__logData}); next(); },
             function (e) { print({threw: String(e), reads: globalThis.__reads, logData: globalThis.__logData}); next(); });
      return;
    }
    print({result: r, reads: globalThis.__reads, logData: globalThis.__logData});
  }
}
next();
"#;
