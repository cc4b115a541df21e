//! The commands that print reference material: `cfjwt schema` (the policy's JSON Schema),
//! `cfjwt completions` and `cfjwt man` (both made from the clap types).

use anyhow::Context as _;
use clap::CommandFactory as _;

use super::{print, Cli, Outcome};

pub(super) fn schema() -> anyhow::Result<Outcome> {
    print(crate::policy::schema::policy_schema_text())?;
    Ok(Outcome::Done)
}

pub(super) fn completions(shell: clap_complete::Shell) -> anyhow::Result<Outcome> {
    // Made in memory first: clap_complete panics on a failed write.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "cfjwt", &mut script);
    print(script)?;
    Ok(Outcome::Done)
}

pub(super) fn man(command: Option<&str>) -> anyhow::Result<Outcome> {
    let cmd = Cli::command();
    let page = match command {
        None => cmd,
        Some(name) => {
            let sub = cmd.find_subcommand(name).with_context(|| format!("`{name}` is not a cfjwt command"))?.clone();
            // clap takes names as `&'static str` (no `string` feature); the process ends right after.
            let title: &'static str = Box::leak(format!("cfjwt-{name}").into_boxed_str());
            sub.name(title).bin_name(format!("cfjwt {name}")).display_name(title)
        }
    };
    let mut text = Vec::new();
    clap_mangen::Man::new(page).render(&mut text).context("cannot render the man page")?;
    print(text)?;
    Ok(Outcome::Done)
}
