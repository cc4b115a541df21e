//! `cfjwt kvs`: reads the clock for `--issued-before now`, has the library make the change (in a
//! local store file, with `--store`) and build the commands, prints the commands to stdout and
//! what changed in the store file to stderr.

use std::time::{SystemTime, UNIX_EPOCH};

use super::args::KvsArgs;
use super::{print, Outcome};
use crate::kvs;

pub(super) fn run(args: KvsArgs) -> anyhow::Result<Outcome> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
    let done = kvs::run(&args.request(now))?;
    for line in &done.done {
        eprintln!("{line}");
    }
    print(done.commands)?;
    Ok(Outcome::Done)
}
