//! What CloudFront does with the value a handler returns: accept it as the request to go on with
//! or the response to send, or fail the viewer's request (502/503) because the object breaks a
//! rule. `aws cloudfront test-function` reports only execution errors; cfjwt also reports these
//! validation failures, since they are what the viewer would get.
//!
//! Sources for the rules (AWS CloudFront Developer Guide): "CloudFront Functions event structure"
//! (request and response fields, `method` the only read-only request field, `statusCode` an
//! integer, header names in lower case, `body` as a string or `{data, encoding}` with encoding
//! `text` or `base64`, values as `{value}` objects with an optional `multiValue` array), and
//! "Restrictions on all edge functions" (the disallowed and read-only header lists, and URIs under
//! 8,192 characters). The response body limit is from "Quotas on CloudFront Functions". The
//! header lists and limits are in `crate::cloudfront`.

use serde_json::{Map, Value};

use super::event::EventType;

use crate::cloudfront::headers::{self, READ_ONLY_IN_REQUEST, READ_ONLY_IN_RESPONSE};
use crate::cloudfront::{MAX_BODY_BYTES, MAX_URI_CHARS};

/// A validation failure, worded for FunctionErrorMessage.
fn fail(detail: impl std::fmt::Display) -> String {
    format!("The function's result failed CloudFront validation: {detail}")
}

/// Checks a `{name: {value: string, multiValue?: [{value: string}]}}` map.
fn check_entries(v: Option<&Value>, what: &str, allow_attributes: bool) -> Result<(), String> {
    let map = match v {
        None => return Ok(()),
        Some(Value::Object(map)) => map,
        Some(_) => return Err(fail(format!("`{what}` is not an object"))),
    };
    let check_value = |entry: &Value, at: &str| -> Result<(), String> {
        if !entry.get("value").is_some_and(Value::is_string) {
            return Err(fail(format!("{at} has no string `value`")));
        }
        if allow_attributes {
            if let Some(attrs) = entry.get("attributes") {
                if !attrs.is_string() {
                    return Err(fail(format!("{at}.attributes is not a string")));
                }
            }
        }
        Ok(())
    };
    for (name, entry) in map {
        let at = format!("{what}[\"{name}\"]");
        if !entry.is_object() {
            return Err(fail(format!("{at} is not an object of the form {{value: \"...\"}}")));
        }
        check_value(entry, &at)?;
        match entry.get("multiValue") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    check_value(item, &format!("{at}.multiValue[{i}]"))?;
                }
            }
            Some(_) => return Err(fail(format!("{at}.multiValue is not an array"))),
        }
    }
    Ok(())
}

/// Header names must be lower case and not disallowed; read-only ones must be as they came in.
fn check_headers(out: Option<&Value>, original: Option<&Value>, what: &str, read_only: &[&str]) -> Result<(), String> {
    check_entries(out, what, false)?;
    let empty = Map::new();
    let out_map = out.and_then(Value::as_object).unwrap_or(&empty);
    let in_map = original.and_then(Value::as_object).unwrap_or(&empty);
    for name in out_map.keys() {
        if name.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(fail(format!("header name \"{name}\" in `{what}` is not lower case")));
        }
        if headers::is_disallowed(name) && out_map.get(name) != in_map.get(name) {
            return Err(fail(format!("the function added the disallowed header \"{name}\"")));
        }
    }
    for name in read_only {
        if out_map.get(*name) != in_map.get(*name) {
            return Err(fail(format!("the function added, changed or removed the read-only header \"{name}\"")));
        }
    }
    Ok(())
}

fn check_request(out: &Map<String, Value>, original: &Value) -> Result<(), String> {
    match out.get("uri") {
        Some(Value::String(uri)) if uri.starts_with('/') => {
            if uri.chars().count() >= MAX_URI_CHARS {
                return Err(fail(format!("the request `uri` is {MAX_URI_CHARS} characters or longer")));
            }
        }
        Some(Value::String(_)) => return Err(fail("the request `uri` does not start with `/`")),
        Some(_) => return Err(fail("the request `uri` is not a string")),
        None => return Err(fail("the request has no `uri`")),
    }
    match (out.get("method"), original.get("method")) {
        (None, _) => return Err(fail("the request has no `method`")),
        (Some(m), Some(o)) if m != o => return Err(fail("the function changed the read-only request `method`")),
        _ => {}
    }
    check_entries(out.get("querystring"), "querystring", false)?;
    check_entries(out.get("cookies"), "cookies", false)?;
    check_headers(out.get("headers"), original.get("headers"), "headers", READ_ONLY_IN_REQUEST)
}

fn check_response(out: &Map<String, Value>, original: Option<&Value>) -> Result<(), String> {
    let status = out.get("statusCode");
    if !status.and_then(Value::as_u64).is_some_and(|code| (100..=599).contains(&code)) {
        let shown = status.map_or_else(|| "missing".to_owned(), Value::to_string);
        return Err(fail(format!("the response `statusCode` must be an integer from 100 to 599 (it is {shown})")));
    }
    if let Some(desc) = out.get("statusDescription") {
        if !desc.is_string() {
            return Err(fail("the response `statusDescription` is not a string"));
        }
    }
    check_entries(out.get("cookies"), "cookies", true)?;
    // A response made by a viewer-request function has no original headers to keep.
    let original_headers = original.and_then(|r| r.get("headers"));
    check_headers(out.get("headers"), original_headers, "headers", READ_ONLY_IN_RESPONSE)?;
    match out.get("body") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(text)) => check_body_size(text.len()),
        Some(Value::Object(body)) => {
            let Some(Value::String(data)) = body.get("data") else {
                return Err(fail("the response `body.data` is not a string"));
            };
            match body.get("encoding").and_then(Value::as_str) {
                Some("text") | None => check_body_size(data.len()),
                Some("base64") => {
                    use base64::Engine as _;
                    match base64::engine::general_purpose::STANDARD.decode(data) {
                        Ok(bytes) => check_body_size(bytes.len()),
                        Err(_) => Err(fail("the response `body.data` is not valid base64")),
                    }
                }
                Some(other) => {
                    Err(fail(format!("the response `body.encoding` \"{other}\" is not \"text\" or \"base64\"")))
                }
            }
        }
        Some(_) => Err(fail("the response `body` is neither a string nor {data, encoding}")),
    }
}

fn check_body_size(len: usize) -> Result<(), String> {
    if len > MAX_BODY_BYTES {
        return Err(fail(format!("the response body is {len} bytes, over the {MAX_BODY_BYTES}-byte limit")));
    }
    Ok(())
}

/// Validates the handler's result (`None` when it returned `undefined` or a function) against
/// the event it was given. On success, gives the FunctionOutput text: `{"request": ...}` or
/// `{"response": ...}`.
pub(crate) fn check(event: &Value, result: Option<Value>) -> Result<String, String> {
    let Some(result) = result else {
        return Err(fail("the function returned undefined instead of a request or response object"));
    };
    let Value::Object(object) = result else {
        return Err(fail(format!("the function returned {} instead of a request or response object", kind(&result))));
    };
    let key = match EventType::of(event) {
        EventType::ViewerRequest if !object.contains_key("statusCode") => {
            check_request(&object, &event["request"])?;
            "request"
        }
        EventType::ViewerRequest => {
            check_response(&object, None)?;
            "response"
        }
        EventType::ViewerResponse => {
            check_response(&object, event.get("response"))?;
            "response"
        }
    };
    let mut wrapper = Map::with_capacity(1);
    wrapper.insert(key.to_owned(), Value::Object(object));
    serde_json::to_string(&Value::Object(wrapper)).map_err(fail)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event() -> Value {
        json!({"context": {"eventType": "viewer-request"},
               "request": {"method": "GET", "uri": "/", "querystring": {}, "cookies": {},
                           "headers": {"host": {"value": "example.org"}}}})
    }

    #[test]
    fn accepts_the_request_unchanged() {
        let e = event();
        let out = check(&e, Some(e["request"].clone())).unwrap();
        assert!(out.starts_with("{\"request\":"));
    }

    #[test]
    fn refuses_broken_results() {
        let e = event();
        let req = |f: &dyn Fn(&mut Value)| {
            let mut r = e["request"].clone();
            f(&mut r);
            check(&e, Some(r))
        };
        assert!(req(&|r| r["method"] = json!("POST")).is_err());
        assert!(req(&|r| r["headers"]["host"] = json!({"value": "evil"})).is_err());
        assert!(req(&|r| r["headers"]["X-Up"] = json!({"value": "1"})).is_err());
        assert!(req(&|r| r["headers"]["x-edge-foo"] = json!({"value": "1"})).is_err());
        assert!(req(&|r| r["headers"]["a"] = json!("plain")).is_err());
        assert!(check(&e, Some(json!({"statusCode": "401"}))).is_err());
        assert!(check(&e, Some(json!({"statusCode": 99}))).is_err());
        assert!(check(&e, Some(json!({"statusCode": 401, "headers": {"via": {"value": "x"}}}))).is_err());
        assert!(check(&e, Some(json!("text"))).is_err());
        assert!(check(&e, None).is_err());
        assert!(check(&e, Some(json!({"statusCode": 302, "headers": {"location": {"value": "/x"}}}))).is_ok());
    }
}
