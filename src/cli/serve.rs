//! `cfjwt serve`: starts the server (`crate::serve`), says where on stderr, and stops it on
//! SIGINT or SIGTERM, letting the requests being answered finish.

use std::sync::Arc;

use anyhow::Context as _;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use super::Outcome;
use crate::serve::{Config, Server};

pub(super) fn run(config: &Config) -> anyhow::Result<Outcome> {
    let server = Server::bind(config)?;
    let mut signals = Signals::new([SIGINT, SIGTERM]).context("cannot handle SIGINT and SIGTERM")?;
    let stopper = server.stopper();
    std::thread::spawn(move || {
        if signals.forever().next().is_some() {
            stopper.stop();
        }
    });
    eprintln!("serving {} on http://{}/ (root {})", config.file.display(), server.addr(), config.root.display());
    for warning in server.warnings() {
        eprintln!("warning: {warning}");
    }
    server.run(Arc::new(|line: &str| eprintln!("{line}")));
    eprintln!("stopped");
    Ok(Outcome::Done)
}
