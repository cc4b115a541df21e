//! `cfjwt init`: the starter policies for the three common setups (`templates/init/*.json`, the
//! same policies as `examples/*.json` plus a `"$schema"` for editors) and, since JSON has no
//! comments, the explanation `init` prints to stderr beside the file it writes; and writing the file
//! (whole, and not over an existing one unless asked).

use std::path::{Path, PathBuf};

/// One setup: its name, its policy text and what to say about it.
#[derive(Debug)]
pub struct Setup {
    /// The `--setup` value.
    pub name: &'static str,
    /// One line: what the setup is for.
    pub summary: &'static str,
    /// The policy file's text.
    pub policy: &'static str,
    /// (field, what it does here), in the file's order.
    pub fields: &'static [(&'static str, &'static str)],
    /// What to run next, after the schema command every setup shares; `POLICY` stands for the
    /// file written. Lines starting with `#` say why.
    pub next: &'static [&'static str],
}

/// What to run next for a setup whose function embeds its key: the repository keeps the policy,
/// a test key and the function built with it (reviewed, and checked by CI with `gen --check`);
/// the function with the real key is generated where it is deployed, from the CI's secret store,
/// and never committed. The KeyValueStore setup keeps the secret out of the code altogether.
const EMBEDDED_NEXT: &[&str] = &[
    "head -c 32 /dev/urandom | base64 > test.key        # a test key, committed: the real key never is",
    "cfjwt gen --config POLICY --key-file test.key --key-encoding base64 --test-key -o viewer-request.js",
    "# commit POLICY, test.key and viewer-request.js; CI runs gen --check on them (examples/ci/github-actions.yml)",
    "# the deploy job builds with the real key from the CI's secret store, then deploys (examples/ci/deploy.yml):",
    "cfjwt gen --config POLICY --key-env CFJWT_KEY --key-encoding base64 -o \"$RUNNER_TEMP/viewer-request.js\"",
    "cfjwt deploy \"$RUNNER_TEMP/viewer-request.js\" --name jwt-check --format aws-cli",
    "# recommended for production instead: --setup kvs-rotation, with no secret in the code and rotation without a redeploy",
];

/// Every setup `init` knows.
pub const SETUPS: &[Setup] = &[
    Setup {
        name: "video-cookie",
        summary: "HLS/DASH video: the player's segment requests carry the token in a cookie",
        policy: include_str!("../templates/init/video-cookie.json"),
        fields: &[
            (
                "token.from",
                "the query parameter `jwt` first (a fresh link wins over an older cookie), else the cookie `token`",
            ),
            (
                "token.handoff",
                "a valid `?jwt=` token on a GET is answered with a 302 to the same URL without it, \
                 setting the cookie `token` (Path=/courses/) until the token's exp",
            ),
            ("claims.scope", "the token's `paths` claim lists the URI patterns it opens, e.g. [\"/courses/c1/*\"]"),
            ("claims.leeway", "30 seconds of clock skew on exp"),
            ("public", "/favicon.ico needs no token"),
        ],
        next: EMBEDDED_NEXT,
    },
    Setup {
        name: "api-bearer",
        summary: "an API called with `Authorization: Bearer <token>`",
        policy: include_str!("../templates/init/api-bearer.json"),
        fields: &[
            ("token.from", "the header `authorization`, as `Bearer <token>`"),
            ("claims.leeway", "10 seconds of clock skew on exp and iat"),
            ("claims.max_age", "iat is required and at most an hour old"),
            ("claims.iss", "issued by https://auth.example.com (put your issuer here)"),
            ("claims.aud", "for the audience `api` (put yours here)"),
            ("preflight", "CORS preflights (OPTIONS) go through without a token"),
        ],
        next: EMBEDDED_NEXT,
    },
    Setup {
        name: "kvs-rotation",
        summary: "the secret in a CloudFront KeyValueStore, rotated with key ids",
        policy: include_str!("../templates/init/kvs-rotation.json"),
        fields: &[
            (
                "key.kvs",
                "the function reads the secret from the store key `jwt.secret`, or `jwt.secret:KID` for a token with a kid",
            ),
            ("token.from", "the cookie `token` first, else the header `authorization` (Bearer)"),
            ("claims.leeway", "30 seconds of clock skew on exp"),
        ],
        next: &[
            "cfjwt gen --config POLICY -o viewer-request.js    # no key: the code holds none; commit it",
            "mkdir -p -m 700 ~/.cfjwt-secrets                  # the secret lives outside the repository",
            "head -c 32 /dev/urandom | base64 > ~/.cfjwt-secrets/jwt.key   # its text goes into the store",
            "cfjwt kvs put-secret --config POLICY --kvs-arn ARN --secret-file ~/.cfjwt-secrets/jwt.key   # the put-key: the AWS CLI reads the file",
            "cfjwt deploy viewer-request.js --name jwt-check --format aws-cli --kvs-arn ARN   # the function, associated with the store",
            "# to rotate the secret later, one step at a time: cfjwt kvs rotate --config POLICY --kvs-arn ARN --new-kid KID --secret-file NEW.key",
        ],
    },
];

/// The fields a starter policy leaves out that fit every setup, as `init` describes them.
pub const OPTIONAL_FIELDS: &[(&str, &str)] = &[
    ("then", "\"edge.js\": your own viewer-request function, run on every request the check lets through"),
    ("forward", "{\"sub\": \"x-user-id\"}: verified claims as request headers for the origin, never from the viewer"),
    ("claims.require", "{\"plan\": [\"pro\", \"team\"]}: claims that must have one of the values"),
    (
        "log",
        "\"console\" or \"access-log\": the reason code of each decision, for `cfjwt explain`'s codes in your logs",
    ),
];

/// The setup named `name`.
pub fn find(name: &str) -> Option<&'static Setup> {
    SETUPS.iter().find(|s| s.name == name)
}

/// What `cfjwt init` is asked for.
#[derive(Clone, Debug)]
pub struct Request {
    /// The setup's name.
    pub setup: String,
    pub output: Destination,
    /// Replace the file if it exists.
    pub force: bool,
}

/// Where the starter policy goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    /// Standard output: the caller prints [`Setup::policy`].
    Stdout,
    /// A file, written whole or not at all.
    File(PathBuf),
}

/// Why no starter policy was written.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("--setup: `{0}` is not a setup")]
    Unknown(String),
    #[error("{}: the file exists; give --force to replace it", .0.display())]
    Exists(PathBuf),
    #[error("{}: cannot write it", file.display())]
    Write {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The setup named `name`, or the error that says there is none.
pub fn find_setup(name: &str) -> Result<&'static Setup, InitError> {
    find(name).ok_or_else(|| InitError::Unknown(name.to_string()))
}

/// Writes the setup's policy to `file` (as [`crate::output::write`] writes: through a symbolic
/// link, a device or FIFO in place, a directory refused), which must not be an existing regular
/// file unless `force`: only a regular file has contents to lose.
pub fn write(setup: &Setup, file: &Path, force: bool) -> Result<(), InitError> {
    if !force && std::fs::metadata(file).is_ok_and(|m| m.is_file()) {
        return Err(InitError::Exists(file.to_owned()));
    }
    crate::output::write(file, setup.policy.as_bytes(), crate::output::Options::default())
        .map(drop)
        .map_err(|source| InitError::Write { file: file.to_owned(), source })
}

impl Setup {
    /// What `init` prints to stderr after writing the policy to `written_to`.
    pub fn explanation(&self, written_to: &str) -> String {
        let width = self.fields.iter().map(|(f, _)| f.len()).max().unwrap_or(0);
        let mut out = format!("{written_to}: a starter policy for {}: {}.\n", self.name, self.summary);
        for (field, meaning) in self.fields {
            out.push_str(&format!("  {field:width$}  {meaning}\n"));
        }
        out.push_str("Next:\n");
        let policy = if written_to.contains(' ') { format!("'{written_to}'") } else { written_to.to_string() };
        out.push_str(
            "  cfjwt schema > cfjwt-policy.schema.json       # lets editors check the policy (its \"$schema\")\n",
        );
        for line in self.next {
            out.push_str(&format!("  {}\n", line.replace("POLICY", &policy)));
        }
        out.push_str("Fields any setup can add (cfjwt's README, \"The policy file\"):\n");
        let width = OPTIONAL_FIELDS.iter().map(|(f, _)| f.len()).max().unwrap_or(0);
        for (field, meaning) in OPTIONAL_FIELDS {
            out.push_str(&format!("  {field:width$}  {meaning}\n"));
        }
        out.push_str(&format!(
            "The walkthrough, from nothing to a working distribution: examples/walkthroughs/{}/README.md in cfjwt's repository;\n\
             how to keep the secret out of the repository: cfjwt's README, \"Keeping the secret out of the repository\".\n",
            self.name
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_starter_policy_is_valid() {
        for s in SETUPS {
            crate::policy::parse(s.policy, Path::new(s.name)).unwrap_or_else(|e| panic!("{}: {e}", s.name));
        }
    }

    #[test]
    fn embedded_setups_commit_only_a_test_build() {
        for s in SETUPS.iter().filter(|s| !s.policy.contains("\"kvs\"")) {
            let text = s.explanation("policy.json");
            assert!(
                text.contains("--key-file test.key --key-encoding base64 --test-key -o viewer-request.js"),
                "{text}"
            );
            assert!(text.contains("--key-env CFJWT_KEY") && text.contains("examples/ci/deploy.yml"), "{text}");
            assert!(!text.contains("jwt.key") && text.contains("--setup kvs-rotation"), "{text}");
        }
    }

    #[test]
    fn the_store_setup_puts_its_secret_with_cfjwt_kvs() {
        let text = find("kvs-rotation").unwrap().explanation("policy.json");
        assert!(text.contains("cfjwt kvs put-secret --config policy.json --kvs-arn ARN --secret-file "), "{text}");
        assert!(text.contains("cfjwt kvs rotate --config policy.json"), "{text}");
        let deploy = text.lines().find(|l| l.trim_start().starts_with("cfjwt deploy ")).unwrap();
        assert!(!deploy.contains("--secret-file"), "the secret is put by cfjwt kvs, not deploy: {deploy}");
    }

    #[test]
    fn explanations_name_every_field_that_is_set() {
        for s in SETUPS {
            let text = s.explanation("policy.json");
            assert!(text.starts_with(&format!("policy.json: a starter policy for {}", s.name)));
            assert!(!text.contains("POLICY"), "{text}");
            for (field, _) in s.fields {
                let top = field.split('.').next().unwrap();
                assert!(s.policy.contains(&format!("\"{top}\"")), "{}: {field} is not in the policy", s.name);
            }
            for (field, _) in OPTIONAL_FIELDS {
                assert!(text.contains(&format!("  {field}  ")) || text.contains(&format!("  {field} ")), "{text}");
            }
        }
    }
}
