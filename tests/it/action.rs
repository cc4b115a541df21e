//! The cfjwt GitHub Action: `action.yml` and its scripts under `action/`, run here as a runner runs
//! a composite action (its expressions evaluated, each `run` step in bash, `$GITHUB_OUTPUT` and
//! `$GITHUB_PATH` carried to the next steps), with the inputs that `examples/ci/github-actions.yml`
//! gives it, on a repository laid out as that workflow's header says. A good repository passes;
//! a stale function, an event that does not decide as its name says, a bad policy and a missing
//! test key or store each fail with an annotation naming the file. The install steps take a
//! cfjwt of the pinned version from the PATH, else the release's binary (install.sh, over
//! `file://`), else `cargo install` (a stand-in cargo), and stop on a binary whose checksum does
//! not match.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::install::{executable, file_url, read, release, repo, VERSION};
use crate::toolchain::ci_example::repository;

fn yaml(path: &str) -> serde_norway::Value {
    serde_norway::from_str(&read(&repo(path))).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn action() -> serde_norway::Value {
    yaml("action.yml")
}

/// The `with:` of the step of `workflow` that uses the action, as input name to value.
fn inputs_of(workflow: &str) -> BTreeMap<String, String> {
    let wf = yaml(workflow);
    let jobs = wf["jobs"].as_mapping().unwrap();
    let uses: Vec<&serde_norway::Value> = jobs
        .values()
        .flat_map(|j| j["steps"].as_sequence().unwrap())
        .filter(|s| s["uses"].as_str().is_some_and(|u| u.starts_with("cfjwt/cfjwt@")))
        .collect();
    assert_eq!(uses.len(), 1, "{workflow}: one step uses the action");
    assert_eq!(uses[0]["uses"].as_str(), Some(format!("cfjwt/cfjwt@v{VERSION}").as_str()), "{workflow}");
    uses[0]["with"]
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str().unwrap().to_string(), v.as_str().expect("inputs are strings").to_string()))
        .collect()
}

/// What one step of the action did.
struct Step {
    id: String,
    ran: bool,
    ok: bool,
    said: String,
}

/// A runner for one job: the caller's checkout, the runner's temporary folder and tool cache, the
/// PATH it starts with, the environment every step gets, and where actions/cache keeps what it
/// saves (a folder per key), if anywhere.
struct Runner {
    workspace: PathBuf,
    temp: tempfile::TempDir,
    tool_cache: PathBuf,
    path: String,
    env: Vec<(String, String)>,
    saved: Option<PathBuf>,
}

impl Runner {
    fn new(workspace: &Path, tool_cache: &Path, path: String) -> Runner {
        Runner {
            workspace: workspace.to_path_buf(),
            temp: tempfile::tempdir().unwrap(),
            tool_cache: tool_cache.to_path_buf(),
            path,
            env: Vec::new(),
            saved: None,
        }
    }

    /// Runs the action's steps in order with `with` over the inputs' defaults. A step that fails
    /// ends the run, as in a composite action. The one `uses` step, actions/cache, restores its
    /// path from what an earlier job saved under its key, and on a miss saves it when the job ends.
    fn run(&self, with: &BTreeMap<String, String>) -> Vec<Step> {
        let action = action();
        let mut inputs = BTreeMap::new();
        for (name, spec) in action["inputs"].as_mapping().unwrap() {
            let default = spec["default"].as_str().unwrap_or_default();
            inputs.insert(format!("inputs.{}", name.as_str().unwrap()), default.to_string());
        }
        for (name, value) in with {
            let key = format!("inputs.{name}");
            assert!(inputs.contains_key(&key), "the action has no input {name}");
            inputs.insert(key, value.clone());
        }
        let mut context = inputs;
        context.insert("github.action_path".into(), repo(".").display().to_string());
        context.insert("runner.temp".into(), self.temp.path().display().to_string());
        context.insert("runner.tool_cache".into(), self.tool_cache.display().to_string());
        context.insert("runner.os".into(), "Linux".into());
        context.insert("runner.arch".into(), "X64".into());

        let github_path = self.temp.path().join("github-path");
        std::fs::write(&github_path, "").unwrap();
        let mut steps = Vec::new();
        let mut failed = false;
        let mut save = None;
        for (n, step) in action["runs"]["steps"].as_sequence().unwrap().iter().enumerate() {
            let id = step["id"].as_str().expect("every step has an id").to_string();
            if failed {
                steps.push(Step { id, ran: false, ok: false, said: String::new() });
                continue;
            }
            let runs = step["if"].as_str().is_none_or(|c| condition(c, &context));
            let Some(script) = step["run"].as_str() else {
                assert_eq!(step["uses"].as_str(), Some("actions/cache@v4"), "{id}");
                let mut said = String::new();
                if runs {
                    let path = PathBuf::from(substitute(step["with"]["path"].as_str().unwrap(), &context));
                    let key = substitute(step["with"]["key"].as_str().unwrap(), &context);
                    let stored = self.saved.as_ref().map(|s| s.join(&key));
                    match stored {
                        Some(stored) if stored.exists() => {
                            copy_dir(&stored, &path);
                            said = format!("Cache restored from key: {key}");
                        }
                        stored => {
                            said = format!("Cache not found for input keys: {key}");
                            save = stored.map(|s| (path, s));
                        }
                    }
                }
                steps.push(Step { id, ran: runs, ok: true, said });
                continue;
            };
            assert!(runs, "{id}: a run step always runs");
            assert_eq!(step["shell"].as_str(), Some("bash"), "{id}");
            let output = self.temp.path().join(format!("output-{n}"));
            std::fs::write(&output, "").unwrap();
            let added: Vec<String> = read(&github_path).lines().rev().map(str::to_string).collect();
            let path = added.iter().chain([&self.path]).cloned().collect::<Vec<_>>().join(":");
            let mut cmd = Command::new("/bin/bash");
            // The shell GitHub runs a `shell: bash` step with.
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
                .current_dir(&self.workspace)
                .env("PATH", path)
                .env("GITHUB_ACTION_PATH", &context["github.action_path"])
                .env("GITHUB_OUTPUT", &output)
                .env("GITHUB_PATH", &github_path)
                .env("RUNNER_TEMP", self.temp.path())
                .env("RUNNER_TOOL_CACHE", &self.tool_cache);
            for (k, v) in step["env"].as_mapping().into_iter().flatten() {
                cmd.env(k.as_str().unwrap(), substitute(v.as_str().unwrap(), &context));
            }
            cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
            let out = cmd.output().unwrap();
            let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            for line in read(&output).lines() {
                let (k, v) = line.split_once('=').unwrap_or_else(|| panic!("{id}: `{line}` in GITHUB_OUTPUT"));
                context.insert(format!("steps.{id}.outputs.{k}"), v.to_string());
            }
            failed = !out.status.success();
            steps.push(Step { id, ran: true, ok: out.status.success(), said });
        }
        // actions/cache's post step: saved when the job succeeded and the path exists.
        if let Some((path, stored)) = save.filter(|_| !failed) {
            if path.exists() {
                copy_dir(&path, &stored);
            }
        }
        steps
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    let status = Command::new("cp").arg("-R").arg(from).arg(to).status().unwrap();
    assert!(status.success());
}

/// `${{ NAME }}` in `text`, each replaced by its value (an output no step set is empty).
fn substitute(text: &str, context: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("a closed expression") + start;
        let name = rest[start + 3..end].trim();
        out.push_str(&value(name, context));
        rest = &rest[end + 2..];
    }
    out + rest
}

fn value(name: &str, context: &BTreeMap<String, String>) -> String {
    match context.get(name) {
        Some(v) => v.clone(),
        None if name.starts_with("steps.") => String::new(),
        None => panic!("the action uses `{name}`, which this runner does not know"),
    }
}

/// A step's `if`: `NAME == 'TEXT'` or `NAME != 'TEXT'`.
fn condition(text: &str, context: &BTreeMap<String, String>) -> bool {
    let (name, op, literal) = ["!=", "=="]
        .iter()
        .find_map(|op| text.split_once(op).map(|(a, b)| (a.trim(), *op, b.trim())))
        .unwrap_or_else(|| panic!("an `if` this runner cannot read: {text}"));
    let literal = literal.strip_prefix('\'').and_then(|l| l.strip_suffix('\'')).expect("a quoted literal");
    (value(name, context) == literal) == (op == "==")
}

fn step<'a>(steps: &'a [Step], id: &str) -> &'a Step {
    steps.iter().find(|s| s.id == id).unwrap()
}

fn assert_passes(steps: &[Step], what: &str) {
    for s in steps.iter().filter(|s| s.ran) {
        assert!(s.ok, "{what}: step {} fails: {}", s.id, s.said);
    }
    assert!(step(steps, "verify").ran, "{what}: the checks ran");
}

/// The checks failed, and said `message`.
fn assert_fails_saying(steps: &[Step], message: &str) {
    let verify = step(steps, "verify");
    assert!(verify.ran && !verify.ok, "the checks pass: {}", verify.said);
    assert!(verify.said.contains(message), "`{message}` not in: {}", verify.said);
}

/// The PATH with the cfjwt these tests run first.
fn path_with_this_cfjwt() -> String {
    let bin = assert_cmd::cargo::cargo_bin("cfjwt");
    format!("{}:{}", bin.parent().unwrap().display(), std::env::var("PATH").unwrap())
}

/// The PATH with another version of cfjwt first (and `extra` before it), so that the pinned
/// version must be installed.
fn path_with_another_cfjwt(dir: &Path, extra: Option<&Path>) -> String {
    let bin = dir.join("old-cfjwt");
    std::fs::create_dir_all(&bin).unwrap();
    executable(&bin.join("cfjwt"), "#!/bin/sh\necho 'cfjwt 0.0.1'\n");
    let mut path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    if let Some(e) = extra {
        path = format!("{}:{path}", e.display());
    }
    path
}

#[test]
fn is_a_composite_action_of_scripts_under_version_control() {
    let text = read(&repo("action.yml"));
    assert!(text.starts_with("# "));
    let action = action();
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    assert_eq!(action["inputs"]["version"]["default"].as_str(), Some(VERSION), "the action installs its own release");
    let mut scripts = Vec::new();
    for s in action["runs"]["steps"].as_sequence().unwrap() {
        if let Some(uses) = s["uses"].as_str() {
            assert_eq!(uses, "actions/cache@v4");
            assert_eq!(s["if"].as_str(), Some("steps.binary.outputs.installed != 'true'"), "cached only for cargo");
            continue;
        }
        let run = s["run"].as_str().unwrap();
        let script = run
            .strip_prefix("bash \"$GITHUB_ACTION_PATH/")
            .and_then(|r| r.strip_suffix('"'))
            .unwrap_or_else(|| panic!("a step runs one script of the action: {run}"));
        let body = read(&repo(script));
        assert!(body.starts_with("#!/usr/bin/env bash\n# "), "{script} says why it exists");
        scripts.push(script.to_string());
    }
    assert_eq!(scripts, ["action/install.sh", "action/cargo-install.sh", "action/verify.sh"]);

    // The README documents every input with its default, and shows the action at this release.
    let readme = read(&repo("README.md"));
    assert!(readme.contains(&format!("      - uses: cfjwt/cfjwt@v{VERSION}\n")));
    for (name, spec) in action["inputs"].as_mapping().unwrap() {
        let (name, default) = (name.as_str().unwrap(), spec["default"].as_str().unwrap());
        assert!(spec["description"].as_str().is_some_and(|d| !d.is_empty()), "{name}");
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{name}` |")))
            .unwrap_or_else(|| panic!("the README's table of the action's inputs has no row for {name}"));
        let shown = if default.is_empty() { "(empty)".to_string() } else { format!("`{default}`") };
        assert!(row.contains(&shown), "README: {name} defaults to {shown}: {row}");
    }
}

#[test]
fn the_workflows_use_the_action_at_this_release_with_no_secret() {
    let text = read(&repo("examples/ci/github-actions.yml"));
    let wf = yaml("examples/ci/github-actions.yml");
    assert!(text.starts_with("# "));
    assert!(wf["on"].get("pull_request").is_some(), "runs on pull requests");
    assert!(!text.contains("secrets.") && !text.contains("CFJWT_KEY"), "the check workflow needs no secret");
    let steps = wf["jobs"]["cfjwt"]["steps"].as_sequence().unwrap();
    assert!(steps.iter().all(|s| s.get("if").is_none()), "no step is skipped");
    assert!(steps.iter().all(|s| s.get("run").is_none()), "the action does the work");
    let inputs = inputs_of("examples/ci/github-actions.yml");
    assert_eq!(inputs_of("examples/ci/deploy.yml"), inputs, "the deploy job checks as pull requests do");
    // The workflow spells out the layout its header describes, which is the action's default.
    for (name, value) in &inputs {
        let default = action()["inputs"][name.as_str()]["default"].as_str().unwrap().to_string();
        if name != "now" {
            assert_eq!(value, &default, "{name}");
        }
    }
}

/// The action with the CI example's inputs, on a repository whose function embeds a key: passes
/// as it is, and names the file to fix when the function was edited by hand, an event does not
/// come out as its name says, the policy is broken, or the test key is missing.
#[test]
fn passes_on_a_good_embedded_key_repository_and_names_what_is_wrong_in_bad_ones() {
    let with = inputs_of("examples/ci/github-actions.yml");
    let dir = repository("video-cookie");
    let cdn = dir.path().join("cdn");
    let cache = tempfile::tempdir().unwrap();
    let runner = Runner::new(dir.path(), cache.path(), path_with_this_cfjwt());

    let steps = runner.run(&with);
    assert_passes(&steps, "a good repository");
    assert!(step(&steps, "binary").said.contains(&format!("cfjwt {VERSION} is on the PATH already")));
    assert!(!step(&steps, "cache").ran, "nothing to cache: no cargo build");
    assert!(step(&steps, "cargo").said.contains("nothing to build"));
    let verify = &step(&steps, "verify").said;
    assert!(verify.contains("cdn/policy.json embeds its key"), "{verify}");
    assert!(verify.contains("7 passed, 0 failed"), "{verify}");
    let results = runner.temp.path().join("cfjwt-results.jsonl");
    let events: Vec<String> = read(&results)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["Event"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(events.len(), 7);
    assert!(events.iter().all(|e| e.starts_with("cdn/events/")), "{events:?}");

    // A hand edit: gen --check fails, and the other checks still run.
    let function = cdn.join("viewer-request.js");
    let good = read(&function);
    std::fs::write(&function, good.replace("statusCode:401", "statusCode:403")).unwrap();
    let steps = runner.run(&with);
    assert_fails_saying(
        &steps,
        "::error file=cdn/viewer-request.js::not what cdn/policy.json produces (where it differs: above): \
         regenerate it with `cfjwt gen --config cdn/policy.json --key-file cdn/test.key --test-key -o \
         cdn/viewer-request.js` and commit it",
    );
    assert_fails_saying(&steps, "gen writes: ");
    assert_fails_saying(&steps, "7 passed, 0 failed");
    assert_fails_saying(&steps, "::error::cfjwt: 1 check(s) failed");
    std::fs::write(&function, &good).unwrap();

    // A deny event the function lets through (here: an event renamed to say allow).
    std::fs::rename(cdn.join("events/deny-other-course.json"), cdn.join("events/allow-other-course.json")).unwrap();
    let steps = runner.run(&with);
    assert_fails_saying(&steps, "cdn/events/allow-other-course.json: expected allow, the function answered deny");
    assert_fails_saying(
        &steps,
        "::error file=cdn/events::cdn/viewer-request.js does not decide as these events expect (by-name)",
    );
    assert_fails_saying(&steps, "6 passed, 1 failed");
    std::fs::rename(cdn.join("events/allow-other-course.json"), cdn.join("events/deny-other-course.json")).unwrap();

    // A deny event that the function allows: a policy loosened without regenerating the events'
    // expectations (here the committed function is rebuilt from a policy without `claims.scope`).
    let policy = cdn.join("policy.json");
    let strict = read(&policy);
    let mut loose: Value = serde_json::from_str(&strict).unwrap();
    loose["claims"].as_object_mut().unwrap().remove("scope").expect("the video policy has a scope");
    std::fs::write(&policy, loose.to_string()).unwrap();
    assert_cmd::Command::cargo_bin("cfjwt")
        .unwrap()
        .current_dir(dir.path())
        .args(["gen", "--config", "cdn/policy.json", "--key-file", "cdn/test.key", "--test-key"])
        .args(["-o", "cdn/viewer-request.js"])
        .assert()
        .success();
    let steps = runner.run(&with);
    assert_fails_saying(&steps, "cdn/events/deny-other-course.json: expected deny, the function answered allow");
    std::fs::write(&policy, &strict).unwrap();
    std::fs::write(&function, &good).unwrap();

    // A policy cfjwt cannot read.
    std::fs::write(&policy, r#"{"token": 3}"#).unwrap();
    let steps = runner.run(&with);
    assert_fails_saying(
        &steps,
        "::error file=cdn/policy.json::cfjwt gen cannot build cdn/viewer-request.js from it: cdn/policy.json: \
         token: expected an object, found a number",
    );
    std::fs::write(&policy, &strict).unwrap();

    // No test key.
    std::fs::remove_file(cdn.join("test.key")).unwrap();
    let steps = runner.run(&with);
    assert_fails_saying(&steps, "::error file=cdn/test.key::missing: the test key cdn/viewer-request.js is built with");
    std::fs::copy(repo("examples/demo.key"), cdn.join("test.key")).unwrap();

    // A missing function, and a folder without events.
    std::fs::remove_file(&function).unwrap();
    let steps = runner.run(&with);
    assert_fails_saying(&steps, "::error file=cdn/viewer-request.js::missing: write it with `cfjwt gen");
    std::fs::write(&function, &good).unwrap();
    let mut elsewhere = with.clone();
    elsewhere.insert("events".into(), "cdn/no-events".into());
    let steps = runner.run(&elsewhere);
    assert_fails_saying(&steps, "::error file=cdn/no-events::no events (*.json)");

    assert_passes(&runner.run(&with), "the repository repaired");
}

/// The same inputs, unchanged, on a repository with a KeyValueStore policy: built with no key, the
/// events run against the test store.
#[test]
fn passes_on_a_key_value_store_repository() {
    let with = inputs_of("examples/ci/github-actions.yml");
    let dir = repository("kvs-rotation");
    let cache = tempfile::tempdir().unwrap();
    let runner = Runner::new(dir.path(), cache.path(), path_with_this_cfjwt());
    let steps = runner.run(&with);
    assert_passes(&steps, "a KeyValueStore repository");
    let verify = &step(&steps, "verify").said;
    assert!(verify.contains("cdn/policy.json reads its secret from the KeyValueStore"), "{verify}");
    assert!(verify.contains("4 passed, 0 failed"), "{verify}");

    let store = dir.path().join("cdn/test-store.json");
    std::fs::write(&store, r#"{"jwt.secret": "another test secret, 32 bytes+"}"#).unwrap();
    assert_fails_saying(&runner.run(&with), "expected allow, the function answered deny");
    std::fs::remove_file(&store).unwrap();
    assert_fails_saying(
        &runner.run(&with),
        "::error file=cdn/test-store.json::missing: the KeyValueStore's content for the events of cdn/policy.json",
    );
}

/// Several functions in one step: a line each, paired in order; a count that does not pair is
/// refused.
#[test]
fn checks_several_functions_a_line_each() {
    let dir = repository("video-cookie");
    let kvs = repository("kvs-rotation");
    let other = dir.path().join("store");
    std::fs::rename(kvs.path().join("cdn"), &other).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let runner = Runner::new(dir.path(), cache.path(), path_with_this_cfjwt());
    let mut with = inputs_of("examples/ci/github-actions.yml");
    with.insert("policy".into(), "cdn/policy.json\nstore/policy.json\n".into());
    with.insert("function".into(), "cdn/viewer-request.js\nstore/viewer-request.js".into());
    with.insert("events".into(), "cdn/events\nstore/events".into());
    with.insert("test-store".into(), "store/test-store.json".into());
    let steps = runner.run(&with);
    assert_passes(&steps, "two functions");
    let verify = &step(&steps, "verify").said;
    assert!(verify.contains("7 passed, 0 failed") && verify.contains("4 passed, 0 failed"), "{verify}");
    assert!(verify.contains("2 function(s) checked"), "{verify}");

    with.insert("function".into(), "cdn/viewer-request.js".into());
    assert_fails_saying(&runner.run(&with), "2 policies but 1 functions");
}

/// Without cfjwt of the pinned version on the PATH, the release's binary for the runner, checked
/// against SHA256SUMS, installed into the tool cache and put on the PATH of the later steps.
#[test]
fn installs_the_pinned_release_when_the_path_has_another_version() {
    let work = tempfile::tempdir().unwrap();
    let releases = work.path().join("releases");
    release(&releases, true);
    let dir = repository("video-cookie");
    let cache = tempfile::tempdir().unwrap();
    let runner = Runner::new(dir.path(), cache.path(), path_with_another_cfjwt(work.path(), None));
    let mut with = inputs_of("examples/ci/github-actions.yml");
    with.insert("release-url".into(), file_url(&releases));
    let steps = runner.run(&with);
    assert_passes(&steps, "installed from the release");
    let installed = cache.path().join(format!("cfjwt-{VERSION}/bin/cfjwt"));
    assert!(
        step(&steps, "binary").said.contains(&format!("as {}", installed.display())),
        "{}",
        step(&steps, "binary").said
    );
    assert!(!step(&steps, "cache").ran);
    assert!(step(&steps, "verify").said.contains(&format!("using cfjwt {VERSION} ({})", installed.display())));

    // A self-hosted runner keeps its tool cache: the next job downloads nothing.
    let offline = tempfile::tempdir().unwrap();
    with.insert("release-url".into(), file_url(offline.path()));
    let steps = runner.run(&with);
    assert_passes(&steps, "from the tool cache");
    assert!(step(&steps, "binary").said.contains(&format!("cfjwt {VERSION} is installed already")));
}

/// A binary that does not match the release's checksum stops the job: no fallback, no checks.
#[test]
fn stops_on_a_binary_that_does_not_match_its_checksum() {
    let work = tempfile::tempdir().unwrap();
    let releases = work.path().join("releases");
    let gathered = release(&releases, false);
    let archive = gathered.join(format!("cfjwt-{VERSION}-{}.tar.gz", crate::install::host_target()));
    let mut bytes = std::fs::read(&archive).unwrap();
    bytes.push(0);
    std::fs::write(&archive, bytes).unwrap();
    let dir = repository("video-cookie");
    let cache = tempfile::tempdir().unwrap();
    let runner = Runner::new(dir.path(), cache.path(), path_with_another_cfjwt(work.path(), None));
    let mut with = inputs_of("examples/ci/github-actions.yml");
    with.insert("release-url".into(), file_url(&releases));
    let steps = runner.run(&with);
    let binary = step(&steps, "binary");
    assert!(!binary.ok, "{}", binary.said);
    assert!(binary.said.contains("checksum mismatch"), "{}", binary.said);
    assert!(binary
        .said
        .contains(&format!("::error::the prebuilt cfjwt {VERSION} does not match the release's checksum")));
    assert!(steps.iter().filter(|s| s.id != "binary").all(|s| !s.ran));
    assert!(!cache.path().join(format!("cfjwt-{VERSION}/bin/cfjwt")).exists());
}

/// No release binary for the runner: `cargo install --locked cfjwt --version X` into the folder
/// actions/cache saves; the next job, on a fresh runner, gets it restored and builds nothing.
#[test]
fn builds_with_cargo_when_the_release_has_no_binary_for_the_runner() {
    let work = tempfile::tempdir().unwrap();
    let fake = work.path().join("fake-cargo");
    std::fs::create_dir(&fake).unwrap();
    // A stand-in cargo: records its arguments, and "builds" by copying the cfjwt these tests run.
    executable(
        &fake.join("cargo"),
        "#!/bin/sh\nprintf '%s\\n' \"$@\" >> \"$CARGO_LOG\"\n\
         while [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=$2; shift; done\n\
         mkdir -p \"$root/bin\" && cp \"$CFJWT_BUILT\" \"$root/bin/cfjwt\"\n",
    );
    let log = work.path().join("cargo.log");
    let saved = work.path().join("actions-cache");
    let dir = repository("video-cookie");
    let empty = tempfile::tempdir().unwrap();
    let mut with = inputs_of("examples/ci/github-actions.yml");
    with.insert("release-url".into(), file_url(empty.path()));
    let job = |tool_cache: &Path| {
        let mut runner = Runner::new(dir.path(), tool_cache, path_with_another_cfjwt(work.path(), Some(&fake)));
        runner.env = vec![
            ("CARGO_LOG".into(), log.display().to_string()),
            ("CFJWT_BUILT".into(), assert_cmd::cargo::cargo_bin("cfjwt").display().to_string()),
        ];
        runner.saved = Some(saved.clone());
        runner.run(&with)
    };

    let first = tempfile::tempdir().unwrap();
    let steps = job(first.path());
    assert_passes(&steps, "built with cargo");
    assert!(step(&steps, "binary").said.contains(&format!("::notice::no prebuilt cfjwt {VERSION} for this runner")));
    assert!(step(&steps, "cache").said.contains("Cache not found"));
    let home = first.path().join(format!("cfjwt-{VERSION}"));
    assert_eq!(
        read(&log).lines().collect::<Vec<_>>(),
        ["install", "--locked", "cfjwt", "--version", VERSION, "--root", home.to_str().unwrap()]
    );
    assert!(step(&steps, "verify").said.contains(&format!("using cfjwt {VERSION} ({}/bin/cfjwt)", home.display())));
    assert!(step(&steps, "verify").said.contains("7 passed, 0 failed"));

    std::fs::remove_file(&log).unwrap();
    let second = tempfile::tempdir().unwrap();
    let steps = job(second.path());
    assert_passes(&steps, "from the cache");
    assert!(step(&steps, "cache").said.contains("Cache restored"));
    assert!(step(&steps, "cargo").said.contains(&format!("cfjwt {VERSION} from the cache")));
    assert!(!log.exists(), "cargo not run again");

    // Neither a binary nor cargo: said.
    let no_cargo = std::env::join_paths(
        std::env::split_paths(&path_with_another_cfjwt(work.path(), None)).filter(|p| !p.join("cargo").exists()),
    )
    .unwrap();
    let bare = tempfile::tempdir().unwrap();
    let steps = Runner::new(dir.path(), bare.path(), no_cargo.into_string().unwrap()).run(&with);
    let cargo = step(&steps, "cargo");
    assert!(!cargo.ok, "{}", cargo.said);
    assert!(cargo.said.contains("and no cargo to build it with: add a Rust toolchain step before this action"));
    assert!(!step(&steps, "verify").ran);
}
