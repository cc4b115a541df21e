//! What cfjwt knows about CloudFront itself, in one place: the two JavaScript runtimes and what
//! each offers (`profile`), the headers functions may not touch (`headers`), the limits, and the
//! marker comment that names a generated function's runtime.

pub mod headers;
pub mod profile;

pub use profile::{Binary, Has, Profile};

use std::fmt;
use std::str::FromStr;

/// A CloudFront Functions JavaScript runtime.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Runtime {
    /// `cloudfront-js-1.0`: ES 5.1 plus a few additions, byte strings, no `let`/`const`.
    Js1,
    /// `cloudfront-js-2.0`: adds `let`/`const`, `import`, `Buffer`, the KeyValueStore. The default.
    #[default]
    Js2,
}

impl Runtime {
    /// Every runtime, oldest first.
    pub const ALL: [Runtime; 2] = [Runtime::Js1, Runtime::Js2];

    /// The name CloudFront uses (`FunctionConfig.Runtime`).
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Js1 => "cloudfront-js-1.0",
            Runtime::Js2 => "cloudfront-js-2.0",
        }
    }

    /// The runtime named by the marker comment on a generated function's first line, if any.
    pub fn from_marker(code: &str) -> Option<Runtime> {
        let first = code.lines().next()?.trim();
        let name = first.strip_prefix("//")?.trim();
        Runtime::from_str(name).ok()
    }
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Runtime {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Runtime::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| format!("unknown runtime `{s}` (expected cloudfront-js-1.0 or cloudfront-js-2.0)"))
    }
}

/// CloudFront refuses function code larger than this many bytes (10 KB).
pub const MAX_CODE_BYTES: usize = 10_240;

/// From this size on, cfjwt warns that the function is close to the limit.
pub const WARN_CODE_BYTES: usize = 10_000;

/// The longest KeyValueStore key, in UTF-8 bytes.
pub const MAX_KVS_KEY_BYTES: usize = 512;

/// The largest KeyValueStore value, in UTF-8 bytes (1 KB).
pub const MAX_KVS_VALUE_BYTES: usize = 1024;

/// The longest URI CloudFront accepts from a function, in characters (query string excluded).
pub const MAX_URI_CHARS: usize = 8_192;

/// The largest response body a function may make (40 KB).
pub const MAX_BODY_BYTES: usize = 40 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_names_runtime() {
        assert_eq!(Runtime::from_marker("// cloudfront-js-1.0\nfunction handler(){}"), Some(Runtime::Js1));
        assert_eq!(Runtime::from_marker("//cloudfront-js-2.0\n"), Some(Runtime::Js2));
        assert_eq!(Runtime::from_marker("function handler(){}"), None);
        assert_eq!(Runtime::from_marker("// cloudfront-js-3.0"), None);
    }

    #[test]
    fn names_round_trip() {
        for r in Runtime::ALL {
            assert_eq!(r.name().parse::<Runtime>(), Ok(r));
        }
    }
}
