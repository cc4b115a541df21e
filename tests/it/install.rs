//! The prebuilt binaries: `examples/ci/release.yml` packs them and writes SHA256SUMS, `install.sh`
//! picks the one for the platform, checks it and installs it. The workflow's own packing steps make
//! a release in a local directory, which install.sh then installs from over `file://` and over
//! HTTP on loopback, with each download tool and checksum tool it knows; a release whose bytes do
//! not match SHA256SUMS installs nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

pub(crate) const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Every build the release workflow makes, and so every target install.sh may pick.
const TARGETS: [&str; 4] =
    ["x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl", "aarch64-apple-darwin", "x86_64-apple-darwin"];

pub(crate) fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

pub(crate) fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn workflow() -> serde_norway::Value {
    serde_norway::from_str(&read(&repo("examples/ci/release.yml"))).unwrap()
}

/// The script of the step `id` of `job` in the release workflow.
fn step(job: &str, id: &str) -> String {
    workflow()["jobs"][job]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| s["id"].as_str() == Some(id))
        .unwrap_or_else(|| panic!("release.yml: no step {id} in {job}"))["run"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Runs a workflow step's script as GitHub Actions does (bash -e, pipefail) in `dir`.
fn run_step(script: &str, dir: &Path, env: &[(&str, &str)]) {
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .current_dir(dir)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(out.status.success(), "{script}\n{}{}", stdout(&out), stderr(&out));
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub(crate) fn executable(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The build of this machine's platform, as install.sh names it.
pub(crate) fn host_target() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "x86_64-unknown-linux-musl",
        "aarch64" => "aarch64-unknown-linux-musl",
        other => panic!("no release build for {other}"),
    }
}

/// A stand-in build: a script that answers `--version` as cfjwt does and names its target.
pub(crate) fn fake_build(target: &str) -> String {
    format!("#!/bin/sh\n# the {target} build\necho 'cfjwt {VERSION}'\n")
}

/// A release as the workflow makes it, under `base/vVERSION/`: each build packed by the build
/// job's `archive` step in a checkout of its own (for this platform the cfjwt these tests run
/// when `real`, else a stand-in), the archives gathered as the release job downloads them, and
/// SHA256SUMS written by its `checksums` step.
pub(crate) fn release(base: &Path, real: bool) -> PathBuf {
    let gathered = base.join(format!("v{VERSION}"));
    std::fs::create_dir_all(&gathered).unwrap();
    let archive = step("build", "archive");
    for target in TARGETS {
        let checkout = tempfile::tempdir().unwrap();
        for file in ["Cargo.toml", "README.md", "LICENSE-MIT", "LICENSE-APACHE"] {
            std::fs::copy(repo(file), checkout.path().join(file)).unwrap();
        }
        let built = checkout.path().join(format!("target/{target}/release"));
        std::fs::create_dir_all(&built).unwrap();
        if real && target == host_target() {
            std::fs::copy(assert_cmd::cargo::cargo_bin("cfjwt"), built.join("cfjwt")).unwrap();
        } else {
            executable(&built.join("cfjwt"), &fake_build(target));
        }
        run_step(&archive, checkout.path(), &[("GITHUB_REF_NAME", &format!("v{VERSION}")), ("TARGET", target)]);
        for e in std::fs::read_dir(checkout.path().join("dist")).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), gathered.join(e.file_name())).unwrap();
        }
    }
    let job = tempfile::tempdir().unwrap();
    let dist = job.path().join("dist");
    std::fs::create_dir(&dist).unwrap();
    for e in std::fs::read_dir(&gathered).unwrap() {
        let e = e.unwrap();
        std::fs::rename(e.path(), dist.join(e.file_name())).unwrap();
    }
    run_step(&step("release", "checksums"), job.path(), &[]);
    for e in std::fs::read_dir(&dist).unwrap() {
        let e = e.unwrap();
        std::fs::rename(e.path(), gathered.join(e.file_name())).unwrap();
    }
    gathered
}

pub(crate) fn file_url(dir: &Path) -> String {
    format!("file://{}", dir.display())
}

/// install.sh run by `sh` (dash here: the script is POSIX) with `args`, the release at
/// `base_url`, HOME in `home`, and the PATH given (or the test's own).
fn install(home: &Path, base_url: &str, args: &[&str], path: Option<&str>) -> Output {
    let mut cmd = Command::new("/bin/sh");
    cmd.arg(repo("install.sh")).args(args).env("HOME", home).env("CFJWT_BASE_URL", base_url);
    for var in ["CFJWT_VERSION", "CFJWT_INSTALL_DIR", "CFJWT_TARGET"] {
        cmd.env_remove(var);
    }
    if let Some(p) = path {
        cmd.env("PATH", p);
    }
    cmd.output().unwrap()
}

/// A folder of links to the named commands, found on the test's PATH: a PATH with only those.
fn only_tools(dir: &Path, names: &[&str]) -> String {
    std::fs::create_dir_all(dir).unwrap();
    for name in names {
        let found = std::env::split_paths(&std::env::var_os("PATH").unwrap())
            .map(|p| p.join(name))
            .find(|p| p.is_file())
            .unwrap_or_else(|| panic!("{name} is not installed"));
        std::os::unix::fs::symlink(found, dir.join(name)).unwrap();
    }
    dir.display().to_string()
}

/// What install.sh needs besides a download tool and a checksum tool.
const BASE_TOOLS: [&str; 10] = ["uname", "mktemp", "rm", "awk", "mkdir", "tar", "gzip", "chmod", "cp", "mv"];

/// A stand-in `uname` (and `sysctl`) first on the PATH: this machine as another platform.
fn platform(dir: &Path, os: &str, arch: &str, translated: Option<&str>) -> String {
    std::fs::create_dir_all(dir).unwrap();
    executable(&dir.join("uname"), &format!("#!/bin/sh\ncase \"$1\" in -s) echo {os};; -m) echo {arch};; esac\n"));
    if let Some(t) = translated {
        executable(&dir.join("sysctl"), &format!("#!/bin/sh\necho {t}\n"));
    }
    format!("{}:{}", dir.display(), std::env::var("PATH").unwrap())
}

/// A local HTTP server on loopback that serves the files under a folder, 404 for the rest.
struct Served {
    url: String,
    http: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn serve(root: &Path) -> Served {
    let http = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
    let url = format!("http://127.0.0.1:{}", http.server_addr().to_ip().unwrap().port());
    let (server, root) = (http.clone(), root.to_path_buf());
    let thread = std::thread::spawn(move || {
        for request in server.incoming_requests() {
            let path = root.join(request.url().trim_start_matches('/'));
            let _ = match std::fs::read(&path) {
                Ok(bytes) if !request.url().contains("..") => request.respond(tiny_http::Response::from_data(bytes)),
                _ => request.respond(tiny_http::Response::empty(404)),
            };
        }
    });
    Served { url, http, thread: Some(thread) }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.http.unblock();
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

#[test]
fn the_workflow_builds_every_platform_install_sh_picks() {
    let wf = workflow();
    assert!(read(&repo("examples/ci/release.yml")).starts_with("# "));
    assert_eq!(wf["on"]["push"]["tags"][0].as_str(), Some("v*"));
    let matrix = wf["jobs"]["build"]["strategy"]["matrix"]["include"].as_sequence().unwrap();
    let built: Vec<&str> = matrix.iter().map(|m| m["target"].as_str().unwrap()).collect();
    assert_eq!(built, TARGETS);
    for m in matrix {
        let (target, os) = (m["target"].as_str().unwrap(), m["os"].as_str().unwrap());
        match target.split_once('-').unwrap().1 {
            "unknown-linux-musl" => assert!(os.starts_with("ubuntu"), "{target} on {os}"),
            "apple-darwin" => assert!(os.starts_with("macos"), "{target} on {os}"),
            other => panic!("{other}"),
        }
    }
    assert!(step("build", "build").contains("cargo build --release --locked --target \"$TARGET\""));
    assert!(step("build", "build").contains("musl-gcc"), "the C of the bundled engine built against musl");
    assert_eq!(wf["jobs"]["release"]["permissions"]["contents"].as_str(), Some("write"));
    assert!(step("crate", "publish").contains("cargo publish --locked"));

    let script = read(&repo("install.sh"));
    let picked: std::collections::BTreeSet<&str> = script
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .filter(|w| w.ends_with("-unknown-linux-musl") || w.ends_with("-apple-darwin"))
        .collect();
    assert_eq!(picked, TARGETS.into_iter().collect(), "install.sh picks only what the workflow builds");
    assert!(script.starts_with("#!/bin/sh\n# "));
    assert!(script.contains(&format!("version=${{CFJWT_VERSION:-{VERSION}}}")), "install.sh installs this version");
    let one_liner = format!("curl -fsSL https://raw.githubusercontent.com/cfjwt/cfjwt/v{VERSION}/install.sh | sh\n");
    assert!(script.contains(&format!("#   {one_liner}")), "its one-liner names this version's tag");
    assert!(read(&repo("README.md")).contains(&one_liner), "the README's one-liner is this version's");
}

#[test]
fn installs_the_build_for_this_platform_from_a_file_url() {
    let work = tempfile::tempdir().unwrap();
    let gathered = release(&work.path().join("releases"), true);
    let sums = read(&gathered.join("SHA256SUMS"));
    assert_eq!(sums.lines().count(), 4, "{sums}");
    let listing = Command::new("tar")
        .args(["-tzf", gathered.join(format!("cfjwt-{VERSION}-{}.tar.gz", host_target())).to_str().unwrap()])
        .output()
        .unwrap();
    let mut listing: Vec<String> = stdout(&listing).lines().map(str::to_string).collect();
    listing.sort();
    let top = format!("cfjwt-{VERSION}-{}", host_target());
    assert_eq!(
        listing,
        ["/", "/LICENSE-APACHE", "/LICENSE-MIT", "/README.md", "/cfjwt"].map(|f| format!("{top}{f}")),
        "the archive holds one folder named after it"
    );

    let home = work.path().join("home");
    let out = install(&home, &file_url(&work.path().join("releases")), &[], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let installed = home.join(".local/bin/cfjwt");
    assert!(stderr(&out).contains(&format!(
        "installed cfjwt {VERSION} ({}) as {}",
        host_target(),
        installed.display()
    )));
    assert!(stderr(&out).contains("is not on your PATH"), "{}", stderr(&out));
    let version = Command::new(&installed).arg("--version").output().unwrap();
    assert_eq!(stdout(&version).trim(), format!("cfjwt {VERSION}"));
    let gen = Command::new(&installed)
        .args(["gen", "--config", "examples/seed.json", "--key-file", "examples/demo.key", "--test-key"])
        .args(["-o", "generated/viewer-request.js", "--check"])
        .current_dir(repo("."))
        .output()
        .unwrap();
    assert!(gen.status.success(), "the installed binary is cfjwt: {}", stderr(&gen));

    // --to, and a cfjwt already there replaced; a directory on the PATH gets no advice.
    let to = work.path().join("bin");
    std::fs::create_dir(&to).unwrap();
    std::fs::write(to.join("cfjwt"), "an older cfjwt").unwrap();
    let path = format!("{}:{}", to.display(), std::env::var("PATH").unwrap());
    let out = install(&home, &file_url(&work.path().join("releases")), &["--to", to.to_str().unwrap()], Some(&path));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("not on your PATH"));
    assert_eq!(std::fs::read(to.join("cfjwt")).unwrap(), std::fs::read(&installed).unwrap());
    assert_eq!(std::fs::read_dir(&to).unwrap().count(), 1, "no temporary file left behind");
}

#[test]
fn installs_over_http_with_curl_or_wget_and_each_checksum_tool() {
    let work = tempfile::tempdir().unwrap();
    release(&work.path().join("releases"), false);
    let served = serve(&work.path().join("releases"));
    let cases: [(&str, &[&str]); 4] = [
        ("the test's PATH", &[]),
        ("wget and shasum", &["wget", "shasum"]),
        ("curl and openssl", &["curl", "openssl"]),
        ("wget and sha256sum", &["wget", "sha256sum"]),
    ];
    for (i, (what, tools)) in cases.into_iter().enumerate() {
        let path = (!tools.is_empty()).then(|| {
            let all: Vec<&str> = BASE_TOOLS.iter().chain(tools).copied().collect();
            only_tools(&work.path().join(format!("tools{i}")), &all)
        });
        let to = work.path().join(format!("to{i}"));
        let out = install(&work.path().join("home"), &served.url, &["--to", to.to_str().unwrap()], path.as_deref());
        assert!(out.status.success(), "{what}: {}", stderr(&out));
        assert_eq!(read(&to.join("cfjwt")), fake_build(host_target()), "{what}");
    }

    // Neither download tool, or no checksum tool: said, and nothing installed.
    let to = work.path().join("none");
    let path = only_tools(&work.path().join("no-fetch"), &[&BASE_TOOLS[..], &["sha256sum"]].concat());
    let out = install(&work.path().join("home"), &served.url, &["--to", to.to_str().unwrap()], Some(&path));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("neither curl nor wget is installed"), "{}", stderr(&out));
    let path = only_tools(&work.path().join("no-hash"), &[&BASE_TOOLS[..], &["curl"]].concat());
    let out = install(&work.path().join("home"), &served.url, &["--to", to.to_str().unwrap()], Some(&path));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no SHA-256 tool"), "{}", stderr(&out));
    assert!(!to.exists());
}

#[test]
fn installs_nothing_when_the_download_does_not_match_its_checksum() {
    let work = tempfile::tempdir().unwrap();
    let releases = work.path().join("releases");
    let gathered = release(&releases, false);
    let asset = format!("cfjwt-{VERSION}-{}.tar.gz", host_target());
    let to = work.path().join("bin");
    std::fs::create_dir(&to).unwrap();
    std::fs::write(to.join("cfjwt"), "the cfjwt installed before").unwrap();
    let args = ["--to", to.to_str().unwrap()];
    let unchanged = |out: &Output, said: &str| {
        assert_eq!(out.status.code(), Some(3), "{}", stderr(out));
        assert!(stderr(out).contains(said), "{}", stderr(out));
        assert!(stderr(out).contains("nothing installed"), "{}", stderr(out));
        assert_eq!(read(&to.join("cfjwt")), "the cfjwt installed before");
        assert_eq!(std::fs::read_dir(&to).unwrap().count(), 1);
    };

    // The archive changed after its checksum was written (over file:// and over HTTP).
    let good = std::fs::read(gathered.join(&asset)).unwrap();
    let mut tampered = good.clone();
    tampered.extend_from_slice(b"\0");
    std::fs::write(gathered.join(&asset), &tampered).unwrap();
    unchanged(&install(work.path(), &file_url(&releases), &args, None), &format!("checksum mismatch for {asset}"));
    let served = serve(&releases);
    unchanged(&install(work.path(), &served.url, &args, None), &format!("checksum mismatch for {asset}"));
    std::fs::write(gathered.join(&asset), &good).unwrap();

    // SHA256SUMS holds another checksum, or none for this archive.
    let sums = read(&gathered.join("SHA256SUMS"));
    let line = sums.lines().find(|l| l.ends_with(&asset)).unwrap();
    let wrong = format!("{}{}", if line.starts_with('0') { "1" } else { "0" }, &line[1..]);
    std::fs::write(gathered.join("SHA256SUMS"), sums.replace(line, &wrong)).unwrap();
    unchanged(&install(work.path(), &served.url, &args, None), &format!("SHA256SUMS says {}", &wrong[..64]));
    let without: String = sums.lines().filter(|l| *l != line).map(|l| format!("{l}\n")).collect();
    std::fs::write(gathered.join("SHA256SUMS"), without).unwrap();
    unchanged(&install(work.path(), &served.url, &args, None), &format!("SHA256SUMS has no checksum for {asset}"));

    std::fs::write(gathered.join("SHA256SUMS"), &sums).unwrap();
    let out = install(work.path(), &served.url, &args, None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read(&to.join("cfjwt")), fake_build(host_target()));
}

#[test]
fn picks_the_build_for_the_platform_it_runs_on() {
    let work = tempfile::tempdir().unwrap();
    let releases = work.path().join("releases");
    release(&releases, false);
    let cases = [
        ("Linux", "x86_64", None, "x86_64-unknown-linux-musl"),
        ("Linux", "aarch64", None, "aarch64-unknown-linux-musl"),
        ("Darwin", "arm64", None, "aarch64-apple-darwin"),
        ("Darwin", "x86_64", Some("0"), "x86_64-apple-darwin"),
        // A shell under Rosetta on Apple silicon: the native build.
        ("Darwin", "x86_64", Some("1"), "aarch64-apple-darwin"),
    ];
    for (i, (os, arch, translated, target)) in cases.into_iter().enumerate() {
        let path = platform(&work.path().join(format!("platform{i}")), os, arch, translated);
        let to = work.path().join(format!("to{i}"));
        let out = install(work.path(), &file_url(&releases), &["--to", to.to_str().unwrap()], Some(&path));
        assert!(out.status.success(), "{os} {arch}: {}", stderr(&out));
        assert_eq!(read(&to.join("cfjwt")), fake_build(target), "{os} {arch}");
        assert!(stderr(&out).contains(&format!("({target})")));
    }
    // --target overrides what the platform says.
    let to = work.path().join("chosen");
    let out = install(
        work.path(),
        &file_url(&releases),
        &["--to", to.to_str().unwrap(), "--target", "aarch64-apple-darwin"],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read(&to.join("cfjwt")), fake_build("aarch64-apple-darwin"));

    let path = platform(&work.path().join("freebsd"), "FreeBSD", "amd64", None);
    let out = install(work.path(), &file_url(&releases), &[], Some(&path));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!(
            "no prebuilt cfjwt for FreeBSD on amd64; build it instead: cargo install --locked cfjwt --version {VERSION}"
        )),
        "{}",
        stderr(&out)
    );
}

#[test]
fn says_what_is_missing_and_refuses_bad_usage() {
    let work = tempfile::tempdir().unwrap();
    let releases = work.path().join("releases");
    release(&releases, false);
    let out = install(work.path(), &file_url(&releases), &["--version", "v9.9.9"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("could not download") && stderr(&out).contains("/v9.9.9/SHA256SUMS"));
    assert!(stderr(&out).contains("cargo install --locked cfjwt --version 9.9.9"), "{}", stderr(&out));
    let out = install(work.path(), &file_url(&releases), &["--target", "riscv64gc-unknown-linux-musl"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains(&format!("cfjwt-{VERSION}-riscv64gc-unknown-linux-musl.tar.gz")));
    assert!(!work.path().join(".local/bin/cfjwt").exists());

    for args in [&["--to"][..], &["--frobnicate"], &["--version", "1.0; rm -rf /"]] {
        let out = install(work.path(), &file_url(&releases), args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
}
