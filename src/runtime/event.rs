//! Events in the `aws cloudfront test-function` format: read from files, with the slack real
//! event files need (CloudFront's console and the aws-samples repository write events without
//! `cookies`, without `viewer`, with a bare `context`, or with `multivalue` in lower case, and
//! `test-function` accepts them; anything that is not an event at all is refused with the JSON
//! path of the problem), and made from a URL as a client would request it ([`from_url`], behind
//! `cfjwt event`).

use serde_json::{json, Map, Value};

use super::{EngineError, Event};

/// The viewer address filled in when an event has no `viewer` (a documentation address,
/// RFC 5737, the one AWS's own examples use).
pub const DEFAULT_VIEWER_IP: &str = "198.51.100.11";

/// The methods a CloudFront distribution can be asked to allow.
pub const METHODS: [&str; 7] = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"];

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

/// A viewer request as a client would send it, to be made into an event by [`from_url`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UrlRequest {
    /// An absolute `http://` or `https://` URL, or a path starting with `/`; either may have a
    /// `?query`. A `#fragment` is never sent, and is dropped.
    pub url: String,
    /// One of [`METHODS`], in any letter case; `None` for GET.
    pub method: Option<String>,
    /// Headers as `name: value`, in order. A `cookie` header's cookies go to `cookies`.
    pub headers: Vec<String>,
    /// Cookies as `name=value`, in order, after those of any `cookie` header.
    pub cookies: Vec<String>,
    /// The viewer's address; `None` for [`DEFAULT_VIEWER_IP`].
    pub ip: Option<String>,
}

/// A request [`from_url`] cannot make into an event. The message is one sentence.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RequestError(String);

fn refuse(message: String) -> RequestError {
    RequestError(message)
}

/// The characters a request line or header cannot carry as they are (controls, space, DEL and
/// every non-ASCII byte), percent-encoded as a client would send them; everything else, `%XX`
/// escapes included, as given.
fn as_sent(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        if b <= b' ' || b >= 0x7f {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(b as char);
        }
    }
    out
}

/// A `{name: {value, multiValue?}}` map from `(name, value)` pairs in order: the first value of
/// a name is its `value`, and a name given more than once lists all its values in `multiValue`.
fn entries(pairs: Vec<(String, String)>) -> Value {
    let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
    for (name, value) in pairs {
        match grouped.iter_mut().find(|(n, _)| *n == name) {
            Some((_, values)) => values.push(value),
            None => grouped.push((name, vec![value])),
        }
    }
    let mut map = Map::new();
    for (name, values) in grouped {
        let mut entry = json!({ "value": values[0] });
        if values.len() > 1 {
            entry["multiValue"] = values.iter().map(|v| json!({ "value": v })).collect();
        }
        map.insert(name, entry);
    }
    Value::Object(map)
}

/// Splits an absolute URL or a path into the `host` header (absolute URLs only), the path and
/// the query string (without its `?`; `None` when there is no `?`).
fn split_url(url: &str) -> Result<(Option<String>, String, Option<String>), RequestError> {
    let url = url.split_once('#').map_or(url, |(before, _)| before);
    let (host, target) = if url.starts_with('/') {
        (None, url)
    } else {
        let not_a_url =
            || refuse(format!("`{url}` is neither an http:// or https:// URL nor a path starting with `/`"));
        let (scheme, rest) = url.split_once("://").ok_or_else(not_a_url)?;
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return Err(not_a_url());
        }
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, target) = rest.split_at(end);
        if authority.contains('@') {
            return Err(refuse(format!(
                "`{url}` carries credentials before its host, which clients do not send; give them as a header"
            )));
        }
        if authority.is_empty() || authority.bytes().any(|b| b <= b' ' || b >= 0x7f || b == b'\\') {
            return Err(refuse(format!("`{url}` has no host, or one with characters a host cannot have")));
        }
        (Some(authority.to_ascii_lowercase()), target)
    };
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    };
    let path = if path.is_empty() { "/".to_owned() } else { as_sent(path) };
    Ok((host, path, query.map(as_sent)))
}

/// The query string's parameters as CloudFront lists them: split at `&`, each at its first `=`
/// (a parameter without one has the value `""`), empty pieces skipped.
fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| match part.split_once('=') {
            Some((name, value)) => (name.to_owned(), value.to_owned()),
            None => (part.to_owned(), String::new()),
        })
        .collect()
}

/// Whether `name` is a header name: 1 or more of HTTP's token characters.
fn is_token(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// `name: value` as a header: the name in lower case, the value without surrounding blanks.
fn header(text: &str) -> Result<(String, String), RequestError> {
    let bad = |why: &str| refuse(format!("--header `{text}`: {why}"));
    let (name, value) = text.split_once(':').ok_or_else(|| bad("not of the form `name: value`"))?;
    if !is_token(name) {
        return Err(bad("the name is not an HTTP header name (letters, digits and !#$%&'*+-.^_`|~)"));
    }
    let value = value.trim_matches([' ', '\t']);
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(bad("the value holds a control character (a line break, for instance)"));
    }
    Ok((name.to_ascii_lowercase(), value.to_owned()))
}

/// One `name=value` cookie, from `--cookie` or a `cookie` header (`what` says which).
fn cookie(text: &str, what: &str) -> Result<(String, String), RequestError> {
    let bad = |why: &str| refuse(format!("{what} `{text}`: {why}"));
    let (name, value) = text.split_once('=').ok_or_else(|| bad("a cookie is `name=value`"))?;
    let (name, value) = (name.trim(), value.trim());
    if name.is_empty() || name.contains(|c: char| c.is_whitespace() || c.is_control() || c == ';' || c == ',') {
        return Err(bad("the name is empty or holds a blank, `;` or `,`"));
    }
    if value.contains(|c: char| c.is_control() || c == ';') {
        return Err(bad("the value holds a `;` or a control character"));
    }
    Ok((name.to_owned(), value.to_owned()))
}

/// The viewer-request event CloudFront would give a function for this request (see
/// [`UrlRequest`]): `uri` the URL's path and `querystring` its parameters, `headers` with lower-case
/// names (`host` from an absolute URL, unless a `host` header is given), `cookies` from any
/// `cookie` header and then `--cookie`, `viewer.ip`; repeated names as `multiValue`.
///
/// Encoding: the CloudFront Developer Guide's "CloudFront Functions event structure" page says
/// the request object stands for the request as CloudFront received it from the viewer, that each
/// query parameter, header and cookie is one field whose `value` is its value, and that `Cookie`
/// headers are left out of `headers` and given as `cookies` instead. It does not say that values
/// are decoded, and its own examples treat them as received: the normalisation example joins
/// `name + '=' + value` back into a query string without encoding anything. So the path, the
/// query parameters' names and values and the cookies' values are kept as the client sends them:
/// `%XX` escapes and `+` untouched, only what a request cannot carry raw (blanks, controls,
/// non-ASCII) percent-encoded, as a client does before sending.
pub fn from_url(request: &UrlRequest) -> Result<Event, RequestError> {
    let method = match &request.method {
        None => "GET".to_owned(),
        Some(m) => {
            let upper = m.to_ascii_uppercase();
            if !METHODS.contains(&upper.as_str()) {
                return Err(refuse(format!("--method `{m}` is not one of {}", METHODS.join(", "))));
            }
            upper
        }
    };
    let ip = request.ip.as_deref().unwrap_or(DEFAULT_VIEWER_IP);
    if ip.parse::<std::net::IpAddr>().is_err() {
        return Err(refuse(format!("--ip `{ip}` is not an IPv4 or IPv6 address")));
    }
    let (host, uri, query) = split_url(&request.url)?;
    let mut headers = Vec::new();
    let mut cookies = Vec::new();
    for text in &request.headers {
        let (name, value) = header(text)?;
        if name == "cookie" {
            for part in value.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                cookies.push(cookie(part, "the `cookie` header's cookie")?);
            }
        } else {
            headers.push((name, value));
        }
    }
    if let Some(host) = host {
        if !headers.iter().any(|(name, _)| name == "host") {
            headers.insert(0, ("host".to_owned(), host));
        }
    }
    for text in &request.cookies {
        cookies.push(cookie(text, "--cookie")?);
    }
    let event = json!({
        "version": "1.0",
        "context": { "eventType": "viewer-request" },
        "viewer": { "ip": ip },
        "request": {
            "method": method,
            "uri": uri,
            "querystring": entries(query.as_deref().map(query_pairs).unwrap_or_default()),
            "headers": entries(headers),
            "cookies": entries(cookies),
        },
    });
    normalize(event).map(Event).map_err(|e| refuse(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn request(url: &str) -> UrlRequest {
        UrlRequest { url: url.into(), ..UrlRequest::default() }
    }

    #[test]
    fn a_url_becomes_the_event_cloudfront_would_give() {
        let mut r = request("https://D111.CloudFront.net/a%2Fb/c d?x=1&jwt=a%2Bb+c&x=2&flag&&=e#frag");
        r.headers = vec!["Accept: text/html".into(), "accept:  */* ".into(), "Cookie: a=1; b=x%3D; a=2".into()];
        r.cookies = vec!["token=t.u.v".into()];
        r.method = Some("head".into());
        let event = from_url(&r).unwrap();
        let e = event.json();
        assert_eq!(e["viewer"]["ip"], DEFAULT_VIEWER_IP);
        assert_eq!(e["context"]["eventType"], "viewer-request");
        let req = &e["request"];
        assert_eq!(req["method"], "HEAD");
        assert_eq!(req["uri"], "/a%2Fb/c%20d");
        assert_eq!(
            req["querystring"],
            json!({
                "x": {"value": "1", "multiValue": [{"value": "1"}, {"value": "2"}]},
                "jwt": {"value": "a%2Bb+c"},
                "flag": {"value": ""},
                "": {"value": "e"},
            })
        );
        assert_eq!(
            req["headers"],
            json!({
                "host": {"value": "d111.cloudfront.net"},
                "accept": {"value": "text/html", "multiValue": [{"value": "text/html"}, {"value": "*/*"}]},
            })
        );
        assert_eq!(
            req["cookies"],
            json!({
                "a": {"value": "1", "multiValue": [{"value": "1"}, {"value": "2"}]},
                "b": {"value": "x%3D"},
                "token": {"value": "t.u.v"},
            })
        );
    }

    #[test]
    fn a_path_has_no_host_and_an_absolute_url_may_have_no_path() {
        let e = from_url(&request("/p?")).unwrap();
        assert_eq!(e.json()["request"]["uri"], "/p");
        assert_eq!(e.json()["request"]["querystring"], json!({}));
        assert_eq!(e.json()["request"]["headers"], json!({}));
        let e = from_url(&request("http://example.org:8080?a=b")).unwrap();
        assert_eq!(e.json()["request"]["uri"], "/");
        assert_eq!(e.json()["request"]["headers"]["host"]["value"], "example.org:8080");
        let mut r = request("https://a.example/x");
        r.headers = vec!["host: b.example".into()];
        r.ip = Some("2001:db8::1".into());
        let e = from_url(&r).unwrap();
        assert_eq!(e.json()["request"]["headers"], json!({"host": {"value": "b.example"}}));
        assert_eq!(e.json()["viewer"]["ip"], "2001:db8::1");
    }

    #[test]
    fn bad_requests_are_refused_with_what_is_wrong() {
        let with = |f: &dyn Fn(&mut UrlRequest)| {
            let mut r = request("/a");
            f(&mut r);
            from_url(&r).unwrap_err().to_string()
        };
        assert!(with(&|r| r.url = "a/b".into()).contains("nor a path"));
        assert!(with(&|r| r.url = "ftp://x/a".into()).contains("nor a path"));
        assert!(with(&|r| r.url = "https:///a".into()).contains("no host"));
        assert!(with(&|r| r.url = "https://u:p@x/a".into()).contains("credentials"));
        assert!(with(&|r| r.method = Some("FETCH".into())).contains("--method `FETCH`"));
        assert!(with(&|r| r.headers = vec!["no colon".into()]).contains("name: value"));
        assert!(with(&|r| r.headers = vec!["bad name: x".into()]).contains("header name"));
        assert!(with(&|r| r.headers = vec!["x: a\nb".into()]).contains("control"));
        assert!(with(&|r| r.headers = vec!["cookie: a".into()]).contains("name=value"));
        assert!(with(&|r| r.cookies = vec!["=v".into()]).contains("--cookie `=v`"));
        assert!(with(&|r| r.cookies = vec!["a=b;c".into()]).contains("`;`"));
        assert!(with(&|r| r.ip = Some("300.1.1.1".into())).contains("--ip"));
    }
}
