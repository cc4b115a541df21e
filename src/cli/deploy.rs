//! `cfjwt deploy`: reads the function file, has the library prepare the deployment, prints its
//! warnings to stderr and the snippet to stdout.

use anyhow::Context as _;

use super::args::DeployArgs;
use super::{print, Outcome};
use crate::deploy;

pub(super) fn run(args: DeployArgs) -> anyhow::Result<Outcome> {
    let code = std::fs::read(&args.file).with_context(|| format!("{}: cannot read it", args.file.display()))?;
    let prepared = deploy::prepare(args.request(code))?;
    for warning in &prepared.warnings {
        eprintln!("warning: {warning}");
    }
    print(prepared.snippet())?;
    Ok(Outcome::Done)
}
