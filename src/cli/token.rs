//! `cfjwt token`: mints a token and prints it on one line.

use super::{print, Outcome};
use crate::token::{self, Request};

pub(super) fn run(request: &Request) -> anyhow::Result<Outcome> {
    let token = token::mint_request(request)?;
    print(format!("{token}\n"))?;
    Ok(Outcome::Done)
}
