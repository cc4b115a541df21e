//! The command line: what users type (clap), turned in one place into calls of the library, and
//! the outcome into the documented exit codes: 0 done, 1 "no" (differs, problems found, function
//! failed), 2 bad input. Errors are printed here, once, as one sentence.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use clap::{Args, Parser, Subcommand};

use crate::check;
use crate::cloudfront::Runtime;
use crate::emit::Style;
use crate::generate;
use crate::key::{self, Encoding, KeyArg, LoadOptions};
use crate::output;
use crate::policy;
use crate::runtime;
use crate::token;

#[derive(Parser, Debug)]
#[command(
    name = "cfjwt",
    version,
    about = "Generate, check and test CloudFront Functions that verify HS256 JWTs at the edge",
    long_about = "Generate, check and test CloudFront Functions (viewer request) that verify HS256 JWTs at the edge.\n\n\
                  Exit codes: 0 success; 1 a check said no (output differs, problems found, the function failed); 2 bad input."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Write the viewer-request function for a policy and key(s).
    Gen(GenArgs),
    /// Check a function file against what CloudFront accepts.
    Check(CheckArgs),
    /// Run a function on events in the bundled engine, as CloudFront would.
    Test(TestArgs),
    /// Mint an HS256 token for testing.
    Token(TokenArgs),
}

/// Where keys come from. Secrets are read from files or environment variables, never from the
/// command line, and never printed.
#[derive(Args, Debug)]
struct KeyArgs {
    /// A file whose bytes are the secret (one trailing newline dropped); `KID=PATH` gives it a key id.
    /// Repeat for several keys (rotation).
    #[arg(long = "key-file", value_name = "[KID=]PATH")]
    key_file: Vec<String>,
    /// An environment variable holding the secret; `KID=VAR` gives it a key id. Repeatable.
    #[arg(long = "key-env", value_name = "[KID=]VAR")]
    key_env: Vec<String>,
    /// How the key text is encoded.
    #[arg(long = "key-encoding", value_enum, default_value_t = Encoding::Utf8)]
    key_encoding: Encoding,
    /// Accept a secret shorter than 32 bytes (RFC 7518 §3.2 forbids it; for tests only).
    #[arg(long = "allow-short-key")]
    allow_short_key: bool,
}

impl KeyArgs {
    /// Key files first, then variables, each in the order given.
    fn args(&self) -> Vec<KeyArg> {
        let files = self.key_file.iter().map(|t| KeyArg::file(t));
        files.chain(self.key_env.iter().map(|t| KeyArg::env(t))).collect()
    }

    fn options(&self) -> LoadOptions {
        LoadOptions { encoding: self.key_encoding, allow_short: self.allow_short_key }
    }
}

#[derive(Args, Debug)]
struct GenArgs {
    /// The policy file (JSON).
    #[arg(long, value_name = "POLICY.json")]
    config: PathBuf,
    #[command(flatten)]
    keys: KeyArgs,
    /// Write the function here (whole or not at all) instead of to stdout.
    #[arg(short, long, value_name = "OUT.js")]
    output: Option<PathBuf>,
    /// Readable output: indented, with the templates' names (larger; for review).
    #[arg(long)]
    pretty: bool,
    /// Write nothing; exit 1 if OUT.js differs from what would be written.
    #[arg(long, requires = "output")]
    check: bool,
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// The function file.
    file: PathBuf,
    /// The runtime to check against (default: the file's marker comment, else cloudfront-js-2.0).
    #[arg(long, value_parser = parse_runtime)]
    runtime: Option<Runtime>,
    /// The size limit in bytes.
    #[arg(long = "max-bytes", default_value_t = crate::cloudfront::MAX_CODE_BYTES)]
    max_bytes: usize,
}

#[derive(Args, Debug)]
struct TestArgs {
    /// The function file.
    file: PathBuf,
    /// An event file in the `aws cloudfront test-function` format. Repeatable; one result each.
    #[arg(long, value_name = "EVENT.json", required = true)]
    event: Vec<PathBuf>,
    /// The time the function sees, in Unix seconds (default: the clock).
    #[arg(long, value_name = "UNIX_SECONDS")]
    now: Option<f64>,
    /// KeyValueStore contents: a JSON object of key to value.
    #[arg(long, value_name = "KVS.json")]
    kvs: Option<PathBuf>,
    /// The runtime (default: the file's marker comment, else cloudfront-js-2.0).
    #[arg(long, value_parser = parse_runtime)]
    runtime: Option<Runtime>,
    /// Print one JSON result per line, as `aws cloudfront test-function` returns them (the default
    /// when stdout is not a terminal).
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct TokenArgs {
    #[command(flatten)]
    keys: KeyArgs,
    /// Claims as a JSON object, e.g. '{"sub":"u1","scope":["/courses/c1/*"]}'.
    #[arg(long)]
    claims: Option<String>,
    /// Set `exp` to now + SECONDS.
    #[arg(long, value_name = "SECONDS", allow_hyphen_values = true)]
    ttl: Option<i64>,
    /// Set `iat` to now.
    #[arg(long)]
    iat: bool,
    /// The time to use, in Unix seconds (default: the clock).
    #[arg(long, value_name = "UNIX_SECONDS")]
    now: Option<i64>,
    /// The header's `kid` (default: the key's id, if it was given as KID=...).
    #[arg(long)]
    kid: Option<String>,
}

fn parse_runtime(s: &str) -> Result<Runtime, String> {
    s.parse()
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Gen(a) => run_gen(a),
        Command::Check(a) => run_check(a),
        Command::Test(a) => run_test(a),
        Command::Token(a) => run_token(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", one_sentence(&e));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes on one line.
fn one_sentence(e: &anyhow::Error) -> String {
    e.chain().map(|c| c.to_string()).collect::<Vec<_>>().join(": ")
}

fn run_gen(a: GenArgs) -> anyhow::Result<ExitCode> {
    let policy = policy::load(&a.config)?;
    let args = a.keys.args();
    let keys = if args.is_empty() { Vec::new() } else { key::load_all(&args, a.keys.options())? };
    let style = if a.pretty { Style::Pretty } else { Style::Minified };
    let generated = generate::generate(&policy, keys, style)?;
    if generated.near_limit() {
        eprintln!("warning: {} is close to CloudFront's limit", generated.summary());
    }
    match (&a.output, a.check) {
        (Some(out), true) => {
            let current = std::fs::read(out).with_context(|| format!("{}: cannot read it", out.display()))?;
            match first_difference(&current, generated.code.as_bytes()) {
                None => {
                    eprintln!("{} is current ({})", out.display(), generated.summary());
                    Ok(ExitCode::SUCCESS)
                }
                Some(diff) => {
                    eprintln!("{} differs from what `cfjwt gen` writes: {diff}", out.display());
                    Ok(ExitCode::from(1))
                }
            }
        }
        (Some(out), false) => {
            output::write_atomically(out, generated.code.as_bytes())
                .with_context(|| format!("{}: cannot write it", out.display()))?;
            eprintln!("{}: {}", out.display(), generated.summary());
            Ok(ExitCode::SUCCESS)
        }
        (None, _) => {
            std::io::stdout().write_all(generated.code.as_bytes()).context("cannot write to stdout")?;
            eprintln!("{}", generated.summary());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Where two texts first differ, as `line N: expected ..., found ...`.
fn first_difference(current: &[u8], wanted: &[u8]) -> Option<String> {
    if current == wanted {
        return None;
    }
    let current = String::from_utf8_lossy(current);
    let wanted = String::from_utf8_lossy(wanted);
    let mut cur = current.lines();
    let mut want = wanted.lines();
    let mut line = 1;
    loop {
        match (cur.next(), want.next()) {
            (Some(c), Some(w)) if c == w => line += 1,
            (c, w) => {
                let show = |s: Option<&str>| match s {
                    None => "end of file".to_string(),
                    Some(s) if s.len() > 120 => format!("`{}…`", &s[..s.floor_char_boundary(120)]),
                    Some(s) => format!("`{s}`"),
                };
                if c.is_none() && w.is_none() {
                    return Some("the files differ in line endings".into());
                }
                return Some(format!("line {line}: the file has {}, gen writes {}", show(c), show(w)));
            }
        }
    }
}

fn run_check(a: CheckArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&a.file).with_context(|| format!("{}: cannot read it", a.file.display()))?;
    let problems = check::check_bytes(&bytes, &check::Options { runtime: a.runtime, max_bytes: a.max_bytes });
    let name = a.file.display().to_string();
    if problems.is_empty() {
        eprintln!("{name}: ok");
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    for p in &problems {
        writeln!(out, "{name}:{}:{}: {}", p.line, p.column, p.message)?;
    }
    Ok(ExitCode::from(1))
}

fn run_test(a: TestArgs) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal as _;

    let code = std::fs::read_to_string(&a.file).with_context(|| format!("{}: cannot read it", a.file.display()))?;
    let mut events = Vec::with_capacity(a.event.len());
    for path in &a.event {
        let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read it", path.display()))?;
        let value: serde_json::Value =
            serde_json::from_str(&text).with_context(|| format!("{}: not valid JSON", path.display()))?;
        let event = runtime::normalize_event(value).with_context(|| path.display().to_string())?;
        events.push(event);
    }
    let kvs = match &a.kvs {
        None => None,
        Some(path) => Some(read_store(path)?),
    };
    let now_ms = match a.now {
        Some(s) => s * 1000.0,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as f64)
            .unwrap_or(0.0),
    };
    let opts = runtime::Options {
        runtime: a.runtime.or_else(|| Runtime::from_marker(&code)).unwrap_or_default(),
        now_ms,
        kvs,
        time_limit: std::time::Duration::from_secs(1),
    };
    let results = runtime::run(&code, &events, &opts).with_context(|| a.file.display().to_string())?;
    let mut out = std::io::stdout().lock();
    let json = a.json || !std::io::stdout().is_terminal();
    for (path, result) in a.event.iter().zip(&results) {
        if json {
            writeln!(out, "{}", serde_json::to_string(result)?)?;
        } else {
            writeln!(out, "{}: {}", path.display(), describe(result))?;
            for line in &result.function_execution_logs {
                writeln!(out, "  log: {line}")?;
            }
        }
    }
    let failed = results.iter().any(runtime::TestResult::failed);
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// A KeyValueStore file: a JSON object; string values are the values, others their JSON text.
fn read_store(path: &Path) -> anyhow::Result<std::collections::BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read it", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{}: not valid JSON", path.display()))?;
    let serde_json::Value::Object(map) = value else {
        bail!("{}: a KeyValueStore file is a JSON object of keys to values", path.display());
    };
    Ok(map
        .into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect())
}

/// One line for people: what the function decided.
fn describe(result: &runtime::TestResult) -> String {
    if result.failed() {
        return format!("FAILED: {}", result.function_error_message);
    }
    let output: serde_json::Value = serde_json::from_str(&result.function_output).unwrap_or_default();
    if let Some(response) = output.get("response") {
        let status = response.get("statusCode").map(|s| s.to_string()).unwrap_or_default();
        let description = response.get("statusDescription").and_then(|d| d.as_str()).unwrap_or("");
        format!("denied: {status} {description}").trim_end().to_string()
    } else {
        let uri = output.pointer("/request/uri").and_then(|u| u.as_str()).unwrap_or("");
        format!("allowed: the request for {uri} goes on (compute utilization {})", result.compute_utilization)
    }
}

fn run_token(a: TokenArgs) -> anyhow::Result<ExitCode> {
    let args = a.keys.args();
    if args.len() != 1 {
        bail!("give exactly one key (--key-file or --key-env) to sign with");
    }
    let key = key::load(&args[0], a.keys.options())?;
    let claims = match &a.claims {
        None => serde_json::Map::new(),
        Some(text) => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(m)) => m,
            Ok(_) => bail!("--claims: give a JSON object, such as '{{\"sub\":\"u1\"}}'"),
            Err(e) => bail!("--claims: not valid JSON: {e}"),
        },
    };
    let now = match a.now {
        Some(n) => n,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0),
    };
    let spec = token::TokenSpec { claims, kid: a.kid.or(key.id.clone()), ttl: a.ttl, iat: a.iat, now };
    println!("{}", token::mint(&key.secret, &spec));
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_difference_names_the_line() {
        assert_eq!(first_difference(b"a\nb\n", b"a\nb\n"), None);
        let d = first_difference(b"a\nb\n", b"a\nc\n").unwrap();
        assert_eq!(d, "line 2: the file has `b`, gen writes `c`");
        let d = first_difference(b"a\n", b"a\nc\n").unwrap();
        assert_eq!(d, "line 2: the file has end of file, gen writes `c`");
    }

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}

