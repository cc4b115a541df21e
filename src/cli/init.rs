//! `cfjwt init`: writes a starter policy (to a file, or to stdout) and explains it on stderr.

use super::{print, Outcome};
use crate::init::{self, Destination, Request};

pub(super) fn run(request: &Request) -> anyhow::Result<Outcome> {
    let setup = init::find_setup(&request.setup)?;
    match &request.output {
        Destination::Stdout => {
            print(setup.policy)?;
            eprint!("{}", setup.explanation("the policy"));
        }
        Destination::File(out) => {
            init::write(setup, out, request.force)?;
            eprint!("{}", setup.explanation(&out.display().to_string()));
        }
    }
    Ok(Outcome::Done)
}
