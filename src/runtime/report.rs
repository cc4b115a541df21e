//! The `cfjwt test` report: what the function decided on each event (allow, deny, redirect or
//! FAILED), why when it says (a reason code), and what it changed, as a small table for people,
//! or as the JSON lines `aws cloudfront test-function` returns, for programs; and whether each
//! event came out as `--expect` says it should.
//!
//! # Reason codes
//!
//! A function states why it decided with one line of its own: `cfjwt: deny CODE` (or
//! `cfjwt: allow CODE`) written with `console.log`, or the same decision and code, `deny CODE`,
//! recorded with `cf.logCustomData` (runtime 2.0, where it costs no CloudWatch log line). A CODE
//! is the word after the decision: 1 to 64 of `A-Z a-z 0-9 . _ -`; anything after it on the line
//! is a detail and ignored. The last such log line of an event counts; without one, the log
//! data.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde_json::Value;

use super::{Event, TestResult};

/// What the function decided on one event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The request goes on to the origin.
    Allow,
    /// A response other than a redirect.
    Deny,
    /// A 3xx response: a deny redirect, or the cookie hand-off.
    Redirect,
    /// The function threw, ran out of time or returned something CloudFront rejects: CloudFront
    /// answers with a 503.
    Failed,
}

impl Verdict {
    /// `allow`, `deny`, `redirect` or `FAILED`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Deny => "deny",
            Verdict::Redirect => "redirect",
            Verdict::Failed => "FAILED",
        }
    }

    /// The ANSI colour the table shows it in.
    fn colour(self) -> &'static str {
        match self {
            Verdict::Allow => "1;32",
            Verdict::Deny => "1;33",
            Verdict::Redirect => "1;36",
            Verdict::Failed => "1;31",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One event's verdict for people: label and value rows under the event file's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    pub event: String,
    pub verdict: Verdict,
    pub rows: Vec<(&'static str, String)>,
}

impl Table {
    /// The table as text; with `colour`, ANSI colours (verdict, event name, labels; a `mismatch`
    /// label in red).
    pub fn render(&self, colour: bool) -> String {
        let paint =
            |code: &str, text: &str| if colour { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() };
        let verdict = paint(self.verdict.colour(), &format!("{:<8}", self.verdict.name()));
        let mut out = format!("{verdict}  {}\n", paint("1", &self.event));
        for (label, value) in &self.rows {
            let label_colour = if *label == "mismatch" { "1;31" } else { "2" };
            out.push_str(&format!("  {}  {value}\n", paint(label_colour, &format!("{label:<8}"))));
        }
        out
    }
}

/// One event of a run: the name it is shown by (its file), the event, the function's result and
/// what it was expected to decide (`--expect`).
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    pub name: String,
    pub event: Event,
    pub result: TestResult,
    pub expected: Option<Expected>,
}

impl Case {
    /// What the function decided.
    pub fn verdict(&self) -> Verdict {
        verdict(&self.result)
    }

    /// Why the case does not come out as expected, as one sentence naming what was expected and
    /// what happened; `None` when it does, or when nothing is expected of it.
    pub fn mismatch(&self) -> Option<String> {
        let expected = self.expected.as_ref()?;
        let verdict = self.verdict();
        if verdict == Verdict::Failed {
            return Some(format!("expected {expected}, the function failed: {}", self.result.function_error_message));
        }
        let reason = reason(&self.result);
        let answered = match &reason {
            Some(r) => format!("{verdict}:{}", r.code),
            None => verdict.to_string(),
        };
        if verdict != expected.verdict {
            return Some(format!("expected {expected}, the function answered {answered}"));
        }
        match (&expected.code, &reason) {
            (Some(_), None) => {
                Some(format!("expected {expected}, the function answered {verdict} and logged no reason"))
            }
            (Some(code), Some(r)) if *code != r.code => {
                Some(format!("expected {expected}, the function answered {answered}"))
            }
            _ => None,
        }
    }
}

/// A run of a function on its events, in order, and what the run's inputs look wrong for.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Report {
    pub cases: Vec<Case>,
    pub warnings: Vec<Warning>,
}

impl Report {
    /// Whether the function failed on any event, or an event did not come out as expected
    /// (`cfjwt test` then exits 1).
    pub fn failed(&self) -> bool {
        self.cases.iter().any(|c| c.result.failed() || c.mismatch().is_some())
    }

    /// Gives each case, in order, what it is expected to decide.
    pub fn expect(&mut self, expected: Vec<Expected>) {
        for (case, expected) in self.cases.iter_mut().zip(expected) {
            case.expected = Some(expected);
        }
    }

    /// The cases that do not come out as expected, with why.
    pub fn mismatches(&self) -> impl Iterator<Item = (&Case, String)> {
        self.cases.iter().filter_map(|c| c.mismatch().map(|m| (c, m)))
    }

    /// `N passed, N failed`, when anything was expected.
    pub fn summary(&self) -> Option<String> {
        let expecting = self.cases.iter().filter(|c| c.expected.is_some()).count();
        if expecting == 0 {
            return None;
        }
        let failed = self.mismatches().count();
        Some(format!("{} passed, {failed} failed", expecting - failed))
    }

    /// One table per event, one after the other; an event that did not come out as expected
    /// says so first.
    pub fn tables(&self, colour: bool) -> String {
        self.cases
            .iter()
            .map(|c| {
                let mut table = describe(&c.name, &c.event.json()["request"], &c.result);
                if let Some(mismatch) = c.mismatch() {
                    table.rows.insert(0, ("mismatch", mismatch));
                }
                table.render(colour)
            })
            .collect()
    }

    /// One JSON result per line, as `aws cloudfront test-function` returns them, each naming its
    /// event file first (`"Event"`).
    pub fn json_lines(&self) -> String {
        self.cases.iter().map(|c| json_line(&c.name, &c.result)).collect()
    }
}

/// A result as one line of JSON, with its line break: `{"Event": …}` followed by the TestResult's
/// own fields.
pub fn json_line(event: &str, result: &TestResult) -> String {
    #[derive(serde::Serialize)]
    struct Line<'a> {
        #[serde(rename = "Event")]
        event: &'a str,
        #[serde(flatten)]
        result: &'a TestResult,
    }
    let mut line = serde_json::to_string(&Line { event, result }).expect("a TestResult is strings only");
    line.push('\n');
    line
}

/// Something about a run's inputs that makes the function deny for a reason that is not the
/// function's: the run goes on, and `cfjwt test` prints these on stderr.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Warning {
    /// The function reads the KeyValueStore and no `--kvs` file was given: every read fails.
    NoStore { file: String },
    /// An event's `request.uri` holds a `?`: CloudFront puts the query string in `querystring`.
    QueryInUri { event: String },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::NoStore { file } => write!(
                f,
                "{file} reads the KeyValueStore (cf.kvs()) and no --kvs file was given: every read fails (a \
                 generated function then denies)"
            ),
            Warning::QueryInUri { event } => write!(
                f,
                "{event}: request.uri holds a `?`; CloudFront gives the query string in request.querystring, never \
                 in the uri, so the function sees neither the path nor the parameters it expects"
            ),
        }
    }
}

/// What `--expect` asks: one verdict (and reason code) of every event, or of each the one its
/// file's name starts with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// `VERDICT[:CODE]`, for every event.
    All(Expected),
    /// `by-name`: the first word of each event file's name, `allow-…`, `deny-…` or `redirect-…`
    /// (the verdict only).
    ByName,
}

/// What one event is expected to come out as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    /// `Allow`, `Deny` or `Redirect`.
    pub verdict: Verdict,
    /// The reason code the function must log, when given.
    pub code: Option<String>,
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{}:{code}", self.verdict),
            None => write!(f, "{}", self.verdict),
        }
    }
}

/// The verdicts an event can be expected to come out as, by name.
const EXPECTABLE: [Verdict; 3] = [Verdict::Allow, Verdict::Deny, Verdict::Redirect];

fn expectable(name: &str) -> Option<Verdict> {
    EXPECTABLE.into_iter().find(|v| v.name() == name)
}

impl FromStr for Expect {
    type Err = String;

    fn from_str(s: &str) -> Result<Expect, String> {
        if s == "by-name" {
            return Ok(Expect::ByName);
        }
        let (word, code) = match s.split_once(':') {
            Some((word, code)) => (word, Some(code)),
            None => (s, None),
        };
        let verdict = expectable(word)
            .ok_or_else(|| format!("`{s}` is not allow, deny or redirect (optionally with :CODE), nor by-name"))?;
        if let Some(code) = code {
            if !is_code(code) {
                return Err(format!("`{code}` is not a reason code (1 to 64 of A-Z a-z 0-9 . _ -)"));
            }
        }
        Ok(Expect::All(Expected { verdict, code: code.map(str::to_owned) }))
    }
}

/// An event file not named after its verdict, under `--expect by-name`.
#[derive(Debug, thiserror::Error)]
#[error(
    "{}: with --expect by-name, an event file's name starts with its verdict (allow-…, deny-… or redirect-…)",
    path.display()
)]
pub struct NotNamedAfterVerdict {
    pub path: PathBuf,
}

impl Expect {
    /// What the event in the file at `path` is expected to come out as.
    pub fn for_event(&self, path: &Path) -> Result<Expected, NotNamedAfterVerdict> {
        match self {
            Expect::All(expected) => Ok(expected.clone()),
            Expect::ByName => {
                let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
                let word = stem.split('-').next().unwrap_or("");
                expectable(word)
                    .map(|verdict| Expected { verdict, code: None })
                    .ok_or_else(|| NotNamedAfterVerdict { path: path.to_owned() })
            }
        }
    }
}

/// Whether `code` can be a reason code: 1 to 64 of `A-Z a-z 0-9 . _ -`.
fn is_code(code: &str) -> bool {
    (1..=64).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// The reason a function gave for its decision (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason {
    /// `allow` or `deny`, as the function said it.
    pub decision: &'static str,
    pub code: String,
}

/// `allow CODE` or `deny CODE` (and whatever follows), read from one line.
fn parse_reason(text: &str) -> Option<Reason> {
    let mut words = text.split_whitespace();
    let decision = match words.next()? {
        "allow" => "allow",
        "deny" => "deny",
        _ => return None,
    };
    let code = words.next().filter(|c| is_code(c))?;
    Some(Reason { decision, code: code.to_owned() })
}

/// The reason the function gave on this event, if it gave one: its last `cfjwt: allow|deny CODE`
/// log line, else its log custom data (`deny CODE`, or the same with the `cfjwt: ` prefix).
pub fn reason(result: &TestResult) -> Option<Reason> {
    let logged = result.function_execution_logs.iter().rev().find_map(|l| parse_reason(l.strip_prefix("cfjwt: ")?));
    logged.or_else(|| {
        let data = result.log_custom_data.as_deref()?;
        parse_reason(data.strip_prefix("cfjwt: ").unwrap_or(data))
    })
}

/// What the function decided on one event.
pub fn verdict(result: &TestResult) -> Verdict {
    if result.failed() {
        return Verdict::Failed;
    }
    let output: Value = serde_json::from_str(&result.function_output).unwrap_or_default();
    match output.get("response") {
        None => Verdict::Allow,
        Some(response) => {
            let status = response.get("statusCode").and_then(Value::as_u64);
            if status.is_some_and(|s| (300..400).contains(&s)) {
                Verdict::Redirect
            } else {
                Verdict::Deny
            }
        }
    }
}

/// Compares what the function returned with the request it was given.
pub fn describe(event: &str, before: &Value, result: &TestResult) -> Table {
    let mut rows = Vec::new();
    if result.failed() {
        rows.push(("error", result.function_error_message.clone()));
        rows.extend(result.function_execution_logs.iter().map(|l| ("log", l.clone())));
        rows.extend(result.log_custom_data.iter().map(|d| ("log-data", d.clone())));
        return Table { event: event.to_string(), verdict: Verdict::Failed, rows };
    }
    let output: Value = serde_json::from_str(&result.function_output).unwrap_or_default();
    let verdict = if let Some(response) = output.get("response") {
        let status = response.get("statusCode").map(|s| s.to_string()).unwrap_or_default();
        let description = response.get("statusDescription").and_then(Value::as_str).unwrap_or("");
        rows.push(("status", format!("{status} {description}").trim_end().to_string()));
        for (name, header) in entries(response.get("headers")) {
            rows.push(("header", format!("{name}: {}", shown_value(header))));
        }
        for (name, cookie) in entries(response.get("cookies")) {
            rows.push(("cookie", format!("sets {name}={}", shown_value(cookie))));
        }
        verdict(result)
    } else {
        let after = output.get("request").cloned().unwrap_or_default();
        rows.push(("status", "none: the request goes on to the origin".to_string()));
        let (uri_before, uri_after) = (&before["uri"], &after["uri"]);
        if uri_before != uri_after {
            rows.push(("uri", format!("{} → {}", text(uri_before), text(uri_after))));
        }
        if before["method"] != after["method"] {
            rows.push(("method", format!("{} → {}", text(&before["method"]), text(&after["method"]))));
        }
        for (label, key) in [("query", "querystring"), ("header", "headers"), ("cookie", "cookies")] {
            let old: Vec<_> = entries(before.get(key)).collect();
            let new: Vec<_> = entries(after.get(key)).collect();
            for (name, value) in &old {
                match new.iter().find(|(n, _)| n == name) {
                    None => rows.push((label, format!("removed {name}"))),
                    Some((_, v)) if v != value => rows.push((label, format!("changed {name} to {}", shown_value(v)))),
                    Some(_) => {}
                }
            }
            for (name, value) in &new {
                if !old.iter().any(|(n, _)| n == name) {
                    rows.push((label, format!("added {name}={}", shown_value(value))));
                }
            }
        }
        if rows.len() == 1 {
            rows.push(("changed", "nothing".to_string()));
        }
        verdict(result)
    };
    if let Some(reason) = reason(result) {
        rows.insert(1, ("reason", reason.code));
    }
    rows.push(("compute", format!("{}%", result.compute_utilization)));
    rows.extend(result.function_execution_logs.iter().map(|l| ("log", l.clone())));
    rows.extend(result.log_custom_data.iter().map(|d| ("log-data", d.clone())));
    Table { event: event.to_string(), verdict, rows }
}

/// The members of an object of query parameters, headers or cookies, in order.
fn entries(v: Option<&Value>) -> impl Iterator<Item = (&String, &Value)> {
    v.and_then(Value::as_object).into_iter().flatten()
}

fn text(v: &Value) -> String {
    v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())
}

/// A `{value, multiValue, attributes}` entry as people read it: the values (long ones shortened,
/// such as tokens), then the cookie attributes.
fn shown_value(entry: &Value) -> String {
    let short = |v: &Value| {
        let s = text(v);
        if s.chars().count() > 40 {
            let head: String = s.chars().take(16).collect();
            let tail: String = s.chars().rev().take(8).collect::<Vec<_>>().into_iter().rev().collect();
            format!("{head}…{tail}")
        } else {
            s
        }
    };
    let one = |e: &Value| {
        let mut s = short(&e["value"]);
        if let Some(attributes) = e.get("attributes").and_then(Value::as_str) {
            s.push_str("; ");
            s.push_str(attributes);
        }
        s
    };
    match entry.get("multiValue").and_then(Value::as_array) {
        Some(values) if values.len() > 1 => values.iter().map(one).collect::<Vec<_>>().join(", "),
        _ => one(entry),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(output: Value) -> TestResult {
        TestResult {
            function_output: output.to_string(),
            function_error_message: String::new(),
            function_execution_logs: vec!["a log line".into()],
            log_custom_data: None,
            compute_utilization: "7".into(),
        }
    }

    fn case(name: &str, result: TestResult) -> Case {
        let event = crate::runtime::normalize_event(serde_json::json!({"request": {"method": "GET", "uri": "/"}}));
        Case { name: name.into(), event: event.unwrap(), result, expected: None }
    }

    fn expected(text: &str) -> Expected {
        match text.parse::<Expect>().unwrap() {
            Expect::All(e) => e,
            Expect::ByName => unreachable!(),
        }
    }

    #[test]
    fn describe_lists_what_the_function_changed() {
        let before = serde_json::json!({
            "method": "GET", "uri": "/a",
            "querystring": {"jwt": {"value": "t"}, "lang": {"value": "en"}, "q": {"value": "1"}},
            "headers": {"host": {"value": "h"}},
            "cookies": {"id": {"value": "a", "multiValue": [{"value": "a"}, {"value": "b"}]}},
        });
        let mut after = before.clone();
        after["uri"] = "/b".into();
        after["querystring"].as_object_mut().unwrap().remove("jwt");
        after["querystring"]["q"] = serde_json::json!({"value": "2"});
        after["headers"]["x-user"] = serde_json::json!({"value": "u1"});
        let v = describe("e.json", &before, &result(serde_json::json!({ "request": after })));
        assert_eq!(v.verdict, Verdict::Allow);
        let rows: Vec<String> = v.rows.iter().map(|(l, t)| format!("{l}: {t}")).collect();
        assert_eq!(
            rows,
            [
                "status: none: the request goes on to the origin",
                "uri: /a → /b",
                "query: removed jwt",
                "query: changed q to 2",
                "header: added x-user=u1",
                "compute: 7%",
                "log: a log line",
            ]
        );
        let unchanged = describe("e.json", &before, &result(serde_json::json!({ "request": before })));
        assert_eq!(unchanged.rows[1], ("changed", "nothing".to_string()));
    }

    #[test]
    fn describe_shows_responses_and_failures() {
        let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
        let response = serde_json::json!({"response": {
            "statusCode": 302, "statusDescription": "Found",
            "headers": {"location": {"value": "/a?lang=en"}},
            "cookies": {"token": {"value": token, "attributes": "Secure; HttpOnly"}},
        }});
        let v = describe("e.json", &serde_json::json!({}), &result(response));
        assert_eq!(v.verdict, Verdict::Redirect);
        assert_eq!(v.rows[0], ("status", "302 Found".to_string()));
        assert_eq!(v.rows[1], ("header", "location: /a?lang=en".to_string()));
        assert_eq!(v.rows[2], ("cookie", "sets token=eyJhbGciOiJIUzI1…9ABCDEFG; Secure; HttpOnly".to_string()));
        let deny =
            describe("e.json", &serde_json::json!({}), &result(serde_json::json!({"response": {"statusCode": 401}})));
        assert_eq!(deny.verdict, Verdict::Deny);
        let mut failed = result(serde_json::json!({}));
        failed.function_error_message = "boom".into();
        let v = describe("e.json", &serde_json::json!({}), &failed);
        assert_eq!(v.verdict, Verdict::Failed);
        assert_eq!(v.render(false), "FAILED    e.json\n  error     boom\n  log       a log line\n");
        assert_eq!(
            v.render(true),
            "\x1b[1;31mFAILED  \x1b[0m  \x1b[1me.json\x1b[0m\n  \x1b[2merror   \x1b[0m  boom\n  \x1b[2mlog     \x1b[0m  a log line\n"
        );
    }

    #[test]
    fn json_lines_are_the_test_function_format_with_the_event_file() {
        let mut r = result(serde_json::json!({"response": {"statusCode": 401}}));
        let line = json_line("events/deny-x.json", &r);
        assert!(line.starts_with("{\"Event\":\"events/deny-x.json\",\"FunctionOutput\":") && line.ends_with("}\n"));
        assert_eq!(line.matches('\n').count(), 1);
        assert!(!line.contains("LogCustomData"), "{line}");
        r.log_custom_data = Some("deny expired".into());
        let v: Value = serde_json::from_str(&json_line("e.json", &r)).unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "Event",
                "FunctionOutput",
                "FunctionErrorMessage",
                "FunctionExecutionLogs",
                "LogCustomData",
                "ComputeUtilization"
            ]
        );
        assert_eq!(v["LogCustomData"], "deny expired");
    }

    #[test]
    fn expectations_are_read_from_the_flag_or_the_file_name() {
        assert_eq!(expected("deny"), Expected { verdict: Verdict::Deny, code: None });
        assert_eq!(expected("deny:expired"), Expected { verdict: Verdict::Deny, code: Some("expired".into()) });
        assert_eq!(expected("redirect:handoff").to_string(), "redirect:handoff");
        for bad in ["FAILED", "Allow", "deny:", "deny:a b", "deny:x:y", "", "by-name:x"] {
            assert!(bad.parse::<Expect>().is_err(), "{bad}");
        }
        let by_name = Expect::ByName;
        let of = |p: &str| by_name.for_event(Path::new(p)).map(|e| e.to_string()).map_err(|e| e.to_string());
        assert_eq!(of("events/allow-favicon.json").unwrap(), "allow");
        assert_eq!(of("deny.json").unwrap(), "deny");
        assert_eq!(of("/x/redirect-manifest.json").unwrap(), "redirect");
        let err = of("events/denied-x.json").unwrap_err();
        assert!(err.starts_with("events/denied-x.json: with --expect by-name"), "{err}");
        assert!(of("events/Allow-x.json").is_err() && of("events/x-allow.json").is_err());
        let all = "deny:expired".parse::<Expect>().unwrap();
        assert_eq!(all.for_event(Path::new("allow-x.json")).unwrap().to_string(), "deny:expired");
    }

    #[test]
    fn reasons_come_from_the_log_or_the_log_data() {
        let mut r = result(serde_json::json!({"response": {"statusCode": 401}}));
        assert_eq!(reason(&r), None);
        r.function_execution_logs = vec!["cfjwt: deny expired".into(), "deny other".into()];
        assert_eq!(reason(&r), Some(Reason { decision: "deny", code: "expired".into() }));
        r.function_execution_logs.push("cfjwt: allow ok extra words".into());
        assert_eq!(reason(&r).unwrap().code, "ok");
        r.function_execution_logs = vec!["cfjwt: deny".into(), "cfjwt: maybe x".into()];
        assert_eq!(reason(&r), None);
        r.log_custom_data = Some("deny bad-signature".into());
        assert_eq!(reason(&r).unwrap().code, "bad-signature");
        r.log_custom_data = Some("cfjwt: allow public".into());
        assert_eq!(reason(&r), Some(Reason { decision: "allow", code: "public".into() }));
        let table = describe("e.json", &serde_json::json!({}), &r);
        assert_eq!(table.rows[1], ("reason", "public".to_string()));
        assert_eq!(table.rows.last().unwrap(), &("log-data", "cfjwt: allow public".to_string()));
    }

    #[test]
    fn a_case_says_what_was_expected_and_what_happened() {
        let deny = || {
            let mut r = result(serde_json::json!({"response": {"statusCode": 401}}));
            r.function_execution_logs = vec!["cfjwt: deny expired".into()];
            r
        };
        let mut report = Report {
            cases: vec![case("a.json", deny()), case("b.json", deny()), case("c.json", deny()), case("d.json", deny())],
            warnings: Vec::new(),
        };
        report.cases[3].result.function_execution_logs.clear();
        assert_eq!(report.summary(), None);
        assert!(!report.failed());
        report.expect(vec![expected("deny:expired"), expected("allow"), expected("deny:no-token"), expected("deny:x")]);
        let said: Vec<String> = report.mismatches().map(|(c, m)| format!("{}: {m}", c.name)).collect();
        assert_eq!(
            said,
            [
                "b.json: expected allow, the function answered deny:expired",
                "c.json: expected deny:no-token, the function answered deny:expired",
                "d.json: expected deny:x, the function answered deny and logged no reason",
            ]
        );
        assert_eq!(report.summary().as_deref(), Some("1 passed, 3 failed"));
        assert!(report.failed());
        let tables = report.tables(false);
        assert!(tables.contains("deny      b.json\n  mismatch  expected allow, the function answered deny:expired\n"));
        assert!(tables.contains("deny      a.json\n  status    401\n  reason    expired\n"), "{tables}");
        let mut failed = deny();
        failed.function_error_message = "boom".into();
        let mut c = case("e.json", failed);
        c.expected = Some(expected("deny"));
        assert_eq!(c.mismatch().unwrap(), "expected deny, the function failed: boom");
    }
}
