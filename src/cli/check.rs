//! `cfjwt check`: checks a function file and prints each problem as `FILE:LINE:COLUMN: message`.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context as _;

use super::{print, Outcome};
use crate::check::{self, Options};

pub(super) fn run(file: &Path, options: &Options) -> anyhow::Result<Outcome> {
    let bytes = std::fs::read(file).with_context(|| format!("{}: cannot read it", file.display()))?;
    let problems = check::check_bytes(&bytes, options);
    let name = file.display().to_string();
    if problems.is_empty() {
        eprintln!("{name}: ok");
        return Ok(Outcome::Done);
    }
    let mut text = String::new();
    for p in &problems {
        writeln!(text, "{name}:{}:{}: {}", p.line, p.column, p.message)?;
    }
    print(text)?;
    Ok(Outcome::No)
}
