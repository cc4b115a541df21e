//! `cfjwt deploy`: prints what creates and publishes a function file in CloudFront with the
//! user's own tool (AWS CLI commands, a CloudFormation template, a Terraform configuration, a CDK
//! app), so the code never has to be copied by hand. Every snippet carries the code byte for byte
//! or reads it from the file: the AWS CLI reads the file itself (`fileb://`), CloudFormation gets
//! a YAML literal block (or a double-quoted string when the code has characters a block cannot
//! hold), Terraform a heredoc with `${` and `%{` escaped (or a quoted string) or, with
//! `--code file`, `file()`, and the CDK app `FunctionCode.fromFile`. With a KeyValueStore (an
//! existing one, or one the snippet declares) the snippet also says how to put the secret into
//! it, reading the secret from a file: cfjwt never sees the secret. A function that embeds its
//! key instead gets a warning in the snippet's comments: where the secret ends up with that tool,
//! and that the KeyValueStore setup keeps it out of the code. Each snippet also says how to run
//! the function on a cache behavior (the association to paste) or, with `--with-distribution`,
//! declares a minimal distribution that does.
//!
//! [`prepare`] holds the rules a deployment must meet (a function name CloudFront takes, a store
//! only with runtime 2.0, a key it can hold, nothing that breaks a snippet's lines, only what the
//! format can do) and the warnings worth giving (the code does not read the store key, loads
//! `cloudfront` with no store associated, or fails `cfjwt check`); one module per format builds
//! the text, on the quoting of `quote.rs`. The command line only reads the file.

mod aws_cli;
mod cdk;
mod cloudformation;
mod quote;
mod terraform;

use std::fmt::{self, Write as _};
use std::path::PathBuf;

pub use quote::{hcl_quote, shell_quote, ts_quote, yaml_quote};

use crate::check::{self, Facts, Problem};
use crate::cloudfront::{Runtime, MAX_CODE_BYTES, MAX_KVS_KEY_BYTES};

/// The tool the snippet is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `aws cloudfront create-function` / `update-function` / `publish-function` commands.
    AwsCli,
    /// A CloudFormation template (YAML) with an `AWS::CloudFront::Function`.
    Cloudformation,
    /// A Terraform configuration with an `aws_cloudfront_function` resource.
    Terraform,
    /// A CDK app (TypeScript, aws-cdk-lib v2) with a `cloudfront.Function`.
    Cdk,
}

impl Format {
    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::AwsCli => "aws-cli",
            Format::Cloudformation => "cloudformation",
            Format::Terraform => "terraform",
            Format::Cdk => "cdk",
        }
    }
}

/// How the snippet carries the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CodeMode {
    /// In the snippet itself, byte for byte (CloudFormation; Terraform's default).
    Inline,
    /// Read from the function file when the tool runs (the AWS CLI and CDK; Terraform with
    /// `file()`).
    File,
}

/// Where the KeyValueStore the function reads comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreSource {
    /// An existing store, by its ARN (`arn:aws:cloudfront::ACCOUNT:key-value-store/ID`).
    Arn(String),
    /// An existing store, by a Terraform expression for its ARN
    /// (`aws_cloudfront_key_value_store.NAME.arn`, `data.TYPE.NAME.arn`).
    Reference(String),
    /// A store the snippet declares, with this name.
    Create(String),
}

/// The KeyValueStore the function reads its secret from.
#[derive(Clone, Debug)]
pub struct Store {
    pub source: StoreSource,
    /// The key the function reads (the policy's `key.kvs`).
    pub key: String,
    /// The file holding the secret, as the printed command names it. cfjwt never reads it.
    pub secret_file: String,
}

/// What to deploy.
#[derive(Clone, Debug)]
pub struct Deployment {
    /// The function file as the user named it (the snippets that read the file read it there).
    pub file: String,
    /// Its contents.
    pub code: String,
    /// The CloudFront function's name.
    pub name: String,
    pub runtime: Runtime,
    pub comment: String,
    pub store: Option<Store>,
    /// Whether the snippet carries the code or reads the file (see [`CodeMode`]).
    pub code_mode: CodeMode,
    /// Whether the snippet also declares a minimal distribution that runs the function.
    pub with_distribution: bool,
}

/// What `cfjwt deploy` is asked for, as given.
#[derive(Clone, Debug)]
pub struct Request {
    /// The function file as the user named it.
    pub file: PathBuf,
    /// Its bytes.
    pub code: Vec<u8>,
    /// The CloudFront function's name.
    pub name: String,
    pub format: Format,
    /// How to carry the code; none for the format's own way (see [`CodeMode`]).
    pub code_mode: Option<CodeMode>,
    /// The runtime to deploy as; none for the file's marker comment.
    pub runtime: Option<Runtime>,
    /// An existing KeyValueStore to associate: its ARN, or a Terraform reference to one.
    pub kvs_arn: Option<String>,
    /// The name of a KeyValueStore the snippet declares and associates.
    pub kvs_create: Option<String>,
    /// The store key the function reads (unused without a store).
    pub kvs_key: String,
    /// The file holding the secret, as the put-key command names it (unused without a store).
    pub secret_file: String,
    pub comment: String,
    /// Also declare a minimal distribution that runs the function.
    pub with_distribution: bool,
}

/// A deployment that meets the rules, what to warn about it, and the snippet's format.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub deployment: Deployment,
    pub format: Format,
    /// In the order found; none for a clean function.
    pub warnings: Vec<Warning>,
    /// Whether the code holds its secret (see [`embeds_key`]): the snippet then says where it ends up.
    pub embeds_key: bool,
}

impl Prepared {
    /// The snippet to print.
    pub fn snippet(&self) -> String {
        render(&self.deployment, self.format, self.embeds_key)
    }
}

/// Whether a function's code embeds its secret, from its [`Facts`]: a generated function that
/// reads the KeyValueStore loads the `cloudfront` module, and one that embeds its key does not.
/// Code that is not parsed (`None`) is taken to embed one: the snippet then says too much rather
/// than too little.
pub fn embeds_key(facts: Option<&Facts>) -> bool {
    !facts.is_some_and(|f| f.modules.contains("cloudfront"))
}

/// Something that does not stop the deployment but probably is a mistake. `file` is the function
/// file's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Warning {
    /// `--runtime` differs from the runtime the file's marker names.
    RuntimeOverridden { file: String, marker: Runtime, runtime: Runtime },
    /// A store is associated but no string in the code names the key.
    KeyNotMentioned { file: String, key: String },
    /// The code loads the `cloudfront` module (the KeyValueStore's) and no store is associated.
    NoStore { file: String },
    /// `cfjwt check` finds problems (in file order; at least one).
    Check { file: String, problems: Vec<Problem> },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::RuntimeOverridden { file, marker, runtime } => {
                write!(f, "{file} says it is for {marker}; deploying it as {runtime} (--runtime)")
            }
            Warning::KeyNotMentioned { file, key } => {
                write!(f, "{file} does not mention the store key `{key}`; give the policy's key.kvs with --kvs-key")
            }
            Warning::NoStore { file } => {
                write!(
                    f,
                    "{file} imports `cloudfront` (a KeyValueStore policy?); give --kvs-arn (or --kvs-create) to associate the store"
                )
            }
            Warning::Check { file, problems } => {
                let first = &problems[0];
                write!(
                    f,
                    "`cfjwt check` finds {} problem(s) in {file} that CloudFront may refuse; the first: {}:{}: {}",
                    problems.len(),
                    first.line,
                    first.column,
                    first.message
                )
            }
        }
    }
}

/// Why a file cannot be deployed as asked. Messages name the flag or file at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeployError {
    #[error("{file}: the file name is not UTF-8")]
    FileNameNotUtf8 { file: String },
    #[error("{what}: control characters cannot be written into a deploy snippet")]
    Unprintable { what: &'static str },
    #[error(
        "{what}: a line or paragraph separator (U+2028, U+2029) cannot be written into a deploy snippet's command"
    )]
    LineSeparator { what: &'static str },
    #[error("--name: `{0}` is not a CloudFront function name (1 to 64 of A-Z a-z 0-9 - _)")]
    Name(String),
    #[error("{file}: not UTF-8, which CloudFront requires of function code")]
    CodeNotUtf8 { file: String },
    #[error("{file}: no runtime marker on the first line (`// cloudfront-js-2.0`); give --runtime")]
    NoRuntime { file: String },
    #[error("{}", code_mode_message(*.format, *.mode))]
    CodeMode { format: Format, mode: CodeMode },
    #[error("--with-distribution: the AWS CLI commands do not create a distribution (examples/walkthroughs/ does, step by step); use --format cloudformation, terraform or cdk")]
    DistributionAwsCli,
    #[error("--kvs-arn: `{0}` is not a KeyValueStore ARN (arn:aws:cloudfront::ACCOUNT:key-value-store/ID) or, with --format terraform, a reference to one (aws_cloudfront_key_value_store.NAME.arn)")]
    StoreArn(String),
    #[error("--kvs-arn: `{reference}` is a Terraform reference, which only --format terraform can use; give the store's ARN for {}", .format.name())]
    StoreReference { reference: String, format: Format },
    #[error("--kvs-create: `{0}` is not a KeyValueStore name (1 to 64 of A-Z a-z 0-9 - _)")]
    StoreName(String),
    #[error("--kvs-create: the AWS CLI commands do not create the store; create it with `aws cloudfront create-key-value-store --name NAME` and give its ARN to --kvs-arn")]
    StoreCreateAwsCli,
    #[error("--kvs-arn and --kvs-create: give one store, not both")]
    TwoStores,
    #[error("{what}: a KeyValueStore needs runtime {}, and {file} is for {runtime}", crate::cloudfront::Profile::runtimes_with(|p| p.key_value_store))]
    StoreRuntime { what: &'static str, file: String, runtime: Runtime },
    #[error("--kvs-key: a KeyValueStore key name must be 1 to {MAX_KVS_KEY_BYTES} bytes long")]
    StoreKeyLength,
}

fn code_mode_message(format: Format, mode: CodeMode) -> &'static str {
    match (format, mode) {
        (Format::Cloudformation, _) => {
            "--code file: a CloudFormation template cannot read a file, so it carries the code inline; for a file, use --format terraform or cdk"
        }
        (Format::AwsCli, _) => {
            "--code inline: the AWS CLI commands read the code from the file (fileb://); only cloudformation and terraform carry it inline"
        }
        _ => {
            "--code inline: the CDK app reads the code from the file (FunctionCode.fromFile); only cloudformation and terraform carry it inline"
        }
    }
}

/// Checks a request against the rules and finds what to warn about.
pub fn prepare(request: Request) -> Result<Prepared, DeployError> {
    let Request {
        file,
        code,
        name,
        format,
        code_mode,
        runtime,
        kvs_arn,
        kvs_create,
        kvs_key,
        secret_file,
        comment,
        with_distribution,
    } = request;
    let file = file
        .into_os_string()
        .into_string()
        .map_err(|f| DeployError::FileNameNotUtf8 { file: std::path::Path::new(&f).display().to_string() })?;
    check_printable("the file name", &file)?;
    check_name(&name)?;
    check_printable("--comment", &comment)?;
    let code_mode = code_mode_for(format, code_mode)?;
    if with_distribution && format == Format::AwsCli {
        return Err(DeployError::DistributionAwsCli);
    }
    let code = String::from_utf8(code).map_err(|_| DeployError::CodeNotUtf8 { file: file.clone() })?;
    let mut warnings = Vec::new();
    let runtime = match (runtime, Runtime::from_marker(&code)) {
        (Some(r), Some(m)) if r != m => {
            warnings.push(Warning::RuntimeOverridden { file: file.clone(), marker: m, runtime: r });
            r
        }
        (Some(r), _) | (None, Some(r)) => r,
        (None, None) => return Err(DeployError::NoRuntime { file }),
    };
    // `None` when the code does not parse: the check below says so, and no other guess is made.
    let facts = check::facts(&code);
    let source = store_source(format, kvs_arn, kvs_create)?;
    let store = match source {
        None => None,
        Some(source) => {
            if !runtime.profile().key_value_store {
                let what = if matches!(source, StoreSource::Create(_)) { "--kvs-create" } else { "--kvs-arn" };
                return Err(DeployError::StoreRuntime { what, file, runtime });
            }
            if !crate::policy::rules::is_store_key(&kvs_key) {
                return Err(DeployError::StoreKeyLength);
            }
            check_one_line("--kvs-key", &kvs_key)?;
            check_one_line("--secret-file", &secret_file)?;
            if facts.as_ref().is_some_and(|f| !reads_key(f, &kvs_key)) {
                warnings.push(Warning::KeyNotMentioned { file: file.clone(), key: kvs_key.clone() });
            }
            Some(Store { source, key: kvs_key, secret_file })
        }
    };
    if store.is_none() && facts.as_ref().is_some_and(|f| f.modules.contains("cloudfront")) {
        warnings.push(Warning::NoStore { file: file.clone() });
    }
    let problems =
        check::check_bytes(code.as_bytes(), &check::Options { runtime: Some(runtime), max_bytes: MAX_CODE_BYTES });
    if !problems.is_empty() {
        warnings.push(Warning::Check { file: file.clone(), problems });
    }
    let embeds_key = embeds_key(facts.as_ref());
    let deployment = Deployment { file, code, name, runtime, comment, store, code_mode, with_distribution };
    Ok(Prepared { deployment, format, warnings, embeds_key })
}

/// How `format` carries the code when asked for `mode` (none: its own way): the AWS CLI and CDK
/// read the file, CloudFormation carries it, Terraform does either (inline unless asked).
fn code_mode_for(format: Format, mode: Option<CodeMode>) -> Result<CodeMode, DeployError> {
    let mode = match (format, mode) {
        (Format::AwsCli | Format::Cdk, None | Some(CodeMode::File)) => CodeMode::File,
        (Format::Cloudformation, None | Some(CodeMode::Inline)) => CodeMode::Inline,
        (Format::Terraform, mode) => mode.unwrap_or(CodeMode::Inline),
        (format, Some(mode)) => return Err(DeployError::CodeMode { format, mode }),
    };
    Ok(mode)
}

/// The store from `--kvs-arn` (an ARN, or for Terraform a reference) or `--kvs-create` (a name).
fn store_source(
    format: Format,
    kvs_arn: Option<String>,
    kvs_create: Option<String>,
) -> Result<Option<StoreSource>, DeployError> {
    match (kvs_arn, kvs_create) {
        (None, None) => Ok(None),
        (Some(_), Some(_)) => Err(DeployError::TwoStores),
        (Some(arn), None) if is_terraform_reference(&arn) => {
            if format == Format::Terraform {
                Ok(Some(StoreSource::Reference(arn)))
            } else {
                Err(DeployError::StoreReference { reference: arn, format })
            }
        }
        (Some(arn), None) => {
            check_store_arn(&arn)?;
            Ok(Some(StoreSource::Arn(arn)))
        }
        (None, Some(name)) => {
            if !is_cloudfront_name(&name) {
                return Err(DeployError::StoreName(name));
            }
            if format == Format::AwsCli {
                return Err(DeployError::StoreCreateAwsCli);
            }
            Ok(Some(StoreSource::Create(name)))
        }
    }
}

/// Whether the code can read the store key `key`: a generated function reads `NAME`, or
/// `NAME:` + the token's kid, so either the key itself or, for a key `NAME:KID`, the string
/// `NAME:` is one of its string literals.
fn reads_key(facts: &Facts, key: &str) -> bool {
    let prefix = key.rsplit_once(':').map(|(p, _)| format!("{p}:"));
    facts.strings.contains(key) || prefix.is_some_and(|p| facts.strings.contains(&p))
}

/// 1 to 64 of `A-Z a-z 0-9 - _`: what CloudFront takes as the name of a function, and of a
/// KeyValueStore.
fn is_cloudfront_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Checks a CloudFront function name: 1 to 64 of `A-Z a-z 0-9 - _`.
pub fn check_name(name: &str) -> Result<(), DeployError> {
    if is_cloudfront_name(name) {
        Ok(())
    } else {
        Err(DeployError::Name(name.to_string()))
    }
}

/// Checks a KeyValueStore ARN's shape.
pub fn check_store_arn(arn: &str) -> Result<(), DeployError> {
    let ok = arn.starts_with("arn:")
        && arn.contains(":key-value-store/")
        && !arn.chars().any(|c| c.is_control() || c.is_whitespace());
    if ok {
        Ok(())
    } else {
        Err(DeployError::StoreArn(arn.to_string()))
    }
}

/// Whether `text` is a Terraform expression for a store's ARN: `TYPE.NAME.arn` (a resource, or
/// `module.NAME.arn`, a module's output) or `data.TYPE.NAME.arn` (a data source), where TYPE is
/// lower case letters, digits and `_`, and NAME a Terraform identifier. Nothing else is written
/// into the configuration as an expression.
pub fn is_terraform_reference(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    let (kind, name) = match parts.as_slice() {
        ["data", kind, name, "arn"] | [kind, name, "arn"] if *kind != "data" => (*kind, *name),
        _ => return false,
    };
    let kind_ok = kind.starts_with(|c: char| c.is_ascii_lowercase())
        && kind.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    let name_ok = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    kind_ok && name_ok
}

/// Checks text that goes into the snippet's comment lines and commands (file names, the store
/// key): no control characters, so no line of the snippet can be broken.
pub fn check_printable(what: &'static str, text: &str) -> Result<(), DeployError> {
    if text.chars().any(char::is_control) {
        Err(DeployError::Unprintable { what })
    } else {
        Ok(())
    }
}

/// Checks text that goes into the commands a snippet prints (the store key, the secret file): no
/// control characters, and no Unicode line or paragraph separator, which YAML 1.1 reads as a line
/// break (and JavaScript as a line terminator): in a CloudFormation template or a CDK app the
/// command is a comment line, which it would end.
pub fn check_one_line(what: &'static str, text: &str) -> Result<(), DeployError> {
    check_printable(what, text)?;
    if text.contains(['\u{2028}', '\u{2029}']) {
        return Err(DeployError::LineSeparator { what });
    }
    Ok(())
}

/// The snippet for `format`; whether the code embeds its secret is read from the code.
pub fn snippet(d: &Deployment, format: Format) -> String {
    render(d, format, embeds_key(check::facts(&d.code).as_ref()))
}

fn render(d: &Deployment, format: Format, embeds_key: bool) -> String {
    match format {
        Format::AwsCli => aws_cli::render(d, embeds_key),
        Format::Cloudformation => cloudformation::render(d, embeds_key),
        Format::Terraform => terraform::render(d, embeds_key),
        Format::Cdk => cdk::render(d, embeds_key),
    }
}

/// Where a secret embedded in the code ends up once the snippet has run, and what to do instead:
/// comment lines, without their comment marks.
fn embedded_secret_lines(format: Format) -> Vec<&'static str> {
    let mut lines = vec![
        "WARNING: this function embeds its secret (it reads no KeyValueStore). Once deployed, the code,",
        "secret included, is readable by anyone allowed cloudfront:GetFunction on the account.",
    ];
    match format {
        Format::AwsCli => {
            lines.push("The function file holds the secret too: delete it once deployed.");
        }
        Format::Cloudformation => lines.extend([
            "CloudFormation keeps it as well: in this template and every earlier version of it, in the",
            "stack's template (GetTemplate), its change sets, and the S3 bucket a template is uploaded to.",
        ]),
        Format::Terraform => lines.extend([
            "Terraform keeps it as well: in its state (terraform.tfstate, locally or in the state",
            "backend) and in saved plan files.",
        ]),
        Format::Cdk => lines.extend([
            "CDK and CloudFormation keep it as well: in the synthesized template (cdk.out/), the stack's",
            "template (GetTemplate), its change sets, and the bootstrap bucket templates are uploaded to.",
        ]),
    }
    lines.extend([
        "Generate the function where it is deployed, from your CI's secret store, and never commit it.",
        "Better: the KeyValueStore setup (`\"key\": {\"kvs\": NAME}` in the policy, `cfjwt init --setup",
        "kvs-rotation`) keeps the secret out of the code, and rotates it without a redeploy.",
    ]);
    lines
}

/// The embedded-secret warning as comment lines (each starting with `mark`), after a line that
/// separates it.
fn embedded_secret_comment(format: Format, embeds_key: bool, mark: &str) -> String {
    if !embeds_key {
        return String::new();
    }
    let mut out = format!("{mark}\n");
    for line in embedded_secret_lines(format) {
        writeln!(out, "{mark} {line}").unwrap();
    }
    out
}

fn heading(d: &Deployment, prefix: &str) -> String {
    format!(
        "{prefix} cfjwt deploy: {} as the CloudFront function {} ({}, {} bytes).\n",
        d.file,
        d.name,
        d.runtime,
        d.code.len()
    )
}

/// How to put the secret into the store: comment lines (each starting with `mark`), the
/// commands indented under them. `arn_lookup` is the command that prints the store's ARN when the
/// snippet does not know it (a store it declares, or a Terraform reference): the commands then
/// read it into `KVS_ARN` first.
fn put_key_comment(s: &Store, mark: &str, arn_lookup: Option<&str>) -> String {
    let mut out = format!("{mark}\n");
    for line in put_key_explanation(s) {
        writeln!(out, "{mark} {line}").unwrap();
    }
    for line in put_key_lines(s, arn_lookup) {
        writeln!(out, "{mark}   {line}").unwrap();
    }
    out
}

/// The commands that put the secret into the store, as shell lines (without comment marks); see
/// [`put_key_comment`] for `arn_lookup`.
fn put_key_lines(s: &Store, arn_lookup: Option<&str>) -> Vec<String> {
    let mut lines = Vec::new();
    let arn = match (&s.source, arn_lookup) {
        (StoreSource::Arn(arn), _) => shell_quote(arn),
        (_, lookup) => {
            lines.push(format!("KVS_ARN=\"$({})\"", lookup.expect("a store the snippet names has a lookup")));
            "\"$KVS_ARN\"".to_string()
        }
    };
    lines.extend([
        format!("aws cloudfront-keyvaluestore put-key --kvs-arn {arn} \\"),
        format!("  --key {} \\", shell_quote(&s.key)),
        format!("  --value {} \\", shell_quote(&format!("file://{}", s.secret_file))),
        format!(
            "  --if-match \"$(aws cloudfront-keyvaluestore describe-key-value-store --kvs-arn {arn} --query ETag --output text)\""
        ),
    ]);
    lines
}

fn put_key_explanation(s: &Store) -> [String; 3] {
    let when = match s.source {
        StoreSource::Arn(_) => "the store must exist before the function.",
        StoreSource::Reference(_) | StoreSource::Create(_) => {
            "run this once the store exists: until the key is there, the function denies every request."
        }
    };
    [
        format!(
            "The secret goes into the KeyValueStore under `{}` (--kvs-key; `{}:KID` for a token with a `kid`): the name the policy's key.kvs gives. `cfjwt kvs put-secret --config POLICY.json` reads that name from the policy itself.",
            s.key, s.key
        ),
        format!(
            "The AWS CLI reads the value from {} (`file://`: the secret is never on a command line; its text, in the policy's key.encoding, one final line break ignored; cfjwt never reads it):",
            s.secret_file
        ),
        format!("(`aws cloudfront-keyvaluestore` needs AWS CLI v2; {when})"),
    ]
}

/// The comment a minimal distribution's cache policy carries in CloudFront.
const CACHE_POLICY_COMMENT: &str =
    "No query string, cookie or header in the cache key: the token never splits the cache";

/// Why a minimal distribution's cache policy keeps the whole request out of the cache key: the
/// comment lines above it, without their comment marks.
const CACHE_POLICY_LINES: [&str; 3] = [
    "The cache key holds no query string, cookie or header: the token, wherever it comes from, never",
    "splits the cache, and every viewer shares one entry per object. (The function sees the whole",
    "request all the same: a cache policy only says what the cache key and the origin get.)",
];

/// An identifier in PascalCase from a CloudFront name (`A-Z a-z 0-9 - _`): `jwt-check` →
/// `JwtCheck`; `_` → ``.
fn pascal(name: &str) -> String {
    let mut id = String::new();
    for part in name.split(['-', '_']).filter(|p| !p.is_empty()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            id.push(first.to_ascii_uppercase());
            id.extend(chars);
        }
    }
    id
}

/// A CloudFormation logical id (alphanumeric) from a name and what it names:
/// (`jwt-check`, `Function`) → `JwtCheckFunction`.
fn logical_id(name: &str, what: &str) -> String {
    format!("{}{what}", pascal(name))
}

/// A Terraform resource name from a CloudFront name: `jwt-check` → `jwt_check`.
fn terraform_label(name: &str) -> String {
    let label = name.replace('-', "_");
    if label.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        label
    } else {
        format!("f_{label}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(check_name("jwt-check_2").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("a b").is_err());
        assert!(check_name(&"a".repeat(65)).is_err());
        assert_eq!(logical_id("jwt-check", "Function"), "JwtCheckFunction");
        assert_eq!(logical_id("_", "Function"), "Function");
        assert_eq!(logical_id("jwt_keys", "Store"), "JwtKeysStore");
        assert_eq!(terraform_label("jwt-check"), "jwt_check");
        assert_eq!(terraform_label("1st"), "f_1st");
    }

    fn request(code: &str) -> Request {
        Request {
            file: "f.js".into(),
            code: code.as_bytes().to_vec(),
            name: "jwt-check".into(),
            format: Format::AwsCli,
            code_mode: None,
            runtime: None,
            kvs_arn: None,
            kvs_create: None,
            kvs_key: "jwt.secret".into(),
            secret_file: "jwt.key".into(),
            comment: "c".into(),
            with_distribution: false,
        }
    }

    const ARN: &str = "arn:aws:cloudfront::123456789012:key-value-store/abc";
    const STORE_CODE: &str = "// cloudfront-js-2.0\nimport cf from 'cloudfront';\n\
        async function handler(e) { const k = e.kid ? 'jwt.secret:' + e.kid : 'jwt.secret'; \
        await cf.kvs().get(k); return e.request; }\n";

    #[test]
    fn prepare_follows_the_rules() {
        let clean = prepare(request("// cloudfront-js-2.0\nfunction handler(e) { return e.request; }\n")).unwrap();
        assert_eq!(clean.warnings, []);
        assert_eq!(clean.deployment.runtime, Runtime::Js2);
        assert!(clean.deployment.store.is_none());
        let bare = request("function handler(e) { return e.request; }\n");
        assert_eq!(prepare(bare.clone()).unwrap_err(), DeployError::NoRuntime { file: "f.js".into() });
        let given = prepare(Request { runtime: Some(Runtime::Js1), ..bare }).unwrap();
        assert_eq!(given.deployment.runtime, Runtime::Js1);
        let js1 = request("// cloudfront-js-1.0\nfunction handler(e) { return e.request; }\n");
        let err = prepare(Request { kvs_arn: Some(ARN.into()), ..js1.clone() }).unwrap_err();
        assert!(matches!(err, DeployError::StoreRuntime { what: "--kvs-arn", .. }), "{err}");
        let created = Request { kvs_create: Some("keys".into()), format: Format::Cdk, ..js1 };
        let err = prepare(created).unwrap_err();
        assert!(err.to_string().starts_with("--kvs-create: a KeyValueStore needs runtime"), "{err}");
        let long =
            Request { kvs_arn: Some(ARN.into()), kvs_key: "k".repeat(MAX_KVS_KEY_BYTES + 1), ..request(STORE_CODE) };
        assert_eq!(prepare(long).unwrap_err(), DeployError::StoreKeyLength);
        let latin1 = Request { code: b"// cloudfront-js-2.0\n\xe9\n".to_vec(), ..request("") };
        assert_eq!(prepare(latin1).unwrap_err(), DeployError::CodeNotUtf8 { file: "f.js".into() });
        let err = prepare(Request { comment: "a\nb".into(), ..request(STORE_CODE) }).unwrap_err();
        assert_eq!(err.to_string(), "--comment: control characters cannot be written into a deploy snippet");
    }

    #[test]
    fn each_format_carries_the_code_its_own_way() {
        let mode = |format, mode| code_mode_for(format, mode);
        assert_eq!(mode(Format::AwsCli, None), Ok(CodeMode::File));
        assert_eq!(mode(Format::Cdk, Some(CodeMode::File)), Ok(CodeMode::File));
        assert_eq!(mode(Format::Cloudformation, None), Ok(CodeMode::Inline));
        assert_eq!(mode(Format::Terraform, None), Ok(CodeMode::Inline));
        assert_eq!(mode(Format::Terraform, Some(CodeMode::File)), Ok(CodeMode::File));
        for (format, asked, says) in [
            (Format::AwsCli, CodeMode::Inline, "fileb://"),
            (Format::Cdk, CodeMode::Inline, "FunctionCode.fromFile"),
            (Format::Cloudformation, CodeMode::File, "cannot read a file"),
        ] {
            let err = mode(format, Some(asked)).unwrap_err();
            assert!(err.to_string().contains(says), "{err}");
        }
        let err = prepare(Request { with_distribution: true, ..request(STORE_CODE) }).unwrap_err();
        assert_eq!(err, DeployError::DistributionAwsCli);
    }

    #[test]
    fn stores_by_arn_reference_or_name() {
        let source = |format, arn: Option<&str>, create: Option<&str>| {
            store_source(format, arn.map(String::from), create.map(String::from))
        };
        let reference = "aws_cloudfront_key_value_store.keys.arn";
        assert_eq!(
            source(Format::Terraform, Some(reference), None),
            Ok(Some(StoreSource::Reference(reference.into())))
        );
        assert_eq!(source(Format::Terraform, Some(ARN), None), Ok(Some(StoreSource::Arn(ARN.into()))));
        let err = source(Format::Cloudformation, Some(reference), None).unwrap_err();
        assert!(err.to_string().contains("only --format terraform"), "{err}");
        assert_eq!(source(Format::Cdk, None, Some("jwt-keys")), Ok(Some(StoreSource::Create("jwt-keys".into()))));
        assert_eq!(source(Format::Cdk, None, Some("a b")), Err(DeployError::StoreName("a b".into())));
        assert_eq!(source(Format::AwsCli, None, Some("k")), Err(DeployError::StoreCreateAwsCli));
        assert_eq!(source(Format::Terraform, Some(ARN), Some("k")), Err(DeployError::TwoStores));
        assert_eq!(source(Format::Terraform, None, None), Ok(None));
    }

    #[test]
    fn terraform_references() {
        for good in [
            "aws_cloudfront_key_value_store.keys.arn",
            "aws_cloudfront_key_value_store.jwt-keys_2.arn",
            "data.aws_cloudfront_key_value_store.shared.arn",
            "module.store.arn",
        ] {
            assert!(is_terraform_reference(good), "{good}");
        }
        for bad in [
            ARN,
            "aws_cloudfront_key_value_store.keys.id",
            "aws_cloudfront_key_value_store.keys",
            "var.kvs_arn",
            "data.aws_cloudfront_key_value_store.arn",
            "data.data.x.arn.arn",
            "Aws_x.keys.arn",
            "aws_x.1keys.arn",
            "aws_x.keys[0].arn",
            "aws_x.${y}.arn",
            "aws_x.keys.arn\n",
        ] {
            assert!(!is_terraform_reference(bad), "{bad}");
        }
    }

    #[test]
    fn prepare_warns_from_the_syntax_tree() {
        let no_store = prepare(request(STORE_CODE)).unwrap();
        assert_eq!(no_store.warnings, [Warning::NoStore { file: "f.js".into() }]);
        let with_store = |key: &str| {
            let r = Request { kvs_arn: Some(ARN.into()), kvs_key: key.into(), ..request(STORE_CODE) };
            prepare(r).unwrap().warnings
        };
        assert_eq!(with_store("jwt.secret"), []);
        assert_eq!(with_store("jwt.secret:2026-11"), []);
        assert_eq!(with_store("other"), [Warning::KeyNotMentioned { file: "f.js".into(), key: "other".into() }]);
        // Words in comments are not code: neither `import` nor the key counts there.
        let commented = "// cloudfront-js-2.0\n// import cf from 'cloudfront'; \"jwt.secret\"\n\
                         function handler(e) { return e.request; }\n";
        assert_eq!(prepare(request(commented)).unwrap().warnings, []);
        let r = Request { kvs_arn: Some(ARN.into()), ..request(commented) };
        assert_eq!(prepare(r).unwrap().warnings.len(), 1);
        let overridden = prepare(Request { runtime: Some(Runtime::Js1), ..request(STORE_CODE) }).unwrap();
        assert!(matches!(
            overridden.warnings[0],
            Warning::RuntimeOverridden { marker: Runtime::Js2, runtime: Runtime::Js1, .. }
        ));
        assert!(matches!(overridden.warnings.last(), Some(Warning::Check { .. })), "{:?}", overridden.warnings);
    }

    #[test]
    fn arns() {
        assert!(check_store_arn("arn:aws:cloudfront::123456789012:key-value-store/abc").is_ok());
        assert!(check_store_arn("arn:aws:s3:::bucket").is_err());
        assert!(check_store_arn("arn:aws:cloudfront::1:key-value-store/a b").is_err());
    }

    #[test]
    fn an_embedded_secret_is_named_in_every_format() {
        let embedded = prepare(request("// cloudfront-js-2.0\nfunction handler(e) { return e.request; }\n")).unwrap();
        assert!(embedded.embeds_key);
        let store = prepare(Request { kvs_arn: Some(ARN.into()), ..request(STORE_CODE) }).unwrap();
        assert!(!store.embeds_key);
        for format in [Format::AwsCli, Format::Cloudformation, Format::Terraform, Format::Cdk] {
            let says = render(&embedded.deployment, format, true);
            let mark = if format == Format::Cdk { "//" } else { "#" };
            assert!(says.contains(&format!("{mark} WARNING: this function embeds its secret")), "{says}");
            assert!(says.contains("cloudfront:GetFunction") && says.contains("KeyValueStore setup"), "{says}");
            assert!(!render(&store.deployment, format, false).contains("WARNING"));
        }
        assert!(render(&embedded.deployment, Format::Cloudformation, true).contains("change sets"));
        assert!(render(&embedded.deployment, Format::Terraform, true).contains("terraform.tfstate"));
        assert!(render(&embedded.deployment, Format::Cdk, true).contains("cdk.out/"));
        // Code that is not parsed is taken to embed a key.
        assert!(embeds_key(None));
    }

    #[test]
    fn commands_hold_no_line_break_but_their_own() {
        assert_eq!(check_one_line("--kvs-key", "a\u{2028}b"), Err(DeployError::LineSeparator { what: "--kvs-key" }));
        assert_eq!(check_one_line("--kvs-key", "a\u{85}b"), Err(DeployError::Unprintable { what: "--kvs-key" }));
        assert_eq!(check_one_line("--kvs-key", "jwt.secret:é"), Ok(()));
    }

    #[test]
    fn a_store_the_snippet_names_is_looked_up_first() {
        let store = |source| Store { source, key: "jwt.secret".into(), secret_file: "k".into() };
        let by_arn = put_key_lines(&store(StoreSource::Arn(ARN.into())), None);
        assert!(by_arn[0].starts_with(&format!("aws cloudfront-keyvaluestore put-key --kvs-arn {ARN} ")));
        let created = put_key_lines(&store(StoreSource::Create("keys".into())), Some("terraform output -raw x"));
        assert_eq!(created[0], "KVS_ARN=\"$(terraform output -raw x)\"");
        assert!(created[1].contains("--kvs-arn \"$KVS_ARN\" ") && created[4].contains("--kvs-arn \"$KVS_ARN\" "));
        assert!(put_key_explanation(&store(StoreSource::Create("keys".into())))[2].contains("denies every request"));
    }
}
