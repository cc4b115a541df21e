//! Output files, written so that they cannot clobber: a regular file whole or not at all (a
//! temporary file beside it, given the right mode, renamed over it, so a failed run never leaves a
//! partial or empty file behind, nor the temporary file), through symbolic links (the link stays a
//! link), a device or FIFO written in place (never replaced), a directory or one of the command's
//! own input files refused. Also whether git would commit a file written, and comparing an output
//! with what would be written (`diff`, for `gen --check`).

pub mod diff;

pub use diff::first_difference;

use std::fs::{self, Metadata, OpenOptions, Permissions};
use std::io::{self, Write as _};
use std::os::unix::fs::{FileTypeExt as _, MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The mode of a file [`write`] creates (an existing file keeps its own).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NewFile {
    /// 0666 less the process's umask, as any program creates files.
    #[default]
    Usual,
    /// 0600, whatever the umask: the contents are a secret (a function with its key embedded).
    Secret,
}

/// How [`write`] writes one output.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options<'a> {
    /// The mode of the file, if it does not exist yet.
    pub new_file: NewFile,
    /// The files the command reads: the output may not be any of them, by whatever name.
    pub inputs: &'a [&'a Path],
}

/// What [`write`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// The file written: the path given or, when that is a symbolic link, the file it names.
    pub file: PathBuf,
    /// Whether it is a regular file (not a device or FIFO written in place).
    pub regular: bool,
}

/// At most this many symbolic links are followed, as the kernel does (Linux's `MAXSYMLINKS`).
const MAX_LINKS: usize = 40;

/// Writes `contents` to `path`, with [`NewFile::Usual`] and no input files.
pub fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    write(path, contents, Options::default()).map(drop)
}

/// Writes `contents` to `path`:
/// - a symbolic link is followed (a dangling one too, if the directory of the file it names
///   exists), and the file it names written as below, so that the link stays a link;
/// - a regular file, or a new one, is written whole or not at all: a temporary file in the same
///   directory, given the existing file's mode (and owner, where allowed) or the new file's
///   ([`Options::new_file`]), renamed over it; on failure the temporary file is removed and the
///   target untouched;
/// - a character or block device or a FIFO is opened for writing (never created, truncated or
///   replaced) and written to;
/// - a directory, a socket, or one of [`Options::inputs`] (the same file by device and inode, so
///   any name of it counts, hard links too) is refused, and nothing is written.
///
/// The errors say what is wrong without naming `path`: the caller does.
pub fn write(path: &Path, contents: &[u8], options: Options<'_>) -> io::Result<Written> {
    refuse_inputs(path, options.inputs)?;
    let file = follow_links(path)?;
    match fs::symlink_metadata(&file) {
        Ok(m) if m.is_dir() => Err(io::Error::new(io::ErrorKind::IsADirectory, "it is a directory; name a file")),
        Ok(m) if m.is_file() => {
            replace(&file, contents, Mode::Keep(&m))?;
            Ok(Written { file, regular: true })
        }
        Ok(m) => {
            write_in_place(&file, contents, &m)?;
            Ok(Written { file, regular: false })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if file != path && !directory_of(&file).is_dir() {
                let message = format!(
                    "it is a symbolic link to {}, and the directory {} does not exist",
                    file.display(),
                    directory_of(&file).display()
                );
                return Err(io::Error::new(io::ErrorKind::NotFound, message));
            }
            replace(&file, contents, Mode::New(options.new_file))?;
            Ok(Written { file, regular: true })
        }
        Err(e) => Err(e),
    }
}

/// Whether git would commit `file`: it lies in a git work tree, and git does not ignore it. No
/// git, not a work tree, or git failing: false.
pub fn git_would_commit(file: &Path) -> bool {
    let Some(name) = file.file_name() else {
        return false;
    };
    let dir = directory_of(file);
    let git = || {
        let mut command = Command::new("git");
        command.arg("-C").arg(dir).stdin(Stdio::null()).stderr(Stdio::null());
        command
    };
    let inside = git().args(["rev-parse", "--is-inside-work-tree"]).output();
    if !inside.is_ok_and(|o| o.status.success() && o.stdout.trim_ascii() == b"true") {
        return false;
    }
    // Exit 0: ignored; 1: not ignored (a tracked file is never ignored); 128: an error.
    let ignored = git().args(["check-ignore", "-q", "--"]).arg(name).stdout(Stdio::null()).status();
    ignored.is_ok_and(|s| s.code() == Some(1))
}

/// The mode the file written gets.
#[derive(Clone, Copy, Debug)]
enum Mode<'a> {
    /// A new file.
    New(NewFile),
    /// The mode, owner and group of the file it replaces.
    Keep(&'a Metadata),
}

/// The directory a file is in (`.` for a bare name).
fn directory_of(file: &Path) -> &Path {
    match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Refuses `path` when it is one of `inputs` (device and inode of the files both names lead to).
fn refuse_inputs(path: &Path, inputs: &[&Path]) -> io::Result<()> {
    let Ok(out) = fs::metadata(path) else {
        return Ok(());
    };
    for input in inputs {
        if fs::metadata(input).is_ok_and(|m| m.dev() == out.dev() && m.ino() == out.ino()) {
            let message = format!(
                "it is the same file as {}, which this command reads; choose another output file",
                input.display()
            );
            return Err(io::Error::new(io::ErrorKind::InvalidInput, message));
        }
    }
    Ok(())
}

/// `path` with symbolic links in its last component followed (however many, up to [`MAX_LINKS`]):
/// the file a write to `path` reaches. The links' own directories resolve as the kernel resolves
/// them.
fn follow_links(path: &Path) -> io::Result<PathBuf> {
    let mut file = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&file) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = fs::read_link(&file)?;
                file = match file.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d.join(to),
                    _ => to,
                };
            }
            _ => return Ok(file),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// Writes a regular file whole or not at all: a temporary file in its directory, with the mode it
/// must have, renamed over it. The temporary file is removed on any failure (dropped unpersisted).
fn replace(file: &Path, contents: &[u8], mode: Mode<'_>) -> io::Result<()> {
    let created = match mode {
        // The kernel applies the umask to the mode a file is created with.
        Mode::New(NewFile::Usual) => 0o666,
        Mode::New(NewFile::Secret) | Mode::Keep(_) => 0o600,
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".cfjwt-")
        .suffix(".tmp")
        .permissions(Permissions::from_mode(created))
        .tempfile_in(directory_of(file))?;
    tmp.write_all(contents)?;
    match mode {
        Mode::New(NewFile::Usual) => {}
        // Not less either, should the umask take more than group and others' bits.
        Mode::New(NewFile::Secret) => tmp.as_file().set_permissions(Permissions::from_mode(0o600))?,
        Mode::Keep(old) => {
            let tmp_meta = tmp.as_file().metadata()?;
            let mut same_owner = tmp_meta.uid() == old.uid() && tmp_meta.gid() == old.gid();
            if !same_owner {
                // Allowed to root (and to the owner for a group they are in); else the file
                // becomes the writer's, as with any program that replaces files.
                same_owner = std::os::unix::fs::fchown(tmp.as_file(), Some(old.uid()), Some(old.gid())).is_ok();
            }
            // Set-user-ID and set-group-ID bits only for the owner and group they were set by.
            let bits = if same_owner { 0o7777 } else { 0o777 };
            tmp.as_file().set_permissions(Permissions::from_mode(old.mode() & bits))?;
        }
    }
    tmp.as_file().sync_all()?;
    tmp.persist(file).map_err(|e| e.error)?;
    Ok(())
}

/// Writes to a device or FIFO in place: opened for writing only (not created, not truncated).
fn write_in_place(file: &Path, contents: &[u8], meta: &Metadata) -> io::Result<()> {
    if meta.file_type().is_socket() {
        return Err(io::Error::new(io::ErrorKind::Unsupported, "it is a socket, which cannot be written as a file"));
    }
    let mut f = OpenOptions::new().write(true).open(file)?;
    f.write_all(contents)?;
    f.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.js");
        fs::write(&path, "old").unwrap();
        write_atomically(&path, b"new contents").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new contents");
        assert_eq!(entries(dir.path()), ["out.js"], "no temporary file left behind");
    }

    #[test]
    fn failure_leaves_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-such-dir").join("out.js");
        assert!(write_atomically(&missing, b"x").is_err());
        assert!(!missing.exists());
    }

    #[test]
    fn a_failed_rename_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // A name with a trailing slash: the temporary file is written, the rename fails.
        let mut bad = dir.path().join("out.js").into_os_string();
        bad.push("/");
        assert!(write_atomically(Path::new(&bad), b"x").is_err());
        assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path()));
    }

    #[test]
    fn existing_mode_is_kept_and_secrets_are_0600() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old.js");
        fs::write(&old, "old").unwrap();
        fs::set_permissions(&old, Permissions::from_mode(0o640)).unwrap();
        let secret = Options { new_file: NewFile::Secret, inputs: &[] };
        write(&old, b"new", secret).unwrap();
        assert_eq!(fs::metadata(&old).unwrap().mode() & 0o7777, 0o640);
        let new = dir.path().join("new.js");
        write(&new, b"new", secret).unwrap();
        assert_eq!(fs::metadata(&new).unwrap().mode() & 0o7777, 0o600);
    }

    #[test]
    fn links_are_followed_and_stay_links() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.js");
        fs::write(&real, "old").unwrap();
        let link = dir.path().join("link.js");
        std::os::unix::fs::symlink("real.js", &link).unwrap();
        let written = write_atomically(&link, b"new");
        assert!(written.is_ok());
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
        let dangling = dir.path().join("dangling.js");
        std::os::unix::fs::symlink("nowhere/x.js", &dangling).unwrap();
        let e = write_atomically(&dangling, b"x").unwrap_err();
        assert!(e.to_string().contains("does not exist"), "{e}");
        let loop_ = dir.path().join("loop.js");
        std::os::unix::fs::symlink("loop.js", &loop_).unwrap();
        assert!(write_atomically(&loop_, b"x").is_err());
    }

    #[test]
    fn directories_and_inputs_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let e = write_atomically(dir.path(), b"x").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::IsADirectory);
        let input = dir.path().join("p.json");
        fs::write(&input, "{}").unwrap();
        let again = dir.path().join("sub").join("..").join("p.json");
        fs::create_dir(dir.path().join("sub")).unwrap();
        let e = write(&again, b"x", Options { new_file: NewFile::Usual, inputs: &[&input] }).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(fs::read_to_string(&input).unwrap(), "{}");
    }
}
