//! What a run reads from files: event files, KeyValueStore files (`--kvs`), and a whole
//! `cfjwt test` run from the files it names. Kept apart from the engine so that every command that
//! runs a function reads its inputs the same way and says the same things about bad ones.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::report::{Case, Report, Warning};
use super::{EngineError, Event, Options};
use crate::cloudfront::Runtime;

/// What `cfjwt test` is asked for: a function file run on event files.
#[derive(Clone, Debug)]
pub struct TestRequest {
    /// The function file.
    pub file: PathBuf,
    /// Event files in the `aws cloudfront test-function` format, in order.
    pub events: Vec<PathBuf>,
    /// The time the function sees, in Unix seconds; none for the clock.
    pub now: Option<f64>,
    /// A KeyValueStore file (see [`load_store`]).
    pub kvs: Option<PathBuf>,
    /// None for the file's marker comment, else cloudfront-js-2.0.
    pub runtime: Option<Runtime>,
}

/// A file a run needs that cannot be used. The message names the file.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{}: cannot read it", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: not valid JSON", path.display())]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{}: a KeyValueStore file is a JSON object of keys to values", path.display())]
    NotAStore { path: PathBuf },
    #[error("{}: the directory holds no .json event file", path.display())]
    NoEvents { path: PathBuf },
    /// An event file that is not a CloudFront Functions event.
    #[error("{}", path.display())]
    Event {
        path: PathBuf,
        #[source]
        source: EngineError,
    },
    /// The function itself cannot run (does not compile, no handler, ...).
    #[error("{}", path.display())]
    Function {
        path: PathBuf,
        #[source]
        source: EngineError,
    },
}

fn read(path: &Path) -> Result<String, InputError> {
    std::fs::read_to_string(path).map_err(|source| InputError::Read { path: path.to_owned(), source })
}

fn read_json(path: &Path) -> Result<Value, InputError> {
    serde_json::from_str(&read(path)?).map_err(|source| InputError::Json { path: path.to_owned(), source })
}

/// The event files a list names: a file as it is, a directory as the `.json` files in it, in name
/// order (`--event events/`).
pub fn expand_events(paths: &[PathBuf]) -> Result<Vec<PathBuf>, InputError> {
    let mut out = Vec::with_capacity(paths.len());
    for path in paths {
        if !path.is_dir() {
            out.push(path.clone());
            continue;
        }
        let entries = std::fs::read_dir(path).map_err(|source| InputError::Read { path: path.clone(), source })?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
            .collect();
        if files.is_empty() {
            return Err(InputError::NoEvents { path: path.clone() });
        }
        files.sort();
        out.extend(files);
    }
    Ok(out)
}

/// An event file, normalised as CloudFront would (see [`super::normalize_event`]).
pub fn load_event(path: &Path) -> Result<Event, InputError> {
    super::normalize_event(read_json(path)?).map_err(|source| InputError::Event { path: path.to_owned(), source })
}

/// A KeyValueStore file: a JSON object; string values are the values, others their JSON text.
pub fn load_store(path: &Path) -> Result<BTreeMap<String, String>, InputError> {
    let Value::Object(map) = read_json(path)? else {
        return Err(InputError::NotAStore { path: path.to_owned() });
    };
    Ok(map
        .into_iter()
        .map(|(k, v)| match v {
            Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect())
}

/// Whether the code reads the KeyValueStore: it loads the `cloudfront` module (read from its
/// syntax tree) and calls `.kvs(` (the module also has helpers that need no store).
pub fn reads_store(code: &str) -> bool {
    code.contains(".kvs(") && crate::check::facts(code).is_some_and(|f| f.modules.contains("cloudfront"))
}

/// What in the run's inputs would make the function deny for a reason of the test's own: a store
/// the function reads and no `--kvs`, a query string written into `request.uri`.
fn warnings(request: &TestRequest, code: &str, events: &[Event], has_store: bool) -> Vec<Warning> {
    let mut warnings = Vec::new();
    if !has_store && reads_store(code) {
        warnings.push(Warning::NoStore { file: request.file.display().to_string() });
    }
    for (path, event) in request.events.iter().zip(events) {
        if event.json()["request"]["uri"].as_str().is_some_and(|uri| uri.contains('?')) {
            warnings.push(Warning::QueryInUri { event: path.display().to_string() });
        }
    }
    warnings
}

/// Reads the function, its events and store, and runs the function on each event for one second
/// at most.
pub fn run_files(request: &TestRequest) -> Result<Report, InputError> {
    let code = read(&request.file)?;
    let events = request.events.iter().map(|p| load_event(p)).collect::<Result<Vec<_>, _>>()?;
    let kvs = request.kvs.as_deref().map(load_store).transpose()?;
    let warnings = warnings(request, &code, &events, kvs.is_some());
    let now_ms = match request.now {
        Some(s) => s * 1000.0,
        None => SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as f64).unwrap_or(0.0),
    };
    let opts = Options {
        runtime: request.runtime.or_else(|| Runtime::from_marker(&code)).unwrap_or_default(),
        now_ms,
        kvs,
        time_limit: Duration::from_secs(1),
    };
    let results = super::run(&code, &events, &opts)
        .map_err(|source| InputError::Function { path: request.file.clone(), source })?;
    let cases = request
        .events
        .iter()
        .zip(events)
        .zip(results)
        .map(|((path, event), result)| Case { name: path.display().to_string(), event, result, expected: None })
        .collect();
    Ok(Report { cases, warnings })
}
