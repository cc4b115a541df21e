//! The HTTP headers CloudFront keeps from functions or lets them only read ("Restrictions on all
//! edge functions", section HTTP headers, in the CloudFront Developer Guide). A function that adds
//! a disallowed header, or changes a read-only one, gets the viewer a 502. One table for the bundled
//! engine's result validation and for the policy rules that refuse such a header as a token source.

/// Headers a function never sees and may not add (the guide's "Disallowed headers"). A trailing
/// `*` matches any suffix.
pub const DISALLOWED: &[&str] = &[
    "connection",
    "expect",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "trailer",
    "upgrade",
    "x-accel-buffering",
    "x-accel-charset",
    "x-accel-limit-rate",
    "x-accel-redirect",
    "x-amz-cf-*",
    "x-amzn-auth",
    "x-amzn-cf-billing",
    "x-amzn-cf-id",
    "x-amzn-cf-xff",
    "x-amzn-errortype",
    "x-amzn-fle-profile",
    "x-amzn-header-count",
    "x-amzn-header-order",
    "x-amzn-lambda-integration-tag",
    "x-amzn-requestid",
    "x-cache",
    "x-edge-*",
    "x-forwarded-proto",
    "x-real-ip",
];

/// Headers a viewer-request function may read but not add, change or remove.
pub const READ_ONLY_IN_REQUEST: &[&str] = &["cdn-loop", "content-length", "host", "transfer-encoding", "via"];

/// Headers a viewer-response function may read but not add or change; a response that a
/// viewer-request function makes has no original, so it may not set them at all.
pub const READ_ONLY_IN_RESPONSE: &[&str] = &["warning", "via"];

fn matches(name: &str, pattern: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == pattern,
    }
}

/// Whether a function may never see or add the header `name` (lower case).
pub fn is_disallowed(name: &str) -> bool {
    DISALLOWED.iter().any(|p| matches(name, p))
}

/// Whether a viewer-request function may read but not change the header `name` (lower case).
pub fn is_read_only_in_request(name: &str) -> bool {
    READ_ONLY_IN_REQUEST.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_prefixes() {
        assert!(is_disallowed("x-amz-cf-id"));
        assert!(is_disallowed("x-edge-location"));
        assert!(is_disallowed("proxy-authorization"));
        assert!(!is_disallowed("authorization"));
        assert!(is_read_only_in_request("host"));
        assert!(!is_read_only_in_request("x-token"));
    }
}
