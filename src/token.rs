//! `cfjwt token`: mints HS256 tokens for tests, with the header the spec names
//! (`{"alg":"HS256","typ":"JWT"}`, plus `kid` when given); and the times `token` and `test` take
//! with `--now`: Unix seconds or an RFC 3339 time.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

use crate::key::{self, KeyArg, KeyError, LoadOptions, Secret};

/// What `cfjwt token` is asked for, as given: one key to sign with, the claims as JSON text.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// Exactly one key.
    pub keys: Vec<KeyArg>,
    pub key_options: LoadOptions,
    /// A JSON object; none for no claims.
    pub claims: Option<String>,
    /// When set, `exp` = now + ttl.
    pub ttl: Option<i64>,
    /// When true, `iat` = now.
    pub iat: bool,
    /// Unix seconds; none for the clock.
    pub now: Option<i64>,
    /// The header's `kid`; none for the key's id, if it has one.
    pub kid: Option<String>,
}

/// Why no token was minted.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("give exactly one key (--key-file or --key-env) to sign with")]
    OneKey,
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("--claims: give a JSON object, such as '{{\"sub\":\"u1\"}}'")]
    ClaimsNotObject,
    #[error("--claims: not valid JSON: {0}")]
    ClaimsJson(serde_json::Error),
    #[error(
        "--ttl: `exp` = now ({now}) + ttl ({ttl}) is beyond {MAX_EXACT_SECONDS} seconds either side of 1970, \
         which a JSON number cannot hold exactly"
    )]
    ExpOutOfRange { now: i64, ttl: i64 },
    #[error(
        "--now: `iat` = {now} is beyond {MAX_EXACT_SECONDS} seconds either side of 1970, \
         which a JSON number cannot hold exactly"
    )]
    IatOutOfRange { now: i64 },
    #[error("--kid: `{0}` is not a key id a generated function accepts: 1 to 64 of A-Z a-z 0-9 . _ -")]
    Kid(String),
}

/// What in `--claims` a generated function would deny: a time claim (`exp`, `nbf`, `iat`) that is
/// not a number. One sentence each, for stderr; the token is minted all the same, for tests of
/// exactly that denial.
pub fn claim_warnings(request: &Request) -> Vec<String> {
    let Some(Ok(Value::Object(claims))) = request.claims.as_deref().map(serde_json::from_str::<Value>) else {
        return Vec::new();
    };
    ["exp", "nbf", "iat"]
        .iter()
        .filter_map(|name| match claims.get(*name) {
            Some(v) if !v.is_number() => Some(format!(
                "--claims: `{name}` is {v}, not a number: a generated function denies the token ({name}-type)"
            )),
            _ => None,
        })
        .collect()
}

/// The largest integer that a JSON number holds exactly in every reader, JavaScript's included
/// (`Number.MAX_SAFE_INTEGER`, 2^53 - 1): the bound of a token's `exp` and `iat`.
pub const MAX_EXACT_SECONDS: i64 = (1 << 53) - 1;

/// The furthest time a JavaScript `Date` holds, in seconds either side of 1970 (8.64e15 ms,
/// ECMA-262's time value range): the bound of `cfjwt test --now`.
pub const MAX_DATE_SECONDS: f64 = 8.64e12;

/// What `--now` takes, for the error messages.
const TIME_FORMS: &str = "Unix seconds (such as 1700000000) or an RFC 3339 time (such as 2026-12-01T12:00:00Z)";

/// A `cfjwt test --now` value: finite Unix seconds (fractions allowed) within what a JavaScript
/// `Date` holds, or an RFC 3339 time (see [`rfc3339`]).
pub fn parse_time(text: &str) -> Result<f64, String> {
    let seconds = match rfc3339(text) {
        Some((whole, fraction)) => whole as f64 + fraction,
        None => match text.trim().parse::<f64>() {
            Ok(s) if s.is_finite() => s,
            Ok(_) => return Err(format!("not a finite number of seconds; give {TIME_FORMS}")),
            Err(_) => return Err(format!("give {TIME_FORMS}")),
        },
    };
    if seconds.abs() > MAX_DATE_SECONDS {
        return Err(format!("beyond what a JavaScript Date holds ({MAX_DATE_SECONDS:e} seconds either side of 1970)"));
    }
    Ok(seconds)
}

/// A `cfjwt token --now` value: whole Unix seconds, or an RFC 3339 time without a fraction of a
/// second (a token's times are whole seconds).
pub fn parse_whole_time(text: &str) -> Result<i64, String> {
    match rfc3339(text) {
        Some((whole, 0.0)) => Ok(whole),
        Some(_) => Err("a token's times are whole seconds: drop the fraction of a second".into()),
        None => text.trim().parse::<i64>().map_err(|_| format!("give whole {TIME_FORMS}")),
    }
}

/// An RFC 3339 time, `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)` (`T` and `Z` in either case), as whole
/// Unix seconds and the fraction of a second; `None` when `text` is not one. Second 60, a leap
/// second, is the first second of the next minute, as Unix time has no leap seconds.
pub fn rfc3339(text: &str) -> Option<(i64, f64)> {
    let b = text.as_bytes();
    let digits = |from: usize, to: usize| -> Option<i64> {
        let part = b.get(from..to)?;
        part.iter().all(u8::is_ascii_digit).then(|| part.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
    };
    let at = |i: usize, allowed: &[u8]| b.get(i).is_some_and(|c| allowed.contains(c));
    if !(at(4, b"-") && at(7, b"-") && at(10, b"Tt") && at(13, b":") && at(16, b":")) {
        return None;
    }
    let (year, month, day) = (digits(0, 4)?, digits(5, 7)?, digits(8, 10)?);
    let (hour, minute, second) = (digits(11, 13)?, digits(14, 16)?, digits(17, 19)?);
    let mut rest = text.get(19..)?;
    let mut fraction = 0.0;
    if let Some(after_dot) = rest.strip_prefix('.') {
        let n = after_dot.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        fraction = format!("0.{}", &after_dot[..n]).parse().ok()?;
        rest = &after_dot[n..];
    }
    let offset = match rest.as_bytes() {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let two = |a: u8, b: u8| {
                (a.is_ascii_digit() && b.is_ascii_digit()).then(|| i64::from((a - b'0') * 10 + (b - b'0')))
            };
            let (h, m) = (two(*h1, *h2)?, two(*m1, *m2)?);
            if h > 23 || m > 59 {
                return None;
            }
            let sign = if *sign == b'-' { -1 } else { 1 };
            sign * (h * 3600 + m * 60)
        }
        _ => return None,
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&month) || day < 1 || day > month_days[month as usize - 1] {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    // Days since 1970-01-01 in the proleptic Gregorian calendar (the civil-from-days inverse of
    // H. Hinnant's chrono algorithms): years from March, so that a leap day ends its year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    Some((days * 86_400 + hour * 3600 + minute * 60 + second - offset, fraction))
}

/// Reads the request's key and claims and mints the token.
pub fn mint_request(request: &Request) -> Result<String, TokenError> {
    let [arg] = request.keys.as_slice() else {
        return Err(TokenError::OneKey);
    };
    let key = key::load(arg, request.key_options)?;
    let claims = match &request.claims {
        None => Map::new(),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => m,
            Ok(_) => return Err(TokenError::ClaimsNotObject),
            Err(e) => return Err(TokenError::ClaimsJson(e)),
        },
    };
    let now = request.now.unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
    });
    if let Some(ttl) = request.ttl {
        if now.checked_add(ttl).is_none_or(|exp| exp.unsigned_abs() > MAX_EXACT_SECONDS as u64) {
            return Err(TokenError::ExpOutOfRange { now, ttl });
        }
    }
    if request.iat && now.unsigned_abs() > MAX_EXACT_SECONDS as u64 {
        return Err(TokenError::IatOutOfRange { now });
    }
    let kid = request.kid.clone().or(key.id.clone());
    if let Some(kid) = kid.as_ref().filter(|k| !crate::policy::rules::is_key_id(k)) {
        return Err(TokenError::Kid(kid.clone()));
    }
    let spec = TokenSpec { claims, kid, ttl: request.ttl, iat: request.iat, now };
    Ok(mint(&key.secret, &spec))
}

/// What goes into a token.
#[derive(Debug, Clone, Default)]
pub struct TokenSpec {
    /// Claims, in order.
    pub claims: Map<String, Value>,
    /// The header's `kid`.
    pub kid: Option<String>,
    /// When set, `exp` = now + ttl.
    pub ttl: Option<i64>,
    /// When true, `iat` = now.
    pub iat: bool,
    /// Unix seconds.
    pub now: i64,
}

/// The unpadded base64url HMAC-SHA256 of `input` under `secret`.
pub fn sign(secret: &Secret, input: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose()).expect("HMAC takes keys of any length");
    mac.update(input);
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// A signed compact JWT.
pub fn mint(secret: &Secret, spec: &TokenSpec) -> String {
    let mut header = Map::new();
    header.insert("alg".into(), "HS256".into());
    header.insert("typ".into(), "JWT".into());
    if let Some(kid) = &spec.kid {
        header.insert("kid".into(), kid.clone().into());
    }
    let mut claims = spec.claims.clone();
    if spec.iat {
        claims.insert("iat".into(), spec.now.into());
    }
    if let Some(ttl) = spec.ttl {
        claims.insert("exp".into(), (spec.now + ttl).into());
    }
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(Value::Object(header).to_string()),
        URL_SAFE_NO_PAD.encode(Value::Object(claims).to_string())
    );
    let signature = sign(secret, input.as_bytes());
    format!("{input}.{signature}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7515_hs256_example_signature() {
        // RFC 7515 appendix A.1: the key, signing input and signature given there.
        let key = URL_SAFE_NO_PAD
            .decode("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow")
            .unwrap();
        let input = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
        assert_eq!(sign(&Secret::new(key), input.as_bytes()), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    }

    #[test]
    fn rfc3339_times() {
        assert_eq!(rfc3339("1970-01-01T00:00:00Z"), Some((0, 0.0)));
        assert_eq!(rfc3339("2023-11-14T22:13:20Z"), Some((1_700_000_000, 0.0)));
        assert_eq!(rfc3339("2026-12-01T12:00:00Z"), Some((1_796_126_400, 0.0)));
        assert_eq!(rfc3339("2026-12-01t13:30:00+01:30"), Some((1_796_126_400, 0.0)));
        assert_eq!(rfc3339("2026-12-01T07:00:00-05:00"), Some((1_796_126_400, 0.0)));
        assert_eq!(rfc3339("2000-02-29T00:00:00.25z"), Some((951_782_400, 0.25)));
        assert_eq!(rfc3339("1969-12-31T23:59:59Z"), Some((-1, 0.0)));
        assert_eq!(rfc3339("0001-01-01T00:00:00Z"), Some((-62_135_596_800, 0.0)));
        assert_eq!(rfc3339("2016-12-31T23:59:60Z"), rfc3339("2017-01-01T00:00:00Z"));
        for bad in [
            "",
            "1700000000",
            "2026-12-01",
            "2026-12-01T12:00:00",
            "2026-12-01 12:00:00Z",
            "2026-13-01T12:00:00Z",
            "2026-02-29T12:00:00Z",
            "1900-02-29T12:00:00Z",
            "2026-12-00T12:00:00Z",
            "2026-12-01T24:00:00Z",
            "2026-12-01T12:60:00Z",
            "2026-12-01T12:00:61Z",
            "2026-12-01T12:00:00.Z",
            "2026-12-01T12:00:00+0100",
            "2026-12-01T12:00:00+24:00",
            "2026-12-01T12:00:00Zjunk",
            "+2026-12-01T12:00:00Z",
            "2026-1a-01T12:00:00Z",
            "２０２６-12-01T12:00:00Z",
        ] {
            assert_eq!(rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn now_takes_finite_seconds_or_rfc3339() {
        assert_eq!(parse_time("1700000000.5"), Ok(1_700_000_000.5));
        assert_eq!(parse_time("2026-12-01T12:00:00.5Z"), Ok(1_796_126_400.5));
        assert_eq!(parse_time("-5"), Ok(-5.0));
        for bad in ["inf", "-inf", "NaN", "nan", "infinity", "1e400", "-1e400"] {
            assert!(parse_time(bad).unwrap_err().contains("not a finite number"), "{bad}");
        }
        assert!(parse_time("1e13").unwrap_err().contains("JavaScript Date"));
        assert!(parse_time("soon").unwrap_err().contains("RFC 3339"));
        assert_eq!(parse_whole_time("2026-12-01T12:00:00Z"), Ok(1_796_126_400));
        assert_eq!(parse_whole_time("1000"), Ok(1000));
        assert!(parse_whole_time("2026-12-01T12:00:00.5Z").unwrap_err().contains("whole seconds"));
        assert!(parse_whole_time("1.5").is_err());
        assert!(parse_whole_time("inf").is_err());
    }

    #[test]
    fn exp_and_iat_must_be_exact_json_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("k");
        std::fs::write(&key, [b'k'; 32]).unwrap();
        let request = |now: i64, ttl: Option<i64>, iat: bool| Request {
            keys: vec![KeyArg::file(key.to_str().unwrap())],
            now: Some(now),
            ttl,
            iat,
            ..Default::default()
        };
        assert!(mint_request(&request(MAX_EXACT_SECONDS - 10, Some(10), true)).is_ok());
        assert!(mint_request(&request(-MAX_EXACT_SECONDS, Some(0), true)).is_ok());
        assert!(matches!(
            mint_request(&request(MAX_EXACT_SECONDS, Some(1), false)),
            Err(TokenError::ExpOutOfRange { .. })
        ));
        assert!(matches!(mint_request(&request(i64::MAX, Some(1), false)), Err(TokenError::ExpOutOfRange { .. })));
        assert!(matches!(mint_request(&request(0, Some(i64::MIN), false)), Err(TokenError::ExpOutOfRange { .. })));
        assert!(matches!(mint_request(&request(i64::MAX, None, true)), Err(TokenError::IatOutOfRange { .. })));
        assert!(matches!(mint_request(&request(i64::MIN, None, true)), Err(TokenError::IatOutOfRange { .. })));
        // Without `exp` or `iat`, the time is not written, so any time will do.
        assert!(mint_request(&request(i64::MAX, None, false)).is_ok());
    }

    #[test]
    fn header_and_exp() {
        let spec = TokenSpec { ttl: Some(60), now: 1000, kid: Some("k1".into()), ..Default::default() };
        let t = mint(&Secret::new(vec![7; 32]), &spec);
        let parts: Vec<&str> = t.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header = String::from_utf8(URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header, r#"{"alg":"HS256","typ":"JWT","kid":"k1"}"#);
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(payload, r#"{"exp":1060}"#);
    }
}
