//! What a function is run on (a case: an event, the clock, the KeyValueStore) and what it
//! answers, and running it under njs and in the bundled engine at once, which must agree.

use serde_json::Value;

use super::{in_engine, under_njs, NOW};

/// One case: an event and the clock.
#[derive(Clone, Debug)]
pub struct Case {
    pub event: Value,
    pub now: i64,
    /// The KeyValueStore's contents (a JSON object of strings), if the function reads it.
    pub kvs: Option<Value>,
}

pub fn case(event: Value) -> Case {
    Case { event, now: NOW, kvs: None }
}

pub fn case_at(event: Value, now: i64) -> Case {
    Case { event, now, kvs: None }
}

pub fn case_with_store(event: Value, kvs: Value) -> Case {
    Case { event, now: NOW, kvs: Some(kvs) }
}

/// What the function answered to one event.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// It returned the request (maybe changed).
    Request(Value),
    /// It returned a response.
    Response(Value),
    /// It threw or returned something else; the text says what.
    Failed(String),
}

impl Outcome {
    pub fn allowed(&self) -> bool {
        matches!(self, Outcome::Request(_))
    }

    /// The response's status code when it denied.
    pub fn status(&self) -> Option<i64> {
        match self {
            Outcome::Response(r) => r["statusCode"].as_i64(),
            _ => None,
        }
    }

    pub fn request(&self) -> &Value {
        match self {
            Outcome::Request(r) => r,
            other => panic!("expected the request to go on, got {other:?}"),
        }
    }

    /// Classifies what a handler returned: a response has a statusCode.
    pub fn from_returned(v: Value) -> Outcome {
        if v.get("statusCode").is_some() {
            Outcome::Response(v)
        } else if v.get("uri").is_some() {
            Outcome::Request(v)
        } else {
            Outcome::Failed(format!("returned {v}"))
        }
    }
}

/// Runs a function on cases under njs and in the bundled engine, asserts that both agree, and
/// returns the outcomes.
pub fn run(code: &str, cases: &[Case]) -> Vec<Outcome> {
    run_with_reasons(code, cases).into_iter().map(|(outcome, _)| outcome).collect()
}

/// As [`run`], with the reason each case logged (`allow CODE` or `deny CODE`, from a
/// `cfjwt: ` log line or the access logs' custom data), which both engines must agree on too.
pub fn run_with_reasons(code: &str, cases: &[Case]) -> Vec<(Outcome, Option<String>)> {
    // Both engines get the event as CloudFront builds it (every object present).
    let cases: Vec<Case> = cases
        .iter()
        .map(|c| Case {
            event: cfjwt::runtime::normalize_event(c.event.clone()).expect("a valid event").json().clone(),
            ..c.clone()
        })
        .collect();
    let cases = &cases[..];
    let with_reason = |outcome: Outcome, logs: &[String], log_data: Option<&str>| {
        let lines = logs.iter().filter(|l| l.contains("cfjwt: ")).count();
        assert!(lines <= 1, "more than one reason logged: {logs:?}");
        (outcome, reason_of(logs, log_data))
    };
    let by_njs: Vec<(Outcome, Option<String>)> = under_njs::answers(code, cases)
        .into_iter()
        .map(|a| with_reason(a.outcome, &a.logs, a.log_data.as_deref()))
        .collect();
    let by_engine: Vec<(Outcome, Option<String>)> = in_engine::answers(code, cases)
        .into_iter()
        .map(|a| with_reason(a.outcome, &a.logs, a.log_data.as_deref()))
        .collect();
    for (i, (a, b)) in by_njs.iter().zip(&by_engine).enumerate() {
        assert_eq!(a, b, "njs and the bundled engine disagree on case {i}: {:?}", cases[i].event);
    }
    by_njs
}

/// The reason a case logged, `allow CODE` or `deny CODE`: its last `cfjwt: ` log line (njs may
/// print a notice before it on the same line), or its log custom data.
pub fn reason_of(logs: &[String], log_data: Option<&str>) -> Option<String> {
    let line = logs.iter().rev().find_map(|l| l.split("cfjwt: ").nth(1).map(str::to_owned));
    line.or(log_data.map(str::to_owned))
}
