//! `cfjwt test`: runs a function on its events and prints the report, as a table on a terminal
//! (coloured unless `NO_COLOR` is set) or as JSON lines.

use std::io::IsTerminal as _;

use super::{print, Outcome};
use crate::runtime::{self, TestRequest};

pub(super) fn run(request: &TestRequest, json: bool) -> anyhow::Result<Outcome> {
    let report = runtime::run_files(request)?;
    let json = json || !std::io::stdout().is_terminal();
    if json {
        print(report.json_lines())?;
    } else {
        let colour = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        print(report.tables(colour))?;
    }
    Ok(if report.failed() { Outcome::No } else { Outcome::Done })
}
