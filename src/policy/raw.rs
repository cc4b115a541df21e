//! The policy file exactly as written: serde types that refuse unknown fields and leave every
//! field optional. Nothing here decides what a value means; `validate` does.

use serde::Deserialize;

/// A field that holds either one string or a list of strings (`iss`, `aud`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    /// Lets editors find the policy's JSON Schema; ignored by cfjwt.
    #[serde(rename = "$schema")]
    pub schema: Option<String>,
    pub runtime: Option<String>,
    pub key: Option<RawKey>,
    pub token: Option<RawToken>,
    pub claims: Option<RawClaims>,
    pub public: Option<Vec<String>>,
    pub preflight: Option<bool>,
    pub deny: Option<RawDeny>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKey {
    pub kvs: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawToken {
    pub from: Option<Vec<String>>,
    pub strip: Option<bool>,
    pub handoff: Option<RawHandoff>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHandoff {
    pub cookie: Option<String>,
    pub path: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClaims {
    pub exp: Option<String>,
    pub nbf: Option<String>,
    pub leeway: Option<i64>,
    pub max_age: Option<i64>,
    pub iss: Option<OneOrMany>,
    pub aud: Option<OneOrMany>,
    pub scope: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDeny {
    pub status: Option<i64>,
    pub redirect: Option<String>,
}
