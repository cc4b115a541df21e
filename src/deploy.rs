//! `cfjwt deploy`: prints what creates and publishes a function file in CloudFront with the
//! user's own tool (AWS CLI commands, a CloudFormation template, a Terraform resource), so the code
//! never has to be copied by hand. Every snippet carries the code byte for byte: the AWS CLI reads
//! the file itself (`fileb://`), CloudFormation gets a YAML literal block (or a double-quoted
//! string when the code has characters a block cannot hold), Terraform a heredoc with `${` and
//! `%{` escaped (or a quoted string). With a KeyValueStore, the snippet also says how to put the
//! secret into it, reading the secret from a file: cfjwt never sees the secret. A function that
//! embeds its key instead gets a warning in the snippet's comments: where the secret ends up with
//! that tool, and that the KeyValueStore setup keeps it out of the code.
//!
//! [`prepare`] holds the rules a deployment must meet (a function name CloudFront takes, a store
//! only with runtime 2.0, a key it can hold, nothing that breaks a snippet's lines) and the
//! warnings worth giving (the code does not read the store key, loads `cloudfront` with no store
//! associated, or fails `cfjwt check`); the rest is text building. The command line only reads the
//! file.

use std::fmt::{self, Write as _};
use std::path::PathBuf;

use crate::check::{self, Facts, Problem};
use crate::cloudfront::{Runtime, MAX_CODE_BYTES, MAX_KVS_KEY_BYTES};

/// The tool the snippet is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `aws cloudfront create-function` / `update-function` / `publish-function` commands.
    AwsCli,
    /// A CloudFormation template (YAML) with an `AWS::CloudFront::Function`.
    Cloudformation,
    /// A Terraform `aws_cloudfront_function` resource.
    Terraform,
}

/// The KeyValueStore the function reads its secret from.
#[derive(Clone, Debug)]
pub struct Store {
    /// The store's ARN (`arn:aws:cloudfront::ACCOUNT:key-value-store/ID`).
    pub arn: String,
    /// The key the function reads (the policy's `key.kvs`).
    pub key: String,
    /// The file holding the secret, as the printed command names it. cfjwt never reads it.
    pub secret_file: String,
}

/// What to deploy.
#[derive(Clone, Debug)]
pub struct Deployment {
    /// The function file as the user named it (the AWS CLI commands read it from there).
    pub file: String,
    /// Its contents.
    pub code: String,
    /// The CloudFront function's name.
    pub name: String,
    pub runtime: Runtime,
    pub comment: String,
    pub store: Option<Store>,
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
    /// The runtime to deploy as; none for the file's marker comment.
    pub runtime: Option<Runtime>,
    /// The KeyValueStore to associate; none for no store (then `kvs_key` and `secret_file` are unused).
    pub kvs_arn: Option<String>,
    /// The store key the function reads.
    pub kvs_key: String,
    /// The file holding the secret, as the put-key command names it.
    pub secret_file: String,
    pub comment: String,
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
                    "{file} imports `cloudfront` (a KeyValueStore policy?); give --kvs-arn to associate the store"
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
    #[error("--kvs-arn: `{0}` is not a KeyValueStore ARN (arn:aws:cloudfront::ACCOUNT:key-value-store/ID)")]
    StoreArn(String),
    #[error("--kvs-arn: a KeyValueStore needs runtime {}, and {file} is for {runtime}", crate::cloudfront::Profile::runtimes_with(|p| p.key_value_store))]
    StoreRuntime { file: String, runtime: Runtime },
    #[error("--kvs-key: a KeyValueStore key name must be 1 to {MAX_KVS_KEY_BYTES} bytes long")]
    StoreKeyLength,
}

/// Checks a request against the rules and finds what to warn about.
pub fn prepare(request: Request) -> Result<Prepared, DeployError> {
    let Request { file, code, name, format, runtime, kvs_arn, kvs_key, secret_file, comment } = request;
    let file = file
        .into_os_string()
        .into_string()
        .map_err(|f| DeployError::FileNameNotUtf8 { file: std::path::Path::new(&f).display().to_string() })?;
    check_printable("the file name", &file)?;
    check_name(&name)?;
    check_printable("--comment", &comment)?;
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
    let store = match kvs_arn {
        None => None,
        Some(arn) => {
            check_store_arn(&arn)?;
            if !runtime.profile().key_value_store {
                return Err(DeployError::StoreRuntime { file, runtime });
            }
            if !crate::policy::rules::is_store_key(&kvs_key) {
                return Err(DeployError::StoreKeyLength);
            }
            check_one_line("--kvs-key", &kvs_key)?;
            check_one_line("--secret-file", &secret_file)?;
            if facts.as_ref().is_some_and(|f| !reads_key(f, &kvs_key)) {
                warnings.push(Warning::KeyNotMentioned { file: file.clone(), key: kvs_key.clone() });
            }
            Some(Store { arn, key: kvs_key, secret_file })
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
    let deployment = Deployment { file, code, name, runtime, comment, store };
    Ok(Prepared { deployment, format, warnings, embeds_key })
}

/// Whether the code can read the store key `key`: a generated function reads `NAME`, or
/// `NAME:` + the token's kid, so either the key itself or, for a key `NAME:KID`, the string
/// `NAME:` is one of its string literals.
fn reads_key(facts: &Facts, key: &str) -> bool {
    let prefix = key.rsplit_once(':').map(|(p, _)| format!("{p}:"));
    facts.strings.contains(key) || prefix.is_some_and(|p| facts.strings.contains(&p))
}

/// Checks a CloudFront function name: 1 to 64 of `A-Z a-z 0-9 - _`.
pub fn check_name(name: &str) -> Result<(), DeployError> {
    let ok = (1..=64).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
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
/// break: in a CloudFormation template the command is a comment line, which it would end.
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
        Format::AwsCli => aws_cli(d, embeds_key),
        Format::Cloudformation => cloudformation(d, embeds_key),
        Format::Terraform => terraform(d, embeds_key),
    }
}

/// Where a secret embedded in the code ends up once the snippet has run, and what to do instead:
/// comment lines, without their `#`.
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
    }
    lines.extend([
        "Generate the function where it is deployed, from your CI's secret store, and never commit it.",
        "Better: the KeyValueStore setup (`\"key\": {\"kvs\": NAME}` in the policy, `cfjwt init --setup",
        "kvs-rotation`) keeps the secret out of the code, and rotates it without a redeploy.",
    ]);
    lines
}

/// The embedded-secret warning as comment lines, after a `#` line that separates it.
fn embedded_secret_comment(format: Format, embeds_key: bool) -> String {
    if !embeds_key {
        return String::new();
    }
    let mut out = String::from("#\n");
    for line in embedded_secret_lines(format) {
        writeln!(out, "# {line}").unwrap();
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

/// The commands that put the secret into the store, as shell lines (without comment marks).
fn put_key_lines(s: &Store) -> Vec<String> {
    let arn = shell_quote(&s.arn);
    vec![
        format!("aws cloudfront-keyvaluestore put-key --kvs-arn {arn} \\"),
        format!("  --key {} \\", shell_quote(&s.key)),
        format!("  --value \"$(cat {})\" \\", shell_quote(&s.secret_file)),
        format!(
            "  --if-match \"$(aws cloudfront-keyvaluestore describe-key-value-store --kvs-arn {arn} --query ETag --output text)\""
        ),
    ]
}

fn put_key_explanation(s: &Store) -> [String; 3] {
    [
        format!(
            "The function reads its secret from the KeyValueStore under `{}` (a token with a `kid` reads `{}:KID`).",
            s.key, s.key
        ),
        format!(
            "Put it there from {} (its text, less the final line break, is the secret; cfjwt never reads it):",
            s.secret_file
        ),
        "(`aws cloudfront-keyvaluestore` needs AWS CLI v2; the store must exist before the function.)".to_string(),
    ]
}

fn aws_cli(d: &Deployment, embeds_key: bool) -> String {
    let mut out = heading(d, "#");
    out.push_str("# The AWS CLI reads the code from the file itself (fileb://), byte for byte.\n");
    out.push_str(&embedded_secret_comment(Format::AwsCli, embeds_key));
    let name = shell_quote(&d.name);
    let code = shell_quote(&format!("fileb://{}", d.file));
    let etag = format!("\"$(aws cloudfront describe-function --name {name} --query ETag --output text)\"");
    let mut config = serde_json::Map::new();
    config.insert("Comment".into(), d.comment.clone().into());
    config.insert("Runtime".into(), d.runtime.name().into());
    if let Some(s) = &d.store {
        config.insert(
            "KeyValueStoreAssociations".into(),
            serde_json::json!({ "Quantity": 1, "Items": [{ "KeyValueStoreARN": s.arn }] }),
        );
    }
    let config = shell_quote(&serde_json::Value::Object(config).to_string());
    if let Some(s) = &d.store {
        out.push('\n');
        for line in put_key_explanation(s) {
            writeln!(out, "# {line}").unwrap();
        }
        for line in put_key_lines(s) {
            writeln!(out, "{line}").unwrap();
        }
    }
    writeln!(out, "\n# The first time: create the function (in the DEVELOPMENT stage).").unwrap();
    writeln!(out, "aws cloudfront create-function --name {name} \\").unwrap();
    writeln!(out, "  --function-config {config} \\").unwrap();
    writeln!(out, "  --function-code {code}").unwrap();
    writeln!(out, "\n# Later versions: update it instead.").unwrap();
    writeln!(out, "aws cloudfront update-function --name {name} \\").unwrap();
    writeln!(out, "  --if-match {etag} \\").unwrap();
    writeln!(out, "  --function-config {config} \\").unwrap();
    writeln!(out, "  --function-code {code}").unwrap();
    writeln!(out, "\n# Then publish it (LIVE stage); associate it with a cache behavior as viewer request.").unwrap();
    writeln!(out, "aws cloudfront publish-function --name {name} \\").unwrap();
    writeln!(out, "  --if-match {etag}").unwrap();
    out
}

fn cloudformation(d: &Deployment, embeds_key: bool) -> String {
    // The file's name, in a comment line, with every character that YAML reads as a line break
    // (or refuses in a comment) escaped.
    let mut out = yaml_comment(&heading(d, "#"));
    out.push_str("# FunctionCode carries the file byte for byte: print this again whenever the file changes.\n");
    out.push_str(&embedded_secret_comment(Format::Cloudformation, embeds_key));
    if let Some(s) = &d.store {
        out.push_str("#\n");
        for line in put_key_explanation(s) {
            writeln!(out, "# {line}").unwrap();
        }
        for line in put_key_lines(s) {
            writeln!(out, "#   {line}").unwrap();
        }
    }
    let id = logical_id(&d.name);
    out.push_str("AWSTemplateFormatVersion: \"2010-09-09\"\n");
    out.push_str("Resources:\n");
    writeln!(out, "  {id}:").unwrap();
    out.push_str("    Type: AWS::CloudFront::Function\n");
    out.push_str("    Properties:\n");
    writeln!(out, "      Name: {}", yaml_quote(&d.name)).unwrap();
    out.push_str("      AutoPublish: true\n");
    out.push_str("      FunctionConfig:\n");
    writeln!(out, "        Comment: {}", yaml_quote(&d.comment)).unwrap();
    writeln!(out, "        Runtime: {}", yaml_quote(d.runtime.name())).unwrap();
    if let Some(s) = &d.store {
        out.push_str("        KeyValueStoreAssociations:\n");
        writeln!(out, "          - KeyValueStoreARN: {}", yaml_quote(&s.arn)).unwrap();
    }
    out.push_str("      FunctionCode: ");
    out.push_str(&yaml_code(&d.code, 6));
    out.push_str("Outputs:\n");
    writeln!(out, "  {id}Arn:").unwrap();
    out.push_str("    Description: Associate this function with a cache behavior as viewer request.\n");
    out.push_str("    Value:\n");
    writeln!(out, "      Fn::GetAtt: [{id}, FunctionARN]").unwrap();
    out
}

fn terraform(d: &Deployment, embeds_key: bool) -> String {
    let mut out = heading(d, "#");
    out.push_str("# `code` carries the file byte for byte (`${` and `%{` written `$${` and `%%{`, which Terraform\n");
    out.push_str(
        "# reads as the literal text; longer runs as `${\"$$\"}{`): print this again whenever the file changes.\n",
    );
    out.push_str(&embedded_secret_comment(Format::Terraform, embeds_key));
    if let Some(s) = &d.store {
        out.push_str("#\n");
        for line in put_key_explanation(s) {
            writeln!(out, "# {line}").unwrap();
        }
        out.push_str("# (Done outside Terraform, the secret stays out of the Terraform state.)\n");
        for line in put_key_lines(s) {
            writeln!(out, "#   {line}").unwrap();
        }
    }
    let label = terraform_label(&d.name);
    writeln!(out, "resource \"aws_cloudfront_function\" \"{label}\" {{").unwrap();
    writeln!(out, "  name    = {}", hcl_quote(&d.name)).unwrap();
    writeln!(out, "  runtime = {}", hcl_quote(d.runtime.name())).unwrap();
    writeln!(out, "  comment = {}", hcl_quote(&d.comment)).unwrap();
    out.push_str("  publish = true\n");
    if let Some(s) = &d.store {
        writeln!(out, "  key_value_store_associations = [{}]", hcl_quote(&s.arn)).unwrap();
    }
    out.push_str("  code    = ");
    out.push_str(&hcl_code(&d.code));
    out.push_str("}\n\n");
    writeln!(out, "output \"{label}_arn\" {{").unwrap();
    out.push_str("  description = \"Associate this function with a cache behavior as viewer request.\"\n");
    writeln!(out, "  value       = aws_cloudfront_function.{label}.arn").unwrap();
    out.push_str("}\n");
    out
}

/// A CloudFormation logical id (alphanumeric) from a function name: `jwt-check` → `JwtCheckFunction`.
fn logical_id(name: &str) -> String {
    let mut id = String::new();
    for part in name.split(['-', '_']).filter(|p| !p.is_empty()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            id.push(first.to_ascii_uppercase());
            id.extend(chars);
        }
    }
    id.push_str("Function");
    id
}

/// A Terraform resource name from a function name: `jwt-check` → `jwt_check`.
fn terraform_label(name: &str) -> String {
    let label = name.replace('-', "_");
    if label.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        label
    } else {
        format!("f_{label}")
    }
}

/// One shell word: bare when it has only characters no shell treats specially, else in single
/// quotes (a `'` inside written `'\''`).
pub fn shell_quote(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// A YAML double-quoted scalar that every YAML parser (1.1 or 1.2) reads as exactly `text`:
/// everything but printable ASCII and ordinary non-ASCII letters escaped.
pub fn yaml_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if yaml_block_safe(c) => out.push(c),
            c if (c as u32) <= 0xFFFF => write!(out, "\\u{:04X}", c as u32).unwrap(),
            c => write!(out, "\\U{:08X}", c as u32).unwrap(),
        }
    }
    out.push('"');
    out
}

/// Text for YAML comment lines: line breaks (`\n`) kept, every other character that a literal
/// block could not hold as it is written `\uXXXX` (or `\UXXXXXXXX`), as in [`yaml_quote`]. Among
/// them are NEL, U+2028 and U+2029, which YAML 1.1 reads as line breaks: raw, they would end the
/// comment and make the rest of the line part of the document.
fn yaml_comment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push(c),
            c if yaml_block_safe(c) => out.push(c),
            c if (c as u32) <= 0xFFFF => write!(out, "\\u{:04X}", c as u32).unwrap(),
            c => write!(out, "\\U{:08X}", c as u32).unwrap(),
        }
    }
    out
}

/// Characters a YAML literal block holds as they are, in YAML 1.1 and 1.2 alike: printable
/// ASCII, tab, and non-ASCII except C1 controls, NEL, the Unicode line and paragraph separators
/// (line breaks in YAML 1.1), the byte-order mark and the non-characters U+FFFE, U+FFFF.
fn yaml_block_safe(c: char) -> bool {
    match c {
        '\t' | ' '..='~' => true,
        '\u{0}'..='\u{A0}' => c == '\u{A0}',
        '\u{2028}' | '\u{2029}' | '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}' => false,
        _ => true,
    }
}

/// The value of a YAML mapping key at indentation `indent`, with its line break(s): a literal
/// block (`|2`, `|2-` or `|2+` by the number of final line breaks) indented two more spaces, when
/// every character can stand in a block; otherwise a double-quoted scalar.
fn yaml_code(code: &str, indent: usize) -> String {
    let body = code.trim_end_matches('\n');
    let final_breaks = code.len() - body.len();
    let block_safe = !body.is_empty() && code.chars().all(|c| c == '\n' || yaml_block_safe(c));
    if !block_safe {
        return format!("{}\n", yaml_quote(code));
    }
    let chomp = match final_breaks {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let pad = " ".repeat(indent + 2);
    let mut out = format!("|2{chomp}\n");
    for line in body.split('\n') {
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
        out.push('\n');
    }
    // Kept line breaks beyond the first are empty lines of the block.
    for _ in 1..final_breaks {
        out.push('\n');
    }
    out
}

/// An HCL quoted template that Terraform reads as exactly `text`.
pub fn hcl_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => write!(out, "\\u{:04X}", c as u32).unwrap(),
            c => out.push(c),
        }
    }
    out.push('"');
    escape_hcl_template(&out)
}

/// `${` and `%{` begin an interpolation or a directive in an HCL template; doubling the sign makes
/// them literal (`$${`, `%%{`). A longer run of `$` and `%` before `{` (`$${` in the code itself,
/// `%$%{`) is written as an interpolation of a quoted string instead, `${"$$"}{`: HCL parsers
/// differ on how `$$${` splits, but all read a quoted string without `{` the same way.
fn escape_hcl_template(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut run = String::new();
    for c in text.chars() {
        match c {
            '$' | '%' => run.push(c),
            '{' if run.len() == 1 => {
                out.push_str(&run);
                out.push_str(&run);
                out.push('{');
                run.clear();
            }
            '{' if run.len() > 1 => {
                out.push_str(&format!("${{\"{run}\"}}{{"));
                run.clear();
            }
            _ => {
                out.push_str(&run);
                run.clear();
                out.push(c);
            }
        }
    }
    out.push_str(&run);
    out
}

/// The value of an HCL attribute, with its line break: a heredoc when the code ends with a line
/// break and holds no carriage return or other control character (a heredoc's lines are taken as
/// they are); otherwise a quoted string.
fn hcl_code(code: &str) -> String {
    let heredoc_safe = code.ends_with('\n') && !code.chars().any(|c| c.is_control() && c != '\n' && c != '\t');
    if !heredoc_safe {
        return format!("{}\n", hcl_quote(code));
    }
    let lines: Vec<&str> = code.lines().map(str::trim).collect();
    let mut marker = "CFJWT_EOF".to_string();
    let mut n = 1;
    while lines.contains(&marker.as_str()) {
        n += 1;
        marker = format!("CFJWT_EOF_{n}");
    }
    format!("<<{marker}\n{}{marker}\n", escape_hcl_template(code))
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
        assert_eq!(logical_id("jwt-check"), "JwtCheckFunction");
        assert_eq!(logical_id("_"), "Function");
        assert_eq!(terraform_label("jwt-check"), "jwt_check");
        assert_eq!(terraform_label("1st"), "f_1st");
    }

    fn request(code: &str) -> Request {
        Request {
            file: "f.js".into(),
            code: code.as_bytes().to_vec(),
            name: "jwt-check".into(),
            format: Format::AwsCli,
            runtime: None,
            kvs_arn: None,
            kvs_key: "jwt.secret".into(),
            secret_file: "jwt.key".into(),
            comment: "c".into(),
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
        let err = prepare(Request { kvs_arn: Some(ARN.into()), ..js1 }).unwrap_err();
        assert!(matches!(err, DeployError::StoreRuntime { .. }), "{err}");
        let long =
            Request { kvs_arn: Some(ARN.into()), kvs_key: "k".repeat(MAX_KVS_KEY_BYTES + 1), ..request(STORE_CODE) };
        assert_eq!(prepare(long).unwrap_err(), DeployError::StoreKeyLength);
        let latin1 = Request { code: b"// cloudfront-js-2.0\n\xe9\n".to_vec(), ..request("") };
        assert_eq!(prepare(latin1).unwrap_err(), DeployError::CodeNotUtf8 { file: "f.js".into() });
        let err = prepare(Request { comment: "a\nb".into(), ..request(STORE_CODE) }).unwrap_err();
        assert_eq!(err.to_string(), "--comment: control characters cannot be written into a deploy snippet");
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
    fn shell_words_quote() {
        assert_eq!(shell_quote("fileb://out.js"), "fileb://out.js");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn an_embedded_secret_is_named_in_every_format() {
        let embedded = prepare(request("// cloudfront-js-2.0\nfunction handler(e) { return e.request; }\n")).unwrap();
        assert!(embedded.embeds_key);
        let store = prepare(Request { kvs_arn: Some(ARN.into()), ..request(STORE_CODE) }).unwrap();
        assert!(!store.embeds_key);
        for format in [Format::AwsCli, Format::Cloudformation, Format::Terraform] {
            let says = render(&embedded.deployment, format, true);
            assert!(says.contains("# WARNING: this function embeds its secret"), "{says}");
            assert!(says.contains("cloudfront:GetFunction") && says.contains("KeyValueStore setup"), "{says}");
            assert!(!render(&store.deployment, format, false).contains("WARNING"));
        }
        assert!(render(&embedded.deployment, Format::Cloudformation, true).contains("change sets"));
        assert!(render(&embedded.deployment, Format::Terraform, true).contains("terraform.tfstate"));
        // Code that is not parsed is taken to embed a key.
        assert!(embeds_key(None));
    }

    #[test]
    fn yaml_comments_hold_no_line_break_but_their_own() {
        assert_eq!(yaml_comment("# a\u{2028}b\u{2029}c\u{85}d\u{feff}é\n"), "# a\\u2028b\\u2029c\\u0085d\\uFEFFé\n");
        assert_eq!(check_one_line("--kvs-key", "a\u{2028}b"), Err(DeployError::LineSeparator { what: "--kvs-key" }));
        assert_eq!(check_one_line("--kvs-key", "a\u{85}b"), Err(DeployError::Unprintable { what: "--kvs-key" }));
        assert_eq!(check_one_line("--kvs-key", "jwt.secret:é"), Ok(()));
    }

    #[test]
    fn yaml_blocks_follow_final_line_breaks() {
        assert_eq!(yaml_code("a\n  b\n", 0), "|2\n  a\n    b\n");
        assert_eq!(yaml_code("a", 0), "|2-\n  a\n");
        assert_eq!(yaml_code("a\n\n\n", 0), "|2+\n  a\n\n\n");
        assert_eq!(yaml_code("a\r\n", 0), "\"a\\r\\n\"\n");
        assert_eq!(yaml_code("\u{2028}", 0), "\"\\u2028\"\n");
    }

    #[test]
    fn hcl_escapes_templates() {
        assert_eq!(hcl_quote("${x} %{y} \"\\"), r#""$${x} %%{y} \"\\""#);
        assert_eq!(hcl_code("a${b}\n"), "<<CFJWT_EOF\na$${b}\nCFJWT_EOF\n");
        assert_eq!(hcl_code("CFJWT_EOF\n"), "<<CFJWT_EOF_2\nCFJWT_EOF\nCFJWT_EOF_2\n");
        assert_eq!(escape_hcl_template("$${a} %%{b} $%{c} $x %y {"), r#"${"$$"}{a} ${"%%"}{b} ${"$%"}{c} $x %y {"#);
        assert_eq!(hcl_code("a"), "\"a\"\n");
    }
}
