//! `cfjwt gen`: generates the function and writes it to stdout or a file (warning when git would
//! commit the embedded key), or compares it with the file (`--check`).

use std::path::Path;

use anyhow::Context as _;

use super::args::GenTarget;
use super::{print, Outcome};
use crate::generate::{self, Request};
use crate::key::KeyArg;
use crate::output::{self, NewFile};
use crate::policy::KeySource;

pub(super) fn run(request: &Request, target: &GenTarget) -> anyhow::Result<Outcome> {
    if let GenTarget::Check(out) = target {
        if out.as_os_str() == "-" {
            anyhow::bail!("--check compares the function with a file, and `-o -` (stdout) is none: name the file");
        }
    }
    let policy = crate::policy::load(&request.config)?;
    let embeds_key = policy.key == KeySource::Embedded;
    let keys = request.load_keys()?;
    for warning in crate::key::encoding_warnings(&request.keys, &keys.embedded, request.key_options.encoding) {
        eprintln!("warning: {warning}");
    }
    let secrets = keys.embedded.clone(); // kept out of what `--check` prints
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
        GenTarget::File { path: out, test_key } => {
            let inputs = input_files(request);
            let options = output::Options {
                new_file: if embeds_key { NewFile::Secret } else { NewFile::Usual },
                inputs: &inputs,
            };
            let written = output::write(out, generated.code.as_bytes(), options)
                .with_context(|| format!("{}: cannot write it", out.display()))?;
            eprintln!("{}: {}", out.display(), generated.summary());
            if embeds_key && !test_key && written.regular && output::git_would_commit(&written.file) {
                eprintln!("{}", committed_key_warning(&written.file));
            }
            Ok(Outcome::Done)
        }
        GenTarget::Stdout => {
            print(&generated.code)?;
            eprintln!("{}", generated.summary());
            Ok(Outcome::Done)
        }
    }
}

/// The files `gen` reads: the policy and the key files. The output may be none of them.
fn input_files(request: &Request) -> Vec<&Path> {
    let keys = request.keys.iter().filter_map(|k| match k {
        KeyArg::File { path, .. } => Some(path.as_path()),
        KeyArg::Env { .. } => None,
    });
    std::iter::once(request.config.as_path()).chain(keys).collect()
}

/// The one line that says `file`, about to be committed, gives the key away, and what to do
/// instead. It names the file, never the key.
fn committed_key_warning(file: &Path) -> String {
    format!(
        "warning: {} embeds the HMAC secret and git does not ignore it, so it will be committed; \
         read the secret from a KeyValueStore instead (\"key\": {{\"kvs\": NAME}}), or generate the function \
         with the real key in the deploy job, from the CI's secret store, and commit a build made with a test key \
         (--test-key): see \"Keeping the secret out of the repository\" in the README",
        file.display()
    )
}
