//! Tokens as the tests craft them: signed with the demo key, made malformed in every way the
//! generated function must refuse, and decoded back.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::Value;

use super::sign::token_raw;
use super::DEMO_KEY;

/// A token with the standard header and these claims, signed with the demo key.
pub fn token(claims: Value) -> String {
    token_raw(r#"{"alg":"HS256","typ":"JWT"}"#, &claims.to_string(), DEMO_KEY)
}

/// Tokens that are not three base64url segments with a 43-character signature, made from a
/// valid `good` one, by name. Some are refused by the generated function's first comparison (the
/// dot 44 characters from the end), the others only by its regular expression: both sides of
/// that shortcut are here.
pub fn malformed_tokens(good: &str) -> Vec<(String, String)> {
    let parts: Vec<&str> = good.split('.').collect();
    let (h, p, s) = (parts[0], parts[1], parts[2]);
    let chars43 = "A".repeat(43);
    vec![
        ("two segments".into(), format!("{h}.{p}")),
        ("two segments, the second 43 characters".into(), format!("{h}.{chars43}")),
        ("four segments".into(), format!("{h}.{p}.{s}.{s}")),
        ("empty header".into(), format!(".{p}.{s}")),
        ("empty payload".into(), format!("{h}..{s}")),
        ("empty signature".into(), format!("{h}.{p}.")),
        ("only a dot and a signature".into(), format!(".{s}")),
        ("shorter than a signature".into(), "abc".into()),
        ("padding".into(), format!("{h}.{p}.{s}=")),
        ("padded payload".into(), format!("{h}.{p}==.{s}")),
        ("standard alphabet +".into(), format!("{h}.{p}.{}", s.replacen(|c: char| c.is_ascii_alphabetic(), "+", 1))),
        ("standard alphabet /".into(), format!("{h}.{p}.{}", s.replacen(|c: char| c.is_ascii_alphabetic(), "/", 1))),
        ("standard alphabet + in the payload".into(), format!("{h}.{}+.{s}", p)),
        ("non-ASCII in the header".into(), format!("{h}\u{e9}.{p}.{s}")),
        ("non-ASCII in the signature".into(), format!("{h}.{p}.{}\u{e9}", &s[..42])),
        ("space inside".into(), format!("{h} .{p}.{s}")),
        ("signature too short".into(), format!("{h}.{p}.{}", &s[..42])),
        ("signature too long".into(), format!("{h}.{p}.{s}A")),
        ("empty".into(), String::new()),
        ("dots only".into(), "..".into()),
        ("trailing newline".into(), format!("{good}\n")),
    ]
}

/// Unpadded base64url decoded, `None` when it is not that.
pub fn b64_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}
