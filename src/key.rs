//! HMAC secrets: the one place that reads them (`--key-file`, `--key-env`), decodes them
//! (`--key-encoding`), refuses weak ones, and makes sure they are never printed.

use std::fmt;
use std::path::PathBuf;

use base64::Engine as _;
use zeroize::Zeroize;

/// RFC 7518 §3.2: an HS256 key must be at least as long as the hash output.
pub const MIN_KEY_BYTES: usize = 32;

/// Secret bytes, zeroed when dropped, shown as `Secret(<N bytes>)` by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// Wraps bytes that are already decoded.
    pub fn new(bytes: Vec<u8>) -> Self {
        Secret(bytes)
    }

    /// The secret's bytes, for HMAC and for writing into generated code.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(<{} bytes>)", self.0.len())
    }
}

impl Secret {
    /// Every text a message could show the secret as: its UTF-8 text (when it is UTF-8), hex in
    /// either case, base64 and base64url with and without padding. For masking only (see
    /// `output::diff::redact`); never print them.
    pub fn forms(&self) -> Vec<String> {
        use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
        let bytes = self.expose();
        let mut forms = Vec::with_capacity(7);
        if let Ok(text) = std::str::from_utf8(bytes) {
            forms.push(text.to_string());
        }
        forms.push(hex::encode(bytes));
        forms.push(hex::encode_upper(bytes));
        for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
            forms.push(engine.encode(bytes));
        }
        forms
    }
}

/// A secret and the key id (`kid`) it answers to, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    pub id: Option<String>,
    pub secret: Secret,
}

impl Key {
    /// For a key read as text (`--key-encoding utf8`): the encoding its text is probably in,
    /// and how many bytes it decodes to. The text has to be what that encoding writes for a
    /// key of at least [`MIN_KEY_BYTES`]: an even number of at least 64 hex digits, or base64
    /// that `--key-encoding base64`/`base64url` would decode (that alphabet only, padding
    /// right or absent, a length an encoder writes, no stray bits in the last character) to
    /// 32 bytes or more, and that looks random rather than like words (see `looks_random`:
    /// the demo key is valid base64url too). Hex digits alone are never taken for base64 (64 of them are valid base64
    /// too; fewer are a short hex key, which `--key-encoding hex` refuses anyway). Text made
    /// of letters and digits only is base64 and base64url alike: it is named base64. A random
    /// password can look like this too, `head -c 32 /dev/urandom | base64` always does: the
    /// warning says which reading the web app must share, it does not refuse the key.
    pub fn probable_encoding(&self) -> Option<(Encoding, usize)> {
        let text = self.secret.expose();
        if text.iter().all(u8::is_ascii_hexdigit) {
            let hex = text.len() >= 2 * MIN_KEY_BYTES && text.len() % 2 == 0;
            return hex.then_some((Encoding::Hex, text.len() / 2));
        }
        if !looks_random(text) {
            return None;
        }
        for encoding in [Encoding::Base64, Encoding::Base64url] {
            if let Ok(mut bytes) = decode(text, encoding) {
                let len = bytes.len();
                bytes.zeroize();
                if len >= MIN_KEY_BYTES {
                    return Some((encoding, len));
                }
            }
        }
        None
    }
}

/// Whether base64 text looks like the encoding of random bytes rather than words: it changes
/// between capitals, small letters, digits and signs at 40% or more of its characters. Random
/// bytes' base64 does at about 64% (fewer than 40% in about one of 1,000 32-byte keys, far fewer
/// for longer ones); words change at their ends only (`cfjwt-demo-key-PUBLIC-never-use-in-production-0123456789`: 29%).
fn looks_random(text: &[u8]) -> bool {
    let class = |b: &u8| (b.is_ascii_uppercase(), b.is_ascii_lowercase(), b.is_ascii_digit());
    let text = text.strip_suffix(b"==").or_else(|| text.strip_suffix(b"=")).unwrap_or(text);
    let changes = text.windows(2).filter(|w| class(&w[0]) != class(&w[1])).count();
    text.len() > 1 && changes * 10 >= (text.len() - 1) * 4
}

/// The warning for a key read as text (`read_as` is [`Encoding::Utf8`]) whose text looks encoded
/// ([`Key::probable_encoding`]): which `--key-encoding` was probably meant and what the web app
/// then signs with. Names where the key comes from, never the key.
pub fn encoding_warning(arg: &KeyArg, key: &Key, read_as: Encoding) -> Option<String> {
    if read_as != Encoding::Utf8 {
        return None;
    }
    let (encoding, len) = key.probable_encoding()?;
    let name = encoding_name(encoding);
    let alike = if encoding == Encoding::Base64 && !key.secret.expose().iter().any(|b| matches!(b, b'+' | b'/')) {
        " (base64url reads it the same)"
    } else {
        ""
    };
    Some(format!(
        "{}: the key is read as text (--key-encoding utf8), but the text is valid {name} of {len} bytes{alike}. \
         If {name} is meant, pass --key-encoding {name}; the web app must then sign with the {len} decoded bytes, \
         not with the text",
        arg.describe()
    ))
}

/// The [`encoding_warning`]s of keys read by [`load_all`] from `args` (in its order).
pub fn encoding_warnings(args: &[KeyArg], keys: &[Key], read_as: Encoding) -> Vec<String> {
    args.iter().zip(keys).filter_map(|(arg, key)| encoding_warning(arg, key, read_as)).collect()
}

/// A key id (`kid`): 1 to 64 of `A-Z a-z 0-9 . _ -`. The generated function refuses any other
/// `kid` before it reads the KeyValueStore (templates/function.js, `KEY_ID`).
pub fn is_key_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

/// The pattern of [`is_key_id`].
pub const KEY_ID: &str = "^[A-Za-z0-9._-]{1,64}$";

/// How the text of a key file or variable turns into bytes: the same in `gen --key-encoding`,
/// in a policy's `key.encoding` (the text the KeyValueStore holds) and in `cfjwt token`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Encoding {
    /// The bytes as they are.
    #[default]
    Utf8,
    /// Standard base64, padding optional.
    Base64,
    /// URL-safe base64, padding optional.
    Base64url,
    /// Hexadecimal, either case.
    Hex,
}

/// Where one key comes from, as given on the command line (`[KID=]PATH` or `[KID=]VAR`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyArg {
    File { id: Option<String>, path: PathBuf },
    Env { id: Option<String>, var: String },
}

impl KeyArg {
    /// Parses `--key-file [KID=]PATH`. The text before the first `=` is a key id when it is
    /// non-empty and has no `/`.
    pub fn file(text: &str) -> KeyArg {
        let (id, rest) = split_id(text);
        KeyArg::File { id, path: PathBuf::from(rest) }
    }

    /// Parses `--key-env [KID=]VAR`.
    pub fn env(text: &str) -> KeyArg {
        let (id, rest) = split_id(text);
        KeyArg::Env { id, var: rest.to_string() }
    }

    fn id(&self) -> Option<&str> {
        match self {
            KeyArg::File { id, .. } | KeyArg::Env { id, .. } => id.as_deref(),
        }
    }

    fn describe(&self) -> String {
        match self {
            KeyArg::File { path, .. } => format!("key file {}", path.display()),
            KeyArg::Env { var, .. } => format!("environment variable {var}"),
        }
    }
}

fn split_id(text: &str) -> (Option<String>, &str) {
    match text.split_once('=') {
        Some((id, rest)) if !id.is_empty() && !id.contains('/') => (Some(id.to_string()), rest),
        _ => (None, text),
    }
}

/// Why a key cannot be used. Never contains key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("no key given: pass --key-file [KID=]PATH or --key-env [KID=]VAR")]
    None,
    #[error("{what}: cannot read it: {reason}")]
    Unreadable { what: String, reason: String },
    #[error("{what}: the key is empty")]
    Empty { what: String },
    #[error("{what}: the key does not decode as {encoding}: {reason}")]
    Decode { what: String, encoding: &'static str, reason: String },
    #[error("{what}: the key is {len} bytes; HS256 needs at least {MIN_KEY_BYTES} (RFC 7518 §3.2). Use a longer random key, or --allow-short-key for tests")]
    Short { what: String, len: usize },
    #[error("{what}: the key id `{id}` is not allowed; use 1 to 64 of A-Z a-z 0-9 . _ -")]
    BadId { what: String, id: String },
    #[error("key id `{id}` is given twice")]
    DuplicateId { id: String },
    #[error("{what}: with several keys, each key id may be used once and keys without an id may not repeat")]
    Duplicate { what: String },
}

/// How keys are read.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoadOptions {
    pub encoding: Encoding,
    /// Accept secrets shorter than 32 bytes (for tests only).
    pub allow_short: bool,
}

/// Reads every key given, in order. At least one key is required.
pub fn load_all(args: &[KeyArg], opts: LoadOptions) -> Result<Vec<Key>, KeyError> {
    if args.is_empty() {
        return Err(KeyError::None);
    }
    let mut keys: Vec<Key> = Vec::with_capacity(args.len());
    for arg in args {
        let key = load(arg, opts)?;
        if let Some(id) = &key.id {
            if keys.iter().any(|k| k.id.as_ref() == Some(id)) {
                return Err(KeyError::DuplicateId { id: id.clone() });
            }
        } else if keys.iter().any(|k| k.id.is_none() && k.secret == key.secret) {
            return Err(KeyError::Duplicate { what: arg.describe() });
        }
        keys.push(key);
    }
    Ok(keys)
}

/// Reads and decodes one key.
pub fn load(arg: &KeyArg, opts: LoadOptions) -> Result<Key, KeyError> {
    let what = arg.describe();
    if let Some(id) = arg.id() {
        if !is_key_id(id) {
            return Err(KeyError::BadId { what, id: id.to_string() });
        }
    }
    let mut raw = match arg {
        KeyArg::File { path, .. } => {
            std::fs::read(path).map_err(|e| KeyError::Unreadable { what: what.clone(), reason: e.to_string() })?
        }
        KeyArg::Env { var, .. } => match std::env::var_os(var) {
            Some(v) => v.into_encoded_bytes(),
            None => {
                return Err(KeyError::Unreadable { what, reason: "the variable is not set".into() });
            }
        },
    };
    strip_one_newline(&mut raw);
    let secret = Secret::new(decode(&raw, opts.encoding).map_err(|reason| KeyError::Decode {
        what: what.clone(),
        encoding: encoding_name(opts.encoding),
        reason,
    })?);
    raw.zeroize();
    if secret.expose().is_empty() {
        return Err(KeyError::Empty { what });
    }
    if secret.expose().len() < MIN_KEY_BYTES && !opts.allow_short {
        return Err(KeyError::Short { what, len: secret.expose().len() });
    }
    Ok(Key { id: arg.id().map(str::to_string), secret })
}

fn strip_one_newline(bytes: &mut Vec<u8>) {
    if bytes.ends_with(b"\r\n") {
        bytes.truncate(bytes.len() - 2);
    } else if bytes.ends_with(b"\n") {
        bytes.truncate(bytes.len() - 1);
    }
}

/// The name the command line and the policy file give an encoding.
pub fn encoding_name(e: Encoding) -> &'static str {
    match e {
        Encoding::Utf8 => "utf8",
        Encoding::Base64 => "base64",
        Encoding::Base64url => "base64url",
        Encoding::Hex => "hex",
    }
}

/// Decodes key text. Error reasons describe the problem without quoting the input.
fn decode(text: &[u8], encoding: Encoding) -> Result<Vec<u8>, String> {
    use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
    use base64::engine::DecodePaddingMode;
    let lenient = GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let describe = |e: base64::DecodeError| match e {
        base64::DecodeError::InvalidByte(at, _) => format!("invalid character at offset {at}"),
        base64::DecodeError::InvalidLength(_) => "invalid length".to_string(),
        base64::DecodeError::InvalidLastSymbol(at, _) => format!("invalid last character at offset {at}"),
        base64::DecodeError::InvalidPadding => "invalid padding".to_string(),
    };
    match encoding {
        Encoding::Utf8 => Ok(text.to_vec()),
        Encoding::Base64 => GeneralPurpose::new(&base64::alphabet::STANDARD, lenient).decode(text).map_err(describe),
        Encoding::Base64url => GeneralPurpose::new(&base64::alphabet::URL_SAFE, lenient).decode(text).map_err(describe),
        Encoding::Hex => hex::decode(text).map_err(|e| match e {
            hex::FromHexError::InvalidHexCharacter { index, .. } => format!("invalid character at offset {index}"),
            hex::FromHexError::OddLength => "odd number of digits".to_string(),
            hex::FromHexError::InvalidStringLength => "invalid length".to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_bytes() {
        let k = Key { id: None, secret: Secret::new(b"super-secret-value-0123456789abcdef".to_vec()) };
        let text = format!("{k:?}");
        assert!(!text.contains("super"), "{text}");
        assert!(text.contains("35 bytes"), "{text}");
    }

    #[test]
    fn kid_prefix() {
        assert_eq!(KeyArg::file("k1=keys/a"), KeyArg::File { id: Some("k1".into()), path: "keys/a".into() });
        assert_eq!(KeyArg::file("keys/a=b"), KeyArg::File { id: None, path: "keys/a=b".into() });
        assert_eq!(KeyArg::env("SECRET"), KeyArg::Env { id: None, var: "SECRET".into() });
    }

    #[test]
    fn decodes_each_encoding() {
        assert_eq!(decode(b"aGk", Encoding::Base64).unwrap(), b"hi");
        assert_eq!(decode(b"aGk=", Encoding::Base64url).unwrap(), b"hi");
        assert_eq!(decode(b"-_8", Encoding::Base64url).unwrap(), [0xfb, 0xff]);
        assert_eq!(decode(b"ff00", Encoding::Hex).unwrap(), [0xff, 0]);
        assert!(decode(b"zz", Encoding::Hex).is_err());
        assert!(decode(b"a", Encoding::Base64).is_err());
    }

    fn probable(text: &str) -> Option<(Encoding, usize)> {
        Key { id: None, secret: Secret::new(text.as_bytes().to_vec()) }.probable_encoding()
    }

    /// `n` bytes that look random (xorshift), the same every run.
    fn random(n: usize, mut seed: u64) -> Vec<u8> {
        (0..n)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed >> 24) as u8
            })
            .collect()
    }

    #[test]
    fn text_that_looks_encoded() {
        use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
        // 32 bytes with `+` or `/` in base64 and `-` or `_` in base64url.
        let bytes = (1..).map(|seed| random(32, seed)).find(|b| STANDARD.encode(b).contains(['+', '/'])).unwrap();
        assert_eq!(probable(&STANDARD.encode(&bytes)), Some((Encoding::Base64, 32)));
        assert_eq!(probable(&STANDARD_NO_PAD.encode(&bytes)), Some((Encoding::Base64, 32)));
        assert_eq!(probable(&URL_SAFE.encode(&bytes)), Some((Encoding::Base64url, 32)));
        assert_eq!(probable(&URL_SAFE_NO_PAD.encode(&bytes)), Some((Encoding::Base64url, 32)));
        assert_eq!(probable(&hex::encode(&bytes)), Some((Encoding::Hex, 32)));
        assert_eq!(probable(&hex::encode_upper(random(40, 7))), Some((Encoding::Hex, 40)));
        // Letters and digits only: base64 and base64url alike.
        let plain = (1..).map(|seed| random(48, seed)).find(|b| !STANDARD.encode(b).contains(['+', '/'])).unwrap();
        assert_eq!(probable(&STANDARD.encode(&plain)), Some((Encoding::Base64, 48)));
    }

    #[test]
    fn text_that_does_not_look_encoded() {
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        assert_eq!(probable("cfjwt-demo-key-PUBLIC-never-use-in-production-0123456789"), None, "words");
        assert_eq!(probable("cli-test-secret-cli-test-secret-cli-test-secret"), None);
        assert_eq!(probable(&STANDARD.encode([0x55; 33])), None, "not random");
        assert_eq!(probable(&STANDARD.encode(random(31, 3))), None, "decodes to fewer than 32 bytes");
        assert_eq!(probable(&hex::encode(random(28, 5))), None, "56 hex digits, though valid base64 of 42 bytes");
        assert_eq!(probable(&format!("{}0", hex::encode(random(32, 5)))), None, "an odd number of digits");
        let text = URL_SAFE_NO_PAD.encode(random(32, 9));
        assert_eq!(probable(&text), Some((Encoding::Base64url, 32)));
        let both = format!("{}+", &text[..42]);
        assert_eq!(probable(&both), None, "both alphabets at once");
        assert_eq!(probable(&format!("{text}==")), None, "more padding than goes");
        // 43 characters whose last one leaves stray bits: no encoder writes it.
        let stray = format!("{}{}", &text[..42], if text.ends_with('B') { 'C' } else { 'B' });
        assert_eq!(probable(&stray), None);
    }

    #[test]
    fn the_warning_names_the_encoding_not_the_key() {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let text = URL_SAFE_NO_PAD.encode([0xfb; 32]);
        let key = Key { id: None, secret: Secret::new(text.clone().into_bytes()) };
        let arg = KeyArg::env("PROD_KEY");
        let warning = encoding_warning(&arg, &key, Encoding::Utf8).unwrap();
        assert!(warning.starts_with("environment variable PROD_KEY: "), "{warning}");
        assert!(warning.contains("--key-encoding base64url"), "{warning}");
        assert!(warning.contains("the 32 decoded bytes"), "{warning}");
        for form in key.secret.forms() {
            assert!(!warning.contains(&form[..8]), "{warning}");
        }
        assert_eq!(encoding_warning(&arg, &key, Encoding::Base64url), None);
        assert_eq!(encoding_warnings(&[arg.clone(), arg], &[key], Encoding::Utf8).len(), 1);
    }

    #[test]
    fn forms_of_a_secret() {
        let forms = Secret::new(vec![0xfb, 0xff, 0x41]).forms();
        assert_eq!(forms, ["fbff41", "FBFF41", "+/9B", "+/9B", "-_9B", "-_9B"]);
        assert_eq!(Secret::new(b"hi".to_vec()).forms()[..2], ["hi", "6869"]);
    }

    #[test]
    fn one_trailing_newline_is_dropped() {
        let mut v = b"abc\n\n".to_vec();
        strip_one_newline(&mut v);
        assert_eq!(v, b"abc\n");
        let mut v = b"abc\r\n".to_vec();
        strip_one_newline(&mut v);
        assert_eq!(v, b"abc");
    }
}
