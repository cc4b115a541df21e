//! Runs a function under njs, the engine CloudFront Functions is built on (Debian's `njs`
//! package), on many cases in one process: the cases are written into a driver script appended
//! to the function, each result printed as one JSON line.

use std::io::Write as _;
use std::process::Command;

use serde_json::Value;

use super::{Case, Outcome};

/// Cases per njs process: njs keeps all memory until it exits.
const BATCH: usize = 400;

/// The path of the njs binary; the tests fail, not skip, without it.
pub fn binary() -> &'static str {
    let path = "/usr/bin/njs";
    assert!(
        std::path::Path::new(path).exists(),
        "njs is not installed: run `apt-get install -y njs` (the README's test command does)"
    );
    path
}

pub fn run(code: &str, cases: &[Case]) -> Vec<Outcome> {
    let mut out = Vec::with_capacity(cases.len());
    for chunk in cases.chunks(BATCH) {
        out.extend(run_batch(code, chunk).into_iter().map(|(o, _)| o));
    }
    out
}

/// How many KeyValueStore reads the function made for each case.
pub fn store_reads(code: &str, cases: &[Case]) -> Vec<u64> {
    let mut out = Vec::with_capacity(cases.len());
    for chunk in cases.chunks(BATCH) {
        out.extend(run_batch(code, chunk).into_iter().map(|(_, reads)| reads));
    }
    out
}

fn run_batch(code: &str, cases: &[Case]) -> Vec<(Outcome, u64)> {
    let dir = tempfile::tempdir().unwrap();
    // njs loads modules by file name: the KeyValueStore module is a file beside the function.
    let code = code.replace("from\"cloudfront\"", "from\"cloudfront.js\"").replace("from \"cloudfront\"", "from \"cloudfront.js\"");
    std::fs::write(dir.path().join("cloudfront.js"), CLOUDFRONT_MODULE).unwrap();
    let cases_json: Vec<Value> =
        cases.iter().map(|c| serde_json::json!({"event": c.event, "now": c.now, "kvs": c.kvs})).collect();
    let mut script = code.clone();
    script.push_str("\n;(function () {\n");
    script.push_str("var cases = ");
    script.push_str(&serde_json::to_string(&cases_json).unwrap());
    script.push_str(";\n");
    script.push_str(DRIVER);
    script.push_str("\n})();\n");
    let file = dir.path().join("main.js");
    std::fs::File::create(&file).unwrap().write_all(script.as_bytes()).unwrap();
    let output = Command::new(binary()).arg("-p").arg(dir.path()).arg(&file).output().expect("njs runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    // njs 0.7 prints its byte-string deprecation notices on stdout without a line break.
    let mut lines: Vec<String> = Vec::new();
    let mut pending = String::new();
    for line in stdout.lines().filter_map(|l| l.find("@@").map(|at| &l[at + 2..])) {
        if let Some(part) = line.strip_prefix('+') {
            pending.push_str(part);
        } else if let Some(part) = line.strip_prefix('$') {
            pending.push_str(part);
            lines.push(std::mem::take(&mut pending));
        }
    }
    assert_eq!(
        lines.len(),
        cases.len(),
        "njs printed {} results for {} cases; stdout: {} stderr: {}",
        lines.len(),
        cases.len(),
        stdout.chars().take(2000).collect::<String>(),
        String::from_utf8_lossy(&output.stderr)
    );
    lines
        .iter()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("driver prints JSON");
            let reads = v["reads"].as_u64().unwrap_or(0);
            let outcome = match v.get("threw") {
                Some(msg) => Outcome::Failed(msg.to_string()),
                None => Outcome::from_returned(v["result"].clone()),
            };
            (outcome, reads)
        })
        .collect()
}

/// Calls the handler on each case with the clock frozen at its `now`, awaiting async handlers
/// in order, and prints `{"result": ...}` or `{"threw": ...}` in lines of at most 1,000
/// characters (njs cuts longer ones): `@@+` continues a result, `@@$` ends it. Synchronous
/// results are handled in a loop, so a long batch does not grow the stack.
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
    globalThis.__kvs = c.kvs || {};
    globalThis.__reads = 0;
    var r;
    try {
      r = handler(c.event);
    } catch (e) {
      print({threw: String(e), reads: globalThis.__reads});
      continue;
    }
    if (r && typeof r.then === 'function') {
      r.then(function (v) { print({result: v, reads: globalThis.__reads}); next(); },
             function (e) { print({threw: String(e), reads: globalThis.__reads}); next(); });
      return;
    }
    print({result: r, reads: globalThis.__reads});
  }
}
next();
"#;

/// A KeyValueStore for njs, backed by the `kvs` of each case.
const CLOUDFRONT_MODULE: &str = r#"
function kvs() {
  return {
    get: function (key, opts) {
      globalThis.__reads++;
      var store = globalThis.__kvs || {};
      if (!Object.prototype.hasOwnProperty.call(store, key)) return Promise.reject(new Error('Key not found'));
      var v = store[key];
      return Promise.resolve(opts && opts.format === 'json' ? JSON.parse(v) : v);
    },
    exists: function (key) { return Promise.resolve(Object.prototype.hasOwnProperty.call(globalThis.__kvs || {}, key)); }
  };
}
export default { kvs: kvs };
"#;
