//! The reason codes: the one list of why a generated function decided as it did, shared by the
//! templates (which write each code where its check is), the policy's `log` setting, `cfjwt
//! explain` and the README. The codes are chosen by the generated checks themselves; nothing here
//! decides a request.

/// Whether, and where, the function states the reason code of each decision (`log` in the policy).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Log {
    /// No reason code in the output, at no cost.
    #[default]
    None,
    /// One `console.log` line per request, `cfjwt: deny CODE` or `cfjwt: allow CODE`
    /// (CloudWatch Logs).
    Console,
    /// `deny CODE` or `allow CODE` in the access logs, with `cf.logCustomData` (runtime 2.0).
    AccessLog,
}

impl Log {
    /// The names the policy file uses, in the order of the variants.
    pub const NAMES: [&'static str; 3] = ["none", "console", "access-log"];

    /// The text a logged line starts with before `allow` or `deny`: the access logs' field is the
    /// function's own, a CloudWatch line is marked as cfjwt's.
    pub fn prefix(self) -> &'static str {
        match self {
            Log::Console => "cfjwt: ",
            Log::None | Log::AccessLog => "",
        }
    }
}

/// What a function decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny,
}

macro_rules! reasons {
    ($($variant:ident $code:literal $decision:ident $what:literal,)*) => {
        /// Why a generated function let a request through or denied it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Reason {
            $(#[doc = $what] $variant,)*
        }

        impl Reason {
            /// Every code, in the order the checks run.
            pub const ALL: &'static [Reason] = &[$(Reason::$variant),*];

            /// The code as the function logs it.
            pub fn code(self) -> &'static str {
                match self {
                    $(Reason::$variant => $code,)*
                }
            }

            /// Whether a request with this code is let through.
            pub fn decision(self) -> Decision {
                match self {
                    $(Reason::$variant => Decision::$decision,)*
                }
            }

            /// What the code means, in one line (the README's table).
            pub fn meaning(self) -> &'static str {
                match self {
                    $(Reason::$variant => $what,)*
                }
            }
        }
    };
}

reasons! {
    Public "public" Allow "The URI matches a `public` pattern: let through without a token.",
    Preflight "preflight" Allow "A CORS preflight: let through without a token (`preflight`), or answered 204 for an origin `cors` lists.",
    Origin "origin" Deny "A CORS preflight from an origin `cors` does not list.",
    NoToken "no-token" Deny "None of the token's sources is present.",
    MultipleValues "multiple-values" Deny "The source holds more than one value (`?jwt=a&jwt=b`).",
    Malformed "malformed" Deny "Not three base64url segments with a 43-character signature (or, in `authorization`, not `Bearer <token>`).",
    UnknownKid "unknown-kid" Deny "The header's `kid` names no key (embedded keys), or is not a key id the store may hold.",
    KeyUnavailable "key-unavailable" Deny "The KeyValueStore read failed, or its secret is missing or too short.",
    Signature "signature" Deny "The signature does not match the key(s).",
    Alg "alg" Deny "The header's `alg` is not `HS256`.",
    Crit "crit" Deny "The header has `crit`.",
    Header "header" Deny "The header is not a JSON object.",
    Payload "payload" Deny "The payload is not a JSON object.",
    ExpMissing "exp-missing" Deny "`exp` is required and missing.",
    ExpType "exp-type" Deny "`exp` is not a finite number.",
    Expired "expired" Deny "`exp` (plus `leeway`) has passed.",
    NbfMissing "nbf-missing" Deny "`nbf` is required and missing.",
    NbfType "nbf-type" Deny "`nbf` is not a finite number.",
    NotYetValid "not-yet-valid" Deny "`nbf` (minus `leeway`) is still to come.",
    IatMissing "iat-missing" Deny "`max_age` needs `iat`, and it is missing.",
    IatType "iat-type" Deny "`iat` is not a finite number.",
    IatFuture "iat-future" Deny "`iat` is after now (plus `leeway`).",
    TooOld "too-old" Deny "`iat` is more than `max_age` (plus `leeway`) ago.",
    Iss "iss" Deny "`iss` is missing or not one of the accepted issuers.",
    Aud "aud" Deny "`aud` names none of the accepted audiences, or the policy names none and the token has `aud`.",
    Claim "claim" Deny "A claim `claims.require` names is missing, or is not (or, as a list, holds none of) its values.",
    ScopeClaim "scope-claim" Deny "The `scope` claim is missing, not a string or list of strings, or an empty list.",
    Scope "scope" Deny "No pattern of the `scope` claim matches the URI.",
    UnsafeUri "unsafe-uri" Deny "With `scope`: the URI has a dot segment, a backslash or an encoded `.`, `/` or `\\`.",
    Revoked "revoked" Deny "With `revocation`: the token's entry in the KeyValueStore revokes it, the claim that names the entry is missing or unusable, or the entry could not be read.",
    Ok "ok" Allow "The token is verified: let through (or answered with the cookie hand-off).",
}

impl Reason {
    /// The reason with this code.
    pub fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.iter().copied().find(|r| r.code() == code)
    }

    /// The line the function logs for this reason (see [`Log::prefix`]).
    pub fn line(self, log: Log) -> String {
        let decision = match self.decision() {
            Decision::Allow => "allow",
            Decision::Deny => "deny",
        };
        format!("{}{decision} {}", log.prefix(), self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_round_trip() {
        for r in Reason::ALL {
            assert_eq!(Reason::from_code(r.code()), Some(*r));
            assert!(r.code().bytes().all(|b| b.is_ascii_lowercase() || b == b'-'), "{}", r.code());
        }
        assert_eq!(Reason::Expired.line(Log::Console), "cfjwt: deny expired");
        assert_eq!(Reason::Ok.line(Log::AccessLog), "allow ok");
    }
}
