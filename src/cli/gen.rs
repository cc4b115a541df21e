//! `cfjwt gen`: generates the function and writes it to stdout or a file, or compares it with the
//! file (`--check`).

use anyhow::Context as _;

use super::args::GenTarget;
use super::{print, Outcome};
use crate::generate::{self, Request};
use crate::output;

pub(super) fn run(request: &Request, target: &GenTarget) -> anyhow::Result<Outcome> {
    let policy = crate::policy::load(&request.config)?;
    let keys = request.load_keys()?;
    for warning in crate::key::encoding_warnings(&request.keys, &keys, request.key_options.encoding) {
        eprintln!("warning: {warning}");
    }
    let secrets = keys.clone(); // kept out of what `--check` prints
    let generated = generate::generate(&policy, keys, request.style)?;
    if generated.near_limit() {
        eprintln!("warning: {} is close to CloudFront's limit", generated.summary());
    }
    match target {
        GenTarget::Check(out) => {
            let current = std::fs::read(out).with_context(|| format!("{}: cannot read it", out.display()))?;
            match output::first_difference(&current, generated.code.as_bytes(), &secrets) {
                None => {
                    eprintln!("{} is current ({})", out.display(), generated.summary());
                    Ok(Outcome::Done)
                }
                Some(diff) => {
                    eprintln!("{} differs from what `cfjwt gen` writes: {diff}", out.display());
                    Ok(Outcome::No)
                }
            }
        }
        GenTarget::File(out) => {
            output::write_atomically(out, generated.code.as_bytes())
                .with_context(|| format!("{}: cannot write it", out.display()))?;
            eprintln!("{}: {}", out.display(), generated.summary());
            Ok(Outcome::Done)
        }
        GenTarget::Stdout => {
            print(&generated.code)?;
            eprintln!("{}", generated.summary());
            Ok(Outcome::Done)
        }
    }
}
