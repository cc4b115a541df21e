//! Output files: written whole or not at all (a temporary file in the same directory, renamed over
//! the target, so a failed run never leaves a partial or empty file behind), and compared with what
//! would be written (`gen --check`).

use std::io::Write;
use std::path::Path;

/// Writes `contents` to `path` atomically.
pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new().prefix(".cfjwt-").suffix(".tmp").tempfile_in(dir)?;
    tmp.write_all(contents)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Where two texts first differ, as `line N: the file has ..., gen writes ...`; `None` when they
/// are the same bytes.
pub fn first_difference(current: &[u8], wanted: &[u8]) -> Option<String> {
    if current == wanted {
        return None;
    }
    let current = String::from_utf8_lossy(current);
    let wanted = String::from_utf8_lossy(wanted);
    let mut cur = current.lines();
    let mut want = wanted.lines();
    let mut line = 1;
    loop {
        match (cur.next(), want.next()) {
            (Some(c), Some(w)) if c == w => line += 1,
            (c, w) => {
                let show = |s: Option<&str>| match s {
                    None => "end of file".to_string(),
                    Some(s) if s.len() > 120 => {
                        let end = (0..=120).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
                        format!("`{}…`", &s[..end])
                    }
                    Some(s) => format!("`{s}`"),
                };
                if c.is_none() && w.is_none() {
                    return Some("the files differ in line endings".into());
                }
                return Some(format!("line {line}: the file has {}, gen writes {}", show(c), show(w)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_difference_names_the_line() {
        assert_eq!(first_difference(b"a\nb\n", b"a\nb\n"), None);
        let d = first_difference(b"a\nb\n", b"a\nc\n").unwrap();
        assert_eq!(d, "line 2: the file has `b`, gen writes `c`");
        let d = first_difference(b"a\n", b"a\nc\n").unwrap();
        assert_eq!(d, "line 2: the file has end of file, gen writes `c`");
    }

    #[test]
    fn replaces_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.js");
        std::fs::write(&path, "old").unwrap();
        write_atomically(&path, b"new contents").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new contents");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file left behind");
    }

    #[test]
    fn failure_leaves_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-such-dir").join("out.js");
        assert!(write_atomically(&missing, b"x").is_err());
        assert!(!missing.exists());
    }
}
