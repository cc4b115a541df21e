//! `cfjwt test`: runs a function on its events and prints the report, as a table on a terminal
//! (coloured unless `NO_COLOR` is set) or as JSON lines; warnings about the inputs first, on
//! stderr. With `--expect`, each event is checked against what it should come out as: a table
//! says so in a `mismatch` row and the run ends with `N passed, N failed` on stdout; in JSON,
//! stdout stays JSON lines, and the mismatches (`FILE: expected …`) and that line go to stderr.

use std::io::IsTerminal as _;

use super::{print, Outcome};
use crate::runtime::report::Expect;
use crate::runtime::{self, TestRequest};

pub(super) fn run(request: &TestRequest, json: bool, expect: Option<&Expect>) -> anyhow::Result<Outcome> {
    // A directory given to --event stands for the .json files in it.
    let request = &TestRequest { events: runtime::expand_events(&request.events)?, ..request.clone() };
    // Events not named after a verdict are bad input: refused before anything runs.
    let expected = match expect {
        None => None,
        Some(expect) => Some(request.events.iter().map(|p| expect.for_event(p)).collect::<Result<Vec<_>, _>>()?),
    };
    let mut report = runtime::run_files(request)?;
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    if let Some(expected) = expected {
        report.expect(expected);
    }
    let json = json || !std::io::stdout().is_terminal();
    if json {
        print(report.json_lines())?;
        for (case, mismatch) in report.mismatches() {
            eprintln!("{}: {mismatch}", case.name);
        }
        if let Some(summary) = report.summary() {
            eprintln!("{summary}");
        }
    } else {
        let colour = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let mut out = report.tables(colour);
        if let Some(summary) = report.summary() {
            out.push_str(&summary);
            out.push('\n');
        }
        print(out)?;
    }
    Ok(if report.failed() { Outcome::No } else { Outcome::Done })
}
