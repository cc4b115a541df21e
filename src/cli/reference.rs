//! The commands that print reference material: `cfjwt schema` (the policy's JSON Schema),
//! `cfjwt completions`, `cfjwt man` and `cfjwt help` (made from the clap types; the man pages add
//! EXAMPLES, EXIT STATUS, the policy's fields and SEE ALSO from the tables below).

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

/// `cfjwt help [COMMAND]`: what `--help` prints.
pub(super) fn help(command: Option<&str>) -> anyhow::Result<Outcome> {
    let mut cmd = Cli::command();
    // Built, so that a command's usage line names it as `cfjwt NAME`.
    cmd.build();
    let help = match command {
        None => cmd.render_long_help(),
        Some(name) => {
            let sub = cmd.find_subcommand_mut(name).with_context(|| format!("`{name}` is not a cfjwt command"))?;
            sub.render_long_help()
        }
    };
    print(help.to_string())?;
    Ok(Outcome::Done)
}

/// Examples for each command's man page: (command, what it does, the command line). Every line is
/// parsed by the command line's own parser in the tests.
pub const EXAMPLES: &[(&str, &str, &str)] = &[
    ("gen", "Write the function with a test key, and check it in CI", "cfjwt gen --config policy.json --key-file test.key --key-encoding base64 --test-key -o viewer-request.js"),
    ("gen", "Fail when the committed function is not what the policy gives", "cfjwt gen --config policy.json --key-file test.key --key-encoding base64 --test-key -o viewer-request.js --check"),
    ("check", "What CloudFront would refuse in any function file", "cfjwt check viewer-request.js"),
    ("test", "Every event of a directory, each as its name says", "cfjwt test viewer-request.js --event events/ --expect by-name"),
    ("event", "An event for a URL with a token", "cfjwt event 'https://d111111abcdef8.cloudfront.net/lesson1.m3u8?jwt=TOKEN'"),
    ("explain", "Why a token is denied, the token read from standard input", "cfjwt explain --config policy.json --key-file test.key --token -"),
    ("serve", "The function in front of a directory, on 127.0.0.1:8787", "cfjwt serve viewer-request.js --root media"),
    ("token", "A token for a course, valid five minutes", "cfjwt token --key-file test.key --claims '{\"paths\":[\"/courses/c1/*\"]}' --ttl 300"),
    ("token", "A token that has already expired", "cfjwt token --key-file test.key --ttl -60"),
    ("deploy", "The AWS CLI commands that create and publish the function", "cfjwt deploy viewer-request.js --name jwt-check --format aws-cli"),
    ("deploy", "A CDK app with a new KeyValueStore and a minimal distribution that runs the function", "cfjwt deploy viewer-request.js --name jwt-check --format cdk --kvs-create jwt-keys --with-distribution"),
    ("deploy", "Terraform that reads the file, with a store declared elsewhere in the module", "cfjwt deploy viewer-request.js --name jwt-check --format terraform --code file --kvs-arn aws_cloudfront_key_value_store.keys.arn"),
    ("kvs", "Put the signing secret into the store, from a file the AWS CLI reads itself", "cfjwt kvs put-secret --config policy.json --kvs-arn \"$KVS_ARN\" --secret-file ~/.cfjwt-secrets/jwt.key"),
    ("kvs", "Revoke one session (a policy with \"revocation\": {\"claim\": \"sid\"})", "cfjwt kvs revoke --config policy.json --kvs-arn \"$KVS_ARN\" --value 5f2c9a"),
    ("kvs", "Log a user out of every device, new logins working (\"claim\": \"sub\")", "cfjwt kvs revoke --config policy.json --kvs-arn \"$KVS_ARN\" --value user-42 --issued-before now"),
    ("kvs", "Undo a revocation in the local test store", "cfjwt kvs unrevoke --config policy.json --store test-store.json --value 5f2c9a"),
    ("kvs", "The first step of a rotation to a new secret with key id 2026-11", "cfjwt kvs rotate --config policy.json --kvs-arn \"$KVS_ARN\" --new-kid 2026-11 --secret-file ~/.cfjwt-secrets/jwt-2026-11.key"),
    ("init", "A starter policy for video", "cfjwt init --setup video-cookie"),
    ("schema", "The policy's JSON Schema, for editors", "cfjwt schema"),
    ("completions", "Completions for bash", "cfjwt completions bash"),
    ("man", "Read this page", "cfjwt man gen"),
    ("help", "The help of a command", "cfjwt help gen"),
];

/// Each command's exit codes, for its man page's EXIT STATUS.
pub const EXIT_STATUS: &[(&str, &str)] = &[
    ("gen", "0 written (or current, with --check); 1 --check found the file differs; 2 bad input"),
    ("check", "0 no problem; 1 problems found, each as FILE:LINE:COL: message; 2 bad input"),
    ("test", "0 every event ran and every --expect held; 1 the function threw, timed out or returned what CloudFront rejects, or an event did not come out as --expect says; 2 bad input"),
    ("explain", "0 allowed or handed off; 1 denied; 2 bad input"),
    ("serve", "0 stopped by SIGINT or SIGTERM; 2 bad input"),
    ("kvs", "0 printed (and, with --store, the store file written); 2 bad input (the policy has no key.kvs or no revocation, a bad key id, ARN or value, a secret file that is not a usable key)"),
];

/// The roff of the sections cfjwt adds to a page: EXAMPLES, EXIT STATUS, (on cfjwt(1)) the
/// policy's fields, and SEE ALSO.
fn extra_sections(command: Option<&str>) -> String {
    let mut out = String::new();
    // A subcommand's page (`kvs-revoke`) has the examples of its command that run it, and its
    // command's exit codes.
    let (parent, words) =
        match command.and_then(|n| n.split_once('-')).filter(|(p, _)| EXAMPLES.iter().any(|e| e.0 == *p)) {
            Some((parent, sub)) => (Some(parent), Some(format!("cfjwt {parent} {sub} "))),
            None => (command, None),
        };
    let examples: Vec<_> = EXAMPLES
        .iter()
        .filter(|(c, _, line)| {
            parent.is_none_or(|n| n == *c) && words.as_ref().is_none_or(|w| line.starts_with(w.as_str()))
        })
        .collect();
    if !examples.is_empty() {
        out.push_str(".SH EXAMPLES\n");
        for (_, what, line) in examples {
            out.push_str(&format!(".TP\n{}\n.nf\n{}\n.fi\n", roff(what), roff(line)));
        }
    }
    out.push_str(".SH \"EXIT STATUS\"\n");
    match parent.and_then(|n| EXIT_STATUS.iter().find(|(c, _)| *c == n)) {
        Some((_, codes)) => out.push_str(&format!("{}\n", roff(codes))),
        None => out.push_str("0 success; 1 a check said no (the output differs, problems found, the function failed, a request denied); 2 bad input.\n"),
    }
    if command.is_none() {
        out.push_str(".SH \"POLICY FIELDS\"\n");
        let schema = crate::policy::schema::policy_schema();
        if let Some(fields) = schema.get("properties").and_then(|p| p.as_object()) {
            for (name, field) in fields {
                let what = field.get("description").and_then(|d| d.as_str()).unwrap_or("");
                out.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", roff(name), roff(what)));
            }
        }
        out.push_str("The JSON Schema, with every nested field: \\fBcfjwt schema\\fR.\n");
    }
    out.push_str(".SH \"SEE ALSO\"\n");
    let pages: Vec<String> = Cli::command()
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .filter(|n| command != Some(n.as_str()))
        .map(|n| format!("cfjwt-{n}(1)"))
        .collect();
    let main = if command.is_some() { "cfjwt(1), " } else { "" };
    out.push_str(&format!("{main}{}\n", roff(&pages.join(", "))));
    out
}

/// Text as roff, on one line: backslashes and hyphens escaped, a leading `.` or `'` kept from
/// being a request.
fn roff(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let escaped = one_line.replace('\\', "\\e").replace('-', "\\-");
    match escaped.chars().next() {
        Some('.') | Some('\'') => format!("\\&{escaped}"),
        _ => escaped,
    }
}

/// The command a man page name stands for, with the words that run it: `deploy` is `cfjwt
/// deploy`, `kvs-revoke` is `cfjwt kvs revoke` (the page cfjwt-kvs(1) names as cfjwt-kvs-revoke(1)).
fn find_page(cmd: &clap::Command, name: &str) -> Option<(clap::Command, String)> {
    if let Some(sub) = cmd.find_subcommand(name) {
        return Some((sub.clone(), format!("cfjwt {name}")));
    }
    cmd.get_subcommands().find_map(|parent| {
        let rest = name.strip_prefix(parent.get_name())?.strip_prefix('-')?;
        let sub = parent.find_subcommand(rest)?;
        Some((sub.clone(), format!("cfjwt {} {rest}", parent.get_name())))
    })
}

pub(super) fn man(command: Option<&str>) -> anyhow::Result<Outcome> {
    let cmd = Cli::command();
    let page = match command {
        None => cmd,
        Some(name) => {
            let (sub, words) = find_page(&cmd, name).with_context(|| format!("`{name}` is not a cfjwt command"))?;
            // clap takes names as `&'static str` (no `string` feature); the process ends right after.
            let title: &'static str = Box::leak(format!("cfjwt-{name}").into_boxed_str());
            sub.name(title).bin_name(words).display_name(title)
        }
    };
    let mut text = Vec::new();
    clap_mangen::Man::new(page).render(&mut text).context("cannot render the man page")?;
    text.extend_from_slice(extra_sections(command).as_bytes());
    print(text)?;
    Ok(Outcome::Done)
}
