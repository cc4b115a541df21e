//! The few primitives the JavaScript prelude cannot do well itself: hashing (in Rust, with the
//! `hmac`/`sha2`/`sha1`/`md-5` crates, so digests are the reference implementations' bytes) and the
//! byte/text codecs behind `Buffer`, byte strings, `TextEncoder`/`TextDecoder` and `atob`/`btoa`;
//! and `JSON.parse`, which reads text as njs does (`njs_json_parse` below, with `json`).
//!
//! Every function here takes and returns plain values (strings and `Uint8Array`s); the prelude
//! wraps them into the CloudFront-shaped API and does the argument checking that produces njs's
//! error texts. The functions are handed to the prelude in one object and never become globals.

use std::ffi::{c_int, CString};

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rquickjs::{qjs, Array, Ctx, Exception, Function, Object, Result, TypedArray, Value};

use super::json::{self, Scan};

/// Base64 engines that decode with or without padding, as njs does.
const B64_STD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);
const B64_URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Copies the bytes of a `Uint8Array` (or a `Buffer`, which is one) out of the engine.
fn bytes_of(value: &Value<'_>) -> Result<Vec<u8>> {
    let array = TypedArray::<u8>::from_value(value.clone())?;
    // SAFETY: the slice is copied into a Vec before any JavaScript can run again, so the engine
    // cannot detach or resize the buffer while the slice is borrowed.
    let bytes = unsafe { array.as_bytes() };
    Ok(bytes.map(<[u8]>::to_vec).unwrap_or_default())
}

/// Appends a string's UTF-8 encoding as njs's strings hold it: a lone surrogate (which QuickJS
/// gives as its three-byte WTF-8 form) becomes U+FFFD.
fn append_utf8(out: &mut Vec<u8>, text: &rquickjs::String<'_>) -> Result<()> {
    let ctx = text.ctx().as_raw().as_ptr();
    // SAFETY: the context is live; JS_ToCStringLen gives `len` bytes that stay valid until
    // JS_FreeCString, and no JavaScript runs in between.
    unsafe {
        let mut len = 0;
        let ptr = qjs::JS_ToCStringLen(ctx, &mut len, text.as_raw());
        if ptr.is_null() {
            return Err(rquickjs::Error::Exception);
        }
        let bytes = std::slice::from_raw_parts(ptr.cast::<u8>(), len);
        let mut rest = bytes;
        // In WTF-8 a surrogate is 0xED followed by 0xA0-0xBF and one more byte.
        while let Some(at) = rest.windows(2).position(|w| w[0] == 0xed && w[1] >= 0xa0) {
            out.extend_from_slice(&rest[..at]);
            out.extend_from_slice("\u{FFFD}".as_bytes());
            rest = &rest[(at + 3).min(rest.len())..];
        }
        out.extend_from_slice(rest);
        qjs::JS_FreeCString(ctx, ptr);
    }
    Ok(())
}

/// Appends a digest argument's bytes: a string's UTF-8 encoding, or a `Uint8Array`'s contents.
fn append_data(out: &mut Vec<u8>, value: &Value<'_>) -> Result<()> {
    match value.as_string() {
        Some(text) => append_utf8(out, text),
        None => {
            out.extend(bytes_of(value)?);
            Ok(())
        }
    }
}

fn new_bytes<'js>(ctx: &Ctx<'js>, bytes: Vec<u8>) -> Result<TypedArray<'js, u8>> {
    TypedArray::new(ctx.clone(), bytes)
}

/// Each UTF-16 code unit's low byte: the "binary"/"latin1" encoding and njs's byte strings.
fn latin1_bytes(s: &str) -> Vec<u8> {
    s.encode_utf16().map(|unit| (unit & 0xff) as u8).collect()
}

/// Each byte as the character with that code point.
fn latin1_string(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Decodes hex the way njs does: pairs of hex digits up to the first character that is not
/// one; a trailing odd digit is dropped.
fn decode_hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().map_while(|c| (c as char).to_digit(16).map(|d| d as u8)).collect();
    digits.chunks_exact(2).map(|p| (p[0] << 4) | p[1]).collect()
}

/// Decodes base64 (`url == false`) or base64url the way njs does: the characters of the
/// alphabet up to the first one that is not (padding included), with any complete groups
/// decoded and a dangling single character ignored.
fn decode_base64(text: &str, url: bool) -> Vec<u8> {
    let in_alphabet =
        |c: u8| c.is_ascii_alphanumeric() || if url { c == b'-' || c == b'_' } else { c == b'+' || c == b'/' };
    let valid: Vec<u8> = text.bytes().take_while(|&c| in_alphabet(c)).collect();
    // A lone trailing character carries fewer than 8 bits: njs drops it.
    let usable = if valid.len() % 4 == 1 { &valid[..valid.len() - 1] } else { &valid[..] };
    let engine = if url { &B64_URL } else { &B64_STD };
    engine.decode(usable).unwrap_or_default()
}

fn decode_text(text: &str, encoding: &str) -> Option<Vec<u8>> {
    Some(match encoding {
        "utf8" | "utf-8" => text.as_bytes().to_vec(),
        "hex" => decode_hex(text),
        "base64" => decode_base64(text, false),
        "base64url" => decode_base64(text, true),
        "latin1" | "binary" => latin1_bytes(text),
        _ => return None,
    })
}

fn encode_bytes(bytes: &[u8], encoding: &str) -> Option<String> {
    Some(match encoding {
        "utf8" | "utf-8" => String::from_utf8_lossy(bytes).into_owned(),
        "hex" => hex::encode(bytes),
        "base64" => B64_STD.encode(bytes),
        "base64url" => B64_URL.encode(bytes),
        "latin1" | "binary" => latin1_string(bytes),
        _ => return None,
    })
}

/// `bytes` as a string in `encoding`, or undefined for an unknown encoding.
fn encoded<'js>(ctx: Ctx<'js>, bytes: &[u8], encoding: &str) -> Result<Value<'js>> {
    match encode_bytes(bytes, encoding) {
        Some(text) => Ok(rquickjs::String::from_str(ctx, &text)?.into_value()),
        None => Ok(Value::new_undefined(ctx)),
    }
}

/// The digest algorithms CloudFront offers; njs refuses every other name.
#[derive(Clone, Copy)]
enum Algorithm {
    Md5,
    Sha1,
    Sha256,
}

impl Algorithm {
    fn from_name(name: &str) -> Option<Self> {
        match name {
            "md5" => Some(Self::Md5),
            "sha1" => Some(Self::Sha1),
            "sha256" => Some(Self::Sha256),
            _ => None,
        }
    }
}

fn hash(alg: Algorithm, data: &[u8]) -> Vec<u8> {
    use sha2::Digest as _;
    match alg {
        Algorithm::Md5 => md5::Md5::digest(data).to_vec(),
        Algorithm::Sha1 => sha1::Sha1::digest(data).to_vec(),
        Algorithm::Sha256 => sha2::Sha256::digest(data).to_vec(),
    }
}

fn hmac(alg: Algorithm, key: &[u8], data: &[u8]) -> Vec<u8> {
    // `new_from_slice` accepts keys of any length for HMAC; the error arm cannot happen, but an
    // empty digest is a visible failure rather than a panic should it ever do so.
    fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
        match <M as hmac::digest::KeyInit>::new_from_slice(key) {
            Ok(mut mac) => {
                mac.update(data);
                mac.finalize().into_bytes().to_vec()
            }
            Err(_) => Vec::new(),
        }
    }
    match alg {
        Algorithm::Md5 => run::<Hmac<md5::Md5>>(key, data),
        Algorithm::Sha1 => run::<Hmac<sha1::Sha1>>(key, data),
        Algorithm::Sha256 => run::<Hmac<sha2::Sha256>>(key, data),
    }
}

/// Builds the object of primitives handed to the prelude.
pub fn install<'js>(ctx: &Ctx<'js>) -> Result<Object<'js>> {
    let native = Object::new(ctx.clone())?;

    // utf8Encode(string) -> Uint8Array: UTF-8 bytes (lone surrogates become U+FFFD).
    native.set(
        "utf8Encode",
        Function::new(ctx.clone(), |ctx: Ctx<'js>, s: rquickjs::String<'js>| {
            let mut bytes = Vec::new();
            append_utf8(&mut bytes, &s)?;
            new_bytes(&ctx, bytes)
        })?,
    )?;

    // utf8Decode(bytes, fatal) -> string, or null when `fatal` and the bytes are not UTF-8.
    native.set(
        "utf8Decode",
        Function::new(ctx.clone(), |ctx: Ctx<'js>, bytes: Value<'js>, fatal: bool| -> Result<Value<'js>> {
            let bytes = bytes_of(&bytes)?;
            let text = match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(_) if fatal => return Ok(Value::new_null(ctx)),
                Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
            };
            Ok(rquickjs::String::from_str(ctx, &text)?.into_value())
        })?,
    )?;

    // latin1Encode(string) -> Uint8Array: the low byte of each UTF-16 unit.
    native.set(
        "latin1Encode",
        Function::new(ctx.clone(), |ctx: Ctx<'js>, s: String| new_bytes(&ctx, latin1_bytes(&s)))?,
    )?;

    // latin1Decode(bytes) -> string of code points 0-255.
    native.set(
        "latin1Decode",
        Function::new(ctx.clone(), |bytes: Value<'js>| -> Result<String> { Ok(latin1_string(&bytes_of(&bytes)?)) })?,
    )?;

    // decode(text, encoding) -> Uint8Array, or undefined for an unknown encoding.
    native.set(
        "decode",
        Function::new(ctx.clone(), |ctx: Ctx<'js>, text: String, encoding: String| -> Result<Value<'js>> {
            match decode_text(&text, &encoding) {
                Some(bytes) => Ok(new_bytes(&ctx, bytes)?.into_value()),
                None => Ok(Value::new_undefined(ctx)),
            }
        })?,
    )?;

    // encode(bytes, encoding) -> string, or undefined for an unknown encoding.
    native.set(
        "encode",
        Function::new(ctx.clone(), |ctx: Ctx<'js>, bytes: Value<'js>, encoding: String| -> Result<Value<'js>> {
            encoded(ctx, &bytes_of(&bytes)?, &encoding)
        })?,
    )?;

    // digest(algorithm, key, data, encoding) -> Uint8Array, or the digest encoded as a string
    // when `encoding` is given. `data` is one chunk or an array of them; `key` and each chunk are
    // a string (its UTF-8 bytes) or a Uint8Array; a null key hashes, any other computes the HMAC.
    native.set(
        "digest",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>,
             alg: String,
             key: Value<'js>,
             chunks: Value<'js>,
             encoding: Value<'js>|
             -> Result<Value<'js>> {
                let Some(alg) = Algorithm::from_name(&alg) else {
                    return Err(Exception::throw_type(&ctx, &format!("not supported algorithm: \"{alg}\"")));
                };
                let mut data = Vec::new();
                match chunks.as_array() {
                    Some(list) => {
                        for chunk in list.iter::<Value>() {
                            append_data(&mut data, &chunk?)?;
                        }
                    }
                    None => append_data(&mut data, &chunks)?,
                }
                let out = if key.is_null() || key.is_undefined() {
                    hash(alg, &data)
                } else {
                    let mut key_bytes = Vec::new();
                    append_data(&mut key_bytes, &key)?;
                    hmac(alg, &key_bytes, &data)
                };
                match encoding.as_string() {
                    Some(encoding) => encoded(ctx, &out, &encoding.to_string()?),
                    None => Ok(new_bytes(&ctx, out)?.into_value()),
                }
            },
        )?,
    )?;

    // jsonParse(parse, hook, runtime) -> the JSON.parse of the runtime: njs's reading of text
    // (see `njs_json_parse`), `parse` (QuickJS's own JSON.parse) for a reviver, `hook` for 1.0 byte
    // strings.
    native.set(
        "jsonParse",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, parse: Value<'js>, hook: Value<'js>, runtime: i32| -> Result<Value<'js>> {
                let raw_ctx = ctx.as_raw().as_ptr();
                let mut data = [parse.as_raw(), hook.as_raw()];
                // SAFETY: the context is live; JS_NewCFunctionData2 copies (and owns a reference to)
                // each data value, and the name is NUL-terminated. The new function is owned by the
                // Value made from it.
                unsafe {
                    let function = qjs::JS_NewCFunctionData2(
                        raw_ctx,
                        Some(njs_json_parse),
                        c"parse".as_ptr(),
                        2,
                        runtime,
                        2,
                        data.as_mut_ptr(),
                    );
                    if qjs::JS_IsException(function) {
                        return Err(rquickjs::Error::Exception);
                    }
                    Ok(Value::from_raw(ctx, function))
                }
            },
        )?,
    )?;

    // jsonScanOctets(bytes) -> [standard JSON, byte strings...] for a 1.0 byte string whose octets
    // are not UTF-8: the text to parse and the strings in it njs makes byte strings.
    native.set(
        "jsonScanOctets",
        Function::new(ctx.clone(), |ctx: Ctx<'js>, bytes: Value<'js>| -> Result<Array<'js>> {
            let (text, byte_strings) = match json::scan(&bytes_of(&bytes)?, true) {
                Ok(Scan::Rewritten { text, byte_strings }) => (text, byte_strings),
                Ok(Scan::AsIs) => (latin1_string(&bytes_of(&bytes)?), Vec::new()),
                Err(message) => return Err(Exception::throw_syntax(&ctx, &message)),
            };
            let out = Array::new(ctx.clone())?;
            out.set(0, text)?;
            for (i, s) in byte_strings.into_iter().enumerate() {
                out.set(i + 1, s)?;
            }
            Ok(out)
        })?,
    )?;

    Ok(native)
}

// ------------------------------------------------------------------------------------------------
// JSON.parse

/// `JSON.parse(text, reviver)` as njs reads text: a C function of the engine (one call, no
/// JavaScript wrapper, the text read in place), whose data are QuickJS's own `JSON.parse` (for a
/// reviver) and the prelude's byte-string hook (runtime 1.0, `magic` 1).
///
/// The text is checked by [`json::scan`], which throws njs's SyntaxError or gives the standard
/// JSON QuickJS then parses: the text itself in the common case, else its rewriting.
unsafe extern "C" fn njs_json_parse(
    ctx: *mut qjs::JSContext,
    _this: qjs::JSValue,
    _argc: c_int,
    argv: *mut qjs::JSValue,
    magic: c_int,
    data: *mut qjs::JSValue,
) -> qjs::JSValue {
    // SAFETY (for the whole function): QuickJS calls this with a live context, at least `length`
    // (2) arguments (it pads with undefined) and the 2 data values given at creation. Every value
    // made here is freed once; borrowed ones (arguments, data) are not.
    unsafe {
        let text = *argv;
        let reviver = *argv.add(1);
        let string = if qjs::JS_IsString(text) { qjs::JS_DupValue(ctx, text) } else { qjs::JS_ToString(ctx, text) };
        if qjs::JS_IsException(string) {
            return string;
        }
        let result = parse_string(ctx, string, reviver, magic == 1, data);
        qjs::JS_FreeValue(ctx, string);
        result
    }
}

/// Parses the string value `string` (borrowed).
unsafe fn parse_string(
    ctx: *mut qjs::JSContext,
    string: qjs::JSValue,
    reviver: qjs::JSValue,
    byte_strings: bool,
    data: *mut qjs::JSValue,
) -> qjs::JSValue {
    // SAFETY: as in `njs_json_parse`. JS_ToCStringLen gives a NUL-terminated buffer of `len`
    // bytes that stays valid (whatever JavaScript runs meanwhile) until JS_FreeCString.
    unsafe {
        let mut len = 0;
        let ptr = qjs::JS_ToCStringLen(ctx, &mut len, string);
        if ptr.is_null() {
            return qjs::JS_EXCEPTION;
        }
        let bytes = std::slice::from_raw_parts(ptr.cast::<u8>(), len);
        let result = if byte_strings && !bytes.is_ascii() && bytes.iter().all(|&b| b < 0xc4) {
            // Characters up to U+00FF only: maybe a 1.0 byte string; the hook decides.
            let mut args = [string, reviver];
            let outcome = qjs::JS_Call(ctx, *data.add(1), qjs::JS_UNDEFINED, 2, args.as_mut_ptr());
            if qjs::JS_IsString(outcome) {
                // The octets are UTF-8: njs reads that text.
                let value = parse_string(ctx, outcome, reviver, false, data);
                qjs::JS_FreeValue(ctx, outcome);
                value
            } else if qjs::JS_IsObject(outcome) {
                // Parsed already: [value].
                let value = qjs::JS_GetPropertyUint32(ctx, outcome, 0);
                qjs::JS_FreeValue(ctx, outcome);
                value
            } else if qjs::JS_IsException(outcome) {
                outcome
            } else {
                parse_text(ctx, string, bytes, reviver, data)
            }
        } else {
            parse_text(ctx, string, bytes, reviver, data)
        };
        qjs::JS_FreeCString(ctx, ptr);
        result
    }
}

/// Scans `bytes` (the text of `string`, NUL-terminated in memory) and parses what the scan gives.
unsafe fn parse_text(
    ctx: *mut qjs::JSContext,
    string: qjs::JSValue,
    bytes: &[u8],
    reviver: qjs::JSValue,
    data: *mut qjs::JSValue,
) -> qjs::JSValue {
    // SAFETY: as in `njs_json_parse`; `bytes` is followed by a NUL, as JS_ParseJSON needs.
    unsafe {
        let revive = qjs::JS_IsFunction(ctx, reviver);
        match json::scan(bytes, false) {
            Ok(Scan::AsIs) if revive => {
                let mut args = [string, reviver];
                qjs::JS_Call(ctx, *data, qjs::JS_UNDEFINED, 2, args.as_mut_ptr())
            }
            Ok(Scan::AsIs) => qjs::JS_ParseJSON(ctx, bytes.as_ptr().cast(), bytes.len() as _, c"<input>".as_ptr()),
            Ok(Scan::Rewritten { text, .. }) if revive => {
                let standard = qjs::JS_NewStringLen(ctx, text.as_ptr().cast(), text.len() as _);
                if qjs::JS_IsException(standard) {
                    return standard;
                }
                let mut args = [standard, reviver];
                let value = qjs::JS_Call(ctx, *data, qjs::JS_UNDEFINED, 2, args.as_mut_ptr());
                qjs::JS_FreeValue(ctx, standard);
                value
            }
            Ok(Scan::Rewritten { text, .. }) => {
                let mut buffer = text.into_bytes();
                let len = buffer.len();
                buffer.push(0);
                qjs::JS_ParseJSON(ctx, buffer.as_ptr().cast(), len as _, c"<input>".as_ptr())
            }
            Err(message) => {
                let message = CString::new(message).unwrap_or_default();
                qjs::JS_ThrowSyntaxError(ctx, c"%s".as_ptr(), message.as_ptr())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_stops_at_first_non_digit_and_drops_odd_nibble() {
        assert_eq!(decode_hex("zz41"), Vec::<u8>::new());
        assert_eq!(decode_hex("414"), vec![0x41]);
        assert_eq!(decode_hex("4a4B"), vec![0x4a, 0x4b]);
    }

    #[test]
    fn base64_is_lenient_like_njs() {
        assert_eq!(decode_base64("Zm9v!YmFy", false), b"foo");
        assert_eq!(decode_base64("Zm8=", false), b"fo");
        assert_eq!(decode_base64("Zm8=", true), b"fo");
        assert_eq!(decode_base64("-_8", false), Vec::<u8>::new());
        assert_eq!(decode_base64("+/8", true), Vec::<u8>::new());
        assert_eq!(decode_base64("Zm9vY", false), b"foo");
    }

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        let mac = hmac(Algorithm::Sha256, b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex::encode(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }
}
