//! Runs cases in the bundled engine (`cfjwt::runtime`), grouping consecutive cases that share a
//! clock and a KeyValueStore into one run (one compile).

use std::collections::BTreeMap;
use std::time::Duration;

use cfjwt::runtime::{self, Event, Options};
use serde_json::Value;

use super::scenario::runtime_of;
use super::{Case, Outcome};

pub fn run(code: &str, cases: &[Case]) -> Vec<Outcome> {
    answers(code, cases).into_iter().map(|a| a.outcome).collect()
}

/// What the function did with one case in the bundled engine.
pub struct Answer {
    pub outcome: Outcome,
    /// The lines it logged (its top level's included).
    pub logs: Vec<String>,
    /// What it last gave `cf.logCustomData`, as CloudFront keeps it.
    pub log_data: Option<String>,
}

/// What the function did with each case.
pub fn answers(code: &str, cases: &[Case]) -> Vec<Answer> {
    let runtime = runtime_of(code);
    let mut out = Vec::with_capacity(cases.len());
    let mut start = 0;
    while start < cases.len() {
        let key = (cases[start].now, &cases[start].kvs);
        let end = start + cases[start..].iter().take_while(|c| (c.now, &c.kvs) == key).count();
        let opts = Options {
            runtime,
            now_ms: cases[start].now as f64 * 1000.0,
            kvs: cases[start].kvs.as_ref().map(store),
            time_limit: Duration::from_secs(2),
        };
        let events: Vec<Event> = cases[start..end]
            .iter()
            .map(|c| runtime::normalize_event(c.event.clone()).expect("a valid event"))
            .collect();
        let results = runtime::run(code, &events, &opts).expect("the bundled engine runs the function");
        out.extend(results.into_iter().map(|r| {
            if r.failed() {
                let outcome = Outcome::Failed(r.function_error_message);
                return Answer { outcome, logs: r.function_execution_logs, log_data: r.log_custom_data };
            }
            let v: Value = serde_json::from_str(&r.function_output).expect("FunctionOutput is JSON");
            let outcome = match (v.get("request"), v.get("response")) {
                (Some(req), None) => Outcome::Request(req.clone()),
                (None, Some(resp)) => Outcome::Response(resp.clone()),
                _ => Outcome::Failed(format!("unexpected FunctionOutput {v}")),
            };
            Answer { outcome, logs: r.function_execution_logs, log_data: r.log_custom_data }
        }));
        start = end;
    }
    out
}

/// A KeyValueStore's contents (a JSON object) as the bundled engine takes them.
fn store(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .expect("a store is a JSON object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
        .collect()
}
