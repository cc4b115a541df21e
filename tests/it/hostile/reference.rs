//! An independent reference verifier: what the generated viewer-request function must decide,
//! written in Rust from the README's *What the generated function decides* (the product's
//! contract) and the decisions listed under it alone, sharing no code with the generator or its
//! templates, so the hostile property test can compare the two on any policy, token and request.
//!
//! Where the spec leaves a JavaScript edge open, this models the engine CloudFront Functions is
//! built on, njs (0.7.9, probed directly), and says so:
//! - `JSON.parse` (njs): numbers are f64 (`1e400` is Infinity, `-0` is -0), duplicate names keep
//!   the last value; njs also accepts numbers with leading zeros, a leading or trailing `.`
//!   (`01`, `.5`, `1.`, `1.e5`); a `\u` escape of a lone surrogate becomes U+FFFD (njs strings
//!   are UTF-8); nesting of 32 or more arrays/objects is refused ("Nested too deep").
//! - base64url decoding of a segment: 4 characters give 3 bytes, a final 2 or 3 give 1 or 2 (the
//!   unused bits ignored), a final lone character is dropped; a whole segment of one character
//!   decodes (2.0, `Buffer`) to that character's own byte, (1.0, `bytesFrom`) to nothing. Either
//!   way such a segment is never a JSON object.
//! - UTF-8: runtime 1.0 denies a header or payload that is not UTF-8; 2.0 replaces each maximal
//!   invalid subsequence with U+FFFD (what `Buffer#toString` and Rust's lossy decoding both do).
//! - "present" means the request's `querystring`/`headers`/`cookies` object has the name.
//! - "carries `aud`" (rule 8, no audience configured) means the payload object has a member
//!   named `aud`, whatever its value (`null` included).
//! - A KeyValueStore secret's length is counted in the UTF-8 bytes of the stored text.

use serde_json::{Map, Value};

use crate::harness::hs256;

/// What the function must do with a request.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Let it through: the request as it must go on (the token stripped when configured).
    Allow(Value),
    /// Answer with the policy's deny response.
    Deny,
}

/// The deny response a policy configures: its status and, for a redirect, the `location`.
#[derive(Clone, Debug, PartialEq)]
pub struct Denial {
    pub status: u16,
    pub location: Option<String>,
}

/// The deny response of `policy` for `request`.
pub fn denial(policy: &Value, request: &Value) -> Denial {
    match policy.get("deny") {
        Some(d) => match (d.get("status"), d.get("redirect")) {
            (_, Some(Value::String(url))) => {
                let uri = request.get("uri").and_then(Value::as_str).unwrap_or("");
                Denial { status: 302, location: Some(url.replace("{uri}", &encode_uri_component(uri))) }
            }
            (Some(s), _) => Denial { status: s.as_u64().unwrap_or(401) as u16, location: None },
            _ => Denial { status: 401, location: None },
        },
        None => Denial { status: 401, location: None },
    }
}

/// JavaScript's `encodeURIComponent` (for strings without lone surrogates).
pub fn encode_uri_component(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The policy, read from its JSON with the spec's defaults.

#[derive(Clone, Copy, PartialEq, Debug)]
enum Runtime {
    Js1,
    Js2,
}

#[derive(Debug)]
struct Policy {
    runtime: Runtime,
    store_name: Option<String>,
    sources: Vec<(String, String)>,
    strip: bool,
    exp_required: bool,
    nbf_required: bool,
    leeway: f64,
    max_age: Option<f64>,
    iss: Option<Vec<String>>,
    aud: Aud,
    scope: Option<String>,
    public: Vec<String>,
    preflight: bool,
    /// `claims.require`: each claim and the values it may have.
    require: Vec<(String, Vec<Js>)>,
    /// `forward`: each claim and the header it is set as.
    forward: Vec<(String, String)>,
}

/// `claims.aud` as the spec reads it.
#[derive(Debug)]
enum Aud {
    /// Not configured: a token that carries `aud` is denied.
    Refused,
    /// `{"any": true}`: not checked.
    Any,
    /// `aud` must contain one of these.
    OneOf(Vec<String>),
}

fn audience(v: Option<&Value>) -> Aud {
    match v {
        None | Some(Value::Null) => Aud::Refused,
        Some(Value::Object(o)) if o.get("any") == Some(&Value::Bool(true)) => Aud::Any,
        Some(Value::Object(o)) => panic!("a policy `gen` refuses: aud {o:?}"),
        other => Aud::OneOf(one_or_many(other).expect("aud is a string or a list")),
    }
}

fn one_or_many(v: Option<&Value>) -> Option<Vec<String>> {
    match v? {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(a) => Some(a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect()),
        _ => None,
    }
}

fn read_policy(p: &Value) -> Policy {
    let claims = p.get("claims").cloned().unwrap_or(Value::Null);
    let token = p.get("token").cloned().unwrap_or(Value::Null);
    let sources = match token.get("from").and_then(Value::as_array) {
        Some(list) => list
            .iter()
            .map(|s| {
                let (kind, name) = s.as_str().expect("source is a string").split_once(':').expect("kind:name");
                (kind.to_owned(), name.to_owned())
            })
            .collect(),
        None => vec![("query".to_owned(), "jwt".to_owned())],
    };
    Policy {
        runtime: if p.get("runtime").and_then(Value::as_str) == Some("cloudfront-js-1.0") {
            Runtime::Js1
        } else {
            Runtime::Js2
        },
        store_name: p.pointer("/key/kvs").and_then(Value::as_str).map(str::to_owned),
        sources,
        strip: token.get("strip").and_then(Value::as_bool).unwrap_or(true),
        exp_required: claims.get("exp").and_then(Value::as_str).unwrap_or("required") == "required",
        nbf_required: claims.get("nbf").and_then(Value::as_str).unwrap_or("optional") == "required",
        leeway: claims.get("leeway").and_then(Value::as_f64).unwrap_or(0.0),
        max_age: claims.get("max_age").and_then(Value::as_f64),
        iss: one_or_many(claims.get("iss")),
        aud: audience(claims.get("aud")),
        scope: claims.get("scope").and_then(Value::as_str).map(str::to_owned),
        public: p
            .get("public")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
            .unwrap_or_default(),
        preflight: p.get("preflight").and_then(Value::as_bool).unwrap_or(false),
        require: claims
            .get("require")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(claim, v)| {
                        let values = match v {
                            Value::Array(list) => list.iter().map(js_of).collect(),
                            one => vec![js_of(one)],
                        };
                        (claim.clone(), values)
                    })
                    .collect()
            })
            .unwrap_or_default(),
        forward: p
            .get("forward")
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(c, h)| (c.clone(), h.as_str().expect("a header name").to_owned())).collect())
            .unwrap_or_default(),
    }
}

/// A policy's value as the JavaScript value the function compares with.
fn js_of(v: &Value) -> Js {
    match v {
        Value::String(s) => Js::Str(s.clone()),
        Value::Bool(b) => Js::Bool(*b),
        Value::Number(n) => Js::Num(n.as_f64().expect("a finite number")),
        other => panic!("a value `gen` refuses in claims.require: {other}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The decision, step by step as the spec numbers them.

/// Decides `request` (the `request` member of a viewer-request event) under `policy` (the policy
/// file's JSON) with the embedded `keys` (id, secret) or, when the policy names a KeyValueStore,
/// the `store`'s contents, at `now` (seconds, as `Date.now() / 1000`); `allow_short_key` is
/// `gen --allow-short-key`, which lowers the length a store secret must have. Time checks are
/// written as the spec words them ("go on only while now < exp + leeway"), negated.
#[allow(clippy::neg_cmp_op_on_partial_ord)]
pub fn decide(
    policy: &Value,
    keys: &[(Option<String>, Vec<u8>)],
    store: Option<&Map<String, Value>>,
    allow_short_key: bool,
    request: &Value,
    now: f64,
) -> Verdict {
    let p = read_policy(policy);
    let uri = request.get("uri").and_then(Value::as_str).unwrap_or("");

    // 1. Public URIs (never one with a dot segment or an encoded separator), and preflights.
    if !unsafe_uri(uri) && p.public.iter().any(|pat| pattern_matches(pat, uri)) {
        return Verdict::Allow(stripped(&p, request));
    }
    if p.preflight && is_preflight(request) {
        return Verdict::Allow(stripped(&p, request));
    }

    // 2. The token: the first present source only.
    let Some((_, _, token)) = find_token(&p, request) else { return Verdict::Deny };

    // 3. Shape, before any cryptography.
    let Some([h, pl, sig]) = split_token(&token) else { return Verdict::Deny };

    // 5 (its decoding is needed by 4 when a kid picks the key). The header.
    let Some(header) = decode_json(h, p.runtime) else { return Verdict::Deny };
    let Js::Obj(header) = header else { return Verdict::Deny };

    // 4. The signature, under the key(s) the header's kid selects.
    let signing_input = format!("{h}.{pl}");
    let kid = get(&header, "kid");
    let candidates: Vec<Vec<u8>> = match &p.store_name {
        Some(store_name) => {
            let entry = match kid {
                None => store_name.clone(),
                Some(Js::Str(k)) if valid_store_kid(k) => format!("{store_name}:{k}"),
                Some(_) => return Verdict::Deny,
            };
            // A value shorter than 32 bytes (RFC 7518 §3.2) is no secret; with --allow-short-key
            // only an empty one is refused.
            let min_bytes = if allow_short_key { 1 } else { 32 };
            // The stored text less one trailing line break.
            let text = |s: &str| s.strip_suffix("\r\n").or_else(|| s.strip_suffix('\n')).unwrap_or(s).to_owned();
            match store.and_then(|s| s.get(&entry)).and_then(Value::as_str).map(text) {
                Some(secret) if secret.len() >= min_bytes => vec![secret.as_bytes().to_vec()],
                _ => return Verdict::Deny,
            }
        }
        None => {
            let any_id = keys.iter().any(|(id, _)| id.is_some());
            match kid {
                Some(kid) if any_id => {
                    let Js::Str(kid) = kid else { return Verdict::Deny };
                    keys.iter().filter(|(id, _)| id.as_deref() == Some(kid.as_str())).map(|(_, k)| k.clone()).collect()
                }
                _ => keys.iter().map(|(_, k)| k.clone()).collect(),
            }
        }
    };
    if !candidates.iter().any(|secret| hs256(secret, &signing_input) == sig) {
        return Verdict::Deny;
    }

    // 5. alg exactly "HS256", no crit member.
    if get(&header, "alg") != Some(&Js::Str("HS256".into())) || get(&header, "crit").is_some() {
        return Verdict::Deny;
    }

    // 6. The payload is a JSON object.
    let Some(Js::Obj(claims)) = decode_json(pl, p.runtime) else { return Verdict::Deny };

    // 7. Times: finite JSON numbers (`1e400` is Infinity, refused), compared as f64 the way the
    // spec writes them.
    let time = |name: &str| -> Result<Option<f64>, ()> {
        match get(&claims, name) {
            None => Ok(None),
            Some(Js::Num(n)) if n.is_finite() => Ok(Some(*n)),
            Some(_) => Err(()),
        }
    };
    let (Ok(exp), Ok(nbf), Ok(iat)) = (time("exp"), time("nbf"), time("iat")) else { return Verdict::Deny };
    let leeway = p.leeway;
    match exp {
        None if p.exp_required => return Verdict::Deny,
        Some(exp) if !(now < exp + leeway) => return Verdict::Deny,
        _ => {}
    }
    match nbf {
        None if p.nbf_required => return Verdict::Deny,
        Some(nbf) if !(now >= nbf - leeway) => return Verdict::Deny,
        _ => {}
    }
    if let Some(max_age) = p.max_age {
        let Some(iat) = iat else { return Verdict::Deny };
        if !(now - iat <= max_age + leeway && iat <= now + leeway) {
            return Verdict::Deny;
        }
    }

    // 8. iss and aud.
    if let Some(allowed) = &p.iss {
        match get(&claims, "iss") {
            Some(Js::Str(iss)) if allowed.iter().any(|a| a == iss) => {}
            _ => return Verdict::Deny,
        }
    }
    if let Aud::Refused = p.aud {
        if get(&claims, "aud").is_some() {
            return Verdict::Deny;
        }
    }
    if let Aud::OneOf(allowed) = &p.aud {
        let ok = match get(&claims, "aud") {
            Some(Js::Str(aud)) => allowed.iter().any(|a| a == aud),
            Some(Js::Arr(list)) => {
                let strings: Option<Vec<&String>> =
                    list.iter().map(|v| if let Js::Str(s) = v { Some(s) } else { None }).collect();
                strings.is_some_and(|s| s.iter().any(|aud| allowed.iter().any(|a| a == *aud)))
            }
            _ => false,
        };
        if !ok {
            return Verdict::Deny;
        }
    }

    // claims.require: each claim equals one of its values, or is a list holding one (strict
    // equality: a string is not a number, `0` is `-0`).
    for (claim, values) in &p.require {
        let ok = match get(&claims, claim) {
            Some(Js::Arr(list)) => list.iter().any(|v| values.contains(v)),
            Some(v) => values.contains(v),
            None => false,
        };
        if !ok {
            return Verdict::Deny;
        }
    }

    // 9. scope: a string or a list of strings, one of which matches the URI as a pattern; no
    // dot segments or encoded separators in the URI.
    if let Some(scope) = &p.scope {
        if unsafe_uri(uri) {
            return Verdict::Deny;
        }
        let patterns: Vec<&String> = match get(&claims, scope) {
            Some(Js::Str(s)) => vec![s],
            Some(Js::Arr(list)) => {
                let strings: Option<Vec<&String>> =
                    list.iter().map(|v| if let Js::Str(s) = v { Some(s) } else { None }).collect();
                match strings {
                    Some(s) => s,
                    None => return Verdict::Deny,
                }
            }
            _ => return Verdict::Deny,
        };
        if !patterns.iter().any(|pat| pattern_matches(pat, uri)) {
            return Verdict::Deny;
        }
    }

    // 10. Through, with every token source removed when strip is on, and the forwarded claims
    // set as headers.
    let mut out = stripped(&p, request);
    for (claim, header) in &p.forward {
        if let Some(value) = forwarded(get(&claims, claim)) {
            out["headers"][header.as_str()] = serde_json::json!({ "value": value });
        }
    }
    Verdict::Allow(out)
}

/// What a forwarded claim sets its header to: a string as it is, a finite number as JavaScript
/// writes it, a boolean; none for an empty string, a control character or over 1,024 UTF-8 bytes.
fn forwarded(claim: Option<&Js>) -> Option<String> {
    let text = match claim? {
        Js::Str(s) => s.clone(),
        Js::Num(n) if n.is_finite() => js_number(*n),
        Js::Bool(b) => b.to_string(),
        _ => return None,
    };
    let control = text.chars().any(|c| c < '\u{20}' || c == '\u{7f}');
    (!text.is_empty() && text.len() <= 1024 && !control).then_some(text)
}

/// `String(n)` in JavaScript for a finite number (ECMAScript's Number::toString): the shortest
/// digits that read back as `n`, written plainly from 1e-6 up to 1e21, exponentially beyond.
pub fn js_number(n: f64) -> String {
    if n == 0.0 {
        return "0".into();
    }
    let sign = if n < 0.0 { "-" } else { "" };
    let exp_form = format!("{:e}", n.abs());
    let (mantissa, exponent) = exp_form.split_once('e').expect("an exponent");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    let point = exponent.parse::<i32>().expect("a number") + 1;
    let body = if k <= point && point <= 21 {
        format!("{digits}{}", "0".repeat((point - k) as usize))
    } else if 0 < point && point <= 21 {
        format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
    } else if -6 < point && point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else {
        let e = point - 1;
        let m = if k == 1 { digits.clone() } else { format!("{}.{}", &digits[..1], &digits[1..]) };
        format!("{m}e{}{}", if e >= 0 { "+" } else { "-" }, e.abs())
    };
    format!("{sign}{body}")
}

/// The request as it goes on: with `strip`, every configured source removed, whichever was read;
/// the headers `forward` sets removed, whatever the viewer put there.
fn stripped(p: &Policy, request: &Value) -> Value {
    let mut out = request.clone();
    if let Some(Value::Object(headers)) = out.get_mut("headers") {
        for (_, header) in &p.forward {
            headers.remove(header);
        }
    }
    if p.strip {
        for (kind, name) in &p.sources {
            let container = match kind.as_str() {
                "query" => "querystring",
                "header" => "headers",
                _ => "cookies",
            };
            if let Some(Value::Object(m)) = out.get_mut(container) {
                m.remove(name);
            }
        }
    }
    out
}

/// A URI pattern: an exact path, or a prefix ending in `*`.
fn pattern_matches(pattern: &str, uri: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => uri.starts_with(prefix),
        None => uri == pattern,
    }
}

/// A `.` or `..` segment, a backslash, or `%2e`, `%2f`, `%5c` in any case.
fn unsafe_uri(uri: &str) -> bool {
    let lower = uri.to_ascii_lowercase();
    uri.split('/').any(|seg| seg == "." || seg == "..")
        || uri.contains('\\')
        || lower.contains("%2e")
        || lower.contains("%2f")
        || lower.contains("%5c")
}

fn is_preflight(request: &Value) -> bool {
    let headers = request.get("headers").and_then(Value::as_object);
    request.get("method").and_then(Value::as_str) == Some("OPTIONS")
        && headers.is_some_and(|h| h.contains_key("origin") && h.contains_key("access-control-request-method"))
}

/// The container (`querystring`, `headers`, `cookies`), the name and the token of the first
/// present source; `None` to deny.
fn find_token(p: &Policy, request: &Value) -> Option<(&'static str, String, String)> {
    for (kind, name) in &p.sources {
        let container = match kind.as_str() {
            "query" => "querystring",
            "header" => "headers",
            "cookie" => "cookies",
            other => panic!("unknown source kind {other}"),
        };
        let Some(entry) = request.get(container).and_then(Value::as_object).and_then(|m| m.get(name)) else {
            continue;
        };
        // The first present source decides: anything wrong with it denies.
        if entry.get("multiValue").and_then(Value::as_array).is_some_and(|a| a.len() > 1) {
            return None;
        }
        let value = entry.get("value")?.as_str()?;
        let token = if kind == "header" && name == "authorization" { bearer(value)? } else { value };
        return Some((container, name.clone(), token.to_owned()));
    }
    None
}

/// `Bearer <token>`: the scheme in any ASCII letter case, one or more spaces, then the rest.
fn bearer(value: &str) -> Option<&str> {
    let scheme = value.get(..6)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let rest = &value[6..];
    let token = rest.trim_start_matches(' ');
    if token.len() == rest.len() || token.is_empty() {
        return None;
    }
    Some(token)
}

/// Three non-empty base64url segments, the signature 43 characters, nothing else.
fn split_token(token: &str) -> Option<[&str; 3]> {
    let parts: Vec<&str> = token.split('.').collect();
    let b64 = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    match parts.as_slice() {
        [h, p, s] if b64(h) && b64(p) && b64(s) && s.len() == 43 => Some([h, p, s]),
        _ => None,
    }
}

/// The store's kid rule: a string of 1 to 64 of `A-Z a-z 0-9 _ . -`.
fn valid_store_kid(kid: &str) -> bool {
    (1..=64).contains(&kid.len())
        && kid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Lenient decoding of a segment already known to be in the base64url alphabet (see the top).
fn base64url_decode(seg: &str, runtime: Runtime) -> Vec<u8> {
    if seg.len() == 1 {
        return match runtime {
            Runtime::Js2 => seg.as_bytes().to_vec(),
            Runtime::Js1 => Vec::new(),
        };
    }
    let sextets: Vec<u32> = seg.bytes().map(|c| ALPHABET.iter().position(|a| *a == c).unwrap() as u32).collect();
    let mut out = Vec::new();
    for group in sextets.chunks(4) {
        if group.len() == 1 {
            break;
        }
        let n = group.iter().enumerate().fold(0u32, |acc, (i, s)| acc | s << (18 - 6 * i));
        for i in 0..group.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}

/// A segment decoded, as UTF-8 text per runtime, then `JSON.parse`d; `None` where JavaScript
/// would get null or an exception.
fn decode_json(seg: &str, runtime: Runtime) -> Option<Js> {
    let bytes = base64url_decode(seg, runtime);
    let text = match runtime {
        Runtime::Js1 => String::from_utf8(bytes).ok()?,
        Runtime::Js2 => String::from_utf8_lossy(&bytes).into_owned(),
    };
    json_parse(&text)
}

// ---------------------------------------------------------------------------------------------
// JSON.parse as njs does it.

/// A JavaScript value from `JSON.parse`. Objects keep one entry per name (the last value).
#[derive(Clone, Debug, PartialEq)]
pub enum Js {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Js>),
    Obj(Vec<(String, Js)>),
}

/// An own member of a parsed object.
fn get<'a>(obj: &'a [(String, Js)], name: &str) -> Option<&'a Js> {
    obj.iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// Nesting njs refuses: 32 arrays/objects inside one another.
const MAX_DEPTH: usize = 31;

pub fn json_parse(text: &str) -> Option<Js> {
    let mut p = Parser { s: text.as_bytes(), i: 0, text };
    let v = p.value(0)?;
    p.ws();
    (p.i == p.s.len()).then_some(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    text: &'a str,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.s[self.i..].starts_with(lit.as_bytes()) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Option<Js> {
        self.ws();
        match self.peek()? {
            b'{' => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                self.i += 1;
                let mut members: Vec<(String, Js)> = Vec::new();
                self.ws();
                if self.peek()? == b'}' {
                    self.i += 1;
                    return Some(Js::Obj(members));
                }
                loop {
                    self.ws();
                    if self.peek()? != b'"' {
                        return None;
                    }
                    let name = self.string()?;
                    self.ws();
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.i += 1;
                    let v = self.value(depth + 1)?;
                    match members.iter_mut().find(|(k, _)| *k == name) {
                        Some(slot) => slot.1 = v,
                        None => members.push((name, v)),
                    }
                    self.ws();
                    match self.peek()? {
                        b',' => self.i += 1,
                        b'}' => {
                            self.i += 1;
                            return Some(Js::Obj(members));
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek()? == b']' {
                    self.i += 1;
                    return Some(Js::Arr(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.peek()? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some(Js::Arr(items));
                        }
                        _ => return None,
                    }
                }
            }
            b'"' => self.string().map(Js::Str),
            b't' => self.eat("true").then_some(Js::Bool(true)),
            b'f' => self.eat("false").then_some(Js::Bool(false)),
            b'n' => self.eat("null").then_some(Js::Null),
            b'-' | b'.' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// njs's number grammar: `-? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`.
    fn number(&mut self) -> Option<Js> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let digits = |p: &mut Self| {
            let s = p.i;
            while p.peek().is_some_and(|c| c.is_ascii_digit()) {
                p.i += 1;
            }
            p.i - s
        };
        let int = digits(self);
        let mut frac = 0;
        if self.peek() == Some(b'.') {
            self.i += 1;
            frac = digits(self);
        }
        if int == 0 && frac == 0 {
            return None;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if digits(self) == 0 {
                return None;
            }
        }
        let text = &self.text[start..self.i];
        text.parse::<f64>().ok().map(Js::Num)
    }

    fn hex4(&mut self) -> Option<u32> {
        let h = self.text.get(self.i..self.i + 4)?;
        if !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.i += 4;
        u32::from_str_radix(h, 16).ok()
    }

    fn string(&mut self) -> Option<String> {
        self.i += 1; // the opening quote
        let mut out = String::new();
        loop {
            let c = self.peek()?;
            match c {
                b'"' => {
                    self.i += 1;
                    return Some(out);
                }
                0..=0x1f => return None,
                b'\\' => {
                    self.i += 1;
                    let e = self.peek()?;
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let u = self.hex4()?;
                            if (0xd800..0xdc00).contains(&u) && self.s[self.i..].starts_with(b"\\u") {
                                let save = self.i;
                                self.i += 2;
                                match self.hex4() {
                                    Some(lo) if (0xdc00..0xe000).contains(&lo) => {
                                        out.push(
                                            char::from_u32(0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00)).unwrap(),
                                        );
                                        continue;
                                    }
                                    _ => self.i = save,
                                }
                            }
                            out.push(char::from_u32(u).unwrap_or('\u{fffd}'));
                        }
                        _ => return None,
                    }
                }
                _ => {
                    // Copy one whole UTF-8 character of the (valid) text.
                    let ch = self.text[self.i..].chars().next()?;
                    out.push(ch);
                    self.i += ch.len_utf8();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_javascript_writes_them() {
        for (n, text) in [
            (42.0, "42"),
            (-0.0, "0"),
            (1e21, "1e+21"),
            (123456789012345678901.0, "123456789012345680000"),
            (0.1, "0.1"),
            (1.5e-7, "1.5e-7"),
            (0.000001, "0.000001"),
            (-2.5e-300, "-2.5e-300"),
            (9007199254740993.0, "9007199254740992"),
            (-1.5, "-1.5"),
            (1e-7, "1e-7"),
            (5e-324, "5e-324"),
        ] {
            assert_eq!(js_number(n), text, "{n:e}");
        }
    }

    #[test]
    fn base64url_round_trip() {
        for n in 0..40u8 {
            let bytes: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
            let text = crate::harness::b64(&bytes);
            if text.len() != 1 {
                assert_eq!(base64url_decode(&text, Runtime::Js2), bytes);
            }
        }
    }
}
