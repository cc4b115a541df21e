//! Where a function file differs from what `cfjwt gen` would write, said so that a reader can find
//! the place (`gen --check`).

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
}
