//! Running a script under njs, the engine CloudFront Functions is built on (Debian's `njs`
//! package), with a stand-in for CloudFront's `cloudfront` module beside it: the one njs runner,
//! shared by the tests (`under_njs.rs` builds on it) and by `benches/bench.rs`, which includes
//! this file.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where Debian's njs package installs the binary.
pub const BINARY: &str = "/usr/bin/njs";

/// Writes `script` as `main.js` into `dir`, with the KeyValueStore stand-in as `cloudfront.js`
/// beside it, and returns the script's path. njs loads modules by file name, so the script's
/// imports of `cloudfront` are pointed at the file.
pub fn write_module(dir: &Path, script: &str) -> PathBuf {
    let script = script
        .replace("from\"cloudfront\"", "from\"cloudfront.js\"")
        .replace("from \"cloudfront\"", "from \"cloudfront.js\"")
        .replace("from 'cloudfront'", "from 'cloudfront.js'");
    std::fs::write(dir.join("cloudfront.js"), CLOUDFRONT_MODULE).expect("write cloudfront.js");
    let file = dir.join("main.js");
    std::fs::write(&file, script).expect("write main.js");
    file
}

/// `njs -p DIR FILE` for a script written by [`write_module`] (its directory is where njs looks
/// for `cloudfront.js`). Panics, saying how to install it, when njs is missing: the tests fail
/// rather than skip without it.
pub fn command(script: &Path) -> Command {
    assert!(Path::new(BINARY).exists(), "njs is not installed: run `apt-get install -y njs` (`make deps` does)");
    let mut cmd = Command::new(BINARY);
    cmd.arg("-p").arg(script.parent().expect("the script is in a directory")).arg(script);
    cmd
}

/// A KeyValueStore for njs: `kvs().get` (the `json` format included) and `exists` answer from
/// the object in `globalThis.__kvs`, which whoever calls the handler sets, and every `get` and
/// `exists` counts one read in `globalThis.__reads`. Without a store (`__kvs` null) every read
/// fails, as in the bundled engine without `--kvs`: a failed read. `logCustomData` keeps its
/// text in `globalThis.__logData` (the last call counts, as in CloudFront).
const CLOUDFRONT_MODULE: &str = r#"
function kvs() {
  function read() {
    globalThis.__reads = (globalThis.__reads || 0) + 1;
    return globalThis.__kvs;
  }
  return {
    get: function (key, opts) {
      var store = read();
      if (store == null) return Promise.reject(new Error('No KeyValueStore'));
      if (!Object.prototype.hasOwnProperty.call(store, key)) return Promise.reject(new Error('Key not found'));
      var v = store[key];
      return Promise.resolve(opts && opts.format === 'json' ? JSON.parse(v) : v);
    },
    exists: function (key) {
      var store = read();
      if (store == null) return Promise.reject(new Error('No KeyValueStore'));
      return Promise.resolve(Object.prototype.hasOwnProperty.call(store, key));
    }
  };
}
function logCustomData(text) { globalThis.__logData = text; }
export default { kvs: kvs, logCustomData: logCustomData };
"#;
