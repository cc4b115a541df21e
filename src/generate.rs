//! `cfjwt gen` without the command line: policy and keys (and the team's `then` file) in,
//! function text out, refused when CloudFront would refuse it for size.

use std::path::PathBuf;

use crate::cloudfront::{MAX_CODE_BYTES, WARN_CODE_BYTES};
use crate::emit::{self, Style};
use crate::key::{self, Key, KeyArg, KeyError, LoadOptions};
use crate::plan::{Plan, PlanError};
use crate::policy::Policy;
use crate::theirs::{self, TheirsError};

/// What to shorten in a function that is too large: with `then`, the team's file and what it adds.
fn shorten(then: &Option<(PathBuf, usize)>) -> String {
    match then {
        Some((file, bytes)) => {
            format!(
                "the `then` file {} is {bytes} bytes of it: shorten that file or the policy's lists",
                file.display()
            )
        }
        None => "shorten the policy's lists".into(),
    }
}

/// Why no function was generated.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    #[error(
        "the function would be {bytes} bytes, {over} over CloudFront's {MAX_CODE_BYTES}-byte limit; {}",
        shorten(then)
    )]
    TooLarge { bytes: usize, over: usize, then: Option<(PathBuf, usize)> },
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Then(#[from] TheirsError),
}

/// What `cfjwt gen` is asked for: the policy file, where the keys to embed come from, the style.
#[derive(Clone, Debug)]
pub struct Request {
    /// The policy file.
    pub config: PathBuf,
    /// The keys, in order; none for a policy that reads its key from the KeyValueStore.
    pub keys: Vec<KeyArg>,
    pub key_options: LoadOptions,
    pub style: Style,
}

impl Request {
    /// The keys the request names, read; none when it names none (then [`generate`] says whether
    /// the policy needs one). With them, the request's `--allow-short-key`.
    pub fn load_keys(&self) -> Result<Keys, KeyError> {
        let embedded = if self.keys.is_empty() { Vec::new() } else { key::load_all(&self.keys, self.key_options)? };
        Ok(Keys { embedded, allow_short: self.key_options.allow_short })
    }
}

/// The keys to embed, and whether short secrets are allowed (`--allow-short-key`): that also
/// lowers the function's own check of a secret it reads from the KeyValueStore, from 32 bytes
/// (RFC 7518 §3.2) to one.
#[derive(Clone, Debug, Default)]
pub struct Keys {
    pub embedded: Vec<Key>,
    pub allow_short: bool,
}

impl From<Vec<Key>> for Keys {
    /// Keys under the default rule: no short secrets.
    fn from(embedded: Vec<Key>) -> Keys {
        Keys { embedded, allow_short: false }
    }
}

/// A generated function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    pub code: String,
}

impl Generated {
    /// Size in bytes, as CloudFront counts it.
    pub fn bytes(&self) -> usize {
        self.code.len()
    }

    /// Whether the size is close enough to the limit to warn.
    pub fn near_limit(&self) -> bool {
        self.bytes() > WARN_CODE_BYTES
    }

    /// `812 bytes, 8% of the 10,240-byte limit`.
    pub fn summary(&self) -> String {
        let percent = (self.bytes() * 100).div_ceil(MAX_CODE_BYTES);
        format!("{} bytes, {}% of the 10,240-byte limit", group_thousands(self.bytes()), percent)
    }
}

fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Generates the function for a policy and its keys (none when the key is in the KeyValueStore),
/// reading the policy's `then` file.
pub fn generate(policy: &Policy, keys: impl Into<Keys>, style: Style) -> Result<Generated, GenError> {
    let keys = keys.into();
    let then = policy.then.as_deref().map(|file| theirs::load(file, policy.runtime)).transpose()?;
    let then_bytes = then.as_ref().map(|t| (t.file.clone(), t.source.len()));
    let plan = Plan::new(policy, keys.embedded, keys.allow_short, then)?;
    let code = emit::emit(&plan, style);
    let generated = Generated { code };
    if generated.bytes() > MAX_CODE_BYTES {
        let (bytes, over) = (generated.bytes(), generated.bytes() - MAX_CODE_BYTES);
        return Err(GenError::TooLarge { bytes, over, then: then_bytes });
    }
    Ok(generated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_reads_like_the_spec() {
        let g = Generated { code: "x".repeat(812) };
        assert_eq!(g.summary(), "812 bytes, 8% of the 10,240-byte limit");
        let g = Generated { code: "x".repeat(10_100) };
        assert_eq!(g.summary(), "10,100 bytes, 99% of the 10,240-byte limit");
        assert!(g.near_limit());
    }
}
