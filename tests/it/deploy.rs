//! `cfjwt deploy`'s snippets through the tools they are for, and `examples/deploy/` being what
//! `cfjwt deploy` prints (`CFJWT_BLESS=1 cargo test --test it deploy::` rewrites them): CDK apps
//! compiled with tsc and synthesized with aws-cdk-lib, whose template carries the function
//! file's bytes (read when the app runs, not copied); CloudFormation templates passed, and a
//! broken one failed, by cfn-lint; the Terraform example read by an HCL parser and, where
//! terraform (or tofu) and a copy of the AWS provider are installed, `terraform validate`d with no
//! download. `make deps` installs the npm packages (examples/deploy/cdk) and cfn-lint (a venv
//! under target/): without them these tests fail and say so. Only the `terraform validate` part
//! skips, and prints why, when no such tool or provider is at hand (the snippets' parsing is in
//! tests/it/toolchain.rs).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::toolchain::deploy::{assert_laid_out_as_terraform_fmt, Tf, ARN, HOSTILE};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("cfjwt")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs cfjwt in `dir`; its stdout, after checking it succeeded, and with `quiet` that it said
/// nothing on stderr but `gen`'s size line (no warning).
fn cfjwt_in(dir: &Path, args: &[&str], quiet: bool) -> Vec<u8> {
    let out = Command::new(bin()).current_dir(dir).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "cfjwt {args:?}: {stderr}");
    assert!(!quiet || !stderr.contains("warning"), "cfjwt {args:?}: {stderr}");
    out.stdout
}

/// What the examples of examples/deploy/ are: the file, and the arguments of `cfjwt deploy`
/// that print it, run in the file's directory.
const EXAMPLES: [(&str, &[&str]); 3] = [
    ("cloudformation/template.yaml", &["--format", "cloudformation"]),
    ("terraform/main.tf", &["--format", "terraform", "--code", "file"]),
    ("cdk/app.ts", &["--format", "cdk"]),
];

/// The arguments of `cfjwt deploy` for an example: the same for all but the format's.
fn example_args<'a>(format: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["deploy", "../viewer-request.js", "--name", "jwt-check"];
    args.extend(format);
    args.extend(["--kvs-create", "jwt-keys", "--with-distribution"]);
    args
}

#[test]
fn the_examples_are_what_cfjwt_prints() {
    let bless = std::env::var_os("CFJWT_BLESS").is_some();
    let dir = repo("examples/deploy");
    let readme = String::from_utf8(read(&dir.join("README.md"))).unwrap();
    let mut stale = Vec::new();
    let mut check = |path: PathBuf, printed: Vec<u8>| {
        if bless {
            std::fs::write(&path, &printed).unwrap();
        } else if std::fs::read(&path).ok() != Some(printed) {
            stale.push(path.display().to_string());
        }
    };
    let gen = ["gen", "--config", "../kvs-rotation.json"];
    check(dir.join("viewer-request.js"), cfjwt_in(&dir, &gen, true));
    assert!(readme.contains(&format!("cfjwt {} -o viewer-request.js", gen.join(" "))), "the README says how");
    for (file, format) in EXAMPLES {
        let path = dir.join(file);
        let args = example_args(format);
        check(path.clone(), cfjwt_in(path.parent().unwrap(), &args, true));
        let name = path.file_name().unwrap().to_str().unwrap();
        let line = format!("cfjwt {} > {name}", args.join(" "));
        assert!(readme.contains(&line), "examples/deploy/README.md does not say `{line}`");
    }
    assert!(stale.is_empty(), "stale examples (refresh with CFJWT_BLESS=1 cargo test --test it deploy::): {stale:?}");
}

/// The Terraform example read by an HCL parser: the function reads viewer-request.js, the
/// distribution runs it and keeps the token out of the cache key, and only it may read the
/// bucket. Laid out as `terraform fmt` does.
#[test]
fn the_terraform_example_reads_the_file_and_wires_the_behavior() {
    let module = repo("examples/deploy/terraform");
    let text = String::from_utf8(read(&module.join("main.tf"))).unwrap();
    assert_laid_out_as_terraform_fmt(&text);
    let tf = Tf::parse(&text, &module, &[]);
    let function = tf.block(&[("resource", &["aws_cloudfront_function", "jwt_check"])]);
    let code = String::from_utf8(read(&repo("examples/deploy/viewer-request.js"))).unwrap();
    assert_eq!(tf.attr(function, "code"), hcl::Value::from(code));
    let stores = tf.attr(function, "key_value_store_associations");
    assert_eq!(stores, hcl::Value::from(vec![hcl::Value::from("aws_cloudfront_key_value_store.jwt_keys.arn")]));
    let distribution: &[(&str, &[&str])] = &[("resource", &["aws_cloudfront_distribution", "jwt_check"])];
    let behavior = [distribution, &[("default_cache_behavior", &[])]].concat();
    let association = tf.block(&[&behavior[..], &[("function_association", &[])]].concat());
    assert_eq!(tf.attr(association, "function_arn"), hcl::Value::from("aws_cloudfront_function.jwt_check.arn"));
    let origin = tf.block(&[distribution, &[("origin", &[])]].concat());
    let oac = "aws_cloudfront_origin_access_control.jwt_check.id";
    assert_eq!(tf.attr(origin, "origin_access_control_id"), hcl::Value::from(oac));
    let statement = tf.block(&[("data", &["aws_iam_policy_document", "jwt_check_bucket"]), ("statement", &[])]);
    let principals = tf.block(&[
        ("data", &["aws_iam_policy_document", "jwt_check_bucket"]),
        ("statement", &[]),
        ("principals", &[]),
    ]);
    assert_eq!(
        tf.attr(principals, "identifiers"),
        hcl::Value::from(vec![hcl::Value::from("cloudfront.amazonaws.com")])
    );
    assert_eq!(tf.attr(statement, "actions"), hcl::Value::from(vec![hcl::Value::from("s3:GetObject")]));
}

/// terraform (or tofu), the directory of a provider mirror that holds the AWS provider, and the
/// registry host it is filed under; or why not. The mirror is the first of
/// `$CFJWT_TERRAFORM_PROVIDERS`, Terraform's own local mirror directories, and `/opt/tf-plugins`
/// (where some machine images keep one) that holds `HOST/hashicorp/aws`.
fn terraform() -> Result<(&'static str, PathBuf, &'static str), String> {
    let tool =
        [("terraform", "registry.terraform.io"), ("tofu", "registry.opentofu.org")].into_iter().find(|(tool, _)| {
            let version = Command::new(tool).arg("version").env("CHECKPOINT_DISABLE", "1").output();
            version.is_ok_and(|o| o.status.success())
        });
    let Some((tool, host)) = tool else {
        return Err("neither terraform nor tofu is installed (neither is a Debian package)".into());
    };
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    let data = std::env::var_os("XDG_DATA_HOME").map(PathBuf::from).unwrap_or_else(|| home.join(".local/share"));
    let mut places: Vec<PathBuf> =
        std::env::var_os("CFJWT_TERRAFORM_PROVIDERS").map(PathBuf::from).into_iter().collect();
    places.extend([
        home.join(".terraform.d/plugins"),
        data.join("terraform/plugins"),
        PathBuf::from("/usr/local/share/terraform/plugins"),
        PathBuf::from("/usr/share/terraform/plugins"),
        PathBuf::from("/opt/tf-plugins"),
    ]);
    match places.iter().find(|p| p.join(host).join("hashicorp/aws").is_dir()) {
        Some(mirror) => Ok((tool, mirror.clone(), host)),
        None => Err(format!(
            "{tool} is installed, but no copy of the AWS provider ({host}/hashicorp/aws) is in {} (set CFJWT_TERRAFORM_PROVIDERS), and validating needs one; none is downloaded",
            places.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// `terraform validate`, with the AWS provider from a local mirror, no download: the example
/// beside a function-only snippet whose code is inline (every escape of the heredoc read by
/// Terraform itself) and whose store is the example's, by reference; then the same with an
/// argument the provider does not have, which must fail. `terraform fmt` finds nothing to change.
/// Skips, saying why, where terraform or the provider is not installed.
#[test]
fn terraform_validates_the_example_and_a_snippet_offline() {
    let (tool, mirror, host) = match terraform() {
        Ok(found) => found,
        Err(why) => {
            // Past the test harness's capture: the run's output says it.
            let _ = writeln!(std::io::stderr(), "skipped: `terraform validate` of the deploy snippets: {why}");
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("terraform");
    std::fs::create_dir(&module).unwrap();
    std::fs::copy(repo("examples/deploy/viewer-request.js"), dir.path().join("viewer-request.js")).unwrap();
    std::fs::copy(repo("examples/deploy/terraform/main.tf"), module.join("main.tf")).unwrap();
    let awkward = format!("{HOSTILE}$${{x}}\n%%{{y}}\n$$${{z}}\n\\${{w}}\n");
    std::fs::write(dir.path().join("inline.js"), &awkward).unwrap();
    let snippet = cfjwt_in(
        &module,
        &[
            "deploy",
            "../inline.js",
            "--name",
            "jwt-check-inline",
            "--format",
            "terraform",
            "--kvs-arn",
            "aws_cloudfront_key_value_store.jwt_keys.arn",
        ],
        false,
    );
    std::fs::write(module.join("snippet.tf"), &snippet).unwrap();
    let config = dir.path().join("cli.tfrc");
    std::fs::write(
        &config,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = {:?}\n    include = [\"{host}/hashicorp/aws\"]\n  }}\n}}\n",
            mirror.display().to_string()
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(tool)
            .args(args)
            .current_dir(&module)
            .env("TF_CLI_CONFIG_FILE", &config)
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .output()
            .unwrap();
        (
            out.status.success(),
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        )
    };
    let (ok, said) = run(&["fmt", "-check", "-diff", "-no-color"]);
    assert!(ok, "{tool} fmt would change the snippets:\n{said}");
    let (ok, said) = run(&["init", "-backend=false", "-input=false", "-no-color"]);
    assert!(ok, "{tool} init (from {}):\n{said}", mirror.display());
    let (ok, said) = run(&["validate", "-no-color"]);
    assert!(ok && said.contains("Success"), "{tool} validate:\n{said}");
    let text = String::from_utf8(snippet).unwrap();
    let broken = text.replacen("  publish ", "  no_such_argument = 1\n  publish ", 1);
    assert_ne!(broken, text);
    std::fs::write(module.join("snippet.tf"), broken).unwrap();
    let (ok, said) = run(&["validate", "-no-color"]);
    assert!(!ok && said.contains("no_such_argument"), "{tool} validate passed a broken snippet:\n{said}");
}

/// cfn-lint from the virtual environment `make deps` makes; panics saying so when it is missing.
fn cfn_lint() -> PathBuf {
    let path = repo("target/cfn-lint-venv/bin/cfn-lint");
    assert!(
        path.exists(),
        "{} is missing: run `make deps` (a venv with examples/deploy/cloudformation/requirements.txt)",
        path.display()
    );
    path
}

/// cfn-lint passes the example and function-only templates (a store by ARN, a store declared,
/// awkward code and values), and fails the example with one value broken: one run for all.
#[test]
fn cfn_lint_passes_the_templates_and_fails_a_broken_one() {
    let lint = cfn_lint();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("f.js"), HOSTILE).unwrap();
    let deploy = |extra: &[&str]| {
        let mut args = vec!["deploy", "f.js", "--name", "jwt-check", "--format", "cloudformation"];
        args.extend(extra);
        let out = Command::new(bin()).current_dir(dir.path()).args(&args).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    std::fs::write(dir.path().join("by-arn.yaml"), deploy(&["--kvs-arn", ARN, "--comment", "it's \"q\" ${x} é"]))
        .unwrap();
    std::fs::write(dir.path().join("declared.yaml"), deploy(&["--kvs-create", "jwt-keys"])).unwrap();
    let example = String::from_utf8(read(&repo("examples/deploy/cloudformation/template.yaml"))).unwrap();
    let broken = example.replacen("OriginAccessControlOriginType: s3", "OriginAccessControlOriginType: s4", 1);
    assert_ne!(broken, example);
    std::fs::write(dir.path().join("broken.yaml"), broken).unwrap();
    let out = Command::new(&lint)
        .current_dir(dir.path())
        .args(["--format", "parseable", "by-arn.yaml", "declared.yaml", "broken.yaml"])
        .arg(repo("examples/deploy/cloudformation/template.yaml"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "cfn-lint passed a broken template:\n{said}");
    let problems: Vec<&str> = said.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(
        problems.iter().all(|p| p.starts_with("broken.yaml:")) && problems.iter().any(|p| p.contains("'s4'")),
        "cfn-lint on the templates:\n{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The CDK example's node_modules (`make deps`: npm ci in examples/deploy/cdk), and `node`;
/// panics saying to run `make deps` when either is missing.
fn cdk_modules() -> PathBuf {
    let works = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(works, "node is not installed: run `make deps`");
    let modules = repo("examples/deploy/cdk/node_modules");
    for package in ["aws-cdk-lib", "constructs", "typescript", "@types/node"] {
        let dir = modules.join(package);
        assert!(dir.is_dir(), "{} is missing: run `make deps` (npm ci in examples/deploy/cdk)", dir.display());
    }
    modules
}

/// The resources of a synthesized template of one type, by logical id.
fn resources<'a>(template: &'a Value, kind: &str) -> Vec<(&'a String, &'a Value)> {
    template["Resources"].as_object().unwrap().iter().filter(|(_, r)| r["Type"] == kind).collect()
}

fn the_one<'a>(template: &'a Value, kind: &str) -> (&'a String, &'a Value) {
    let found = resources(template, kind);
    assert_eq!(found.len(), 1, "{kind}: {found:?}");
    found[0]
}

/// Three apps compiled by one `tsc` and synthesized in one `node` (aws-cdk-lib loads once): the
/// example as committed; a function-only app for a file whose name, and a comment, hold quotes,
/// `${`, backticks, accents and a line separator, with a store by ARN; and a runtime 1.0 app for
/// a file named by its absolute path, changed after the app was printed. Each template's
/// function code is the file's bytes as they are when the app runs.
#[test]
fn cdk_apps_synthesize_with_the_file_as_the_code() {
    let modules = cdk_modules();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::os::unix::fs::symlink(&modules, root.join("node_modules")).unwrap();
    let base = repo("examples/deploy/cdk/tsconfig.json");
    std::fs::write(root.join("tsconfig.json"), json!({"extends": base, "include": ["*/app.ts"]}).to_string()).unwrap();
    let app = |name: &str| {
        std::fs::create_dir_all(root.join(name)).unwrap();
        root.join(name)
    };
    // The example, beside its function file as in the repository.
    std::fs::copy(repo("examples/deploy/viewer-request.js"), root.join("viewer-request.js")).unwrap();
    std::fs::copy(repo("examples/deploy/cdk/app.ts"), app("example").join("app.ts")).unwrap();
    // Awkward names and values.
    let hostile = app("hostile");
    let file = "it's \"q\" ${x} `y` é\u{2028}.js";
    let comment = "it's \"quoted\" ${x} %{y} $(z) `w` é\\ \u{2028}";
    std::fs::write(hostile.join(file), HOSTILE).unwrap();
    let printed = cfjwt_in(
        &hostile,
        &["deploy", file, "--name", "jwt-check", "--format", "cdk", "--kvs-arn", ARN, "--comment", comment],
        false,
    );
    std::fs::write(hostile.join("app.ts"), printed).unwrap();
    // Runtime 1.0, an absolute path, and the file changed once the app is printed.
    let one = app("one");
    let function = root.join("one.js");
    std::fs::write(&function, "// cloudfront-js-1.0\nfunction handler(e) { return e.request; }\n").unwrap();
    let printed = Command::new(bin())
        .current_dir(&one)
        .args(["deploy", function.to_str().unwrap(), "--name", "one", "--format", "cdk"])
        .output()
        .unwrap();
    assert!(printed.status.success(), "{}", String::from_utf8_lossy(&printed.stderr));
    std::fs::write(one.join("app.ts"), printed.stdout).unwrap();
    let changed = "// cloudfront-js-1.0\n// a later version\nfunction handler(e) { return e.request; }\n";
    std::fs::write(&function, changed).unwrap();

    let tsc = Command::new(modules.join("typescript/bin/tsc")).args(["-p", "."]).current_dir(root).output().unwrap();
    assert!(
        tsc.status.success(),
        "tsc:\n{}{}",
        String::from_utf8_lossy(&tsc.stdout),
        String::from_utf8_lossy(&tsc.stderr)
    );
    let driver = root.join("synth.js");
    std::fs::write(
        &driver,
        "// Each app directory given, as `cd DIR && CDK_OUTDIR=DIR/cdk.out node app.js` runs it.\n\
         const path = require(\"path\");\n\
         for (const dir of process.argv.slice(2)) {\n\
         \x20 process.chdir(dir);\n\
         \x20 process.env.CDK_OUTDIR = path.join(dir, \"cdk.out\");\n\
         \x20 require(path.join(dir, \"app.js\"));\n\
         }\n",
    )
    .unwrap();
    let apps = [root.join("example"), hostile.clone(), one.clone()];
    let synth = Command::new("node").arg(&driver).args(&apps).current_dir(root).output().unwrap();
    assert!(
        synth.status.success(),
        "node:\n{}{}",
        String::from_utf8_lossy(&synth.stdout),
        String::from_utf8_lossy(&synth.stderr)
    );
    let template = |dir: &Path, stack: &str| -> Value {
        let path = dir.join("cdk.out").join(format!("{stack}.template.json"));
        serde_json::from_slice(&read(&path)).unwrap()
    };
    // Compared as text, byte for byte: both are UTF-8.
    let code_of = |function: &Value| function["Properties"]["FunctionCode"].as_str().unwrap().to_string();
    let text = |path: &Path| String::from_utf8(read(path)).unwrap();

    // The example: the store it declares, the distribution that runs the function.
    let t = template(&root.join("example"), "JwtCheckStack");
    let (function_id, function) = the_one(&t, "AWS::CloudFront::Function");
    assert_eq!(code_of(function), text(&root.join("viewer-request.js")), "the example's code is the file's");
    let config = &function["Properties"]["FunctionConfig"];
    assert_eq!(config["Runtime"], "cloudfront-js-2.0");
    assert_eq!(function["Properties"]["Name"], "jwt-check");
    let (store_id, store) = the_one(&t, "AWS::CloudFront::KeyValueStore");
    assert_eq!(store["Properties"]["Name"], "jwt-keys");
    assert_eq!(config["KeyValueStoreAssociations"], json!([{"KeyValueStoreARN": {"Fn::GetAtt": [store_id, "Arn"]}}]));
    // The put-key command looks the store's ARN up under this output.
    assert_eq!(t["Outputs"]["JwtKeysStoreArn"]["Value"], json!({"Fn::GetAtt": [store_id, "Arn"]}));
    let (distribution_id, distribution) = the_one(&t, "AWS::CloudFront::Distribution");
    let behavior = &distribution["Properties"]["DistributionConfig"]["DefaultCacheBehavior"];
    assert_eq!(
        behavior["FunctionAssociations"],
        json!([{"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": [function_id, "FunctionARN"]}}])
    );
    let (policy_id, policy) = the_one(&t, "AWS::CloudFront::CachePolicy");
    assert_eq!(behavior["CachePolicyId"], json!({"Ref": policy_id}));
    let key = &policy["Properties"]["CachePolicyConfig"]["ParametersInCacheKeyAndForwardedToOrigin"];
    assert_eq!(key["QueryStringsConfig"]["QueryStringBehavior"], "none");
    assert_eq!(key["CookiesConfig"]["CookieBehavior"], "none");
    assert_eq!(key["HeadersConfig"]["HeaderBehavior"], "none");
    let (oac_id, _) = the_one(&t, "AWS::CloudFront::OriginAccessControl");
    let origin = &distribution["Properties"]["DistributionConfig"]["Origins"][0];
    assert_eq!(origin["OriginAccessControlId"], json!({"Fn::GetAtt": [oac_id, "Id"]}));
    let (_, bucket_policy) = the_one(&t, "AWS::S3::BucketPolicy");
    let statements = bucket_policy["Properties"]["PolicyDocument"]["Statement"].as_array().unwrap();
    let cloudfront_reads = statements.iter().find(|s| s["Principal"]["Service"] == "cloudfront.amazonaws.com").unwrap();
    assert_eq!(cloudfront_reads["Action"], "s3:GetObject");
    let source = cloudfront_reads["Condition"]["StringEquals"]["AWS:SourceArn"].to_string();
    assert!(source.contains(&json!({"Ref": distribution_id}).to_string()), "this distribution only: {source}");

    // Awkward names and values arrive as they were given.
    let t = template(&hostile, "JwtCheckStack");
    let (_, function) = the_one(&t, "AWS::CloudFront::Function");
    assert_eq!(code_of(function), HOSTILE);
    let config = &function["Properties"]["FunctionConfig"];
    assert_eq!(config["Comment"], comment);
    assert_eq!(config["KeyValueStoreAssociations"], json!([{"KeyValueStoreARN": ARN}]));
    assert!(resources(&t, "AWS::CloudFront::Distribution").is_empty());

    // The file is read when the app runs: the later version is deployed.
    let t = template(&one, "OneStack");
    let (_, function) = the_one(&t, "AWS::CloudFront::Function");
    assert_eq!(code_of(function), changed);
    assert_eq!(function["Properties"]["FunctionConfig"]["Runtime"], "cloudfront-js-1.0");
    assert!(function["Properties"]["FunctionConfig"].get("KeyValueStoreAssociations").is_none());
}
