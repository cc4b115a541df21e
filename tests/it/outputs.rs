//! The files cfjwt writes (`gen -o`, `init -o`) cannot clobber: `-o -` is stdout, symbolic links
//! are written through, devices and FIFOs in place, directories and the command's own inputs
//! refused, modes kept or chosen (0600 for an embedded key), and no temporary file or partial
//! target survives a failure; and `gen` warns when git would commit an embedded key.

use std::fs;
use std::os::unix::fs::{FileTypeExt as _, MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;

const SECRET: &str = "outputs-test-secret-outputs-test-secret-0123";
const POLICY: &str = r#"{"claims": {"exp": "required"}}"#;
const KVS_POLICY: &str = r#"{"key": {"kvs": "jwt.secret"}}"#;

/// What would point git at another repository than the directory's own (the tests may run inside
/// a git hook).
const GIT_VARS: [&str; 4] = ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_CEILING_DIRECTORIES"];

fn cfjwt() -> Command {
    let mut c = Command::cargo_bin("cfjwt").unwrap();
    for var in GIT_VARS {
        c.env_remove(var);
    }
    c
}

/// cfjwt run by `sh` after the shell commands `setup` (`umask 022`, `ulimit -f 0`).
fn cfjwt_under(setup: &str, args: &[&str]) -> Command {
    let mut sh = Command::new("sh");
    sh.arg("-c").arg(format!("{setup}; exec \"$0\" \"$@\"")).arg(env!("CARGO_BIN_EXE_cfjwt")).args(args);
    for var in GIT_VARS {
        sh.env_remove(var);
    }
    sh
}

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Dir {
        let d = Dir(tempfile::tempdir().unwrap());
        d.write("key", SECRET);
        d.write("policy.json", POLICY);
        d.write("kvs.json", KVS_POLICY);
        d
    }
    fn root(&self) -> &Path {
        self.0.path()
    }
    fn at(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
    fn path(&self, name: &str) -> String {
        self.at(name).display().to_string()
    }
    fn write(&self, name: &str, text: &str) {
        fs::write(self.at(name), text).unwrap();
    }
    fn read(&self, name: &str) -> String {
        fs::read_to_string(self.at(name)).unwrap()
    }
    fn mode(&self, name: &str) -> u32 {
        fs::metadata(self.at(name)).unwrap().mode() & 0o7777
    }
    fn chmod(&self, name: &str, mode: u32) {
        fs::set_permissions(self.at(name), fs::Permissions::from_mode(mode)).unwrap();
    }
    /// The directory's entries (one level), sorted.
    fn entries(&self, sub: &str) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.at(sub))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
    fn no_temporary_file(&self, sub: &str) {
        let left: Vec<String> = self.entries(sub).into_iter().filter(|n| n.starts_with(".cfjwt-")).collect();
        assert!(left.is_empty(), "temporary files left behind: {left:?}");
    }
    /// `gen` for the policy with the key file, writing to `out`.
    fn gen_args(&self, out: &str) -> Vec<String> {
        let mut args: Vec<String> = ["gen", "--config", &self.path("policy.json"), "--key-file", &self.path("key")]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.extend(["-o".to_string(), out.to_string()]);
        args
    }
    /// What `gen` writes for the policy and key, from stdout.
    fn expected(&self) -> Vec<u8> {
        let out = cfjwt()
            .args(["gen", "--config", &self.path("policy.json"), "--key-file", &self.path("key")])
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    }
}

fn is_symlink(p: &Path) -> bool {
    fs::symlink_metadata(p).unwrap().file_type().is_symlink()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

// ---- -o - ----

#[test]
fn gen_o_dash_writes_to_stdout() {
    let d = Dir::new();
    let expected = d.expected();
    cfjwt()
        .current_dir(d.root())
        .args(strs(&d.gen_args("-")))
        .assert()
        .success()
        .stdout(expected)
        .stderr(predicate::str::is_match(r"^\d+ bytes, \d+% of the 10,240-byte limit\n$").unwrap());
    assert!(!d.at("-").exists(), "no file named `-`");
}

#[test]
fn gen_check_with_o_dash_is_refused() {
    let d = Dir::new();
    let mut args = d.gen_args("-");
    args.push("--check".into());
    cfjwt()
        .current_dir(d.root())
        .args(strs(&args))
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with("error: --check").and(predicate::str::contains("`-o -`")));
    assert!(!d.at("-").exists());
}

// ---- symbolic links ----

#[test]
fn a_symlink_is_written_through_and_stays_a_link() {
    let d = Dir::new();
    fs::create_dir(d.at("build")).unwrap();
    d.write("build/real.js", "previous");
    d.chmod("build/real.js", 0o640);
    // A chain: out.js -> build/hop.js -> real.js (relative to build/).
    std::os::unix::fs::symlink("build/hop.js", d.at("out.js")).unwrap();
    std::os::unix::fs::symlink("real.js", d.at("build/hop.js")).unwrap();
    cfjwt().args(strs(&d.gen_args(&d.path("out.js")))).assert().success();
    assert!(is_symlink(&d.at("out.js")) && is_symlink(&d.at("build/hop.js")), "the links stay links");
    assert_eq!(fs::read(d.at("build/real.js")).unwrap(), d.expected());
    assert_eq!(d.mode("build/real.js"), 0o640, "the file named keeps its mode");
    d.no_temporary_file("");
    d.no_temporary_file("build");
}

#[test]
fn a_dangling_symlink_creates_the_file_it_names() {
    let d = Dir::new();
    fs::create_dir(d.at("build")).unwrap();
    std::os::unix::fs::symlink(d.at("build/new.js"), d.at("out.js")).unwrap();
    cfjwt().args(strs(&d.gen_args(&d.path("out.js")))).assert().success();
    assert!(is_symlink(&d.at("out.js")));
    assert_eq!(fs::read(d.at("build/new.js")).unwrap(), d.expected());
    assert_eq!(d.mode("build/new.js"), 0o600, "a new file with the key embedded");
    // init too.
    std::os::unix::fs::symlink("build/policy.json", d.at("p.json")).unwrap();
    cfjwt().args(["init", "--setup", "api-bearer", "-o", &d.path("p.json")]).assert().success();
    assert!(is_symlink(&d.at("p.json")));
    assert!(d.read("build/policy.json").contains("\"claims\""));
}

#[test]
fn a_symlink_into_a_missing_directory_is_a_clear_error() {
    let d = Dir::new();
    std::os::unix::fs::symlink("nowhere/new.js", d.at("out.js")).unwrap();
    cfjwt().args(strs(&d.gen_args(&d.path("out.js")))).assert().code(2).stderr(
        predicate::str::contains("symbolic link to")
            .and(predicate::str::contains("nowhere"))
            .and(predicate::str::contains("does not exist")),
    );
    assert!(is_symlink(&d.at("out.js")));
    assert!(!d.at("nowhere").exists());
    d.no_temporary_file("");
}

// ---- devices, FIFOs, directories ----

/// Runs `cmd` with `fifo` read by a thread; returns the command's output and what was read.
fn through_fifo(mut cmd: Command, fifo: &Path) -> (std::process::Output, Vec<u8>) {
    let (tx, rx) = mpsc::channel();
    let reader_path = fifo.to_path_buf();
    let reader = std::thread::spawn(move || {
        let bytes = fs::read(&reader_path).unwrap();
        tx.send(bytes).unwrap();
    });
    let out = cmd.output().unwrap();
    let read = match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(bytes) => bytes,
        Err(_) => {
            // cfjwt never opened the FIFO: open it once ourselves so that the reader ends.
            drop(fs::OpenOptions::new().write(true).open(fifo));
            rx.recv().unwrap()
        }
    };
    reader.join().unwrap();
    (out, read)
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

#[test]
fn a_fifo_is_written_in_place() {
    let d = Dir::new();
    let fifo = d.at("pipe");
    mkfifo(&fifo);
    let mut gen = cfjwt();
    gen.args(strs(&d.gen_args(&d.path("pipe"))));
    let (out, read) = through_fifo(gen, &fifo);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(read, d.expected());
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(), "still a FIFO");
    d.no_temporary_file("");
    // init writes to a FIFO without --force: it is not a file with contents to lose.
    let mut init = cfjwt();
    init.args(["init", "--setup", "kvs-rotation", "-o", &d.path("pipe")]);
    let (out, read) = through_fifo(init, &fifo);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8(read).unwrap().contains("\"kvs\""));
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
}

/// A private device node `name` (major, minor) in the directory; false when this user cannot
/// make one (not root).
fn mknod(d: &Dir, name: &str, major: u32, minor: u32) -> bool {
    std::process::Command::new("mknod")
        .arg(d.at(name))
        .args(["c", &major.to_string(), &minor.to_string()])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn a_device_is_written_in_place_never_replaced() {
    let d = Dir::new();
    if !mknod(&d, "null", 1, 3) || fs::OpenOptions::new().write(true).open(d.at("null")).is_err() {
        eprintln!("skipped: cannot make and open a device node here (needs root)");
        return;
    }
    cfjwt().args(strs(&d.gen_args(&d.path("null")))).assert().success();
    let meta = fs::symlink_metadata(d.at("null")).unwrap();
    assert!(meta.file_type().is_char_device(), "still a device");
    assert_eq!(meta.rdev(), fs::symlink_metadata("/dev/null").map(|m| m.rdev()).unwrap_or(meta.rdev()));
    cfjwt().args(["init", "--setup", "api-bearer", "-o", &d.path("null")]).assert().success();
    assert!(fs::symlink_metadata(d.at("null")).unwrap().file_type().is_char_device());
    // A device that refuses the write (the full device): an error, and the node stays.
    if mknod(&d, "full", 1, 7) {
        cfjwt()
            .args(strs(&d.gen_args(&d.path("full"))))
            .assert()
            .code(2)
            .stderr(predicate::str::contains("cannot write it").and(predicate::str::contains("No space left")));
        assert!(fs::symlink_metadata(d.at("full")).unwrap().file_type().is_char_device());
    }
    d.no_temporary_file("");
}

#[test]
fn a_directory_is_refused() {
    let d = Dir::new();
    fs::create_dir(d.at("out")).unwrap();
    cfjwt()
        .args(strs(&d.gen_args(&d.path("out"))))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot write it: it is a directory"));
    cfjwt()
        .args(["init", "--setup", "api-bearer", "--force", "-o", &d.path("out")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("it is a directory"));
    // Through a link, too.
    std::os::unix::fs::symlink("out", d.at("link")).unwrap();
    cfjwt().args(strs(&d.gen_args(&d.path("link")))).assert().code(2).stderr(predicate::str::contains("directory"));
    assert!(d.entries("out").is_empty());
    d.no_temporary_file("");
}

// ---- the command's own inputs ----

#[test]
fn an_input_file_by_any_name_is_refused() {
    let d = Dir::new();
    fs::create_dir(d.at("sub")).unwrap();
    fs::hard_link(d.at("policy.json"), d.at("hard.json")).unwrap();
    fs::hard_link(d.at("key"), d.at("sub/hard.key")).unwrap();
    std::os::unix::fs::symlink("../key", d.at("sub/key-link")).unwrap();
    let gen = |out: &str| {
        cfjwt()
            .current_dir(d.root())
            .args(["gen", "--config", "policy.json", "--key-file", "k1=key", "-o", out])
            .assert()
            .code(2)
            .stderr(
                predicate::str::contains("cannot write it: it is")
                    .and(predicate::str::contains("which this command reads"))
                    .and(predicate::str::contains(SECRET).not()),
            );
    };
    for out in
        ["policy.json", "./policy.json", "sub/../policy.json", "hard.json", "key", "sub/hard.key", "sub/key-link"]
    {
        gen(out);
        gen(&d.path(out));
    }
    assert_eq!(d.read("policy.json"), POLICY);
    assert_eq!(d.read("key"), SECRET);
    assert!(is_symlink(&d.at("sub/key-link")));
    d.no_temporary_file("");
    d.no_temporary_file("sub");
    // A second key file counts as much as the first.
    d.write("key2", SECRET);
    cfjwt()
        .current_dir(d.root())
        .args(["gen", "--config", "policy.json", "--key-file", "a=key", "--key-file", "b=key2", "-o", "key2"])
        .assert()
        .code(2);
    assert_eq!(d.read("key2"), SECRET);
}

// ---- modes ----

#[test]
fn an_existing_file_keeps_its_mode() {
    let d = Dir::new();
    for mode in [0o640, 0o644, 0o600, 0o664] {
        d.write("out.js", "previous");
        d.chmod("out.js", mode);
        cfjwt_under("umask 077", &strs(&d.gen_args(&d.path("out.js")))).assert().success();
        assert_eq!(fs::read(d.at("out.js")).unwrap(), d.expected());
        assert_eq!(d.mode("out.js"), mode, "gen over a {mode:o} file");
        d.write("p.json", "{}");
        d.chmod("p.json", mode);
        cfjwt_under("umask 077", &["init", "--setup", "api-bearer", "--force", "-o", &d.path("p.json")])
            .assert()
            .success();
        assert_eq!(d.mode("p.json"), mode, "init over a {mode:o} file");
    }
    d.no_temporary_file("");
}

#[test]
fn an_existing_file_keeps_its_owner_where_allowed() {
    let d = Dir::new();
    d.write("out.js", "previous");
    if std::os::unix::fs::chown(d.at("out.js"), Some(4321), Some(4321)).is_err() {
        eprintln!("skipped: cannot give a file away here (needs root)");
        return;
    }
    d.chmod("out.js", 0o640);
    cfjwt().args(strs(&d.gen_args(&d.path("out.js")))).assert().success();
    let meta = fs::metadata(d.at("out.js")).unwrap();
    assert_eq!((meta.uid(), meta.gid(), meta.mode() & 0o7777), (4321, 4321, 0o640));
}

#[test]
fn a_new_file_with_an_embedded_key_is_0600_any_other_the_usual_mode() {
    let d = Dir::new();
    for (umask, usual) in [("022", 0o644), ("002", 0o664), ("077", 0o600), ("000", 0o666)] {
        let setup = format!("umask {umask}");
        let _ = fs::remove_file(d.at("secret.js"));
        cfjwt_under(&setup, &strs(&d.gen_args(&d.path("secret.js")))).assert().success();
        assert_eq!(d.mode("secret.js"), 0o600, "gen, key embedded, umask {umask}");
        let _ = fs::remove_file(d.at("kvs.js"));
        cfjwt_under(&setup, &["gen", "--config", &d.path("kvs.json"), "-o", &d.path("kvs.js")]).assert().success();
        assert_eq!(d.mode("kvs.js"), usual, "gen, KeyValueStore, umask {umask}");
        let _ = fs::remove_file(d.at("p.json"));
        cfjwt_under(&setup, &["init", "--setup", "video-cookie", "-o", &d.path("p.json")]).assert().success();
        assert_eq!(d.mode("p.json"), usual, "init, umask {umask}");
    }
    d.no_temporary_file("");
}

// ---- failures ----

#[test]
fn a_failed_write_leaves_neither_temporary_file_nor_partial_target() {
    let d = Dir::new();
    d.write("out.js", "previous");
    // No file may grow (SIGXFSZ ignored: the write fails with EFBIG instead of killing cfjwt).
    for setup in ["trap '' XFSZ; ulimit -f 0", "trap '' XFSZ; ulimit -f 1"] {
        let out = d.path("out.js");
        cfjwt_under(setup, &strs(&d.gen_args(&out)))
            .arg("--pretty")
            .assert()
            .code(2)
            .stderr(predicate::str::contains("cannot write it"));
        assert_eq!(d.read("out.js"), "previous", "{setup}");
        cfjwt_under(setup, &strs(&d.gen_args(&d.path("new.js")))).arg("--pretty").assert().code(2);
        assert!(!d.at("new.js").exists(), "{setup}");
        d.no_temporary_file("");
    }
    // The rename fails (a name with a trailing slash, the temporary file already written).
    cfjwt().args(strs(&d.gen_args(&format!("{}/", d.path("new.js"))))).assert().code(2);
    assert_eq!(d.entries(""), ["key", "kvs.json", "out.js", "policy.json"]);
}

// ---- the warning: an embedded key git would commit ----

fn git(dir: &Path, args: &[&str]) -> bool {
    let mut git = std::process::Command::new("git");
    for var in GIT_VARS {
        git.env_remove(var);
    }
    git.arg("-C")
        .arg(dir)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A temporary directory that is a git work tree; None (the test skipped) without git.
fn repo() -> Option<Dir> {
    let d = Dir::new();
    if !git(d.root(), &["init", "-q"]) {
        eprintln!("skipped: no git");
        return None;
    }
    Some(d)
}

const WARNING: &str = "embeds the HMAC secret";

fn warns(stderr: &[u8]) -> bool {
    let text = String::from_utf8_lossy(stderr);
    assert!(!text.contains(SECRET), "{text}");
    text.contains(WARNING)
}

#[test]
fn gen_warns_when_git_would_commit_the_key() {
    let Some(d) = repo() else { return };
    fs::create_dir(d.at("dist")).unwrap();
    let out = cfjwt().args(strs(&d.gen_args(&d.path("dist/f.js")))).output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.starts_with("warning: ")).collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    let w = warnings[0];
    assert!(w.starts_with(&format!("warning: {} {WARNING}", d.path("dist/f.js"))), "{w}");
    for said in
        ["will be committed", "KeyValueStore", "deploy job", "--test-key", "Keeping the secret out of the repository"]
    {
        assert!(w.contains(said), "{said}: {w}");
    }
    assert!(!stderr.contains(SECRET));
    // A tracked file, and a relative path from inside the tree.
    assert!(git(d.root(), &["add", "dist/f.js"]));
    let out = cfjwt()
        .current_dir(d.at("dist"))
        .args(["gen", "--config", "../policy.json", "--key-file", "../key", "-o", "f.js"])
        .output()
        .unwrap();
    assert!(out.status.success() && warns(&out.stderr), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn no_warning_for_an_ignored_file() {
    let Some(d) = repo() else { return };
    d.write(".gitignore", "*.js\n");
    let out = cfjwt().args(strs(&d.gen_args(&d.path("f.js")))).output().unwrap();
    assert!(out.status.success());
    assert!(!warns(&out.stderr), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn no_warning_with_test_key() {
    let Some(d) = repo() else { return };
    let out = cfjwt().args(strs(&d.gen_args(&d.path("f.js")))).arg("--test-key").output().unwrap();
    assert!(out.status.success());
    assert!(!warns(&out.stderr), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(fs::read(d.at("f.js")).unwrap(), d.expected(), "--test-key changes nothing written");
}

#[test]
fn no_warning_for_a_key_value_store_policy() {
    let Some(d) = repo() else { return };
    let out = cfjwt().args(["gen", "--config", &d.path("kvs.json"), "-o", &d.path("f.js")]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!warns(&out.stderr), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn no_warning_on_stdout_outside_a_work_tree_or_without_git() {
    let Some(d) = repo() else { return };
    let stdout = ["gen", "--config", "policy.json", "--key-file", "key"];
    for args in [&stdout[..], &[&stdout[..], &["-o", "-"]].concat()] {
        let out = cfjwt().current_dir(d.root()).args(args).output().unwrap();
        assert!(out.status.success());
        assert!(!warns(&out.stderr), "{}", String::from_utf8_lossy(&out.stderr));
    }
    // No git on the PATH.
    let empty = tempfile::tempdir().unwrap();
    let out = cfjwt().env("PATH", empty.path()).args(strs(&d.gen_args(&d.path("f.js")))).output().unwrap();
    assert!(out.status.success());
    assert!(!warns(&out.stderr), "{}", String::from_utf8_lossy(&out.stderr));
    // Not a work tree (unless the temporary directory happens to be inside one).
    let plain = Dir::new();
    if !git(plain.root(), &["rev-parse", "--is-inside-work-tree"]) {
        let out = cfjwt().args(strs(&plain.gen_args(&plain.path("f.js")))).output().unwrap();
        assert!(out.status.success());
        assert!(!warns(&out.stderr), "{}", String::from_utf8_lossy(&out.stderr));
    }
    // A link in the tree to a file outside it: the file written is not the tree's.
    std::os::unix::fs::symlink(plain.at("outside.js"), d.at("link.js")).unwrap();
    let out = cfjwt().args(strs(&d.gen_args(&d.path("link.js")))).output().unwrap();
    assert!(out.status.success());
    if !git(plain.root(), &["rev-parse", "--is-inside-work-tree"]) {
        assert!(!warns(&out.stderr), "{}", String::from_utf8_lossy(&out.stderr));
    }
}
