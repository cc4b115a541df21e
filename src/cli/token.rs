//! `cfjwt token`: mints a token and prints it on one line, after a warning for a key that looks
//! encoded but is read as text.

use super::{print, Outcome};
use crate::key;
use crate::token::{self, Request};

pub(super) fn run(request: &Request) -> anyhow::Result<Outcome> {
    // The key is read here for its warning only; a key that cannot be read is `mint_request`'s
    // error to tell.
    for arg in &request.keys {
        let warning = key::load(arg, request.key_options)
            .ok()
            .and_then(|key| key::encoding_warning(arg, &key, request.key_options.encoding));
        if let Some(warning) = warning {
            eprintln!("warning: {warning}");
        }
    }
    let token = token::mint_request(request)?;
    for warning in token::claim_warnings(request) {
        eprintln!("warning: {warning}");
    }
    print(format!("{token}\n"))?;
    Ok(Outcome::Done)
}
