//! The command line: what users type ([`args`]) is turned into the library's requests, each command
//! (one small module each) calls the library and prints, and this module turns the outcome into the
//! documented exit codes: 0 done, 1 "no" (differs, problems found, function failed), 2 bad input.
//! Errors are printed here, once, as one sentence; a closed standard output ends a command quietly.

mod args;
mod check;
mod deploy;
mod event;
mod explain;
mod gen;
mod init;
mod kvs;
mod reference;
mod serve;
mod test;
mod token;

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser as _;

pub use args::Cli;
use args::Command;
pub use reference::EXAMPLES;

/// How a command that ran to its end came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// Exit 0.
    Done,
    /// Exit 1: a check said no (the output differs, problems found, the function failed).
    No,
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Gen(a) => {
            let (request, target) = a.request();
            gen::run(&request, &target)
        }
        Command::Check(a) => {
            let (file, options) = a.request();
            check::run(&file, &options)
        }
        Command::Test(mut a) => {
            let expect = a.expect.take();
            let (request, json) = a.request();
            test::run(&request, json, expect.as_ref())
        }
        Command::Event(a) => event::run(&a.request()),
        Command::Explain(a) => {
            let json = a.json;
            explain::run(a.request(), json)
        }
        Command::Serve(a) => serve::run(&a.request()),
        Command::Token(a) => token::run(&a.request()),
        Command::Schema => reference::schema(),
        Command::Deploy(a) => deploy::run(a),
        Command::Kvs(a) => kvs::run(a),
        Command::Init(a) => init::run(&a.request()),
        Command::Completions(a) => reference::completions(a.shell),
        Command::Man(a) => reference::man(a.command.as_deref()),
        Command::Help(a) => reference::help(a.command.as_deref()),
    };
    match result {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::No) => ExitCode::from(1),
        // Whoever reads the output has stopped reading (`| head`): nothing is left to say.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", one_sentence(&e));
            ExitCode::from(2)
        }
    }
}

/// Writes to standard output, whole, flushed: the one way the commands print there, so that a
/// closed pipe comes back as an error [`main`] recognises.
fn print(bytes: impl AsRef<[u8]>) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes.as_ref()).and_then(|()| out.flush()).context("cannot write to stdout")
}

/// Whether the error, or any of its causes, is a write to a pipe nobody reads any more.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

/// The error and its causes on one line.
fn one_sentence(e: &anyhow::Error) -> String {
    e.chain().map(|c| c.to_string()).collect::<Vec<_>>().join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_pipe_is_found_under_context() {
        let pipe = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        let e = anyhow::Error::new(pipe).context("cannot write to stdout").context("outer");
        assert!(is_broken_pipe(&e));
        let other = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::NotFound)).context("x");
        assert!(!is_broken_pipe(&other));
        assert_eq!(one_sentence(&anyhow::anyhow!("a").context("b")), "b: a");
    }
}
