//! `cfjwt kvs`: the changes an operator makes to the KeyValueStore (the signing secret, its
//! rotation, revocation entries), as the `aws cloudfront-keyvaluestore` commands that make them and
//! as the same change applied to a local store file (what `cfjwt test --kvs` and `cfjwt serve
//! --kvs` read). Entry names come from the validated policy, the one `gen` builds the function
//! from, so what is written is what the function reads. A secret only ever travels in files: the
//! printed command has the AWS CLI read it (`file://`), and cfjwt reads it only to write a local
//! store, never printing it.
//!
//! [`run`] turns a [`Request`] into what to print and what was done; [`Change`] is one entry put
//! or deleted, rendered by [`Change::aws_lines`] and applied by [`apply`]. The command line only
//! parses arguments and prints.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use zeroize::Zeroize as _;

use crate::cloudfront::{MAX_KVS_KEY_BYTES, MAX_KVS_VALUE_BYTES};
use crate::deploy::{check_one_line, check_store_arn, shell_quote, DeployError};
use crate::explain::{span, utc};
use crate::key::{self, encoding_name, Encoding, KeyArg, LoadOptions};
use crate::policy::{KeySource, Policy, PolicyError, Revocation};

/// Where a change goes: printed as AWS CLI commands for a store, applied to a local store file, or
/// both (at least one).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Target {
    /// The store's ARN, for the printed commands.
    pub arn: Option<String>,
    /// A local store file (a JSON object of entry to value), created when missing.
    pub store: Option<PathBuf>,
}

/// What `cfjwt kvs` is asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// The policy file: it names the entries.
    pub config: PathBuf,
    pub target: Target,
    pub command: Command,
}

/// The `cfjwt kvs` subcommands.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// The secret under `key.kvs` (no kid) or `key.kvs:KID`, from a file.
    PutSecret {
        kid: Option<String>,
        secret_file: String,
    },
    /// The entry `prefix + value`: empty, or the Unix time (seconds, rounded up) before which
    /// tokens were issued.
    Revoke {
        value: String,
        issued_before: Option<f64>,
    },
    /// Deletes the entry `prefix + value`.
    Unrevoke {
        value: String,
    },
    Rotate(Rotation),
}

/// `cfjwt kvs rotate`: one step of a rotation from the secret under `key.kvs` (or
/// `key.kvs:OLD_KID`) to the one under `key.kvs:NEW_KID`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rotation {
    pub new_kid: String,
    /// None: the old secret is the one for tokens without kid.
    pub old_kid: Option<String>,
    /// The new secret's file: needed by step 1, named in step 2.
    pub secret_file: Option<String>,
    /// 1 to [`ROTATION_STEPS`].
    pub step: u8,
}

/// The number of steps of a rotation.
pub const ROTATION_STEPS: u8 = 4;

/// One change to the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// `key` set to the text of the file `file` (named as given: the AWS CLI reads it itself).
    PutFile { key: String, file: String },
    /// `key` set to `value`.
    Put { key: String, value: String },
    /// `key` deleted.
    Delete { key: String },
}

/// What `cfjwt kvs` has to say: `commands` for stdout, `done` (what was changed in the local
/// store, one line each, naming no secret) for stderr.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Done {
    pub commands: String,
    pub done: Vec<String>,
}

/// Why a `cfjwt kvs` command cannot do what is asked. Messages name the flag or file at fault and
/// never quote a secret.
#[derive(Debug, thiserror::Error)]
pub enum KvsError {
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// `--kvs-arn`: the shape deploy checks.
    #[error(transparent)]
    Arn(#[from] DeployError),
    #[error("{0}: control characters and line or paragraph separators cannot be written into a printed command")]
    NotOneLine(&'static str),
    #[error("{}: the policy has no key.kvs: its function embeds its key and reads no secret from the store; put-secret and rotate are for a policy with \"key\": {{\"kvs\": NAME}}", .0.display())]
    NoStoreKey(PathBuf),
    #[error("{}: the policy has no revocation: its function reads no revocation entry; add \"revocation\": {{\"claim\": \"sid\"}} (a session) or {{\"claim\": \"sub\"}} (a user)", .0.display())]
    NoRevocation(PathBuf),
    #[error("{flag}: `{kid}` is not a key id the function reads (1 to 64 of A-Z a-z 0-9 . _ -)")]
    KeyId { flag: &'static str, kid: String },
    #[error("--old-kid: the old and the new secret are both `{0}`; the new one needs a key id of its own")]
    SameKeyId(String),
    #[error("--value: empty; the function reads no entry for an empty claim (it denies the token)")]
    EmptyValue,
    #[error("the entry name `{prefix}` + the {what} is {len} bytes, over the KeyValueStore's {MAX_KVS_KEY_BYTES}")]
    EntryTooLong { prefix: String, what: &'static str, len: usize },
    #[error("the entry name `{0}` would be read by the AWS CLI as a file or URL to load: choose a key.kvs or revocation.prefix that does not start with file://, fileb://, http:// or https://")]
    EntryIsUri(String),
    #[error("--secret-file: the AWS CLI expands `$` in a file:// path (environment variables); give the path with the variable expanded")]
    DollarInPath,
    #[error("--issued-before: {0} is before 1970; give now, Unix seconds or an RFC 3339 time")]
    BeforeEpoch(f64),
    #[error("--secret-file: step 1 puts the new secret into the store; name the file that holds it")]
    NoSecretFile,
    #[error("--step: {0} is not a step of a rotation (1 to {ROTATION_STEPS})")]
    Step(u8),
    #[error("{0}: the file name is not UTF-8, and the next step's command line names it")]
    NotUtf8(&'static str),
    #[error("{}: cannot read the secret file", file.display())]
    SecretRead {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: the secret file is not UTF-8 text, which the AWS CLI's file:// reads (a key file in base64, base64url or hex is)", .0.display())]
    SecretNotText(PathBuf),
    #[error("{}: the secret file is {len} bytes; a KeyValueStore value holds at most {MAX_KVS_VALUE_BYTES}", file.display())]
    SecretTooLong { file: PathBuf, len: usize },
    /// The file's text does not decode, as the policy's `key.encoding` says, to a usable key.
    #[error("{0} (the policy's key.encoding); the function would deny every token (key-unavailable)")]
    Secret(#[source] key::KeyError),
    #[error(transparent)]
    Store(#[from] crate::runtime::InputError),
    #[error("{}: cannot write the store file", file.display())]
    StoreWrite {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Change {
    /// The entry the change is about.
    pub fn key(&self) -> &str {
        match self {
            Change::PutFile { key, .. } | Change::Put { key, .. } | Change::Delete { key } => key,
        }
    }

    /// The shell lines that make the change in the store `arn`: the store's current ETag (every
    /// change needs it, and changes it), then the `put-key` or `delete-key` command.
    pub fn aws_lines(&self, arn: &str) -> Vec<String> {
        let arn = shell_quote(arn);
        // A value starting with `-` would be taken for an option: `--key=VALUE` keeps it a value.
        let key = match self.key() {
            k if k.starts_with('-') => format!("--key={}", shell_quote(k)),
            k => format!("--key {}", shell_quote(k)),
        };
        let mut lines = vec![format!(
            "ETAG=$(aws cloudfront-keyvaluestore describe-key-value-store --kvs-arn {arn} --query ETag --output text)"
        )];
        match self {
            Change::PutFile { file, .. } => lines.extend([
                format!("aws cloudfront-keyvaluestore put-key --kvs-arn {arn} \\"),
                format!("  {key} \\"),
                format!("  --value {} \\", shell_quote(&format!("file://{file}"))),
                "  --if-match \"$ETAG\"".to_string(),
            ]),
            Change::Put { value, .. } => lines.extend([
                format!("aws cloudfront-keyvaluestore put-key --kvs-arn {arn} \\"),
                format!("  {key} --value {} \\", shell_quote(value)),
                "  --if-match \"$ETAG\"".to_string(),
            ]),
            Change::Delete { .. } => lines
                .push(format!("aws cloudfront-keyvaluestore delete-key --kvs-arn {arn} {key} --if-match \"$ETAG\"")),
        }
        lines
    }
}

/// A change and what to say about it: the comment lines above its commands.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Operation {
    comments: Vec<String>,
    change: Change,
}

impl Operation {
    /// The comment lines, then the commands for `arn`.
    fn render(&self, arn: &str) -> String {
        let mut out = String::new();
        for line in &self.comments {
            writeln!(out, "# {line}").unwrap();
        }
        for line in self.change.aws_lines(arn) {
            writeln!(out, "{line}").unwrap();
        }
        out
    }
}

/// Runs a `cfjwt kvs` command: reads the policy, checks the request, applies the change to the
/// local store (if one is named) and says what to run. Nothing is written when the request is
/// refused.
pub fn run(request: &Request) -> Result<Done, KvsError> {
    let arn = request.target.arn.as_deref();
    if let Some(arn) = arn {
        check_store_arn(arn)?;
    }
    let file = &request.config;
    let policy = crate::policy::load(file)?;
    let (operation, commands) = match &request.command {
        Command::Rotate(rotation) => {
            let (name, encoding) = secret_source(&policy, file)?;
            let step = rotate(name, encoding, &policy, rotation)?;
            let text = render_step(&step, arn, next_command(request, rotation)?.as_deref());
            (step.operation, text)
        }
        Command::PutSecret { kid, secret_file } => {
            let (name, encoding) = secret_source(&policy, file)?;
            let operation = put_secret(name, encoding, kid.as_deref(), secret_file)?;
            (Some(operation.clone()), arn.map(|a| operation.render(a)).unwrap_or_default())
        }
        Command::Revoke { value, issued_before } => {
            let operation = revoke(revocation(&policy, file)?, &policy, value, *issued_before)?;
            (Some(operation.clone()), arn.map(|a| operation.render(a)).unwrap_or_default())
        }
        Command::Unrevoke { value } => {
            let operation = unrevoke(revocation(&policy, file)?, value)?;
            (Some(operation.clone()), arn.map(|a| operation.render(a)).unwrap_or_default())
        }
    };
    let mut done = Done { commands, done: Vec::new() };
    if let (Some(store), Some(operation)) = (&request.target.store, &operation) {
        let encoding = match &policy.key {
            KeySource::Store { encoding, .. } => *encoding,
            KeySource::Embedded => Encoding::default(),
        };
        done.done.push(apply(store, &operation.change, encoding, &[file.as_path()])?);
    }
    Ok(done)
}

/// The policy's store entry for the secret and its encoding, or the error for a policy that
/// embeds its key.
fn secret_source<'a>(policy: &'a Policy, file: &Path) -> Result<(&'a str, Encoding), KvsError> {
    match &policy.key {
        KeySource::Store { name, encoding } => Ok((name, *encoding)),
        KeySource::Embedded => Err(KvsError::NoStoreKey(file.to_owned())),
    }
}

fn revocation<'a>(policy: &'a Policy, file: &Path) -> Result<&'a Revocation, KvsError> {
    policy.revocation.as_ref().ok_or_else(|| KvsError::NoRevocation(file.to_owned()))
}

/// The entry holding the secret of tokens with key id `kid` (none: tokens without kid), as the
/// function names it: `NAME` or `NAME:KID`.
pub fn secret_entry(name: &str, kid: Option<&str>, flag: &'static str) -> Result<String, KvsError> {
    one_line("key.kvs", name)?;
    let Some(kid) = kid else { return Ok(name.to_string()) };
    if !key::is_key_id(kid) {
        return Err(KvsError::KeyId { flag, kid: kid.to_string() });
    }
    let entry = format!("{name}:{kid}");
    if entry.len() > MAX_KVS_KEY_BYTES {
        return Err(KvsError::EntryTooLong { prefix: format!("{name}:"), what: "key id", len: entry.len() });
    }
    Ok(entry)
}

/// The revocation entry for a claim value, as the function names it: `prefix + value`.
pub fn revocation_entry(revocation: &Revocation, value: &str) -> Result<String, KvsError> {
    if value.is_empty() {
        return Err(KvsError::EmptyValue);
    }
    one_line("--value", value)?;
    let entry = format!("{}{value}", revocation.prefix);
    if entry.len() > MAX_KVS_KEY_BYTES {
        return Err(KvsError::EntryTooLong {
            prefix: revocation.prefix.clone(),
            what: "claim value",
            len: entry.len(),
        });
    }
    Ok(entry)
}

/// Checks text that goes into a printed command or comment line, as deploy checks its snippets'.
fn one_line(what: &'static str, text: &str) -> Result<(), KvsError> {
    check_one_line(what, text).map_err(|_| KvsError::NotOneLine(what))
}

/// Refuses an entry name the AWS CLI would not pass as it is: it loads the contents of a
/// parameter value that starts with `file://`, `fileb://` or (by default) a URL.
fn check_cli_word(entry: &str) -> Result<(), KvsError> {
    if ["file://", "fileb://", "http://", "https://"].iter().any(|p| entry.starts_with(p)) {
        return Err(KvsError::EntryIsUri(entry.to_string()));
    }
    Ok(())
}

/// Checks the secret file's name for the printed command: one line, and no `$`, which the AWS CLI
/// would expand (it expands `~` too, which is meant).
fn check_secret_file(file: &str) -> Result<(), KvsError> {
    one_line("--secret-file", file)?;
    if file.contains('$') {
        return Err(KvsError::DollarInPath);
    }
    Ok(())
}

/// What the secret file holds, for the comments: the key file's text in the policy's encoding.
fn file_holds(encoding: Encoding) -> [String; 2] {
    match encoding {
        Encoding::Utf8 => [
            "The file holds the key file's text; the policy's key.encoding is utf8 (the default): the function"
                .to_string(),
            "uses the text's bytes as the key, as `cfjwt gen --key-file` does, ignoring one trailing line break."
                .to_string(),
        ],
        e => {
            let name = encoding_name(e);
            [
                format!(
                    "The file holds the key file's text in the policy's key.encoding, {name}: the function decodes it"
                ),
                format!("to the key as `cfjwt gen --key-encoding {name}` does, ignoring one trailing line break."),
            ]
        }
    }
}

/// The note every printed change ends with.
const AWS_NOTE: &str =
    "(`aws cloudfront-keyvaluestore` needs AWS CLI v2; a store change takes a little while to reach every edge location.)";

/// How long a token can be accepted after it was issued, for the comments: the longest lifetime the
/// issuer gives, plus `claims.leeway`.
fn lifetime_words(policy: &Policy) -> String {
    match policy.claims.leeway {
        0 => "the longest token lifetime (exp - iat)".to_string(),
        leeway => format!("the longest token lifetime (exp - iat) plus claims.leeway ({leeway} s)"),
    }
}

/// The bound `claims.max_age` puts on it, in seconds, when the policy sets it.
fn lifetime_bound(policy: &Policy) -> Option<u64> {
    policy.claims.max_age.map(|max_age| max_age.saturating_add(u64::from(policy.claims.leeway)))
}

fn put_secret(name: &str, encoding: Encoding, kid: Option<&str>, secret_file: &str) -> Result<Operation, KvsError> {
    let entry = secret_entry(name, kid, "--kid")?;
    check_cli_word(&entry)?;
    check_secret_file(secret_file)?;
    let tokens = match kid {
        Some(kid) => format!("tokens with \"kid\": \"{kid}\""),
        None => "tokens without kid".to_string(),
    };
    let [holds, line_break] = file_holds(encoding);
    Ok(Operation {
        comments: vec![
            format!("cfjwt kvs put-secret: the secret that verifies {tokens}, under `{entry}`."),
            format!("The AWS CLI reads the value from {secret_file} when the command runs (file://): the secret is"),
            "on no command line, and cfjwt does not read it.".to_string(),
            holds,
            line_break,
            AWS_NOTE.to_string(),
        ],
        change: Change::PutFile { key: entry, file: secret_file.to_string() },
    })
}

/// The Unix time an `--issued-before` value stands for, in whole seconds: rounded up, so that a
/// token issued before the time given (`iat` < it) is revoked and one issued at or after is not.
pub fn cutoff_seconds(time: f64) -> Result<u64, KvsError> {
    if time.is_nan() || time < 0.0 {
        return Err(KvsError::BeforeEpoch(time));
    }
    Ok(time.ceil() as u64)
}

fn revoke(
    revocation: &Revocation,
    policy: &Policy,
    value: &str,
    issued_before: Option<f64>,
) -> Result<Operation, KvsError> {
    let entry = revocation_entry(revocation, value)?;
    check_cli_word(&entry)?;
    let claim = &revocation.claim;
    let lifetime = lifetime_words(policy);
    let (stored, mut comments) = match issued_before {
        None => {
            let mut comments = vec![
                format!(
                    "cfjwt kvs revoke: the entry `{entry}`, empty: every token whose {claim} is \"{value}\" is denied"
                ),
                "(reason `revoked`), whenever it was issued, new ones too, until the entry is deleted.".to_string(),
                format!(
                    "It can be deleted (cfjwt kvs unrevoke) once the issuer signs no more tokens with this {claim}"
                ),
                format!("and the last one has expired: {lifetime} after it was issued."),
            ];
            if let Some(bound) = lifetime_bound(policy) {
                comments.push(format!("claims.max_age bounds that: {bound} s ({}) at most.", span(bound as f64)));
            }
            (String::new(), comments)
        }
        Some(time) => {
            let t = cutoff_seconds(time)?;
            let mut comments = vec![
                format!("cfjwt kvs revoke: the entry `{entry}`, {t} ({}): the tokens whose {claim} is", utc(t as f64)),
                format!("\"{value}\" issued before that time, and those without iat, are denied (reason `revoked`);"),
                "tokens issued at or after it work: new logins keep working.".to_string(),
                "It can be deleted (cfjwt kvs unrevoke) once the last token it revokes has expired:".to_string(),
                format!("{lifetime} after that time."),
            ];
            if let Some(bound) = lifetime_bound(policy) {
                let by = utc(t.saturating_add(bound) as f64);
                comments.push(format!("claims.max_age bounds that: by {by} at the latest."));
            }
            (t.to_string(), comments)
        }
    };
    comments.push(AWS_NOTE.to_string());
    Ok(Operation { comments, change: Change::Put { key: entry, value: stored } })
}

fn unrevoke(revocation: &Revocation, value: &str) -> Result<Operation, KvsError> {
    let entry = revocation_entry(revocation, value)?;
    check_cli_word(&entry)?;
    Ok(Operation {
        comments: vec![format!(
            "cfjwt kvs unrevoke: deletes the entry `{entry}`: tokens whose {} is \"{value}\" are no longer revoked.",
            revocation.claim
        )],
        change: Change::Delete { key: entry },
    })
}

/// One step of a rotation: what it is, its change (steps 1 and 4), and whether a later one follows.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Step {
    number: u8,
    /// The four steps, one line each, the same in every step's output.
    plan: Vec<String>,
    /// What to do now.
    comments: Vec<String>,
    operation: Option<Operation>,
}

fn rotate(name: &str, encoding: Encoding, policy: &Policy, r: &Rotation) -> Result<Step, KvsError> {
    if !(1..=ROTATION_STEPS).contains(&r.step) {
        return Err(KvsError::Step(r.step));
    }
    let new = secret_entry(name, Some(&r.new_kid), "--new-kid")?;
    let old = secret_entry(name, r.old_kid.as_deref(), "--old-kid")?;
    if r.old_kid.as_deref() == Some(r.new_kid.as_str()) {
        return Err(KvsError::SameKeyId(r.new_kid.clone()));
    }
    check_cli_word(&new)?;
    check_cli_word(&old)?;
    if let Some(file) = &r.secret_file {
        check_secret_file(file)?;
    }
    let old_tokens = match &r.old_kid {
        Some(kid) => format!("tokens with \"kid\": \"{kid}\""),
        None => "tokens without kid".to_string(),
    };
    let new_kid = &r.new_kid;
    let plan = vec![
        format!(
            "1. put the new secret under `{new}`: the function accepts tokens with \"kid\": \"{new_kid}\" from then on"
        ),
        format!("2. switch the issuer to sign new tokens with the new secret and \"kid\": \"{new_kid}\""),
        format!("3. wait for the last of the {old_tokens} (signed with the old secret) to expire"),
        format!("4. delete the old entry `{old}`: {old_tokens} are denied from then on"),
    ];
    let (comments, operation) = match r.step {
        1 => {
            let file = r.secret_file.as_deref().ok_or(KvsError::NoSecretFile)?;
            let put = put_secret(name, encoding, Some(new_kid), file)?;
            let comments = vec![
                "Step 1 of 4, now: put the new secret. Nothing else changes yet: the issuer still signs with the old one."
                    .to_string(),
            ];
            (comments, Some(Operation { comments: put.comments[1..].to_vec(), change: put.change }))
        }
        2 => {
            let file = r.secret_file.as_deref().unwrap_or("the new secret's file");
            let enc = encoding_name(encoding);
            let mut comments = vec![
                format!("Step 2 of 4, now: have the issuer sign new tokens with the new secret and the header \"kid\": \"{new_kid}\"."),
                "Leave the store time first for the new entry to reach every edge location: where it has not yet".to_string(),
                "arrived, a token with the new kid is denied (key-unavailable).".to_string(),
                format!("The issuer signs with the key {file} holds, read as key.encoding ({enc}) says; to try one:"),
                format!(
                    "cfjwt token --key-file {} --key-encoding {enc} --ttl 300",
                    shell_quote(&format!("{new_kid}={file}"))
                ),
            ];
            comments.push("This step is the issuer's: there is nothing to run against the store.".to_string());
            (comments, None)
        }
        3 => {
            let mut comments = vec![
                format!("Step 3 of 4, now: wait. The {old_tokens} signed before the switch are accepted until they"),
                format!("expire: wait {} after the switch.", lifetime_words(policy)),
            ];
            if let Some(bound) = lifetime_bound(policy) {
                comments.push(format!("claims.max_age bounds that: {bound} s ({}) at most.", span(bound as f64)));
            }
            comments.extend([
                "Deleting the old entry sooner denies them (key-unavailable): their users sign in again.".to_string(),
                "Nothing is run against the store in this step.".to_string(),
            ]);
            (comments, None)
        }
        _ => {
            let comments = vec![format!(
                "Step 4 of 4, now: delete the old entry `{old}`; {old_tokens} are denied from then on (key-unavailable)."
            )];
            let delete = Operation {
                comments: vec![format!(
                    "The rotation is done once this has run; the next one starts with --old-kid {new_kid}."
                )],
                change: Change::Delete { key: old.clone() },
            };
            (comments, Some(delete))
        }
    };
    Ok(Step { number: r.step, plan, comments, operation })
}

/// The command line of the step after this one (none after the last).
fn next_command(request: &Request, r: &Rotation) -> Result<Option<String>, KvsError> {
    if r.step >= ROTATION_STEPS {
        return Ok(None);
    }
    let config = request.config.to_str().ok_or(KvsError::NotUtf8("--config"))?;
    one_line("--config", config)?;
    let mut words = vec!["cfjwt kvs rotate --config".to_string(), shell_quote(config)];
    if let Some(arn) = &request.target.arn {
        words.extend(["--kvs-arn".to_string(), shell_quote(arn)]);
    }
    if let Some(store) = &request.target.store {
        let store = store.to_str().ok_or(KvsError::NotUtf8("--store"))?;
        one_line("--store", store)?;
        words.extend(["--store".to_string(), shell_quote(store)]);
    }
    words.extend(["--new-kid".to_string(), shell_quote(&r.new_kid)]);
    if let Some(old) = &r.old_kid {
        words.extend(["--old-kid".to_string(), shell_quote(old)]);
    }
    // Step 2 names the new secret's file in what it says; the later steps need it no more.
    if let (1, Some(file)) = (r.step, &r.secret_file) {
        words.extend(["--secret-file".to_string(), shell_quote(file)]);
    }
    words.extend(["--step".to_string(), (r.step + 1).to_string()]);
    Ok(Some(words.join(" ")))
}

fn render_step(step: &Step, arn: Option<&str>, next: Option<&str>) -> String {
    let mut out =
        String::from("# cfjwt kvs rotate: a new signing secret, in four steps, each printed when it is due:\n");
    for (i, line) in step.plan.iter().enumerate() {
        let now = if i + 1 == usize::from(step.number) { "   <- this step" } else { "" };
        writeln!(out, "#   {line}{now}").unwrap();
    }
    out.push_str("#\n");
    for line in &step.comments {
        writeln!(out, "# {line}").unwrap();
    }
    if let (Some(operation), Some(arn)) = (&step.operation, arn) {
        out.push_str(&operation.render(arn));
    } else if let Some(operation) = &step.operation {
        for line in &operation.comments {
            writeln!(out, "# {line}").unwrap();
        }
    }
    if let Some(next) = next {
        let when = match step.number {
            1 => "once the put has run",
            2 => "once the issuer signs with the new secret",
            _ => "once the old tokens have expired",
        };
        writeln!(out, "#\n# Step {}, {when}:\n# {next}", step.number + 1).unwrap();
    }
    out
}

/// Applies `change` to the store file `store` (a JSON object of entry to value; created when
/// missing, written whole, a new one readable by its owner only since it may hold secrets) and
/// says what changed, naming no secret. A put of a file reads the file as the AWS CLI's `file://`
/// does (its UTF-8 text as it is, final line break included) and refuses a text that does not
/// decode as `encoding` to a key of 32 bytes or more. `inputs` are files the store must not be.
pub fn apply(store: &Path, change: &Change, encoding: Encoding, inputs: &[&Path]) -> Result<String, KvsError> {
    let mut entries = read_store(store)?;
    let said = match change {
        Change::PutFile { key, file } => {
            let text = read_secret(Path::new(file), encoding)?;
            entries.insert(key.clone(), serde_json::Value::String(text));
            format!("{}: put `{key}` (the text of {file})", store.display())
        }
        Change::Put { key, value } => {
            entries.insert(key.clone(), serde_json::Value::String(value.clone()));
            let shown = if value.is_empty() { "empty".to_string() } else { format!("\"{value}\"") };
            format!("{}: put `{key}` ({shown})", store.display())
        }
        Change::Delete { key } => {
            if entries.shift_remove(key).is_none() {
                return Ok(format!("{}: no entry `{key}`: nothing to delete", store.display()));
            }
            format!("{}: deleted `{key}`", store.display())
        }
    };
    let mut text = serde_json::to_string_pretty(&serde_json::Value::Object(entries)).expect("a JSON object");
    text.push('\n');
    let mut all_inputs: Vec<&Path> = inputs.to_vec();
    if let Change::PutFile { file, .. } = change {
        all_inputs.push(Path::new(file));
    }
    let options = crate::output::Options { new_file: crate::output::NewFile::Secret, inputs: &all_inputs };
    let written = crate::output::write(store, text.as_bytes(), options);
    text.zeroize();
    written.map_err(|source| KvsError::StoreWrite { file: store.to_owned(), source })?;
    Ok(said)
}

/// The store file's entries in their order, or none for a file that does not exist yet.
fn read_store(store: &Path) -> Result<serde_json::Map<String, serde_json::Value>, KvsError> {
    use crate::runtime::InputError;
    let text = match std::fs::read_to_string(store) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(serde_json::Map::new()),
        Err(source) => return Err(InputError::Read { path: store.to_owned(), source }.into()),
    };
    match serde_json::from_str(&text) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(_) => Err(InputError::NotAStore { path: store.to_owned() }.into()),
        Err(source) => Err(InputError::Json { path: store.to_owned(), source }.into()),
    }
}

/// The secret file's text, as the AWS CLI's `file://` passes it, once it is known to be a key the
/// function can use: at most a store value's size, and decoding as `encoding` to 32 bytes or more.
fn read_secret(file: &Path, encoding: Encoding) -> Result<String, KvsError> {
    let bytes = std::fs::read(file).map_err(|source| KvsError::SecretRead { file: file.to_owned(), source })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        e.into_bytes().zeroize();
        KvsError::SecretNotText(file.to_owned())
    })?;
    if text.len() > MAX_KVS_VALUE_BYTES {
        let len = text.len();
        let mut text = text;
        text.zeroize();
        return Err(KvsError::SecretTooLong { file: file.to_owned(), len });
    }
    // The one key reader decides, as `gen` would for the same file: one line break dropped, the
    // rest decoded, 32 bytes at least.
    let arg = KeyArg::File { id: None, path: file.to_owned() };
    if let Err(e) = key::load(&arg, LoadOptions { encoding, allow_short: false }) {
        let mut text = text;
        text.zeroize();
        return Err(KvsError::Secret(e));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:cloudfront::123456789012:key-value-store/abc";

    #[test]
    fn entries_are_named_as_the_function_reads_them() {
        assert_eq!(secret_entry("jwt.secret", None, "--kid").unwrap(), "jwt.secret");
        assert_eq!(secret_entry("jwt.secret", Some("2026-11"), "--kid").unwrap(), "jwt.secret:2026-11");
        assert!(matches!(secret_entry("jwt.secret", Some("a b"), "--kid"), Err(KvsError::KeyId { .. })));
        let long = "n".repeat(500);
        assert!(matches!(secret_entry(&long, Some(&"k".repeat(20)), "--kid"), Err(KvsError::EntryTooLong { .. })));
        let r = Revocation { claim: "sid".into(), prefix: "revoked:".into() };
        assert_eq!(revocation_entry(&r, "abc").unwrap(), "revoked:abc");
        assert!(matches!(revocation_entry(&r, ""), Err(KvsError::EmptyValue)));
        assert!(revocation_entry(&r, &"v".repeat(504)).is_ok());
        assert!(matches!(revocation_entry(&r, &"v".repeat(505)), Err(KvsError::EntryTooLong { len: 513, .. })));
        assert!(revocation_entry(&r, "a\nb").is_err());
        assert!(check_cli_word("file://x").is_err() && check_cli_word("jwt.secret").is_ok());
        assert!(matches!(secret_entry("jwt\nsecret", None, "--kid"), Err(KvsError::NotOneLine("key.kvs"))));
        assert!(matches!(revocation_entry(&r, "a\u{2028}b"), Err(KvsError::NotOneLine("--value"))));
    }

    #[test]
    fn a_cutoff_rounds_up_to_whole_seconds() {
        assert_eq!(cutoff_seconds(1_700_000_000.0).unwrap(), 1_700_000_000);
        assert_eq!(cutoff_seconds(1_700_000_000.25).unwrap(), 1_700_000_001);
        assert_eq!(cutoff_seconds(0.0).unwrap(), 0);
        assert!(cutoff_seconds(-1.0).is_err());
        assert!(cutoff_seconds(f64::NAN).is_err());
    }

    #[test]
    fn commands_take_the_etag_and_quote_their_words() {
        let put = Change::PutFile { key: "jwt.secret:k1".into(), file: "my dir/jwt.key".into() };
        let lines = put.aws_lines(ARN);
        assert_eq!(
            lines[0],
            format!("ETAG=$(aws cloudfront-keyvaluestore describe-key-value-store --kvs-arn {ARN} --query ETag --output text)")
        );
        assert_eq!(lines[3], "  --value 'file://my dir/jwt.key' \\");
        assert_eq!(lines[4], "  --if-match \"$ETAG\"");
        let empty = Change::Put { key: "revoked:it's".into(), value: String::new() };
        assert_eq!(empty.aws_lines(ARN)[2], r"  --key 'revoked:it'\''s' --value '' \");
        let dash = Change::Delete { key: "-x".into() };
        assert!(dash.aws_lines(ARN)[1].contains(" --key=-x --if-match \"$ETAG\""));
    }
}
