//! The ordered plan: which checks the generated function runs, in which order, with which values.
//! Built from a validated policy and the keys; the emitter turns each step into JavaScript and
//! knows nothing about policies. Features the policy does not use produce no step.

use crate::cloudfront::Runtime;
use crate::key::Key;
use crate::policy::{Deny, Handoff, KeySource, Policy, Presence, Source, UriPattern};

/// Where the signing secret comes from at run time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Keys {
    /// Embedded in the code. `use_kid`: some key has an id, so a token's `kid` picks its key.
    Embedded { keys: Vec<Key>, use_kid: bool },
    /// Read from the KeyValueStore: the key named `name`, or `name:KID` for a token with a kid.
    Store { name: String },
}

/// One step of the generated function, in the order it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Let these URIs through without a token (rule 1).
    Public(Vec<UriPattern>),
    /// Let CORS preflights through without a token (rule 1).
    Preflight,
    /// Take the token from the first present source; deny when none is, or it has several
    /// values; remove it from the request when `strip` (rules 2 and 10).
    /// With `handoff`, a token from a query parameter is always removed and remembered as such.
    TakeToken { sources: Vec<Source>, strip: bool, handoff: bool },
    /// Three base64url segments, the signature 43 characters: checked with the token (rule 3).
    /// Decode the header before the signature: needed when the header picks the key (`kid`).
    DecodeHeaderFirst,
    /// HMAC-SHA256 under the configured key(s), compared in constant time (rule 4).
    Signature(Keys),
    /// `alg` is `HS256`, no `crit` (rule 5).
    Header,
    /// The payload is a JSON object (rule 6). `object_check_implied`: a later step requires a
    /// claim to be present, which no array, string, number, boolean or null payload can satisfy,
    /// so decoding is enough.
    Payload { object_check_implied: bool },
    /// `exp`: a number, `now < exp + leeway` (rule 7).
    Exp { presence: Presence, leeway: u32 },
    /// `nbf`: a number, `now >= nbf - leeway` (rule 7).
    Nbf { presence: Presence, leeway: u32 },
    /// `iat`, when present, is a number (rule 7; without `max_age`).
    IatType,
    /// `iat`: present, a number, `now - iat <= max_age + leeway`, `iat <= now + leeway` (rule 7).
    MaxAge { max_age: u64, leeway: u32 },
    /// `iss` equals one of these (rule 8).
    Iss(Vec<String>),
    /// `aud`, a string or a list of strings, contains one of these (rule 8).
    Aud(Vec<String>),
    /// The claim of this name lists URI patterns; the request URI must match one and be free of
    /// dot segments and encoded separators (rule 9).
    Scope(String),
    /// A valid token that came from the query string of a GET or HEAD: answer with a 302 to the
    /// same URL without it, setting the cookie (the cookie hand-off).
    Handoff(Handoff),
}

/// The whole function: runtime, steps, and the answer to a denied request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub runtime: Runtime,
    pub steps: Vec<Step>,
    pub deny: Deny,
}

impl Plan {
    /// Orders the checks for a policy. Cheap structural checks come first; no cryptography runs
    /// for a request without a well-formed token; claims are read only after the signature and
    /// header are known good.
    pub fn new(policy: &Policy, keys: Vec<Key>) -> Plan {
        let mut steps = Vec::new();
        if !policy.public.is_empty() {
            steps.push(Step::Public(policy.public.clone()));
        }
        if policy.preflight {
            steps.push(Step::Preflight);
        }
        steps.push(Step::TakeToken {
            sources: policy.sources.clone(),
            strip: policy.strip,
            handoff: policy.handoff.is_some(),
        });
        let keys = match &policy.key {
            KeySource::Embedded => {
                let use_kid = keys.iter().any(|k| k.id.is_some());
                Keys::Embedded { keys, use_kid }
            }
            KeySource::Store(name) => Keys::Store { name: name.clone() },
        };
        let header_picks_key = match &keys {
            Keys::Embedded { use_kid, .. } => *use_kid,
            Keys::Store { .. } => true,
        };
        if header_picks_key {
            steps.push(Step::DecodeHeaderFirst);
        }
        steps.push(Step::Signature(keys));
        steps.push(Step::Header);
        let c = &policy.claims;
        let claim_required = c.exp == Presence::Required
            || c.nbf == Presence::Required
            || c.max_age.is_some()
            || !c.iss.is_empty()
            || !c.aud.is_empty()
            || c.scope.is_some();
        steps.push(Step::Payload { object_check_implied: claim_required });
        steps.push(Step::Exp { presence: c.exp, leeway: c.leeway });
        steps.push(Step::Nbf { presence: c.nbf, leeway: c.leeway });
        match c.max_age {
            Some(max_age) => steps.push(Step::MaxAge { max_age, leeway: c.leeway }),
            None => steps.push(Step::IatType),
        }
        if !c.iss.is_empty() {
            steps.push(Step::Iss(c.iss.clone()));
        }
        if !c.aud.is_empty() {
            steps.push(Step::Aud(c.aud.clone()));
        }
        if let Some(claim) = &c.scope {
            steps.push(Step::Scope(claim.clone()));
        }
        if let Some(handoff) = &policy.handoff {
            steps.push(Step::Handoff(handoff.clone()));
        }
        Plan { runtime: policy.runtime, steps, deny: policy.deny.clone() }
    }
}
