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

/// A secret and the key id (`kid`) it answers to, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    pub id: Option<String>,
    pub secret: Secret,
}

/// How the text of a key file or variable turns into bytes.
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
        if !crate::policy::rules::is_key_id(id) {
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

fn encoding_name(e: Encoding) -> &'static str {
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
