//! The bundled CloudFront Functions runtime behind `cfjwt test`: runs a function's code on
//! events in the `aws cloudfront test-function` format and reports what CloudFront would, without
//! AWS. The rest of cfjwt only sees [`run`], [`normalize_event`], the readers of their input files
//! ([`run_files`], [`load_store`]), events made from URLs ([`event::from_url`]), the [`report`]
//! and their types; which engine runs the code
//! (QuickJS, through `rquickjs`) stays inside this module.
//!
//! # What is emulated
//!
//! Both runtimes (`cloudfront-js-1.0` and `2.0`) as the AWS runtime pages and njs (the engine
//! CloudFront Functions is built on) describe them: strict mode; no `eval` or `Function`
//! constructor (both throw), no timers, `process`, `performance`, nor the ES globals njs 0.7
//! lacks and AWS does not list (`Map`, `Set`, `Proxy`, `Reflect`, …); `require` of `crypto` and
//! `querystring` only; `crypto` with md5/sha1/sha256 hashes and HMACs computed in Rust;
//! `Date` frozen at the run's start time; `console.log` captured. Runtime 1.0 adds njs's byte
//! strings (`String.bytesFrom`, `toUTF8`, `fromUTF8`, `toBytes`, `fromBytes`, `toString(enc)`)
//! and lacks `Buffer`, `atob`/`btoa`, `TextEncoder`/`TextDecoder` and `replaceAll`; runtime 2.0
//! has those, `import` of `crypto`, `querystring` and `cloudfront` (`cf.kvs()` backed by
//! [`Options::kvs`]; `cf.logCustomData(text)` recorded per event as
//! [`TestResult::log_custom_data`]: a string only, the last call of the invocation counts, cut to
//! [`LOG_DATA_LIMIT`] bytes URL-encoded), and awaits `async` handlers. Error texts follow njs. `JSON.parse` reads text
//! as njs 0.7.9 does (see `json.rs`): its loose numbers (`01`, `.5`, `1.`, `1.e5`) with the values
//! its own `strtod` gives (an exact tie between two doubles rounds down: `9007199254740995` reads
//! as `9007199254740994`; digits past the 128th do not count), at most 31 levels of nesting,
//! U+FFFD for a surrogate escape that is not half of a pair, a 1.0 byte string's octets read as
//! UTF-8, and njs's SyntaxError texts (`Unexpected token at position 7`, `Nested too deep`,
//! `Trailing comma`, ...).
//!
//! # Design
//!
//! * **One engine per run.** [`run`] builds one QuickJS runtime and context, installs the
//!   built-ins (`prelude.js` plus the Rust primitives in `natives`), evaluates the function's
//!   top-level code once, then calls `handler` once per event. Building an engine costs about
//!   half a millisecond; a call costs microseconds. Global state is therefore shared between the
//!   events of a run, as it would be if CloudFront reused an instance; a correct function does not
//!   depend on it either way. Each event gets a fresh log, a fresh byte-string registry and its
//!   own deadline; lines the top-level code logged are repeated at the head of every event's log,
//!   since CloudFront runs top-level code on every invocation; so is the log custom data the
//!   top-level code recorded, until the handler records its own.
//! * **Scripts and modules.** Runtime 1.0 code is a script. Runtime 2.0 code is tried as a script
//!   first; code with `import` declarations does not compile as one and is then compiled as a
//!   module. A module's top-level bindings are not visible from outside, so the module is
//!   compiled with one line appended, `export { handler as <private name> };`, and the handler
//!   read from the module's exports. The appended line goes after the user's last line, so line
//!   numbers in error messages are unchanged.
//! * **Byte strings** (1.0) are JS strings with one character (0-255) per byte, registered by
//!   value in a per-event set by the built-ins that make them; see `prelude.js`.
//! * **Time limit.** QuickJS calls an interrupt handler periodically; it stops the code once the
//!   event's deadline ([`Options::time_limit`]) has passed. The result then carries
//!   [`TIME_LIMIT_MESSAGE`] and a compute utilization of 100.
//! * **Compute utilization** is an estimate: the handler's wall time in this engine as a share
//!   of [`COMPUTE_BUDGET`], rounded up and capped at 100. CloudFront does not publish its budget;
//!   the figure is for spotting a function that does far more work than a JWT check should.
//!
//! # Known differences from njs 0.7.9 (the reference the tests compare against)
//!
//! * Errors raised by the language itself carry QuickJS's texts (`cannot read property 'x' of
//!   undefined`); the built-ins above, `JSON.parse` included, carry njs's.
//! * Objects list integer-like keys first, in ascending order, as the standard says; njs 0.7.9
//!   keeps every key in insertion order (`JSON.parse('{"b":1,"1":2}')` has keys `b,1` there).
//! * Numbers print in their shortest round-trip form; njs 0.7.9 prints a few doubles otherwise
//!   (`String(1e23)` is `9.999999999999999e+22` there, and `2**54` `18014398509481985`), in
//!   `JSON.stringify` as elsewhere. The values `JSON.parse` reads are njs's, bit for bit.
//! * Strings are UTF-16 here; njs 0.7.9's count code points (`'😀'.length` is 1 there, and
//!   `charCodeAt` gives 0x1F600).
//! * A string holding a lone surrogate (made by string operations; njs's strings cannot hold
//!   one) reads in `JSON.parse` as U+FFFD there, as njs would have it, and stays as it is
//!   elsewhere.
//! * A `JSON.parse` reviver is called as QuickJS calls it, with a third argument (`{source}`,
//!   the standard spelling of a primitive) that njs 0.7.9 does not pass.
//! * A 1.0 byte string given to `update()` is hashed as its octets, as CloudFront documents byte
//!   strings; njs 0.7.9 re-encodes non-UTF-8 byte strings there (not its HMAC keys) with U+FFFD.
//! * A byte string is recognised by value: within one event, a text string equal to a byte string
//!   made earlier reads as that byte string (only strings with characters 0x80-0xFF are affected),
//!   and the two are one object key (`JSON.parse` of a byte string with keys `"é"` in UTF-8 and
//!   `"\xE9"` gives two keys in njs, one here).
//! * `atob` follows the HTML standard (unpadded input decodes); `Buffer` also takes `latin1` and
//!   `binary`, which the runtime notes list and njs 0.7.9 lacks.
//! * The local time zone is the host's (CloudFront runs in UTC); function logs are not cut at
//!   CloudFront's 10 KB.

mod engine;
pub mod event;
mod files;
mod json;
mod natives;
pub mod report;
mod validate;

pub use files::{expand_events, load_event, load_store, reads_store, run_files, InputError, TestRequest};

use std::collections::BTreeMap;
use std::time::Duration;

use crate::cloudfront::Runtime;

/// FunctionErrorMessage of an event whose run was stopped at [`Options::time_limit`].
pub const TIME_LIMIT_MESSAGE: &str =
    "The function exceeded the maximum allowed compute time and was stopped (cfjwt time limit)";

/// The reference run time that counts as 100% compute utilization.
pub const COMPUTE_BUDGET: Duration = Duration::from_millis(1);

/// How many bytes of `cf.logCustomData`'s text CloudFront keeps, counted URL-encoded.
pub const LOG_DATA_LIMIT: usize = 800;

/// How to run a function.
#[derive(Clone, Debug)]
pub struct Options {
    pub runtime: Runtime,
    /// Unix time in milliseconds that Date.now()/new Date() return (frozen for the whole run of one event).
    pub now_ms: f64,
    /// KeyValueStore contents (from --kvs FILE: a JSON object of key -> string value; non-string JSON values are stored as their JSON text).
    pub kvs: Option<BTreeMap<String, String>>,
    /// Wall-clock budget for one event; over it the run is stopped and reported as CloudFront does for an over-long function.
    pub time_limit: Duration,
}

/// One result, serialised exactly like the TestResult of `aws cloudfront test-function`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TestResult {
    /// JSON text of `{"request": ...}` or `{"response": ...}`; empty on error.
    pub function_output: String,
    /// Empty when the function ran and returned something CloudFront accepts.
    pub function_error_message: String,
    pub function_execution_logs: Vec<String>,
    /// What the function last gave `cf.logCustomData` (runtime 2.0), as CloudFront would write it
    /// into the access logs' `viewer-request-log-data` field: cut to [`LOG_DATA_LIMIT`] bytes once
    /// URL-encoded. Not part of test-function's TestResult; serialised only when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_custom_data: Option<String>,
    /// A number from 0 to 100, as a string (see the module docs).
    pub compute_utilization: String,
}

impl TestResult {
    /// Whether the function threw, ran out of time, or returned something CloudFront rejects.
    pub fn failed(&self) -> bool {
        !self.function_error_message.is_empty()
    }
}

/// Input `run` cannot work with. The message is one sentence naming the problem.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The code is not valid JavaScript for the runtime.
    #[error("the function does not compile: {0}")]
    Compile(String),
    /// The code compiled but defines no top-level `handler` function.
    #[error("the function defines no top-level `handler` function{0}")]
    NoHandler(String),
    /// An event is not in the `test-function` format.
    #[error("the event is not a CloudFront Functions event: {0}")]
    BadEvent(String),
    /// The engine itself failed (out of memory while setting up, for instance).
    #[error("the JavaScript engine failed: {0}")]
    Engine(String),
}

/// An event as the engine runs it: read from the `aws cloudfront test-function` format and
/// completed by [`normalize_event`], once.
#[derive(Clone, Debug, PartialEq)]
pub struct Event(serde_json::Value);

impl Event {
    /// The event's JSON, as the handler receives it.
    pub fn json(&self) -> &serde_json::Value {
        &self.0
    }
}

/// Compile `code` once and run it on each event.
pub fn run(code: &str, events: &[Event], opts: &Options) -> Result<Vec<TestResult>, EngineError> {
    engine::run(code, events, opts)
}

/// Normalise an event file's JSON the way CloudFront would (tolerating: no `cookies`, no `viewer`, bare/missing `context`, `multivalue` spelled in lower case -> `multiValue`, missing querystring/headers objects -> {}); error on something that is not an event (no `request`, no `uri`, ...).
pub fn normalize_event(v: serde_json::Value) -> Result<Event, EngineError> {
    event::normalize(v).map(Event)
}
