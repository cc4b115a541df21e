//! Reading event files in the `aws cloudfront test-function` format, with the slack real event
//! files need: CloudFront's console and the aws-samples repository write events without
//! `cookies`, without `viewer`, with a bare `context`, or with `multivalue` in lower case, and
//! `test-function` accepts them. Anything that is not an event at all is refused with the JSON
//! path of the problem.

use serde_json::{Map, Value};

use super::EngineError;

/// The viewer address filled in when an event has no `viewer` (a documentation address,
/// RFC 5737, the one AWS's own examples use).
const DEFAULT_VIEWER_IP: &str = "198.51.100.11";

/// Which trigger an event is for; decides what the function must return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EventType {
    ViewerRequest,
    ViewerResponse,
}

impl EventType {
    /// The event type of a normalised event.
    pub(crate) fn of(event: &Value) -> EventType {
        match event.pointer("/context/eventType").and_then(Value::as_str) {
            Some("viewer-response") => EventType::ViewerResponse,
            _ => EventType::ViewerRequest,
        }
    }
}

fn bad(path: &str, what: &str) -> EngineError {
    EngineError::BadEvent(format!("`{path}` {what}"))
}

/// Normalise one `{name: {value, multiValue?}}` map (query string, headers or cookies).
fn normalize_entries(value: Option<Value>, path: &str, lower_case_names: bool) -> Result<Value, EngineError> {
    let map = match value {
        None | Some(Value::Null) => return Ok(Value::Object(Map::new())),
        Some(Value::Object(map)) => map,
        Some(_) => return Err(bad(path, "is not an object")),
    };
    let mut out = Map::with_capacity(map.len());
    for (name, entry) in map {
        let entry_path = format!("{path}.{name}");
        let Value::Object(mut fields) = entry else {
            return Err(bad(&entry_path, "is not an object of the form {\"value\": \"...\"}"));
        };
        if let Some(multi) = fields.remove("multivalue") {
            fields.entry("multiValue").or_insert(multi);
        }
        if !fields.get("value").is_some_and(Value::is_string) {
            return Err(bad(&format!("{entry_path}.value"), "is missing or not a string"));
        }
        match fields.get("multiValue") {
            None => {}
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    if !item.get("value").is_some_and(Value::is_string) {
                        return Err(bad(&format!("{entry_path}.multiValue[{i}].value"), "is missing or not a string"));
                    }
                }
            }
            Some(_) => return Err(bad(&format!("{entry_path}.multiValue"), "is not an array")),
        }
        let name = if lower_case_names { name.to_ascii_lowercase() } else { name };
        out.insert(name, Value::Object(fields));
    }
    Ok(Value::Object(out))
}

fn take_object(map: &mut Map<String, Value>, key: &str, path: &str) -> Result<Map<String, Value>, EngineError> {
    match map.remove(key) {
        Some(Value::Object(inner)) => Ok(inner),
        Some(_) => Err(bad(path, "is not an object")),
        None => Err(bad(path, "is missing")),
    }
}

fn normalize_message(mut message: Map<String, Value>, path: &str, is_request: bool) -> Result<Value, EngineError> {
    let mut out = Map::new();
    if is_request {
        match message.remove("method") {
            Some(Value::String(m)) => out.insert("method".into(), Value::String(m)),
            Some(_) => return Err(bad(&format!("{path}.method"), "is not a string")),
            None => return Err(bad(&format!("{path}.method"), "is missing")),
        };
        match message.remove("uri") {
            Some(Value::String(uri)) if uri.starts_with('/') => out.insert("uri".into(), Value::String(uri)),
            Some(Value::String(_)) => return Err(bad(&format!("{path}.uri"), "does not start with `/`")),
            Some(_) => return Err(bad(&format!("{path}.uri"), "is not a string")),
            None => return Err(bad(&format!("{path}.uri"), "is missing")),
        };
        let qs = normalize_entries(message.remove("querystring"), &format!("{path}.querystring"), false)?;
        out.insert("querystring".into(), qs);
    } else {
        match message.remove("statusCode") {
            Some(code @ Value::Number(_)) => out.insert("statusCode".into(), code),
            Some(_) => return Err(bad(&format!("{path}.statusCode"), "is not a number")),
            None => return Err(bad(&format!("{path}.statusCode"), "is missing")),
        };
        if let Some(desc) = message.remove("statusDescription") {
            out.insert("statusDescription".into(), desc);
        }
    }
    let headers = normalize_entries(message.remove("headers"), &format!("{path}.headers"), true)?;
    out.insert("headers".into(), headers);
    let cookies = normalize_entries(message.remove("cookies"), &format!("{path}.cookies"), false)?;
    out.insert("cookies".into(), cookies);
    // Anything else (a response `body`, fields a newer CloudFront adds) passes through.
    out.extend(message);
    Ok(Value::Object(out))
}

/// See [`super::normalize_event`].
pub(crate) fn normalize(event: Value) -> Result<Value, EngineError> {
    let Value::Object(mut root) = event else {
        return Err(EngineError::BadEvent("the event is not a JSON object".into()));
    };
    let version = match root.remove("version") {
        None | Some(Value::Null) => Value::String("1.0".into()),
        Some(v @ Value::String(_)) => v,
        Some(_) => return Err(bad("version", "is not a string")),
    };
    let mut context = match root.remove("context") {
        Some(Value::Object(c)) => c,
        None | Some(Value::Null) => Map::new(),
        Some(_) => return Err(bad("context", "is not an object")),
    };
    let event_type = match context.get("eventType") {
        None | Some(Value::Null) => "viewer-request".to_owned(),
        Some(Value::String(t)) if t == "viewer-request" || t == "viewer-response" => t.clone(),
        Some(_) => return Err(bad("context.eventType", "is not \"viewer-request\" or \"viewer-response\"")),
    };
    context.insert("eventType".into(), Value::String(event_type.clone()));
    let viewer = match root.remove("viewer") {
        Some(Value::Object(v)) => Value::Object(v),
        None | Some(Value::Null) => serde_json::json!({ "ip": DEFAULT_VIEWER_IP }),
        Some(_) => return Err(bad("viewer", "is not an object")),
    };
    let request = take_object(&mut root, "request", "request")?;
    let request = normalize_message(request, "request", true)?;

    let mut out = Map::new();
    out.insert("version".into(), version);
    out.insert("context".into(), Value::Object(context));
    out.insert("viewer".into(), viewer);
    out.insert("request".into(), request);
    if event_type == "viewer-response" {
        let response = take_object(&mut root, "response", "response")?;
        out.insert("response".into(), normalize_message(response, "response", false)?);
    } else if let Some(response) = root.remove("response") {
        out.insert("response".into(), response);
    }
    out.extend(root);
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fills_what_real_event_files_leave_out() {
        let event = normalize(json!({"request": {"method": "GET", "uri": "/a",
            "headers": {"Host": {"value": "x", "multivalue": [{"value": "x"}]}}}}))
        .unwrap();
        assert_eq!(event["version"], "1.0");
        assert_eq!(event["context"]["eventType"], "viewer-request");
        assert_eq!(event["viewer"]["ip"], DEFAULT_VIEWER_IP);
        assert_eq!(event["request"]["cookies"], json!({}));
        assert_eq!(event["request"]["querystring"], json!({}));
        assert_eq!(event["request"]["headers"]["host"]["multiValue"][0]["value"], "x");
    }

    #[test]
    fn refuses_what_is_not_an_event() {
        assert!(normalize(json!([])).is_err());
        assert!(normalize(json!({"version": "1.0"})).is_err());
        assert!(normalize(json!({"request": {"method": "GET"}})).is_err());
        assert!(normalize(json!({"request": {"method": "GET", "uri": "/", "headers": {"a": "b"}}})).is_err());
    }
}
