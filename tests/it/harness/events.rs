//! Viewer-request events in the `aws cloudfront test-function` format, as the tests and
//! `benches/bench.rs` (which includes this file) build them.

use serde_json::{json, Value};

/// A GET viewer-request event from 198.51.100.11.
pub fn event(uri: &str, querystring: Value, headers: Value, cookies: Value) -> Value {
    json!({
        "version": "1.0",
        "context": {"eventType": "viewer-request"},
        "viewer": {"ip": "198.51.100.11"},
        "request": {"method": "GET", "uri": uri, "querystring": querystring, "headers": headers, "cookies": cookies}
    })
}
