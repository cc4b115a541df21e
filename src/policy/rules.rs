//! The rules a policy's names and values follow, each written once and twice over, side by side:
//! as the predicate `gen` applies (`validate.rs`) and as the pattern the JSON Schema prints
//! (`schema.rs`). A unit test holds every pair to the same answers on a list of samples, so the
//! schema an editor checks a policy with cannot drift from what `gen` accepts.

use crate::cloudfront::headers::{self, DISALLOWED, READ_ONLY_IN_REQUEST};
use crate::cloudfront::MAX_KVS_KEY_BYTES;

/// The largest `claims.leeway` accepted, in seconds.
/// The longest `cors.max_age`, a day (browsers keep a preflight's answer two hours at most).
pub const MAX_CORS_MAX_AGE: i64 = 86_400;

/// An origin as a browser sends it in `origin`: `http://` or `https://`, a host of lower-case
/// letters, digits, `.` and `-`, and a port of 1 to 5 digits when not the default; no path, no
/// trailing slash.
pub fn is_origin(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://")) else { return false };
    let (host, port) = rest.split_once(':').map_or((rest, None), |(h, p)| (h, Some(p)));
    let host_ok = !host.is_empty()
        && host.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    host_ok && port.is_none_or(|p| (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The pattern of [`is_origin`].
pub const ORIGIN: &str = "^https?://[a-z0-9.-]+(:[0-9]{1,5})?$";

pub const MAX_LEEWAY: i64 = 300;

/// Names every JavaScript object already answers to: a token source with one of these names
/// would find the inherited property when the request lacks it.
pub const OBJECT_PROTOTYPE_NAMES: &[&str] = &[
    "__proto__",
    "__defineGetter__",
    "__defineSetter__",
    "__lookupGetter__",
    "__lookupSetter__",
    "constructor",
    "hasOwnProperty",
    "isPrototypeOf",
    "propertyIsEnumerable",
    "toLocaleString",
    "toString",
    "valueOf",
];

/// Characters refused in names, URI patterns, cookie paths and redirects: Unicode control
/// characters and white space. The predicate.
pub fn is_control_or_space(c: char) -> bool {
    c.is_control() || c.is_whitespace()
}

/// The same characters as a regex class body that both ECMA-262 (editors) and Rust's `regex`
/// understand. The pattern.
pub const CONTROL_OR_SPACE: &str = r"\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

/// An HTTP token character (RFC 9110): what header and cookie names are made of.
pub fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// A header name as CloudFront gives it to a function: a token, in lower case.
pub fn is_header_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| is_token_char(c) && !c.is_ascii_uppercase())
}

/// The pattern of [`is_header_name`].
pub const HEADER_NAME: &str = r"[a-z0-9!#$%&'*+.^_`|~-]+";

/// A header a token cannot come from: one CloudFront never shows to functions (disallowed), or
/// one a viewer-request function may not change (read-only), so the token could not be removed.
/// Both from the one table of `cloudfront::headers`.
pub fn is_unusable_header(name: &str) -> bool {
    headers::is_disallowed(name) || headers::is_read_only_in_request(name)
}

/// The pattern of [`is_unusable_header`], made from the same table: a `*` entry is a prefix.
pub fn unusable_header_pattern() -> String {
    let mut exact = Vec::new();
    let mut prefixes = Vec::new();
    for name in DISALLOWED.iter().chain(READ_ONLY_IN_REQUEST) {
        debug_assert!(name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-*".contains(c)));
        match name.strip_suffix('*') {
            Some(prefix) => prefixes.push(prefix),
            None => exact.push(*name),
        }
    }
    format!("^(?:(?:{})$|{})", exact.join("|"), prefixes.join("|"))
}

/// A cookie name: a token.
pub fn is_cookie_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(is_token_char)
}

/// The pattern of [`is_cookie_name`].
pub const COOKIE_NAME: &str = r"[A-Za-z0-9!#$%&'*+.^_`|~-]+";

/// Characters a query parameter name may not hold besides control characters and spaces.
const QUERY_SEPARATORS: &str = "&=#%+";

/// A query parameter name that the function can look up as CloudFront parses it.
pub fn is_query_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| is_control_or_space(c) || QUERY_SEPARATORS.contains(c))
}

/// The pattern of [`is_query_name`].
pub fn query_name_pattern() -> String {
    format!("[^{CONTROL_OR_SPACE}&=#%+]+")
}

/// A URI pattern: an exact path, or a prefix when it ends in its only `*`; no spaces.
pub fn is_uri_pattern(text: &str) -> bool {
    let star_at_end_only = match text.find('*') {
        None => true,
        Some(i) => i == text.len() - 1,
    };
    text.starts_with('/') && !text.chars().any(is_control_or_space) && star_at_end_only
}

/// The pattern of [`is_uri_pattern`].
pub fn uri_pattern_pattern() -> String {
    format!("^/[^*{CONTROL_OR_SPACE}]*\\*?$")
}

/// A cookie's `Path`: starts with `/`, without spaces, `;` or `,`.
pub fn is_cookie_path(path: &str) -> bool {
    path.starts_with('/') && !path.chars().any(|c| is_control_or_space(c) || c == ';' || c == ',')
}

/// The pattern of [`is_cookie_path`].
pub fn cookie_path_pattern() -> String {
    format!("^/[^{CONTROL_OR_SPACE};,]*$")
}

/// A redirect target: an absolute http(s) URL or a path, without spaces.
pub fn is_redirect(url: &str) -> bool {
    let start = url.starts_with("https://") || url.starts_with("http://") || url.starts_with('/');
    start && !url.chars().any(is_control_or_space)
}

/// The pattern of [`is_redirect`].
pub fn redirect_pattern() -> String {
    format!("^(?:https?://|/)[^{CONTROL_OR_SPACE}]*$")
}

/// A KeyValueStore key name: 1 to 512 bytes.
pub fn is_store_key(name: &str) -> bool {
    (1..=MAX_KVS_KEY_BYTES).contains(&name.len())
}

pub use crate::key::{is_key_id, KEY_ID};

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLES: &[&str] = &[
        "",
        "https://app.example.com",
        "http://localhost:8787",
        "https://app.example.com/",
        "https://App.example.com",
        "https://a:",
        "https://a:123456",
        "ftp://a",
        "https://",
        "https://a.b:443",
        "https://a b",
        "a",
        "jwt",
        "x-token",
        "X-Token",
        "token_1.v2",
        "a b",
        "a\tb",
        "a\u{2028}b",
        "a\u{a0}b",
        "a&b",
        "a=b",
        "a#b",
        "a%b",
        "a+b",
        "a;b",
        "a,b",
        "é",
        "/",
        "/a/*",
        "/a*",
        "/a*/b",
        "/*",
        "/a b",
        "/a;b",
        "/a,b",
        "https://x.example/a?b={uri}",
        "http://x",
        "ftp://x",
        "//x",
        "k:1",
        "2026-11",
        "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
        "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
        "__proto__",
        "host",
        "hostx",
        "via",
        "cdn-loop",
        "content-length",
        "transfer-encoding",
        "proxy-authorization",
        "authorization",
        "x-amz-cf-id",
        "x-amz-cf-",
        "x-amz-c",
        "x-amzn-cf-id",
        "x-edge-location",
        "x-edge",
        "x-forwarded-proto",
        "x-forwarded-for",
        "connection",
        "connections",
    ];

    fn agree(name: &str, predicate: impl Fn(&str) -> bool, pattern: &str) {
        let re = regex::Regex::new(pattern).unwrap();
        for s in SAMPLES {
            assert_eq!(predicate(s), re.is_match(s), "{name}: {s:?} (pattern {pattern})");
        }
    }

    #[test]
    fn every_predicate_agrees_with_its_pattern() {
        agree("header", is_header_name, &format!("^{HEADER_NAME}$"));
        agree("cookie", is_cookie_name, &format!("^{COOKIE_NAME}$"));
        agree("query", is_query_name, &format!("^{}$", query_name_pattern()));
        agree("uri pattern", is_uri_pattern, &uri_pattern_pattern());
        agree("cookie path", is_cookie_path, &cookie_path_pattern());
        agree("redirect", is_redirect, &redirect_pattern());
        agree("key id", is_key_id, KEY_ID);
        agree("origin", is_origin, ORIGIN);
        agree("unusable header", is_unusable_header, &unusable_header_pattern());
    }

    #[test]
    fn the_class_holds_what_the_predicate_refuses() {
        let re = regex::Regex::new(&format!("^[{CONTROL_OR_SPACE}]$")).unwrap();
        for c in (0..0x3100u32).filter_map(char::from_u32) {
            assert_eq!(is_control_or_space(c), re.is_match(&c.to_string()), "U+{:04X}", c as u32);
        }
    }
}
