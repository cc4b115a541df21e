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
use crate::deploy;
use crate::emit::Style;
use crate::generate;
use crate::init;
use crate::key::{self, Encoding, KeyArg, LoadOptions};
use crate::output;
use crate::policy;
use crate::runtime;
use crate::policy::schema;
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
    /// Print the policy file's JSON Schema (draft 2020-12), for editors and CI.
    Schema,
    /// Print what deploys a function file: AWS CLI commands, CloudFormation or Terraform.
    Deploy(DeployArgs),
    /// Write a starter policy for a common setup.
    Init(InitArgs),
    /// Print a shell completion script (source it, or install it where your shell looks).
    Completions(CompletionsArgs),
    /// Print the man page (roff): `cfjwt man | man -l -`.
    Man(ManArgs),
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
    /// Event files in the `aws cloudfront test-function` format (`--event events/*.json`, or the
    /// flag repeated); one result each.
    #[arg(long, value_name = "EVENT.json", required = true, num_args = 1..)]
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

#[derive(Args, Debug)]
struct DeployArgs {
    /// The function file (UTF-8, as `cfjwt gen` writes it).
    file: PathBuf,
    /// The CloudFront function's name (1 to 64 of A-Z a-z 0-9 - _).
    #[arg(long)]
    name: String,
    /// What the snippet is for.
    #[arg(long, value_enum)]
    format: deploy::Format,
    /// The runtime (default: the file's marker comment; required when the file has none).
    #[arg(long, value_parser = parse_runtime)]
    runtime: Option<Runtime>,
    /// Associate this KeyValueStore (its ARN) and print how to put the secret into it.
    #[arg(long = "kvs-arn", value_name = "ARN")]
    kvs_arn: Option<String>,
    /// The store key the function reads: the policy's `key.kvs`.
    #[arg(long = "kvs-key", value_name = "NAME", default_value = "jwt.secret", requires = "kvs_arn")]
    kvs_key: String,
    /// The file holding the secret, named in the printed put-key command (cfjwt does not read it).
    #[arg(long = "secret-file", value_name = "PATH", default_value = "jwt.key", requires = "kvs_arn")]
    secret_file: String,
    /// The function's comment in CloudFront.
    #[arg(long, default_value = "JWT check generated by cfjwt")]
    comment: String,
}

#[derive(Args, Debug)]
struct InitArgs {
    /// The setup to start from.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(init::SETUPS.iter().map(|s| s.name)))]
    setup: String,
    /// Where to write the policy; `-` for stdout.
    #[arg(short, long, value_name = "POLICY.json", default_value = "policy.json")]
    output: PathBuf,
    /// Replace the file if it exists.
    #[arg(long)]
    force: bool,
}

#[derive(Args, Debug)]
struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

#[derive(Args, Debug)]
struct ManArgs {
    /// A subcommand's own page (`cfjwt man gen` is cfjwt-gen(1)); without it, cfjwt(1).
    command: Option<String>,
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
        Command::Schema => run_schema(),
        Command::Deploy(a) => run_deploy(a),
        Command::Init(a) => run_init(a),
        Command::Completions(a) => run_completions(a),
        Command::Man(a) => run_man(a),
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
                    Some(s) if s.len() > 120 => {
                        let end = (0..=120).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
                        format!("`{}…`", &s[..end])
                    }
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
    let colour = !json && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    for ((path, event), result) in a.event.iter().zip(&events).zip(&results) {
        if json {
            writeln!(out, "{}", serde_json::to_string(result)?)?;
        } else {
            let table = describe(&path.display().to_string(), &event.json()["request"], result);
            out.write_all(table.render(colour).as_bytes())?;
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

/// What the function decided on one event, for people: a small table of label and value rows
/// under the event file's name.
#[derive(Debug, PartialEq)]
struct Verdict {
    event: String,
    /// `allow` (the request goes on), `deny` (a response), `redirect` (a 3xx response: a deny
    /// redirect, or the cookie hand-off) or `FAILED` (what CloudFront answers with a 503).
    verdict: &'static str,
    rows: Vec<(&'static str, String)>,
}

impl Verdict {
    /// The table as text; with `colour`, ANSI colours (verdict, event name, labels).
    fn render(&self, colour: bool) -> String {
        let paint = |code: &str, text: &str| if colour { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() };
        let verdict_colour = match self.verdict {
            "allow" => "1;32",
            "deny" => "1;33",
            "redirect" => "1;36",
            _ => "1;31",
        };
        let mut out = format!("{}  {}\n", paint(verdict_colour, &format!("{:<8}", self.verdict)), paint("1", &self.event));
        for (label, value) in &self.rows {
            out.push_str(&format!("  {}  {value}\n", paint("2", &format!("{label:<8}"))));
        }
        out
    }
}

/// Compares what the function returned with the request it was given.
fn describe(event: &str, before: &serde_json::Value, result: &runtime::TestResult) -> Verdict {
    use serde_json::Value;
    let mut rows = Vec::new();
    if result.failed() {
        rows.push(("error", result.function_error_message.clone()));
        rows.extend(result.function_execution_logs.iter().map(|l| ("log", l.clone())));
        return Verdict { event: event.to_string(), verdict: "FAILED", rows };
    }
    let output: Value = serde_json::from_str(&result.function_output).unwrap_or_default();
    let verdict = if let Some(response) = output.get("response") {
        let status = response.get("statusCode").map(|s| s.to_string()).unwrap_or_default();
        let description = response.get("statusDescription").and_then(Value::as_str).unwrap_or("");
        rows.push(("status", format!("{status} {description}").trim_end().to_string()));
        for (name, header) in entries(response.get("headers")) {
            rows.push(("header", format!("{name}: {}", shown_value(header))));
        }
        for (name, cookie) in entries(response.get("cookies")) {
            rows.push(("cookie", format!("sets {name}={}", shown_value(cookie))));
        }
        let is_redirect = response.get("statusCode").and_then(Value::as_u64).is_some_and(|s| (300..400).contains(&s));
        if is_redirect {
            "redirect"
        } else {
            "deny"
        }
    } else {
        let after = output.get("request").cloned().unwrap_or_default();
        rows.push(("status", "none: the request goes on to the origin".to_string()));
        let (uri_before, uri_after) = (&before["uri"], &after["uri"]);
        if uri_before != uri_after {
            rows.push(("uri", format!("{} → {}", text(uri_before), text(uri_after))));
        }
        if before["method"] != after["method"] {
            rows.push(("method", format!("{} → {}", text(&before["method"]), text(&after["method"]))));
        }
        for (label, key) in [("query", "querystring"), ("header", "headers"), ("cookie", "cookies")] {
            let old: Vec<_> = entries(before.get(key)).collect();
            let new: Vec<_> = entries(after.get(key)).collect();
            for (name, value) in &old {
                match new.iter().find(|(n, _)| n == name) {
                    None => rows.push((label, format!("removed {name}"))),
                    Some((_, v)) if v != value => rows.push((label, format!("changed {name} to {}", shown_value(v)))),
                    Some(_) => {}
                }
            }
            for (name, value) in &new {
                if !old.iter().any(|(n, _)| n == name) {
                    rows.push((label, format!("added {name}={}", shown_value(value))));
                }
            }
        }
        if rows.len() == 1 {
            rows.push(("changed", "nothing".to_string()));
        }
        "allow"
    };
    rows.push(("compute", format!("{}%", result.compute_utilization)));
    rows.extend(result.function_execution_logs.iter().map(|l| ("log", l.clone())));
    Verdict { event: event.to_string(), verdict, rows }
}

/// The members of an object of query parameters, headers or cookies, in order.
fn entries(v: Option<&serde_json::Value>) -> impl Iterator<Item = (&String, &serde_json::Value)> {
    v.and_then(serde_json::Value::as_object).into_iter().flatten()
}

fn text(v: &serde_json::Value) -> String {
    v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())
}

/// A `{value, multiValue, attributes}` entry as people read it: the values (long ones shortened,
/// such as tokens), then the cookie attributes.
fn shown_value(entry: &serde_json::Value) -> String {
    let short = |v: &serde_json::Value| {
        let s = text(v);
        if s.chars().count() > 40 {
            let head: String = s.chars().take(16).collect();
            let tail: String = s.chars().rev().take(8).collect::<Vec<_>>().into_iter().rev().collect();
            format!("{head}…{tail}")
        } else {
            s
        }
    };
    let one = |e: &serde_json::Value| {
        let mut s = short(&e["value"]);
        if let Some(attributes) = e.get("attributes").and_then(serde_json::Value::as_str) {
            s.push_str("; ");
            s.push_str(attributes);
        }
        s
    };
    match entry.get("multiValue").and_then(serde_json::Value::as_array) {
        Some(values) if values.len() > 1 => values.iter().map(one).collect::<Vec<_>>().join(", "),
        _ => one(entry),
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

fn run_schema() -> anyhow::Result<ExitCode> {
    std::io::stdout().write_all(schema::policy_schema_text().as_bytes()).context("cannot write to stdout")?;
    Ok(ExitCode::SUCCESS)
}

fn run_deploy(a: DeployArgs) -> anyhow::Result<ExitCode> {
    let shown = a.file.to_str().with_context(|| format!("{}: the file name is not UTF-8", a.file.display()))?;
    deploy::check_printable("the file name", shown).map_err(anyhow::Error::msg)?;
    deploy::check_name(&a.name).map_err(anyhow::Error::msg)?;
    deploy::check_printable("--comment", &a.comment).map_err(anyhow::Error::msg)?;
    let bytes = std::fs::read(&a.file).with_context(|| format!("{shown}: cannot read it"))?;
    let code = String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("{shown}: not UTF-8, which CloudFront requires of function code"))?;
    let marker = Runtime::from_marker(&code);
    let runtime = match (a.runtime, marker) {
        (Some(r), Some(m)) if r != m => {
            eprintln!("warning: {shown} says it is for {m}; deploying it as {r} (--runtime)");
            r
        }
        (Some(r), _) | (None, Some(r)) => r,
        (None, None) => bail!("{shown}: no runtime marker on the first line (`// cloudfront-js-2.0`); give --runtime"),
    };
    let store = match &a.kvs_arn {
        None => None,
        Some(arn) => {
            deploy::check_store_arn(arn).map_err(anyhow::Error::msg)?;
            if runtime == Runtime::Js1 {
                bail!("--kvs-arn: a KeyValueStore needs runtime cloudfront-js-2.0, and {shown} is for {runtime}");
            }
            if a.kvs_key.is_empty() || a.kvs_key.len() > 512 {
                bail!("--kvs-key: a KeyValueStore key name must be 1 to 512 bytes long");
            }
            deploy::check_printable("--kvs-key", &a.kvs_key).map_err(anyhow::Error::msg)?;
            deploy::check_printable("--secret-file", &a.secret_file).map_err(anyhow::Error::msg)?;
            // The function reads `NAME`, or `NAME:` + the token's kid; either appears as a string literal.
            let quoted = serde_json::to_string(&a.kvs_key)?;
            let prefix = a.kvs_key.rsplit_once(':').map(|(p, _)| serde_json::to_string(&format!("{p}:"))).transpose()?;
            if !code.contains(&quoted) && !prefix.is_some_and(|p| code.contains(&p)) {
                eprintln!(
                    "warning: {shown} does not mention the store key `{}`; give the policy's key.kvs with --kvs-key",
                    a.kvs_key
                );
            }
            Some(deploy::Store { arn: arn.clone(), key: a.kvs_key.clone(), secret_file: a.secret_file.clone() })
        }
    };
    if store.is_none() && code.contains("import") && (code.contains("\"cloudfront\"") || code.contains("'cloudfront'")) {
        eprintln!("warning: {shown} imports `cloudfront` (a KeyValueStore policy?); give --kvs-arn to associate the store");
    }
    let problems = check::check_bytes(code.as_bytes(), &check::Options { runtime: Some(runtime), max_bytes: crate::cloudfront::MAX_CODE_BYTES });
    if !problems.is_empty() {
        eprintln!(
            "warning: `cfjwt check` finds {} problem(s) in {shown} that CloudFront may refuse; the first: {}:{}: {}",
            problems.len(),
            problems[0].line,
            problems[0].column,
            problems[0].message
        );
    }
    let d = deploy::Deployment { file: shown.to_string(), code, name: a.name, runtime, comment: a.comment, store };
    std::io::stdout().write_all(deploy::snippet(&d, a.format).as_bytes()).context("cannot write to stdout")?;
    Ok(ExitCode::SUCCESS)
}

fn run_init(a: InitArgs) -> anyhow::Result<ExitCode> {
    let setup = init::find(&a.setup).with_context(|| format!("--setup: `{}` is not a setup", a.setup))?;
    if a.output.as_os_str() == "-" {
        std::io::stdout().write_all(setup.policy.as_bytes()).context("cannot write to stdout")?;
        eprint!("{}", setup.explanation("the policy"));
        return Ok(ExitCode::SUCCESS);
    }
    let out = &a.output;
    if !a.force && out.exists() {
        bail!("{}: the file exists; give --force to replace it", out.display());
    }
    output::write_atomically(out, setup.policy.as_bytes()).with_context(|| format!("{}: cannot write it", out.display()))?;
    eprint!("{}", setup.explanation(&out.display().to_string()));
    Ok(ExitCode::SUCCESS)
}

fn run_completions(a: CompletionsArgs) -> anyhow::Result<ExitCode> {
    use clap::CommandFactory as _;
    let mut cmd = Cli::command();
    clap_complete::generate(a.shell, &mut cmd, "cfjwt", &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}

fn run_man(a: ManArgs) -> anyhow::Result<ExitCode> {
    use clap::CommandFactory as _;
    let cmd = Cli::command();
    let page = match &a.command {
        None => cmd,
        Some(name) => {
            let sub = cmd
                .find_subcommand(name)
                .with_context(|| format!("`{name}` is not a cfjwt command"))?
                .clone();
            // clap takes names as `&'static str` (no `string` feature); the process ends right after.
            let title: &'static str = Box::leak(format!("cfjwt-{name}").into_boxed_str());
            sub.name(title).bin_name(format!("cfjwt {name}")).display_name(title)
        }
    };
    let mut text = Vec::new();
    clap_mangen::Man::new(page).render(&mut text).context("cannot render the man page")?;
    std::io::stdout().write_all(&text).context("cannot write to stdout")?;
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

    fn result(output: serde_json::Value) -> runtime::TestResult {
        runtime::TestResult {
            function_output: output.to_string(),
            function_error_message: String::new(),
            function_execution_logs: vec!["a log line".into()],
            compute_utilization: "7".into(),
        }
    }

    #[test]
    fn describe_lists_what_the_function_changed() {
        let before = serde_json::json!({
            "method": "GET", "uri": "/a",
            "querystring": {"jwt": {"value": "t"}, "lang": {"value": "en"}, "q": {"value": "1"}},
            "headers": {"host": {"value": "h"}},
            "cookies": {"id": {"value": "a", "multiValue": [{"value": "a"}, {"value": "b"}]}},
        });
        let mut after = before.clone();
        after["uri"] = "/b".into();
        after["querystring"].as_object_mut().unwrap().remove("jwt");
        after["querystring"]["q"] = serde_json::json!({"value": "2"});
        after["headers"]["x-user"] = serde_json::json!({"value": "u1"});
        let v = describe("e.json", &before, &result(serde_json::json!({ "request": after })));
        assert_eq!(v.verdict, "allow");
        let rows: Vec<String> = v.rows.iter().map(|(l, t)| format!("{l}: {t}")).collect();
        assert_eq!(
            rows,
            [
                "status: none: the request goes on to the origin",
                "uri: /a → /b",
                "query: removed jwt",
                "query: changed q to 2",
                "header: added x-user=u1",
                "compute: 7%",
                "log: a log line",
            ]
        );
        let unchanged = describe("e.json", &before, &result(serde_json::json!({ "request": before })));
        assert_eq!(unchanged.rows[1], ("changed", "nothing".to_string()));
    }

    #[test]
    fn describe_shows_responses_and_failures() {
        let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
        let response = serde_json::json!({"response": {
            "statusCode": 302, "statusDescription": "Found",
            "headers": {"location": {"value": "/a?lang=en"}},
            "cookies": {"token": {"value": token, "attributes": "Secure; HttpOnly"}},
        }});
        let v = describe("e.json", &serde_json::json!({}), &result(response));
        assert_eq!(v.verdict, "redirect");
        assert_eq!(v.rows[0], ("status", "302 Found".to_string()));
        assert_eq!(v.rows[1], ("header", "location: /a?lang=en".to_string()));
        assert_eq!(v.rows[2], ("cookie", "sets token=eyJhbGciOiJIUzI1…9ABCDEFG; Secure; HttpOnly".to_string()));
        let deny = describe("e.json", &serde_json::json!({}), &result(serde_json::json!({"response": {"statusCode": 401}})));
        assert_eq!(deny.verdict, "deny");
        let mut failed = result(serde_json::json!({}));
        failed.function_error_message = "boom".into();
        let v = describe("e.json", &serde_json::json!({}), &failed);
        assert_eq!(v.verdict, "FAILED");
        assert_eq!(v.render(false), "FAILED    e.json\n  error     boom\n  log       a log line\n");
        assert_eq!(
            v.render(true),
            "\x1b[1;31mFAILED  \x1b[0m  \x1b[1me.json\x1b[0m\n  \x1b[2merror   \x1b[0m  boom\n  \x1b[2mlog     \x1b[0m  a log line\n"
        );
    }

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}

