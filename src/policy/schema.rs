//! `cfjwt schema`: the policy file's JSON Schema (draft 2020-12), derived with `schemars` from the
//! serde types that read the policy (`src/policy/raw.rs`), so a field added there appears here
//! without more work. Editors use it to complete and check policies (`"$schema"` in the policy).
//!
//! The derive gives the shape (objects, `additionalProperties: false`, optional fields, the doc
//! comments as descriptions); the functions below add what `policy::validate` checks beyond JSON
//! types (names, patterns, ranges), each written as a schema the same way `validate` reads it.
//! `tests/it/toolchain.rs` checks that the schema and `gen` accept the same policies.
//!
//! Every field may be `null`, as serde reads `null` in an optional field as "absent".
//!
//! Known differences that a JSON Schema cannot express, all refused by `gen` only: a whole number
//! written with a fraction or exponent (`30.0`, `3e1`), a key name (`key.kvs`) of 512 characters
//! or fewer but more than 512 UTF-8 bytes, duplicate keys in one object, and a
//! `token.handoff.cookie` that names a cookie other than the `cookie:NAME` sources (the schema
//! asks for a `cookie:` and a `query:` source, but cannot compare the names), and, with a
//! hand-off, that cookie listed before the first `query:` source (the schema cannot compare
//! positions in a list), two `forward` claims set as one header or as a header that is a token
//! source (values compared with each other and with `token.from`), a `claims.require` number
//! beyond 2^53 (which JavaScript does not hold exactly), and whether the `then` file exists and
//! passes `cfjwt check`.

use schemars::{json_schema, Schema, SchemaGenerator};
use serde_json::{json, Value};

use super::rules::{self, COOKIE_NAME, HEADER_NAME, OBJECT_PROTOTYPE_NAMES};
use super::Log;
use crate::cloudfront::Runtime;

/// The policy's JSON Schema as a JSON value.
pub fn policy_schema() -> Value {
    let settings = schemars::generate::SchemaSettings::draft2020_12()
        .for_deserialize()
        .with_transform(schemars::transform::RecursiveTransform(drop_null_default));
    settings.into_generator().into_root_schema_for::<super::raw::RawPolicy>().to_value()
}

/// The policy's JSON Schema as pretty-printed JSON text with a final newline.
pub fn policy_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&policy_schema()).expect("a schema serialises");
    text.push('\n');
    text
}

/// `#[schemars(default)]` marks the fields with a `schema_with` optional (as their `Option` type
/// makes the others), and writes `"default": null` where no `extend("default" = ..)` replaces
/// it: a default that says nothing, since an absent field and `null` mean the same.
fn drop_null_default(schema: &mut Schema) {
    if schema.get("default") == Some(&Value::Null) {
        schema.remove("default");
    }
}

/// The policy: the KeyValueStore (`key.kvs`) needs a runtime that has it (the profile's).
pub fn store_needs_a_runtime_with_it(schema: &mut Schema) {
    let without: Vec<&str> =
        Runtime::ALL.iter().map(|r| r.profile()).filter(|p| !p.key_value_store).map(|p| p.runtime.name()).collect();
    debug_assert!(Runtime::default().profile().key_value_store, "a policy without `runtime` may read the store");
    // The access logs' custom data comes with the same runtimes as the store.
    let without_log_data: Vec<&str> =
        Runtime::ALL.iter().map(|r| r.profile()).filter(|p| !p.log_custom_data).map(|p| p.runtime.name()).collect();
    assert_eq!(without, without_log_data, "one `if` serves the store and the access logs");
    schema.insert("if".into(), json!({ "required": ["runtime"], "properties": { "runtime": { "enum": without } } }));
    schema.insert(
        "then".into(),
        json!({
            "properties": {
                "key": { "anyOf": [{ "type": "null" }, { "properties": { "kvs": { "type": "null" } } }] },
                "log": { "not": { "const": "access-log" } },
                "revocation": { "type": "null" },
            },
        }),
    );
}

/// `runtime`: one of CloudFront's runtime names.
pub fn runtime(_: &mut SchemaGenerator) -> Schema {
    let mut names: Vec<Value> = Runtime::ALL.iter().map(|r| json!(r.name())).collect();
    names.push(Value::Null);
    json_schema!({ "type": ["string", "null"], "enum": names })
}

/// `cors.origins`: a non-empty list of origins.
pub fn cors_origins(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": ["array", "null"], "minItems": 1, "items": { "type": "string", "pattern": rules::ORIGIN } })
}

/// `key.encoding`: one of the encodings `gen --key-encoding` takes.
pub fn key_encoding(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": ["string", "null"], "enum": ["utf8", "base64", "base64url", "hex", null] })
}

/// `log`: one of its names.
pub fn log(_: &mut SchemaGenerator) -> Schema {
    let mut names: Vec<Value> = Log::NAMES.iter().map(|n| json!(n)).collect();
    names.push(Value::Null);
    json_schema!({ "type": ["string", "null"], "enum": names })
}

/// `claims.exp`, `claims.nbf`.
pub fn presence(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": ["string", "null"], "enum": ["required", "optional", null] })
}

/// `token.from`: a non-empty list of distinct `query:NAME`, `header:NAME` or `cookie:NAME`.
pub fn token_sources(_: &mut SchemaGenerator) -> Schema {
    let query_name = rules::query_name_pattern();
    let source = format!("^(?:query:{query_name}|header:{HEADER_NAME}|cookie:{COOKIE_NAME})$");
    let inherited = format!("^(?:query|header|cookie):(?:{})$", OBJECT_PROTOTYPE_NAMES.join("|"));
    let unusable = format!("^header:{}", &rules::unusable_header_pattern()[1..]);
    json_schema!({
        "type": ["array", "null"],
        "minItems": 1,
        "uniqueItems": true,
        "items": {
            "type": "string",
            "description": "`query:NAME` (no spaces, &, =, #, % or +), `header:NAME` (lower case) or `cookie:NAME`; \
                            not a name every JavaScript object has (`constructor`, `__proto__`, `toString`, ...), \
                            nor a header CloudFront keeps from functions (`x-amz-cf-*`, `proxy-authorization`, ...) \
                            or does not let them change (`host`, `via`, `content-length`, ...).",
            "pattern": source,
            "not": { "anyOf": [{ "pattern": inherited }, { "pattern": unusable }] },
        },
    })
}

/// `public`: URI patterns, each an exact path or a prefix ending in `*`.
pub fn uri_patterns(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": ["array", "null"],
        "items": {
            "type": "string",
            "description": "An exact path (`/favicon.ico`) or a prefix ending in `*` (`/public/*`); no spaces.",
            "pattern": rules::uri_pattern_pattern(),
        },
    })
}

/// `token.handoff.cookie`: a cookie name (it must also be a `cookie:NAME` source).
pub fn handoff_cookie(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "string",
        "pattern": format!("^{COOKIE_NAME}$"),
        "not": { "enum": OBJECT_PROTOTYPE_NAMES },
    })
}

/// `token.handoff.path`: the cookie's `Path` attribute.
pub fn cookie_path(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": ["string", "null"], "pattern": rules::cookie_path_pattern() })
}

/// `token`: a hand-off needs a `query:` source to take the token from and a `cookie:` source to
/// verify the cookie it sets (so `from` must be given: its default has no cookie).
pub fn handoff_needs_sources(schema: &mut Schema) {
    schema.insert("if".into(), json!({ "required": ["handoff"], "properties": { "handoff": { "type": "object" } } }));
    schema.insert(
        "then".into(),
        json!({
            "required": ["from"],
            "properties": {
                "from": {
                    "type": "array",
                    "allOf": [{ "contains": { "pattern": "^query:" } }, { "contains": { "pattern": "^cookie:" } }],
                },
            },
        }),
    );
}

/// `claims.aud`: as `claims.iss`, or `{"any": true}` (any audience accepted).
pub fn audience(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "anyOf": [
            { "type": "string", "minLength": 1 },
            { "type": "array", "minItems": 1, "items": { "type": "string", "minLength": 1 } },
            {
                "type": "object",
                "description": "Accept a token whatever its `aud`.",
                "properties": { "any": { "const": true } },
                "required": ["any"],
                "additionalProperties": false,
            },
        ],
    })
}

/// `claims.iss`: a non-empty string, or a non-empty list of them.
pub fn one_or_many(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "anyOf": [
            { "type": "string", "minLength": 1 },
            { "type": "array", "minItems": 1, "items": { "type": "string", "minLength": 1 } },
        ],
    })
}

/// `forward`: claim names to the request headers they are set as.
pub fn forward(_: &mut SchemaGenerator) -> Schema {
    let unusable = rules::unusable_header_pattern();
    json_schema!({
        "type": ["object", "null"],
        "propertyNames": { "minLength": 1 },
        "additionalProperties": {
            "type": "string",
            "description": "A lower-case header name that CloudFront lets a function add (not `host`, `x-amz-cf-*`, ...), \
                            not `cookie`, `origin` or `access-control-*`, nor a token source; each claim its own.",
            "pattern": format!("^{HEADER_NAME}$"),
            "not": { "anyOf": [
                { "pattern": unusable },
                { "enum": OBJECT_PROTOTYPE_NAMES },
                { "enum": ["cookie", "origin"] },
                { "pattern": "^access-control-" },
            ] },
        },
    })
}

/// `claims.require`: claim names (not `iss` or `aud`, which have their own fields) to a value or
/// a non-empty list of values.
pub fn require(_: &mut SchemaGenerator) -> Schema {
    let scalar =
        json!({ "anyOf": [{ "type": "string", "minLength": 1 }, { "type": "number" }, { "type": "boolean" }] });
    json_schema!({
        "type": ["object", "null"],
        "propertyNames": { "minLength": 1, "not": { "enum": ["iss", "aud"] } },
        "additionalProperties": { "anyOf": [scalar, { "type": "array", "minItems": 1, "items": scalar }] },
    })
}

/// `deny.status`.
pub fn deny_status(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": ["integer", "null"], "enum": [401, 403, 404, null] })
}

/// `deny.redirect`: an absolute http(s) URL or a path, without spaces or control characters.
pub fn redirect(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": ["string", "null"],
        "pattern": rules::redirect_pattern(),
    })
}

/// `deny`: exactly one of `status` and `redirect` (a `null` one counts as absent).
pub fn exactly_one_deny(schema: &mut Schema) {
    schema.insert(
        "oneOf".into(),
        json!([
            { "required": ["status"], "properties": { "status": { "type": "integer" }, "redirect": { "type": "null" } } },
            { "required": ["redirect"], "properties": { "redirect": { "type": "string" }, "status": { "type": "null" } } },
        ]),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_draft_2020_12_and_closed() {
        let s = policy_schema();
        assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
        assert_eq!(s["type"], "object");
        assert_eq!(s["additionalProperties"], false);
        assert!(s["properties"]["$schema"].is_object(), "policies may name the schema");
    }

    #[test]
    fn carries_defaults_and_ranges() {
        let s = policy_schema();
        assert_eq!(s["properties"]["runtime"]["default"], "cloudfront-js-2.0");
        let claims = &s["$defs"]["RawClaims"]["properties"];
        assert_eq!(claims["leeway"]["maximum"], 300);
        assert_eq!(claims["leeway"]["minimum"], 0);
        assert_eq!(claims["max_age"]["minimum"], 1);
        assert_eq!(claims["exp"]["default"], "required");
        let token = &s["$defs"]["RawToken"]["properties"];
        assert_eq!(token["from"]["default"], json!(["query:jwt"]));
        assert_eq!(token["from"]["minItems"], 1);
    }

    #[test]
    fn every_runtime_is_listed() {
        let s = policy_schema();
        for r in Runtime::ALL {
            assert!(s["properties"]["runtime"]["enum"].as_array().unwrap().contains(&json!(r.name())));
        }
    }

    /// Whether the schema (under a draft 2020-12 validator) and `gen` accept `policy`.
    fn both_accept(policy: &Value) -> (bool, bool) {
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        compiler.add_resource("file:///s.json", policy_schema()).unwrap();
        let index = compiler.compile("file:///s.json", &mut schemas).unwrap();
        let by_schema = schemas.validate(policy, index).is_ok();
        let by_gen = super::super::parse(&policy.to_string(), std::path::Path::new("p.json")).is_ok();
        (by_schema, by_gen)
    }

    #[test]
    fn aud_any_and_unusable_headers_as_gen_reads_them() {
        for (policy, ok) in [
            (json!({"claims": {"aud": {"any": true}}}), true),
            (json!({"claims": {"aud": {"any": false}}}), false),
            (json!({"claims": {"aud": {"any": true, "x": 1}}}), false),
            (json!({"claims": {"aud": {}}}), false),
            (json!({"claims": {"aud": ["a", "b"]}}), true),
            (json!({"token": {"from": ["header:host"]}}), false),
            (json!({"token": {"from": ["query:jwt", "header:via"]}}), false),
            (json!({"token": {"from": ["header:x-amz-cf-id"]}}), false),
            (json!({"token": {"from": ["header:x-edge-anything"]}}), false),
            (json!({"token": {"from": ["header:content-length"]}}), false),
            (json!({"token": {"from": ["header:x-edge"]}}), true),
            (json!({"token": {"from": ["header:hosts"]}}), true),
            (json!({"token": {"from": ["query:host", "cookie:via"]}}), true),
        ] {
            assert_eq!(both_accept(&policy), (ok, ok), "{policy}");
        }
    }

    #[test]
    fn text_is_deterministic() {
        assert_eq!(policy_schema_text(), policy_schema_text());
    }
}
