//! The parts of a viewer request that a policy names and a plan acts on: where a token is
//! carried, URI patterns, and the values a claim of its token is compared with. Shared by `policy` (which reads them from the policy file), `plan`
//! and `emit` (which knows nothing about policies).

/// A value a token's claim is compared with (`claims.require`): JSON's string, number or boolean.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scalar {
    Text(String),
    /// A number JavaScript holds exactly.
    Number(serde_json::Number),
    Bool(bool),
}

/// Where the token may be found in a viewer request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// `query:NAME`: a query-string parameter holding the bare token.
    Query(String),
    /// `header:NAME` (lower case): a header holding the bare token, or for `authorization`,
    /// `Bearer <token>`.
    Header(String),
    /// `cookie:NAME`: a cookie holding the bare token.
    Cookie(String),
}

impl Source {
    /// The name of the parameter, header or cookie.
    pub fn name(&self) -> &str {
        match self {
            Source::Query(n) | Source::Header(n) | Source::Cookie(n) => n,
        }
    }

    /// True for the `authorization` header, whose value is `Bearer <token>`.
    pub fn is_bearer(&self) -> bool {
        matches!(self, Source::Header(n) if n == "authorization")
    }

    /// How the policy writes it: `query:jwt`.
    pub fn label(&self) -> String {
        match self {
            Source::Query(n) => format!("query:{n}"),
            Source::Header(n) => format!("header:{n}"),
            Source::Cookie(n) => format!("cookie:{n}"),
        }
    }
}

/// A URI pattern: an exact path, or a prefix when written with a trailing `*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UriPattern {
    Exact(String),
    Prefix(String),
}

impl UriPattern {
    /// How the policy writes it: `/public/*`.
    pub fn label(&self) -> String {
        match self {
            UriPattern::Exact(p) => p.clone(),
            UriPattern::Prefix(p) => format!("{p}*"),
        }
    }
}
