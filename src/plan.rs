//! The ordered plan: which checks the generated function runs, in which order, with which values,
//! and everything else the emitter needs (the top-level constants, how the token is taken, which
//! signature check, whether the header was decoded, the deny response). Built from a validated
//! policy and the keys; the emitter maps each step to its fragment of `templates/steps.js` and
//! knows nothing about policies. Features the policy does not use produce no step.
//!
//! # Adding a check
//!
//! A new claim rule touches three places: the policy (its field, in `policy/raw.rs` and
//! `policy/validate.rs`), this file (the step that carries its values, pushed in [`Plan::new`] at
//! its place in the order, and a test of that order below), and one fragment in
//! `templates/steps.js` that the emitter maps the step to. A rule of the form "the claim equals
//! one of these values" or "the claim, a string or a list of strings, contains one of them" needs
//! no new step or fragment: push a [`Step::Claim`]. A list of several values is a
//! [`Constant`] (built once, at the top level) that the step names. "The token must not carry
//! this claim" is a [`Step::NoClaim`].

use std::path::PathBuf;

use crate::cloudfront::Runtime;
use crate::key::{Encoding, Key, MIN_KEY_BYTES};
use crate::policy::{Audience, Deny, Handoff, KeySource, Policy, Presence};
use crate::reason::{Log, Reason};
use crate::request::{Scalar, Source, UriPattern};

/// Why a policy cannot make a function.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlanError {
    #[error("the policy reads the key from the KeyValueStore (`key.kvs`), so no key may be embedded; drop --key-file/--key-env")]
    KeysWithStore,
    #[error("no key given: pass --key-file [KID=]PATH or --key-env [KID=]VAR, or read the key from the KeyValueStore with \"key\": {{\"kvs\": NAME}}")]
    NoKey,
}

/// A value built once, at the top level of the function, and named by the steps that use it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Constant {
    /// The top-level name (`ISSUERS`, `REQUIRED1`).
    pub name: String,
    pub values: Vec<Scalar>,
}

impl Constant {
    fn texts(name: &str, values: &[String]) -> Constant {
        Constant { name: name.into(), values: values.iter().cloned().map(Scalar::Text).collect() }
    }
}

/// The values a claim is compared with: one, written where it is compared, or a list constant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Values {
    One(Scalar),
    /// The index of a [`Constant`] in [`Plan::constants`].
    List(usize),
}

/// How a claim is compared with its values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimTest {
    /// The claim equals one of the values (`iss`).
    Equals,
    /// The claim, a string or a list of strings, contains one of the values (`aud`).
    Contains,
    /// The claim equals one of the values, or is a list that holds one (`claims.require`).
    Is,
}

/// One claim rule: `claim` passes `test` against `values`; a missing claim denies, for `reason`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimRule {
    pub claim: String,
    pub test: ClaimTest,
    pub values: Values,
    pub reason: Reason,
}

/// How one source's value is taken and checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TakeForm {
    /// The only source, bare: its value is taken as it is and checked after
    /// ([`AfterTake::CheckMalformed`]).
    Bare,
    /// `Authorization`: the token after `Bearer`, checked by `bearer()`.
    Bearer,
    /// A bare source among several, two or more of them besides `Authorization`: checked as it
    /// is taken, by `checked()`.
    Checked,
    /// The one bare source of a chain with `Authorization`: checked in place, denied on the spot.
    InPlace,
}

/// What a chain does once a value passes: remove it from its source (`strip`: a query token the
/// hand-off moves, when `token.strip` does not remove every source anyway), and remember that it
/// came from the query string for the hand-off (`moved`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Removal {
    pub strip: bool,
    pub moved: bool,
}

/// One source of the chain, in the order it is tried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Take {
    pub source: Source,
    pub form: TakeForm,
    /// Done as the value is taken (chains only).
    pub removal: Removal,
}

/// The check after the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterTake {
    /// A bare value taken as it is: three base64url segments, one value (no `multiValue`).
    CheckMalformed,
    /// The value was checked as it was taken: present, one value.
    CheckTaken,
}

/// Taking the token: the first present source is the only one read (rules 2, 3 and 10).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenTake {
    pub chain: Vec<Take>,
    pub after: AfterTake,
    /// With `token.strip`, every source the policy names: removed once the check passes, so no
    /// token of any source reaches the origin.
    pub strip: Vec<Source>,
}

/// How the signature is checked (rule 4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureCheck {
    /// One embedded key, no key ids.
    One,
    /// Several embedded keys, none with an id: any may have signed.
    Any,
    /// Embedded keys with ids: the header's `kid` picks the key (every key without `kid`).
    ByKid,
    /// The secret read from the KeyValueStore under `name`, or `prefix` + the token's `kid`, less
    /// one trailing line break, decoded as `encoding` says; a key shorter than `min_bytes` bytes
    /// denies: 32 (RFC 7518 §3.2, the rule `gen` applies to embedded keys), or 1 with
    /// `--allow-short-key` (only an empty key denies).
    Store { name: String, prefix: String, min_bytes: usize, encoding: Encoding },
}

/// One step of the generated function, in the order it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Let these URIs through without a token (rule 1), every token source removed first when
    /// `strip` lists them.
    Public {
        patterns: Vec<UriPattern>,
        strip: Vec<Source>,
    },
    /// Let CORS preflights through without a token (rule 1), as `Public` strips.
    Preflight {
        strip: Vec<Source>,
    },
    /// With `cors`: answer a CORS preflight from a listed origin (204), deny one from another.
    CorsPreflight,
    /// Take and check the token.
    TakeToken(TokenTake),
    /// Decode the header before the signature: it picks the key (`kid`).
    DecodeHeader,
    Signature(SignatureCheck),
    /// `alg` is `HS256`, no `crit` (rule 5); `decoded`: by [`Step::DecodeHeader`], else the
    /// standard header is recognised by its text and any other decoded here.
    Header {
        decoded: bool,
    },
    /// The clock, read once the signature and header are known good.
    ReadClock,
    /// The payload is a JSON object (rule 6). `object_check_implied`: a later step requires a
    /// claim to be present, which no array, string, number, boolean or null payload can satisfy,
    /// so decoding is enough.
    Payload {
        object_check_implied: bool,
    },
    /// `exp`: a finite number, `now < exp + leeway` (rule 7).
    Exp {
        required: bool,
        leeway: u32,
    },
    /// `nbf`: a finite number, `now >= nbf - leeway` (rule 7).
    Nbf {
        required: bool,
        leeway: u32,
    },
    /// `iat`, when present, is a finite number (rule 7; without `max_age`).
    IatType,
    /// `iat`: present, a finite number, `now - iat <= oldest` (`max_age + leeway`),
    /// `iat <= now + leeway`.
    MaxAge {
        oldest: u64,
        leeway: u32,
    },
    /// A claim compared with values (rule 8: `iss`, `aud`).
    Claim(ClaimRule),
    /// A claim the token must not carry, whatever its value (rule 8: `aud` when the policy names
    /// no audience, RFC 7519 §4.1.3).
    NoClaim {
        claim: String,
        reason: Reason,
    },
    /// The claim of this name lists URI patterns; the request URI must match one and be free of
    /// dot segments and encoded separators (rule 9).
    Scope(String),
    /// With `revocation`, once every other check has passed: the KeyValueStore entry `prefix` +
    /// the claim's value revokes the token (empty), or the tokens issued before the Unix time it
    /// holds.
    Revocation {
        claim: String,
        prefix: String,
    },
    /// A valid token that came from the query string of a GET or HEAD: a 302 to the same URL
    /// without it, setting the cookie `cookie` with `attributes`.
    Handoff {
        cookie: String,
        attributes: String,
    },
    /// With `forward`, first of all: the incoming headers of these names removed, so that no
    /// viewer supplies them.
    ClearForwarded(Vec<String>),
    /// With `forward`, last: each verified claim set as a request header, `(claim, header)`.
    Forward(Vec<(String, String)>),
}

/// The team's own viewer-request function (`then`), read and checked (`theirs.rs`): every
/// request let through is passed to its handler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Then {
    /// The file, as messages name it.
    pub file: PathBuf,
    pub source: String,
    /// Its handler is `async` (so the generated one is too).
    pub is_async: bool,
}

/// CORS on the responses the function makes (`cors`): the origins are the list constant
/// `ORIGINS`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorsPlan {
    /// The index of the origins' [`Constant`].
    pub origins: usize,
    pub credentials: bool,
    /// `access-control-max-age` of a preflight's answer, in seconds.
    pub max_age: u32,
}

/// A part of a redirect's `Location`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LocationPart {
    Text(String),
    /// The request URI, URL-encoded.
    EncodedUri,
}

/// What a denied request gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DenyResponse {
    /// A 401 with `www-authenticate: Bearer`.
    Unauthorized,
    /// Another status, bare.
    Status { code: u16, description: &'static str },
    /// A 302 to this location.
    Redirect(Vec<LocationPart>),
}

impl DenyResponse {
    /// Whether the response depends on the request (so it cannot be built once).
    pub fn per_request(&self) -> bool {
        matches!(self, DenyResponse::Redirect(parts) if parts.contains(&LocationPart::EncodedUri))
    }
}

/// The whole function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub runtime: Runtime,
    /// The handler awaits (it reads the KeyValueStore).
    pub async_handler: bool,
    /// The embedded keys, in the order given (none with the KeyValueStore).
    pub keys: Vec<Key>,
    /// Lists built once at the top level, in this order.
    pub constants: Vec<Constant>,
    pub steps: Vec<Step>,
    pub deny: DenyResponse,
    /// Where the function states the reason code of each decision.
    pub log: Log,
    /// CORS headers on the deny response and the hand-off, when `cors` is set.
    pub cors: Option<CorsPlan>,
    /// The team's function the requests let through go on to, when `then` is set.
    pub then: Option<Then>,
}

impl Plan {
    /// Orders the checks for a policy. Cheap structural checks come first; no cryptography runs
    /// for a request without a well-formed token; claims are read only after the signature and
    /// header are known good. `allow_short_key` lowers the length a KeyValueStore secret must
    /// have, as `--allow-short-key` does for embedded keys.
    /// `then` is the policy's `then` file, read.
    pub fn new(policy: &Policy, keys: Vec<Key>, allow_short_key: bool, then: Option<Then>) -> Result<Plan, PlanError> {
        match (&policy.key, keys.is_empty()) {
            (KeySource::Store { .. }, false) => return Err(PlanError::KeysWithStore),
            (KeySource::Embedded, true) => return Err(PlanError::NoKey),
            _ => {}
        }
        let mut steps = Vec::new();
        let mut constants = Vec::new();
        let strip = if policy.strip { policy.sources.clone() } else { Vec::new() };
        if !policy.forward.is_empty() {
            steps.push(Step::ClearForwarded(policy.forward.iter().map(|f| f.header.clone()).collect()));
        }
        if !policy.public.is_empty() {
            steps.push(Step::Public { patterns: policy.public.clone(), strip: strip.clone() });
        }
        if policy.preflight {
            steps.push(Step::Preflight { strip: strip.clone() });
        }
        let cors = policy.cors.as_ref().map(|c| {
            constants.push(Constant::texts("ORIGINS", &c.origins));
            steps.push(Step::CorsPreflight);
            CorsPlan { origins: constants.len() - 1, credentials: c.credentials, max_age: c.max_age }
        });
        steps.push(Step::TakeToken(take_token(&policy.sources, policy.strip, policy.handoff.is_some())));
        let signature = match &policy.key {
            KeySource::Store { name, encoding } => SignatureCheck::Store {
                name: name.clone(),
                prefix: format!("{name}:"),
                min_bytes: if allow_short_key { 1 } else { MIN_KEY_BYTES },
                encoding: *encoding,
            },
            KeySource::Embedded if keys.iter().any(|k| k.id.is_some()) => SignatureCheck::ByKid,
            KeySource::Embedded if keys.len() == 1 => SignatureCheck::One,
            KeySource::Embedded => SignatureCheck::Any,
        };
        let header_picks_key = matches!(signature, SignatureCheck::ByKid | SignatureCheck::Store { .. });
        let async_handler = matches!(signature, SignatureCheck::Store { .. })
            || policy.revocation.is_some()
            || then.as_ref().is_some_and(|t| t.is_async);
        if header_picks_key {
            steps.push(Step::DecodeHeader);
        }
        steps.push(Step::Signature(signature));
        steps.push(Step::Header { decoded: header_picks_key });
        steps.push(Step::ReadClock);
        let c = &policy.claims;
        let claim_required = c.exp == Presence::Required
            || c.nbf == Presence::Required
            || c.max_age.is_some()
            || !c.iss.is_empty()
            || matches!(c.aud, Audience::OneOf(_))
            || c.scope.is_some()
            || !c.require.is_empty();
        // With reasons logged, the object check is written out, so that a payload that is not an
        // object is named as such rather than by the first claim it lacks.
        steps.push(Step::Payload { object_check_implied: claim_required && policy.log == Log::None });
        steps.push(Step::Exp { required: c.exp == Presence::Required, leeway: c.leeway });
        steps.push(Step::Nbf { required: c.nbf == Presence::Required, leeway: c.leeway });
        match c.max_age {
            Some(max_age) => {
                steps.push(Step::MaxAge { oldest: max_age.saturating_add(c.leeway.into()), leeway: c.leeway })
            }
            None => steps.push(Step::IatType),
        }
        let no_audiences = Vec::new();
        let audiences = match &c.aud {
            Audience::OneOf(values) => values,
            Audience::Forbidden | Audience::Any => &no_audiences,
        };
        for (claim, test, list_name, values, reason) in [
            ("iss", ClaimTest::Equals, "ISSUERS", &c.iss, Reason::Iss),
            ("aud", ClaimTest::Contains, "AUDIENCES", audiences, Reason::Aud),
        ] {
            let values = match values.as_slice() {
                [] => continue,
                [one] => Values::One(Scalar::Text(one.clone())),
                several => {
                    constants.push(Constant::texts(list_name, several));
                    Values::List(constants.len() - 1)
                }
            };
            steps.push(Step::Claim(ClaimRule { claim: claim.into(), test, values, reason }));
        }
        // Where `aud` would be compared: a policy that names no audience refuses a token that has one.
        if c.aud == Audience::Forbidden {
            steps.push(Step::NoClaim { claim: "aud".into(), reason: Reason::Aud });
        }
        for (n, rule) in c.require.iter().enumerate() {
            let values = match rule.values.as_slice() {
                [one] => Values::One(one.clone()),
                several => {
                    constants.push(Constant { name: format!("REQUIRED{}", n + 1), values: several.to_vec() });
                    Values::List(constants.len() - 1)
                }
            };
            let rule = ClaimRule { claim: rule.claim.clone(), test: ClaimTest::Is, values, reason: Reason::Claim };
            steps.push(Step::Claim(rule));
        }
        if let Some(claim) = &c.scope {
            steps.push(Step::Scope(claim.clone()));
        }
        if let Some(r) = &policy.revocation {
            steps.push(Step::Revocation { claim: r.claim.clone(), prefix: r.prefix.clone() });
        }
        if let Some(Handoff { cookie, path }) = &policy.handoff {
            let attributes = format!("Secure; HttpOnly; SameSite=Lax; Path={path}");
            steps.push(Step::Handoff { cookie: cookie.clone(), attributes });
        }
        if !policy.forward.is_empty() {
            steps.push(Step::Forward(policy.forward.iter().map(|f| (f.claim.clone(), f.header.clone())).collect()));
        }
        let keys = if matches!(policy.key, KeySource::Embedded) { keys } else { Vec::new() };
        Ok(Plan {
            runtime: policy.runtime,
            async_handler,
            keys,
            constants,
            steps,
            deny: deny_response(&policy.deny),
            log: policy.log,
            cors,
            then,
        })
    }
}

/// The chain of sources. One source is taken as it is and checked after. In a chain, each value
/// is checked as it is taken (`bearer()` checks its token anyway), so that it is removed from the
/// source it came from only when it passes: by `checked()` where two or more sources besides
/// `Authorization` share the check, in place where there is one.
fn take_token(sources: &[Source], strip: bool, handoff: bool) -> TokenTake {
    let single = sources.len() == 1;
    let bare_sources = sources.iter().filter(|s| !s.is_bearer()).count();
    let chain = sources
        .iter()
        .map(|source| {
            let form = match () {
                _ if source.is_bearer() => TakeForm::Bearer,
                _ if single => TakeForm::Bare,
                _ if bare_sources == 1 => TakeForm::InPlace,
                _ => TakeForm::Checked,
            };
            let moved = handoff && matches!(source, Source::Query(_));
            let removal = if single { Removal::default() } else { Removal { strip: moved && !strip, moved } };
            Take { source: source.clone(), form, removal }
        })
        .collect();
    let after = match sources {
        [one] if !one.is_bearer() => AfterTake::CheckMalformed,
        _ => AfterTake::CheckTaken,
    };
    let strip = if strip { sources.to_vec() } else { Vec::new() };
    TokenTake { chain, after, strip }
}

fn deny_response(deny: &Deny) -> DenyResponse {
    match deny {
        Deny::Status(401) => DenyResponse::Unauthorized,
        Deny::Status(code) => {
            let description = match code {
                403 => "Forbidden",
                404 => "Not Found",
                _ => "Unauthorized",
            };
            DenyResponse::Status { code: *code, description }
        }
        Deny::Redirect(url) => {
            let mut parts = Vec::new();
            for (i, text) in url.split(Deny::URI).enumerate() {
                if i > 0 {
                    parts.push(LocationPart::EncodedUri);
                }
                if !text.is_empty() {
                    parts.push(LocationPart::Text(text.to_string()));
                }
            }
            if parts.is_empty() {
                parts.push(LocationPart::Text(url.clone()));
            }
            DenyResponse::Redirect(parts)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::Secret;
    use std::path::Path;

    fn plan(policy: &str, keys: Vec<Key>) -> Result<Plan, PlanError> {
        Plan::new(&crate::policy::parse(policy, Path::new("p.json")).unwrap(), keys, false, None)
    }

    fn key(id: Option<&str>) -> Key {
        Key { id: id.map(str::to_string), secret: Secret::new(vec![7; 32]) }
    }

    /// The steps' names, in order, without their values.
    fn order(p: &Plan) -> Vec<String> {
        p.steps
            .iter()
            .map(|s| {
                let debug = format!("{s:?}");
                debug.split(|c: char| !c.is_alphanumeric()).next().unwrap().to_string()
            })
            .collect()
    }

    #[test]
    fn the_seed_checks_in_order() {
        let p = plan(r#"{"token": {"from": ["query:jwt"]}}"#, vec![key(None)]).unwrap();
        assert_eq!(
            order(&p),
            ["TakeToken", "Signature", "Header", "ReadClock", "Payload", "Exp", "Nbf", "IatType", "NoClaim"]
        );
        assert_eq!(p.steps[8], Step::NoClaim { claim: "aud".into(), reason: Reason::Aud });
        assert_eq!(p.steps[1], Step::Signature(SignatureCheck::One));
        assert_eq!(p.steps[2], Step::Header { decoded: false });
        assert!(!p.async_handler);
        assert_eq!(p.deny, DenyResponse::Unauthorized);
        let Step::TakeToken(take) = &p.steps[0] else { unreachable!() };
        assert_eq!(take.after, AfterTake::CheckMalformed);
        assert_eq!(take.strip, [Source::Query("jwt".into())]);
        assert_eq!(take.chain[0].form, TakeForm::Bare);
    }

    #[test]
    fn rule_1_comes_first_and_claims_after_the_signature() {
        let full = r#"{"token": {"from": ["header:authorization", "cookie:t", "query:jwt"]},
            "claims": {"leeway": 5, "max_age": 60, "iss": ["a", "b"], "aud": "api", "scope": "paths"},
            "public": ["/p/*"], "preflight": true}"#;
        let p = plan(full, vec![key(None), key(Some("k2"))]).unwrap();
        assert_eq!(
            order(&p),
            [
                "Public",
                "Preflight",
                "TakeToken",
                "DecodeHeader",
                "Signature",
                "Header",
                "ReadClock",
                "Payload",
                "Exp",
                "Nbf",
                "MaxAge",
                "Claim",
                "Claim",
                "Scope"
            ]
        );
        assert_eq!(p.steps[4], Step::Signature(SignatureCheck::ByKid));
        assert_eq!(p.steps[10], Step::MaxAge { oldest: 65, leeway: 5 });
        assert_eq!(p.constants, [Constant::texts("ISSUERS", &["a".into(), "b".into()])]);
        assert_eq!(
            p.steps[11],
            Step::Claim(ClaimRule {
                claim: "iss".into(),
                test: ClaimTest::Equals,
                values: Values::List(0),
                reason: Reason::Iss
            })
        );
        assert_eq!(
            p.steps[12],
            Step::Claim(ClaimRule {
                claim: "aud".into(),
                test: ClaimTest::Contains,
                values: Values::One(Scalar::Text("api".into())),
                reason: Reason::Aud
            })
        );
        let Step::TakeToken(take) = &p.steps[2] else { unreachable!() };
        let forms: Vec<TakeForm> = take.chain.iter().map(|t| t.form).collect();
        assert_eq!(forms, [TakeForm::Bearer, TakeForm::Checked, TakeForm::Checked]);
        assert!(take.chain.iter().all(|t| t.removal == Removal { strip: false, moved: false }));
        assert_eq!(take.after, AfterTake::CheckTaken);
        assert_eq!(take.strip.len(), 3, "every source is removed");
    }

    #[test]
    fn the_store_makes_an_async_handler_that_decodes_the_header_first() {
        let p =
            plan(r#"{"key": {"kvs": "jwt.secret"}, "token": {"from": ["cookie:t", "header:authorization"]}}"#, vec![])
                .unwrap();
        assert!(p.async_handler);
        assert!(p.keys.is_empty());
        assert_eq!(order(&p)[..4], ["TakeToken", "DecodeHeader", "Signature", "Header"]);
        assert_eq!(
            p.steps[2],
            Step::Signature(SignatureCheck::Store {
                name: "jwt.secret".into(),
                prefix: "jwt.secret:".into(),
                min_bytes: 32,
                encoding: Encoding::Utf8
            })
        );
        let Step::TakeToken(take) = &p.steps[0] else { unreachable!() };
        assert_eq!(take.chain[0].form, TakeForm::InPlace);
    }

    #[test]
    fn allowing_short_keys_lowers_the_store_secret_rule_to_one_byte() {
        let policy = crate::policy::parse(r#"{"key": {"kvs": "s"}}"#, Path::new("p.json")).unwrap();
        let min_bytes = |allow_short| match &Plan::new(&policy, vec![], allow_short, None).unwrap().steps[2] {
            Step::Signature(SignatureCheck::Store { min_bytes, .. }) => *min_bytes,
            other => panic!("{other:?}"),
        };
        assert_eq!(min_bytes(false), 32);
        assert_eq!(min_bytes(true), 1);
    }

    #[test]
    fn aud_is_refused_unless_the_policy_names_audiences_or_accepts_any() {
        let steps = |claims: &str| plan(&format!(r#"{{"claims": {claims}}}"#), vec![key(None)]).unwrap().steps;
        let no_claim = Step::NoClaim { claim: "aud".into(), reason: Reason::Aud };
        // Where `aud` would be compared: after `iss`, before `scope`.
        let p = plan(r#"{"claims": {"iss": "i", "scope": "s"}}"#, vec![key(None)]).unwrap();
        assert_eq!(order(&p)[8..], ["Claim", "NoClaim", "Scope"]);
        assert!(steps(r#"{"aud": "api"}"#).iter().all(|s| *s != no_claim));
        assert!(steps(r#"{"aud": ["a", "b"]}"#).iter().all(|s| *s != no_claim));
        let any = steps(r#"{"aud": {"any": true}}"#);
        assert!(any.iter().all(|s| *s != no_claim && !matches!(s, Step::Claim(_))), "{any:?}");
        // Forbidding `aud` requires no claim, so the payload's object check stays.
        assert!(steps(r#"{"exp": "optional"}"#).contains(&Step::Payload { object_check_implied: false }));
    }

    #[test]
    fn the_handoff_is_last_and_moves_the_query_token() {
        let policy = r#"{"token": {"from": ["query:jwt", "cookie:t"], "strip": false, "handoff": {"cookie": "t", "path": "/c/"}}}"#;
        let p = plan(policy, vec![key(None)]).unwrap();
        assert_eq!(
            p.steps.last(),
            Some(&Step::Handoff { cookie: "t".into(), attributes: "Secure; HttpOnly; SameSite=Lax; Path=/c/".into() })
        );
        let Step::TakeToken(take) = &p.steps[0] else { unreachable!() };
        assert_eq!(take.chain[0].removal, Removal { strip: true, moved: true });
        assert_eq!(take.chain[1].removal, Removal { strip: false, moved: false });
        let stripped = plan(&policy.replace("false", "true"), vec![key(None)]).unwrap();
        let Step::TakeToken(take) = &stripped.steps[0] else { unreachable!() };
        assert_eq!(take.chain[0].removal, Removal { strip: false, moved: true }, "every source goes after the check");
        assert_eq!(take.strip.len(), 2);
    }

    #[test]
    fn deny_responses() {
        let p = plan(r#"{"deny": {"redirect": "https://a.example/login?next={uri}"}}"#, vec![key(None)]).unwrap();
        assert_eq!(
            p.deny,
            DenyResponse::Redirect(vec![
                LocationPart::Text("https://a.example/login?next=".into()),
                LocationPart::EncodedUri
            ])
        );
        assert!(p.deny.per_request());
        let p = plan(r#"{"deny": {"status": 404}}"#, vec![key(None)]).unwrap();
        assert_eq!(p.deny, DenyResponse::Status { code: 404, description: "Not Found" });
        assert!(!p.deny.per_request());
    }

    #[test]
    fn forwarded_headers_go_first_and_are_set_last_and_required_claims_follow_aud() {
        let policy = r#"{"forward": {"sub": "x-user-id"}, "public": ["/p/*"], "claims": {"scope": "s",
            "require": {"plan": ["pro", "team"], "email_verified": true}}}"#;
        let p = plan(policy, vec![key(None)]).unwrap();
        let names = order(&p);
        assert_eq!(names.first().map(String::as_str), Some("ClearForwarded"), "{names:?}");
        assert_eq!(names.last().map(String::as_str), Some("Forward"), "{names:?}");
        assert_eq!(names[names.len() - 5..names.len() - 1], ["NoClaim", "Claim", "Claim", "Scope"]);
        assert_eq!(p.steps[0], Step::ClearForwarded(vec!["x-user-id".into()]));
        assert_eq!(
            p.constants,
            [Constant {
                name: "REQUIRED1".into(),
                values: vec![Scalar::Text("pro".into()), Scalar::Text("team".into())]
            }]
        );
        let n = p.steps.len();
        assert_eq!(
            p.steps[n - 3],
            Step::Claim(ClaimRule {
                claim: "email_verified".into(),
                test: ClaimTest::Is,
                values: Values::One(Scalar::Bool(true)),
                reason: Reason::Claim
            })
        );
        // A required claim implies the payload is an object.
        assert!(p.steps.contains(&Step::Payload { object_check_implied: true }));
    }

    #[test]
    fn an_async_team_handler_makes_the_generated_one_async() {
        let policy = crate::policy::parse("{}", Path::new("p.json")).unwrap();
        let then = Then {
            file: "t.js".into(),
            source: "async function handler(e) { return e.request; }".into(),
            is_async: true,
        };
        assert!(Plan::new(&policy, vec![key(None)], false, Some(then)).unwrap().async_handler);
        assert!(!Plan::new(&policy, vec![key(None)], false, None).unwrap().async_handler);
    }

    #[test]
    fn a_policy_that_cannot_make_a_function_is_an_error() {
        assert_eq!(plan("{}", vec![]), Err(PlanError::NoKey));
        assert_eq!(plan(r#"{"key": {"kvs": "k"}}"#, vec![key(None)]), Err(PlanError::KeysWithStore));
    }
}
