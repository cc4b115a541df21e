//! What users type: every clap type of the command line, and for each command the one place its
//! arguments become the library's request (plus, where the command needs it, where the output goes).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::check;
use crate::cloudfront::Runtime;
use crate::deploy;
use crate::emit::Style;
use crate::explain;
use crate::generate;
use crate::init;
use crate::key::{Encoding, KeyArg, LoadOptions};
use crate::kvs;
use crate::runtime;
use crate::token;

#[derive(Parser, Debug)]
#[command(
    name = "cfjwt",
    version,
    about = "Generate, check and test CloudFront Functions that verify HS256 JWTs at the edge",
    long_about = "Generate, check and test CloudFront Functions (viewer request) that verify HS256 JWTs at the edge.\n\n\
                  Exit codes: 0 success; 1 a check said no (output differs, problems found, the function failed); 2 bad input.",
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Write the viewer-request function for a policy and key(s).
    Gen(GenArgs),
    /// Check a function file against what CloudFront accepts.
    Check(CheckArgs),
    /// Run a function on events in the bundled engine, as CloudFront would.
    Test(TestArgs),
    /// Print the event CloudFront would give a function for a URL (the format `cfjwt test` reads).
    Event(EventArgs),
    /// Say why the policy's function lets a request through or denies it: the reason code, a
    /// sentence with the values involved, and the token decoded.
    Explain(ExplainArgs),
    /// Serve files from a directory on 127.0.0.1, running the function on every request first.
    Serve(ServeArgs),
    /// Mint an HS256 token for testing.
    Token(TokenArgs),
    /// Print the policy file's JSON Schema (draft 2020-12), for editors and CI.
    Schema,
    /// Print what deploys a function file: AWS CLI commands, CloudFormation, Terraform or a CDK app.
    Deploy(DeployArgs),
    /// Print the AWS CLI commands that change the KeyValueStore (the secret, its rotation,
    /// revocations), or make the change in a local store file.
    #[command(long_about = KVS_LONG_ABOUT, disable_help_subcommand = true)]
    Kvs(KvsArgs),
    /// Write a starter policy for a common setup.
    Init(InitArgs),
    /// Print a shell completion script (source it, or install it where your shell looks).
    Completions(CompletionsArgs),
    /// Print the man page (roff): `cfjwt man | man -l -`.
    Man(ManArgs),
    /// Print the help of cfjwt, or of a command (`cfjwt help gen` is `cfjwt gen --help`).
    Help(HelpArgs),
}

/// Where keys come from. Secrets are read from files or environment variables, never from the
/// command line, and never printed.
#[derive(Args, Debug)]
pub struct KeyArgs {
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
pub struct GenArgs {
    /// The policy file (JSON).
    #[arg(long, value_name = "POLICY.json")]
    config: PathBuf,
    #[command(flatten)]
    keys: KeyArgs,
    /// Write the function here instead of to stdout (`-` is stdout): a file whole or not at all,
    /// keeping its mode (a new one with the key embedded is 0600), through a symbolic link, never
    /// over an input.
    #[arg(short, long, value_name = "OUT.js")]
    output: Option<PathBuf>,
    /// Readable output: indented, with the templates' names (larger; for review).
    #[arg(long)]
    pretty: bool,
    /// Write nothing; exit 1 if OUT.js differs from what would be written.
    #[arg(long, requires = "output")]
    check: bool,
    /// The key(s) are public test keys, such as examples/demo.key: the output may be committed; no
    /// warning.
    #[arg(long = "test-key")]
    test_key: bool,
}

/// Where `gen` puts the function.
#[derive(Debug)]
pub enum GenTarget {
    Stdout,
    /// Written whole or not at all (see [`crate::output::write`]).
    File {
        path: PathBuf,
        /// `--test-key`: no warning that the file, committed, would give the key away.
        test_key: bool,
    },
    /// Not written: compared with what the file holds (`-` is refused: stdout holds nothing).
    Check(PathBuf),
}

impl GenArgs {
    pub fn request(self) -> (generate::Request, GenTarget) {
        let target = match (self.output, self.check) {
            (Some(out), true) => GenTarget::Check(out),
            (Some(out), false) if out.as_os_str() == "-" => GenTarget::Stdout,
            (Some(path), false) => GenTarget::File { path, test_key: self.test_key },
            (None, _) => GenTarget::Stdout,
        };
        let request = generate::Request {
            config: self.config,
            keys: self.keys.args(),
            key_options: self.keys.options(),
            style: if self.pretty { Style::Pretty } else { Style::Minified },
        };
        (request, target)
    }
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["token", "url", "event"])))]
pub struct ExplainArgs {
    /// The policy file (JSON).
    #[arg(long, value_name = "POLICY.json")]
    config: PathBuf,
    #[command(flatten)]
    keys: KeyArgs,
    /// The time the function sees: Unix seconds (fractions allowed) or an RFC 3339 time such as
    /// 2026-12-01T12:00:00Z (default: the clock).
    #[arg(long, value_name = "TIME", value_parser = token::parse_time, allow_hyphen_values = true)]
    now: Option<f64>,
    /// KeyValueStore contents: a JSON object of key to value.
    #[arg(long, value_name = "KVS.json")]
    kvs: Option<PathBuf>,
    /// The token, put where the policy's first source says; `-` reads it from standard input
    /// (keeps it out of the shell history).
    #[arg(long, value_name = "TOKEN|-")]
    token: Option<String>,
    /// The URI the token is sent to, with `--token`.
    #[arg(long, value_name = "/PATH", default_value = "/", requires = "token")]
    uri: String,
    /// A URL to request instead, as `cfjwt event` makes it into an event (the token in it).
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// A header for `--url`, `name: value`; repeatable.
    #[arg(long, short = 'H', value_name = "NAME: VALUE", requires = "url")]
    header: Vec<String>,
    /// A cookie for `--url`, `name=value`; repeatable.
    #[arg(long, value_name = "NAME=VALUE", requires = "url")]
    cookie: Vec<String>,
    /// The method for `--url`.
    #[arg(long, value_name = "METHOD", requires = "url")]
    method: Option<String>,
    /// An event file (`aws cloudfront test-function` format) instead.
    #[arg(long, value_name = "EVENT.json")]
    event: Option<PathBuf>,
    /// Print one JSON object: verdict, reason, header, claims, message.
    #[arg(long)]
    pub(super) json: bool,
}

impl ExplainArgs {
    /// The request (a token given as `-` is still to be read from standard input).
    pub fn request(self) -> explain::Request {
        let input = match (self.token, self.url, self.event) {
            (Some(token), _, _) => explain::Input::Token { token, uri: self.uri },
            (None, Some(url), _) => explain::Input::Url(runtime::event::UrlRequest {
                url,
                method: self.method,
                headers: self.header,
                cookies: self.cookie,
                ip: None,
            }),
            (None, None, Some(path)) => explain::Input::Event(path),
            (None, None, None) => unreachable!("clap requires one of --token, --url and --event"),
        };
        let gen = generate::Request {
            config: self.config,
            keys: self.keys.args(),
            key_options: self.keys.options(),
            style: Style::Minified,
        };
        explain::Request { gen, now: self.now, kvs: self.kvs, input }
    }
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The function file.
    file: PathBuf,
    /// The runtime to check against (default: the file's marker comment, else cloudfront-js-2.0).
    #[arg(long, value_parser = parse_runtime)]
    runtime: Option<Runtime>,
    /// The size limit in bytes.
    #[arg(long = "max-bytes", default_value_t = crate::cloudfront::MAX_CODE_BYTES)]
    max_bytes: usize,
}

impl CheckArgs {
    /// The file to check, and how.
    pub fn request(self) -> (PathBuf, check::Options) {
        (self.file, check::Options { runtime: self.runtime, max_bytes: self.max_bytes })
    }
}

#[derive(Args, Debug)]
pub struct TestArgs {
    /// The function file.
    file: PathBuf,
    /// Event files in the `aws cloudfront test-function` format (`--event events/*.json`, the flag
    /// repeated, or a directory for the .json files in it, in name order); one result each.
    #[arg(long, value_name = "EVENT.json", required = true, num_args = 1..)]
    event: Vec<PathBuf>,
    /// The time the function sees: Unix seconds (fractions allowed) or an RFC 3339 time such as
    /// 2026-12-01T12:00:00Z (default: the clock).
    #[arg(long, value_name = "TIME", value_parser = token::parse_time, allow_hyphen_values = true)]
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
    /// What every event must come out as: `allow`, `deny` or `redirect`, with `:CODE` the reason
    /// code the function must log (`deny:expired`); or `by-name`, the first word of each event
    /// file's name (`allow-…`, `deny-…`, `redirect-…`). Ends with `N passed, N failed`; exit 1 on
    /// a mismatch.
    #[arg(long, value_name = "VERDICT[:CODE]|by-name")]
    pub(super) expect: Option<runtime::report::Expect>,
}

impl TestArgs {
    /// The run, and whether `--json` was asked for.
    pub fn request(self) -> (runtime::TestRequest, bool) {
        let request = runtime::TestRequest {
            file: self.file,
            events: self.event,
            now: self.now,
            kvs: self.kvs,
            runtime: self.runtime,
        };
        (request, self.json)
    }
}

#[derive(Args, Debug)]
pub struct EventArgs {
    /// The URL: absolute (`https://d111111abcdef8.cloudfront.net/a/b?x=1`, whose host becomes the
    /// `host` header) or a path (`/a/b?x=1`).
    url: String,
    /// The method (GET, HEAD, OPTIONS, PUT, POST, PATCH or DELETE).
    #[arg(long, default_value = "GET")]
    method: String,
    /// A header, `name: value`; repeatable. A `cookie` header's cookies go to the event's cookies.
    #[arg(long, short = 'H', value_name = "NAME: VALUE")]
    header: Vec<String>,
    /// A cookie, `name=value`; repeatable.
    #[arg(long, value_name = "NAME=VALUE")]
    cookie: Vec<String>,
    /// The viewer's IP address.
    #[arg(long, value_name = "IP", default_value = runtime::event::DEFAULT_VIEWER_IP)]
    ip: String,
}

impl EventArgs {
    pub fn request(self) -> runtime::event::UrlRequest {
        runtime::event::UrlRequest {
            url: self.url,
            method: Some(self.method),
            headers: self.header,
            cookies: self.cookie,
            ip: Some(self.ip),
        }
    }
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The function file.
    file: PathBuf,
    /// The directory served when the function lets a request through (the local origin).
    #[arg(long, value_name = "DIR")]
    root: PathBuf,
    /// The port on 127.0.0.1 (0: a free one, printed at start).
    #[arg(long, default_value_t = 8787)]
    port: u16,
    /// KeyValueStore contents: a JSON object of key to value.
    #[arg(long, value_name = "KVS.json")]
    kvs: Option<PathBuf>,
    /// The time the function sees, in Unix seconds (default: the clock at each request).
    #[arg(long, value_name = "UNIX_SECONDS")]
    now: Option<f64>,
    /// The runtime (default: the file's marker comment, else cloudfront-js-2.0).
    #[arg(long, value_parser = parse_runtime)]
    runtime: Option<Runtime>,
    /// An origin (`http://host:port`, `https://host`) whose requests get CORS headers on what the
    /// root answers, as a response headers policy adds them in CloudFront; repeatable.
    #[arg(long = "cors-origin", value_name = "ORIGIN", value_parser = parse_origin)]
    cors_origin: Vec<String>,
}

impl ServeArgs {
    pub fn request(self) -> crate::serve::Config {
        crate::serve::Config {
            file: self.file,
            root: self.root,
            port: self.port,
            kvs: self.kvs,
            now: self.now,
            runtime: self.runtime,
            cors_origins: self.cors_origin,
        }
    }
}

#[derive(Args, Debug)]
#[command(mut_arg("key_file", |a| {
    a.help("The file whose bytes are the secret to sign with (one trailing newline dropped); `KID=PATH` also sets the header's `kid`")
}))]
#[command(mut_arg("key_env", |a| a.help("An environment variable holding the secret to sign with; `KID=VAR` also sets the header's `kid`")))]
pub struct TokenArgs {
    #[command(flatten)]
    keys: KeyArgs,
    /// Claims as a JSON object, e.g. '{"sub":"u1","scope":["/courses/c1/*"]}'.
    #[arg(long)]
    claims: Option<String>,
    /// Set `exp` to now + SECONDS; negative for a token that has already expired (to test the
    /// denial). Refused when that is beyond 2^53 - 1, which JSON cannot hold exactly.
    #[arg(long, value_name = "SECONDS", allow_hyphen_values = true)]
    ttl: Option<i64>,
    /// Set `iat` to now.
    #[arg(long)]
    iat: bool,
    /// The time to use: whole Unix seconds or an RFC 3339 time such as 2026-12-01T12:00:00Z
    /// (default: the clock).
    #[arg(long, value_name = "TIME", value_parser = token::parse_whole_time, allow_hyphen_values = true)]
    now: Option<i64>,
    /// The header's `kid` (default: the key's id, if it was given as KID=...).
    #[arg(long)]
    kid: Option<String>,
}

impl TokenArgs {
    pub fn request(self) -> token::Request {
        token::Request {
            keys: self.keys.args(),
            key_options: self.keys.options(),
            claims: self.claims,
            ttl: self.ttl,
            iat: self.iat,
            now: self.now,
            kid: self.kid,
        }
    }
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("store").args(["kvs_arn", "kvs_create"])))]
pub struct DeployArgs {
    /// The function file (UTF-8, as `cfjwt gen` writes it).
    pub file: PathBuf,
    /// The CloudFront function's name (1 to 64 of A-Z a-z 0-9 - _).
    #[arg(long)]
    name: String,
    /// What the snippet is for.
    #[arg(long, value_enum)]
    format: deploy::Format,
    /// How the snippet carries the code (default: the format's own, `file` for aws-cli and cdk,
    /// `inline` for cloudformation and terraform). With terraform, `file` writes
    /// `code = file("${path.module}/FILE")`: FILE as given, relative to the module's directory.
    #[arg(long, value_enum, value_name = "MODE")]
    code: Option<deploy::CodeMode>,
    /// The runtime (default: the file's marker comment; required when the file has none).
    #[arg(long, value_parser = parse_runtime)]
    runtime: Option<Runtime>,
    /// Associate this existing KeyValueStore: its ARN or, with --format terraform, a reference to
    /// it (`aws_cloudfront_key_value_store.NAME.arn`, `data.TYPE.NAME.arn`); the snippet says how
    /// to put the secret into it.
    #[arg(long = "kvs-arn", value_name = "ARN")]
    kvs_arn: Option<String>,
    /// Declare a new KeyValueStore with this name (1 to 64 of A-Z a-z 0-9 - _) and associate it
    /// (cloudformation, terraform, cdk); the snippet says how to put the secret into it.
    #[arg(long = "kvs-create", value_name = "NAME")]
    kvs_create: Option<String>,
    /// The store key the function reads: the policy's `key.kvs`.
    #[arg(long = "kvs-key", value_name = "NAME", default_value = "jwt.secret", requires = "store")]
    kvs_key: String,
    /// The file holding the secret, named in the printed put-key command (cfjwt does not read it).
    #[arg(long = "secret-file", value_name = "PATH", default_value = "jwt.key", requires = "store")]
    secret_file: String,
    /// Also declare a minimal distribution that runs the function on its default behavior: an S3
    /// bucket behind origin access control, the bucket policy that lets only this distribution
    /// read it, and a cache policy that leaves the token out of the cache key (cloudformation,
    /// terraform, cdk). Without it, the snippet shows the association to paste into a behavior.
    #[arg(long = "with-distribution")]
    with_distribution: bool,
    /// The function's comment in CloudFront.
    #[arg(long, default_value = "JWT check generated by cfjwt")]
    comment: String,
}

impl DeployArgs {
    /// The request, with the function file's bytes (`code`) read by the caller.
    pub fn request(self, code: Vec<u8>) -> deploy::Request {
        deploy::Request {
            file: self.file,
            code,
            name: self.name,
            format: self.format,
            code_mode: self.code,
            runtime: self.runtime,
            kvs_arn: self.kvs_arn,
            kvs_create: self.kvs_create,
            kvs_key: self.kvs_key,
            secret_file: self.secret_file,
            comment: self.comment,
            with_distribution: self.with_distribution,
        }
    }
}

const KVS_LONG_ABOUT: &str = "Print the `aws cloudfront-keyvaluestore` commands that change the KeyValueStore the \
function reads: the signing secret, its rotation, revocation entries.\n\n\
The policy (--config) names the entries, as the function reads them: the secret under key.kvs (a token without kid) \
or key.kvs:KID, a revocation under revocation.prefix + the claim's value. Each command takes --kvs-arn ARN, to print \
the commands for that store (each reads the store's ETag first), and/or --store STORE.json, to make the change in a \
local store file for `cfjwt test --kvs` and `cfjwt serve --kvs` (created when missing).\n\n\
A secret goes through files only: the printed put-key has the AWS CLI read it (file://), so it is on no command line.";

#[derive(Args, Debug)]
pub struct KvsArgs {
    #[command(subcommand)]
    pub command: KvsCommand,
}

#[derive(Subcommand, Debug)]
pub enum KvsCommand {
    /// Put the signing secret into the store, from a file: under key.kvs, or key.kvs:KID with --kid.
    #[command(
        long_about = "Put the signing secret into the store, from a file: under the policy's key.kvs (the secret of \
                      tokens without kid), or key.kvs:KID with --kid.\n\n\
                      The printed put-key takes the value from the file (file://): the secret is on no command line, \
                      and cfjwt does not read the file. The file holds the key file's text in the policy's key.encoding \
                      (the text `cfjwt gen --key-encoding` would read); the function ignores one trailing line break. \
                      With --store, cfjwt reads the file, checks that it decodes to a key of 32 bytes or more, and \
                      writes its text into the store file; it never prints it."
    )]
    PutSecret(KvsPutSecretArgs),
    /// Revoke the tokens whose revocation claim has a value: all of them, or those issued before a time.
    #[command(
        long_about = "Revoke the tokens whose revocation claim (the policy's revocation.claim) has the value --value: \
                      puts the entry revocation.prefix + VALUE.\n\n\
                      Without --issued-before the entry is empty and every token with that value is denied (reason \
                      `revoked`), new ones too: with \"claim\": \"sid\", one session. With --issued-before TIME the \
                      entry holds the Unix time, and only the tokens issued before it (and those without iat) are \
                      denied: with \"claim\": \"sub\" and `--issued-before now`, the user is logged out of every \
                      device while new logins keep working.\n\n\
                      The entry can be deleted (unrevoke) once every token it revokes has expired: the longest token \
                      lifetime after the time (or after the issuer's last token with the value)."
    )]
    Revoke(KvsRevokeArgs),
    /// Delete a revocation entry: the tokens with that claim value are no longer revoked.
    Unrevoke(KvsUnrevokeArgs),
    /// Rotate the signing secret, one step at a time: put the new one, switch the issuer, wait,
    /// delete the old one.
    #[command(
        long_about = "Rotate the signing secret without downtime, one step at a time; each step prints what to do \
                      now, with its commands, and the command line of the next step:\n\n\
                      \x20 --step 1  put the new secret under key.kvs:NEW_KID (from --secret-file, as put-secret does); \
                      the function accepts tokens with that kid from then on\n\
                      \x20 --step 2  switch the issuer to sign new tokens with the new secret and \"kid\": NEW_KID \
                      (nothing to run against the store)\n\
                      \x20 --step 3  wait until the last token signed with the old secret has expired: the longest \
                      token lifetime, plus claims.leeway\n\
                      \x20 --step 4  delete the old entry: key.kvs (tokens without kid) or key.kvs:OLD_KID with \
                      --old-kid\n\n\
                      The next rotation starts with --old-kid set to this one's --new-kid."
    )]
    Rotate(KvsRotateArgs),
}

/// Where a `cfjwt kvs` change goes: the store whose commands are printed, a local store file, or both.
#[derive(Args, Debug)]
#[group(required = true, multiple = true)]
pub struct KvsTarget {
    /// Print the `aws cloudfront-keyvaluestore` commands for this store (its ARN).
    #[arg(long = "kvs-arn", value_name = "ARN")]
    kvs_arn: Option<String>,
    /// Make the change in this local store file (a JSON object of key to value, as `cfjwt test --kvs`
    /// reads it), created when missing (mode 0600: it may hold secrets) and written whole.
    #[arg(long, value_name = "STORE.json")]
    store: Option<PathBuf>,
}

impl KvsTarget {
    fn target(self) -> kvs::Target {
        kvs::Target { arn: self.kvs_arn, store: self.store }
    }
}

#[derive(Args, Debug)]
pub struct KvsPutSecretArgs {
    /// The policy file (JSON): its key.kvs names the entry, its key.encoding says what the file holds.
    #[arg(long, value_name = "POLICY.json")]
    config: PathBuf,
    #[command(flatten)]
    target: KvsTarget,
    /// The key id of the tokens this secret verifies: the entry is key.kvs:KID (default: key.kvs,
    /// for tokens without kid).
    #[arg(long, value_name = "KID")]
    kid: Option<String>,
    /// The file holding the secret's text (the key file): the AWS CLI reads it when the command runs.
    #[arg(long = "secret-file", value_name = "PATH")]
    secret_file: String,
}

#[derive(Args, Debug)]
pub struct KvsRevokeArgs {
    /// The policy file (JSON): its revocation names the claim and the entries' prefix.
    #[arg(long, value_name = "POLICY.json")]
    config: PathBuf,
    #[command(flatten)]
    target: KvsTarget,
    /// The claim's value whose tokens are revoked (a session's sid, a user's sub).
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true)]
    value: String,
    /// Revoke only the tokens issued before this time (their iat): `now`, Unix seconds or an RFC 3339
    /// time such as 2026-12-01T12:00:00Z. Without it, every token with the value is revoked.
    #[arg(long = "issued-before", value_name = "now|TIME", value_parser = parse_issued_before, allow_hyphen_values = true)]
    issued_before: Option<IssuedBefore>,
}

#[derive(Args, Debug)]
pub struct KvsUnrevokeArgs {
    /// The policy file (JSON): its revocation names the entries' prefix.
    #[arg(long, value_name = "POLICY.json")]
    config: PathBuf,
    #[command(flatten)]
    target: KvsTarget,
    /// The claim's value whose entry is deleted.
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true)]
    value: String,
}

#[derive(Args, Debug)]
pub struct KvsRotateArgs {
    /// The policy file (JSON): its key.kvs names the entries.
    #[arg(long, value_name = "POLICY.json")]
    config: PathBuf,
    #[command(flatten)]
    target: KvsTarget,
    /// The new secret's key id: tokens signed with it carry "kid": NEW_KID.
    #[arg(long = "new-kid", value_name = "NEW_KID")]
    new_kid: String,
    /// The old secret's key id (default: the old secret is key.kvs, for tokens without kid).
    #[arg(long = "old-kid", value_name = "OLD_KID")]
    old_kid: Option<String>,
    /// The file holding the new secret's text: read by step 1's put-key, named in step 2.
    #[arg(long = "secret-file", value_name = "PATH")]
    secret_file: Option<String>,
    /// The step to print (and, with --store, to make).
    #[arg(long, value_name = "1-4", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=i64::from(kvs::ROTATION_STEPS)))]
    step: u8,
}

/// An `--issued-before` value: the clock, read when the command runs, or a time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum IssuedBefore {
    Now,
    At(f64),
}

fn parse_issued_before(s: &str) -> Result<IssuedBefore, String> {
    if s == "now" {
        return Ok(IssuedBefore::Now);
    }
    token::parse_time(s).map(IssuedBefore::At).map_err(|e| format!("`now`, or {e}"))
}

impl KvsArgs {
    /// The request; `now` (Unix seconds) is what `--issued-before now` stands for.
    pub fn request(self, now: f64) -> kvs::Request {
        let (config, target, command) = match self.command {
            KvsCommand::PutSecret(a) => {
                (a.config, a.target, kvs::Command::PutSecret { kid: a.kid, secret_file: a.secret_file })
            }
            KvsCommand::Revoke(a) => {
                let issued_before = a.issued_before.map(|t| match t {
                    IssuedBefore::Now => now,
                    IssuedBefore::At(t) => t,
                });
                (a.config, a.target, kvs::Command::Revoke { value: a.value, issued_before })
            }
            KvsCommand::Unrevoke(a) => (a.config, a.target, kvs::Command::Unrevoke { value: a.value }),
            KvsCommand::Rotate(a) => (
                a.config,
                a.target,
                kvs::Command::Rotate(kvs::Rotation {
                    new_kid: a.new_kid,
                    old_kid: a.old_kid,
                    secret_file: a.secret_file,
                    step: a.step,
                }),
            ),
        };
        kvs::Request { config, target: target.target(), command }
    }
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The setup to start from.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(init::SETUPS.iter().map(|s| s.name)))]
    setup: String,
    /// Where to write the policy (a file whole or not at all, through a symbolic link, keeping an
    /// existing file's mode); `-` for stdout.
    #[arg(short, long, value_name = "POLICY.json", default_value = "policy.json")]
    output: PathBuf,
    /// Replace the file if it exists.
    #[arg(long)]
    force: bool,
}

impl InitArgs {
    pub fn request(self) -> init::Request {
        let output = if self.output.as_os_str() == "-" {
            init::Destination::Stdout
        } else {
            init::Destination::File(self.output)
        };
        init::Request { setup: self.setup, output, force: self.force }
    }
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Args, Debug)]
pub struct HelpArgs {
    /// The command whose help to print; without it, cfjwt's.
    pub command: Option<String>,
}

#[derive(Args, Debug)]
pub struct ManArgs {
    /// A subcommand's own page (`cfjwt man gen` is cfjwt-gen(1)); without it, cfjwt(1).
    pub command: Option<String>,
}

fn parse_runtime(s: &str) -> Result<Runtime, String> {
    s.parse()
}

fn parse_origin(s: &str) -> Result<String, String> {
    if crate::policy::rules::is_origin(s) {
        Ok(s.to_owned())
    } else {
        Err("not an origin: `http://host:port` or `https://host`, lower case, no path, no trailing slash".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
