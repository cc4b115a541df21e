//! The `cfjwt test` report: what the function decided on each event (allow, deny, redirect or
//! FAILED) and what it changed, as a small table for people, or as the JSON lines
//! `aws cloudfront test-function` returns, for programs.

use std::fmt;

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
    /// The table as text; with `colour`, ANSI colours (verdict, event name, labels).
    pub fn render(&self, colour: bool) -> String {
        let paint =
            |code: &str, text: &str| if colour { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() };
        let verdict = paint(self.verdict.colour(), &format!("{:<8}", self.verdict.name()));
        let mut out = format!("{verdict}  {}\n", paint("1", &self.event));
        for (label, value) in &self.rows {
            out.push_str(&format!("  {}  {value}\n", paint("2", &format!("{label:<8}"))));
        }
        out
    }
}

/// One event of a run: the name it is shown by (its file), the event and the function's result.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    pub name: String,
    pub event: Event,
    pub result: TestResult,
}

/// A run of a function on its events, in order.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Report {
    pub cases: Vec<Case>,
}

impl Report {
    /// Whether the function failed on any event (`cfjwt test` then exits 1).
    pub fn failed(&self) -> bool {
        self.cases.iter().any(|c| c.result.failed())
    }

    /// One table per event, one after the other.
    pub fn tables(&self, colour: bool) -> String {
        self.cases.iter().map(|c| describe(&c.name, &c.event.json()["request"], &c.result).render(colour)).collect()
    }

    /// One JSON result per line, as `aws cloudfront test-function` returns them.
    pub fn json_lines(&self) -> String {
        self.cases.iter().map(|c| json_line(&c.result)).collect()
    }
}

/// A result as one line of JSON, with its line break.
pub fn json_line(result: &TestResult) -> String {
    let mut line = serde_json::to_string(result).expect("a TestResult is strings only");
    line.push('\n');
    line
}

/// Compares what the function returned with the request it was given.
pub fn describe(event: &str, before: &Value, result: &TestResult) -> Table {
    let mut rows = Vec::new();
    if result.failed() {
        rows.push(("error", result.function_error_message.clone()));
        rows.extend(result.function_execution_logs.iter().map(|l| ("log", l.clone())));
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
        let is_redirect = response.get("statusCode").and_then(Value::as_u64).is_some_and(|s| (300..400).contains(&s));
        if is_redirect {
            Verdict::Redirect
        } else {
            Verdict::Deny
        }
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
        Verdict::Allow
    };
    rows.push(("compute", format!("{}%", result.compute_utilization)));
    rows.extend(result.function_execution_logs.iter().map(|l| ("log", l.clone())));
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
            compute_utilization: "7".into(),
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
    fn json_lines_are_the_test_function_format() {
        let r = result(serde_json::json!({"response": {"statusCode": 401}}));
        let line = json_line(&r);
        assert!(line.starts_with("{\"FunctionOutput\":") && line.ends_with("}\n"), "{line}");
        assert_eq!(line.matches('\n').count(), 1);
    }
}
