//! The local origin of `cfjwt serve`: the file a request URI names under the root directory,
//! never one outside it, its content type, and the byte range a `Range` header asks for.

use std::path::{Path, PathBuf};

/// Why a URI names no file that may be served.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The path is not one a file under the root can have: a bad `%` escape, text that is not
    /// UTF-8 once decoded, a `..` segment, a backslash or a NUL. Answered with 400.
    BadPath(&'static str),
    /// Nothing there, a directory without `index.html`, something that is not a regular file, or
    /// a file that is outside the root once links are followed. Answered with 404.
    NotFound,
}

/// The URI's path percent-decoded, or why it cannot be.
fn decode(path: &str) -> Result<String, Refused> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
            let byte = hex.and_then(|h| u8::from_str_radix(h, 16).ok()).ok_or(Refused::BadPath("a bad % escape"))?;
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| Refused::BadPath("not UTF-8 once decoded"))
}

/// The regular file `uri` names under `root` (canonical), or why there is none: the path is
/// percent-decoded, must hold no `..` segment, backslash or NUL, and must still be under the root
/// once canonicalised (links followed). A directory stands for its `index.html`.
pub fn resolve(root: &Path, uri: &str) -> Result<PathBuf, Refused> {
    let path = uri.split_once('?').map_or(uri, |(path, _)| path);
    let decoded = decode(path)?;
    if decoded.contains('\\') {
        return Err(Refused::BadPath("a backslash"));
    }
    if decoded.contains('\0') {
        return Err(Refused::BadPath("a NUL"));
    }
    let mut joined = root.to_path_buf();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => return Err(Refused::BadPath("a `..` segment")),
            _ => joined.push(segment),
        }
    }
    let mut found = within(root, &joined)?;
    if found.is_dir() {
        found = within(root, &found.join("index.html"))?;
    }
    if !found.is_file() {
        return Err(Refused::NotFound);
    }
    Ok(found)
}

/// `path` canonicalised, when that is under `root`.
fn within(root: &Path, path: &Path) -> Result<PathBuf, Refused> {
    let canonical = path.canonicalize().map_err(|_| Refused::NotFound)?;
    if canonical.starts_with(root) {
        Ok(canonical)
    } else {
        Err(Refused::NotFound)
    }
}

/// The content type of a file, by its extension.
pub fn content_type(path: &Path) -> &'static str {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "m3u8" => "application/vnd.apple.mpegurl",
        "ts" => "video/mp2t",
        "m4s" => "video/iso.segment",
        "mp4" | "m4v" => "video/mp4",
        "m4a" => "audio/mp4",
        "mpd" => "application/dash+xml",
        "vtt" => "text/vtt; charset=utf-8",
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "css" => "text/css; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "key" => "application/octet-stream",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "svg" => "image/svg+xml",
        "webm" => "video/webm",
        _ => "application/octet-stream",
    }
}

/// What a `Range` header asks of a file of `size` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Range {
    /// The whole file (no header, or one this server does not take up: several ranges, another
    /// unit, a malformed one; RFC 9110 lets a server ignore those).
    Whole,
    /// Bytes `start` to `end`, both included: a 206.
    Part { start: u64, end: u64 },
    /// No byte of the file: a 416.
    Unsatisfiable,
}

/// The range `header` (`bytes=a-b`, `bytes=a-`, `bytes=-n`) asks of a file of `size` bytes.
pub fn range(header: Option<&str>, size: u64) -> Range {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Range::Whole;
    };
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Range::Whole;
    };
    let number = |text: &str| -> Option<u64> {
        let text = text.trim();
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse().ok()
    };
    match (first.trim().is_empty(), last.trim().is_empty()) {
        // `-n`: the last n bytes.
        (true, false) => match number(last) {
            None => Range::Whole,
            Some(0) => Range::Unsatisfiable,
            Some(_) if size == 0 => Range::Unsatisfiable,
            Some(n) => Range::Part { start: size.saturating_sub(n), end: size - 1 },
        },
        // `a-`: from a to the end.
        (false, true) => match number(first) {
            None => Range::Whole,
            Some(a) if a >= size => Range::Unsatisfiable,
            Some(a) => Range::Part { start: a, end: size - 1 },
        },
        (false, false) => match (number(first), number(last)) {
            (Some(a), Some(b)) if a <= b => {
                if a >= size {
                    Range::Unsatisfiable
                } else {
                    Range::Part { start: a, end: b.min(size - 1) }
                }
            }
            _ => Range::Whole,
        },
        (true, true) => Range::Whole,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_as_rfc_9110_reads_them() {
        assert_eq!(range(None, 10), Range::Whole);
        assert_eq!(range(Some("bytes=0-3"), 10), Range::Part { start: 0, end: 3 });
        assert_eq!(range(Some("bytes=2-"), 10), Range::Part { start: 2, end: 9 });
        assert_eq!(range(Some("bytes=-3"), 10), Range::Part { start: 7, end: 9 });
        assert_eq!(range(Some("bytes=-30"), 10), Range::Part { start: 0, end: 9 });
        assert_eq!(range(Some("bytes=5-100"), 10), Range::Part { start: 5, end: 9 });
        assert_eq!(range(Some("bytes=10-"), 10), Range::Unsatisfiable);
        assert_eq!(range(Some("bytes=10-12"), 10), Range::Unsatisfiable);
        assert_eq!(range(Some("bytes=-0"), 10), Range::Unsatisfiable);
        assert_eq!(range(Some("bytes=0-"), 0), Range::Unsatisfiable);
        assert_eq!(range(Some("bytes=4-2"), 10), Range::Whole);
        assert_eq!(range(Some("bytes=0-1,4-5"), 10), Range::Whole);
        assert_eq!(range(Some("items=0-1"), 10), Range::Whole);
        assert_eq!(range(Some("bytes=x-1"), 10), Range::Whole);
    }

    #[test]
    fn paths_stay_under_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("a")).unwrap();
        std::fs::write(root.join("a/x.ts"), "x").unwrap();
        std::fs::create_dir(root.join("d")).unwrap();
        std::fs::write(root.join("d/index.html"), "i").unwrap();
        assert_eq!(resolve(&root, "/a/x.ts"), Ok(root.join("a/x.ts")));
        assert_eq!(resolve(&root, "/a/%78.ts"), Ok(root.join("a/x.ts")));
        assert_eq!(resolve(&root, "//a/./x.ts"), Ok(root.join("a/x.ts")));
        assert_eq!(resolve(&root, "/d/"), Ok(root.join("d/index.html")));
        assert_eq!(resolve(&root, "/a"), Err(Refused::NotFound));
        assert_eq!(resolve(&root, "/nothing"), Err(Refused::NotFound));
        for bad in ["/../x", "/%2e%2e/x", "/a/..%2fx", "/a/%5c..%5cx", "/a\\x", "/a%00", "/%zz", "/%ff"] {
            assert!(matches!(resolve(&root, bad), Err(Refused::BadPath(_))), "{bad}");
        }
    }

    #[test]
    fn types_by_extension() {
        assert_eq!(content_type(Path::new("a/b.M3U8")), "application/vnd.apple.mpegurl");
        assert_eq!(content_type(Path::new("b.mp4")), "video/mp4");
        assert_eq!(content_type(Path::new("b")), "application/octet-stream");
    }
}
