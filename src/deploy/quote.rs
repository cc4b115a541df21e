//! Text that each deploy snippet's language reads back exactly as it was given: shell words,
//! YAML scalars, blocks and comments, HCL templates and heredocs, TypeScript string literals and
//! comments. The snippets of `super` build on these and quote nothing by hand.

use std::fmt::Write as _;

/// One shell word: bare when it has only characters no shell treats specially, else in single
/// quotes (a `'` inside written `'\''`).
pub fn shell_quote(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// A YAML double-quoted scalar that every YAML parser (1.1 or 1.2) reads as exactly `text`:
/// everything but printable ASCII and ordinary non-ASCII letters escaped.
pub fn yaml_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if yaml_block_safe(c) => out.push(c),
            c if (c as u32) <= 0xFFFF => write!(out, "\\u{:04X}", c as u32).unwrap(),
            c => write!(out, "\\U{:08X}", c as u32).unwrap(),
        }
    }
    out.push('"');
    out
}

/// Text for YAML comment lines: line breaks (`\n`) kept, every other character that a literal
/// block could not hold as it is written `\uXXXX` (or `\UXXXXXXXX`), as in [`yaml_quote`]. Among
/// them are NEL, U+2028 and U+2029, which YAML 1.1 reads as line breaks: raw, they would end the
/// comment and make the rest of the line part of the document.
pub(super) fn yaml_comment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push(c),
            c if yaml_block_safe(c) => out.push(c),
            c if (c as u32) <= 0xFFFF => write!(out, "\\u{:04X}", c as u32).unwrap(),
            c => write!(out, "\\U{:08X}", c as u32).unwrap(),
        }
    }
    out
}

/// Characters a YAML literal block holds as they are, in YAML 1.1 and 1.2 alike: printable
/// ASCII, tab, and non-ASCII except C1 controls, NEL, the Unicode line and paragraph separators
/// (line breaks in YAML 1.1), the byte-order mark and the non-characters U+FFFE, U+FFFF.
fn yaml_block_safe(c: char) -> bool {
    match c {
        '\t' | ' '..='~' => true,
        '\u{0}'..='\u{A0}' => c == '\u{A0}',
        '\u{2028}' | '\u{2029}' | '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}' => false,
        _ => true,
    }
}

/// The value of a YAML mapping key at indentation `indent`, with its line break(s): a literal
/// block (`|2`, `|2-` or `|2+` by the number of final line breaks) indented two more spaces, when
/// every character can stand in a block; otherwise a double-quoted scalar.
pub(super) fn yaml_code(code: &str, indent: usize) -> String {
    let body = code.trim_end_matches('\n');
    let final_breaks = code.len() - body.len();
    let block_safe = !body.is_empty() && code.chars().all(|c| c == '\n' || yaml_block_safe(c));
    if !block_safe {
        return format!("{}\n", yaml_quote(code));
    }
    let chomp = match final_breaks {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let pad = " ".repeat(indent + 2);
    let mut out = format!("|2{chomp}\n");
    for line in body.split('\n') {
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
        out.push('\n');
    }
    // Kept line breaks beyond the first are empty lines of the block.
    for _ in 1..final_breaks {
        out.push('\n');
    }
    out
}

/// An HCL quoted template that Terraform reads as exactly `text`.
pub fn hcl_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => write!(out, "\\u{:04X}", c as u32).unwrap(),
            c => out.push(c),
        }
    }
    out.push('"');
    escape_hcl_template(&out)
}

/// `${` and `%{` begin an interpolation or a directive in an HCL template; doubling the sign makes
/// them literal (`$${`, `%%{`). A longer run of `$` and `%` before `{` (`$${` in the code itself,
/// `%$%{`) is written as an interpolation of a quoted string instead, `${"$$"}{`: HCL parsers
/// differ on how `$$${` splits, but all read a quoted string without `{` the same way.
pub(super) fn escape_hcl_template(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut run = String::new();
    for c in text.chars() {
        match c {
            '$' | '%' => run.push(c),
            '{' if run.len() == 1 => {
                out.push_str(&run);
                out.push_str(&run);
                out.push('{');
                run.clear();
            }
            '{' if run.len() > 1 => {
                out.push_str(&format!("${{\"{run}\"}}{{"));
                run.clear();
            }
            _ => {
                out.push_str(&run);
                run.clear();
                out.push(c);
            }
        }
    }
    out.push_str(&run);
    out
}

/// The value of an HCL attribute, with its line break: a heredoc when the code ends with a line
/// break and holds no carriage return or other control character (a heredoc's lines are taken as
/// they are); otherwise a quoted string.
pub(super) fn hcl_code(code: &str) -> String {
    let heredoc_safe = code.ends_with('\n') && !code.chars().any(|c| c.is_control() && c != '\n' && c != '\t');
    if !heredoc_safe {
        return format!("{}\n", hcl_quote(code));
    }
    let lines: Vec<&str> = code.lines().map(str::trim).collect();
    let mut marker = "CFJWT_EOF".to_string();
    let mut n = 1;
    while lines.contains(&marker.as_str()) {
        n += 1;
        marker = format!("CFJWT_EOF_{n}");
    }
    format!("<<{marker}\n{}{marker}\n", escape_hcl_template(code))
}

/// A TypeScript (and JavaScript) string literal that reads as exactly `text`: its JSON string
/// form, with the line and paragraph separators (U+2028, U+2029) escaped too, which JSON leaves
/// raw and older parsers take for line breaks.
pub fn ts_quote(text: &str) -> String {
    let json = serde_json::to_string(text).expect("a string serializes");
    json.replace('\u{2028}', "\\u2028").replace('\u{2029}', "\\u2029")
}

/// Text for `//` comment lines of TypeScript: line breaks (`\n`) kept, and the other line
/// terminators of JavaScript (U+2028, U+2029), which would end the comment, written `\u2028`,
/// `\u2029`. Carriage returns never get here: [`super::check_printable`] refuses them.
pub(super) fn ts_comment(text: &str) -> String {
    text.replace('\u{2028}', "\\u2028").replace('\u{2029}', "\\u2029")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_quote() {
        assert_eq!(shell_quote("fileb://out.js"), "fileb://out.js");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn yaml_comments_hold_no_line_break_but_their_own() {
        assert_eq!(yaml_comment("# a\u{2028}b\u{2029}c\u{85}d\u{feff}é\n"), "# a\\u2028b\\u2029c\\u0085d\\uFEFFé\n");
    }

    #[test]
    fn yaml_blocks_follow_final_line_breaks() {
        assert_eq!(yaml_code("a\n  b\n", 0), "|2\n  a\n    b\n");
        assert_eq!(yaml_code("a", 0), "|2-\n  a\n");
        assert_eq!(yaml_code("a\n\n\n", 0), "|2+\n  a\n\n\n");
        assert_eq!(yaml_code("a\r\n", 0), "\"a\\r\\n\"\n");
        assert_eq!(yaml_code("\u{2028}", 0), "\"\\u2028\"\n");
    }

    #[test]
    fn hcl_escapes_templates() {
        assert_eq!(hcl_quote("${x} %{y} \"\\"), r#""$${x} %%{y} \"\\""#);
        assert_eq!(hcl_code("a${b}\n"), "<<CFJWT_EOF\na$${b}\nCFJWT_EOF\n");
        assert_eq!(hcl_code("CFJWT_EOF\n"), "<<CFJWT_EOF_2\nCFJWT_EOF\nCFJWT_EOF_2\n");
        assert_eq!(escape_hcl_template("$${a} %%{b} $%{c} $x %y {"), r#"${"$$"}{a} ${"%%"}{b} ${"$%"}{c} $x %y {"#);
        assert_eq!(hcl_code("a"), "\"a\"\n");
    }

    #[test]
    fn typescript_strings_and_comments() {
        assert_eq!(ts_quote("it's \"q\" \\ ${x} `b`"), r#""it's \"q\" \\ ${x} `b`""#);
        assert_eq!(ts_quote("a\u{2028}b\u{2029}\n\u{7}"), r#""a\u2028b\u2029\n\u0007""#);
        assert_eq!(ts_comment("// a\u{2028}b\n"), "// a\\u2028b\n");
    }
}
