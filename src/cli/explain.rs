//! `cfjwt explain`: prints why the policy's function lets a request through or denies it, as text
//! or one JSON object; exit 0 for allow or hand-off, 1 for deny. A token given as `-` is read
//! from standard input, so that it stays out of the shell history.

use std::io::Read as _;

use anyhow::Context as _;

use super::{print, Outcome};
use crate::explain::{self, Input, Request, Verdict};

pub(super) fn run(mut request: Request, json: bool) -> anyhow::Result<Outcome> {
    if let Input::Token { token, .. } = &mut request.input {
        if token == "-" {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).context("cannot read the token from standard input")?;
            *token = text;
        }
    }
    let explanation = explain::explain(&request)?;
    if json {
        print(format!("{}\n", explanation.json()))?;
    } else {
        print(explanation.text())?;
    }
    Ok(if explanation.verdict == Verdict::Deny { Outcome::No } else { Outcome::Done })
}
