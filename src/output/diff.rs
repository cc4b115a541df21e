//! Where a function file differs from what `cfjwt gen` would write, said so that a reader can find
//! the place (`gen --check`) and so that no key is ever shown, in any form.
//!
//! Both texts are compared in their pretty-printed form ([`emit::reprint`]): a minified function
//! is one long line that starts with the key, and a line number in it says little. The place is
//! named `LINE:COLUMN` of that form, with a short excerpt of each side around it, every key
//! literal shown as `<key>` (see [`first_difference`] for which literals count as keys), and the
//! whole message is then scrubbed of any text form of the keys given ([`redact`]).

use std::collections::HashSet;
use std::ops::Range;

use swc_common::{sync::Lrc, FileName, SourceMap};
use swc_ecma_ast::*;
use swc_ecma_parser::{parse_file_as_module, EsSyntax, Syntax};
use swc_ecma_visit::{Visit, VisitWith};

use crate::emit;
use crate::key::Key;

/// What stands in the place of a key.
pub const MASK: &str = "<key>";

/// Characters of context an excerpt shows before the difference, at most.
const BEFORE: usize = 24;

/// Characters an excerpt shows in all, at most (a `<key>` and an escape count as what they print),
/// besides a `…` at either end.
const WIDTH: usize = 60;

/// Where two function texts first differ, as `first at LINE:COLUMN of the pretty-printed form
/// (…):` and an excerpt of each side; `None` when they are the same bytes. `keys` are the keys
/// the wanted text was generated with.
///
/// The place is looked for in the texts re-printed indented, the way `cfjwt gen --pretty` prints
/// (a minified function keeps its short names and merged checks). When
/// they re-print the same (only spacing, line breaks or comments differ) or the current text does
/// not parse, the texts are compared as they are, and the message says so.
///
/// Masked as `<key>`, in both texts, before anything is excerpted:
/// - any string literal whose value is the text of a key given, and any whose value is a key's
///   hex (how a key that is not UTF-8 is embedded: `bytes("<hex>")`);
/// - in the current file only, the literals in a key's place, for the file may embed a key other
///   than the ones given (an old production key). A key's place is where the generator puts one:
///   in a top-level `var` declaration, a declarator's value that is a string (`KEY = "…"`), the
///   argument of a one-argument call on a string of hex digits (`KEY = bytes("…")`), or the odd
///   elements of an array of (key id or `void 0`, secret) pairs (`KEYS = ["k1", "…", …]`). Names
///   are not looked at, since the minified function shortens them. A literal in such a place is
///   still shown when the wanted text holds the same value as a literal that is no key (the
///   standard header, a policy value): what `gen` writes anyway is no secret. Every top-level
///   `var` counts, not only the first (today's generator merges them into one; another version
///   may not), and no length is asked for (a short test key is a key too): the exception above
///   is what keeps the rest of the declaration readable;
/// - when the current text does not parse, any quoted run of 16 characters or more in it that
///   the wanted text does not hold outside its keys.
///
/// A difference inside a masked literal is placed at the literal's start, and the message says
/// that a key differs, so that neither the column nor the excerpt tells how much of two keys is
/// alike. Finally the message goes through [`redact`].
pub fn first_difference(current: &[u8], wanted: &[u8], keys: &[Key]) -> Option<String> {
    if current == wanted {
        return None;
    }
    let current = String::from_utf8_lossy(current);
    let wanted = String::from_utf8_lossy(wanted);
    let secrets = Secrets::of(keys);
    let public = public_literals(&wanted, &secrets);

    let (texts, place) = match (emit::reprint(&current), emit::reprint(&wanted)) {
        (Some(c), Some(w)) if c != w => {
            ((c, w), "of the pretty-printed form (both re-printed indented, like `cfjwt gen --pretty`)")
        }
        (Some(_), Some(_)) => (
            (current.to_string(), wanted.to_string()),
            "of the file as it is (the code is the same; spacing, line breaks or comments differ)",
        ),
        _ => ((current.to_string(), wanted.to_string()), "of the file as it is (it does not parse as JavaScript)"),
    };
    let (cur, want) = texts;
    let want_masks = literal_masks(&want, &secrets, None).unwrap_or_default();
    let cur_masks =
        literal_masks(&cur, &secrets, Some(&public)).unwrap_or_else(|| quoted_masks(&cur, &masked(&want, &want_masks)));

    let mut at = cur.bytes().zip(want.bytes()).position(|(a, b)| a != b).unwrap_or(cur.len().min(want.len()));
    while !cur.is_char_boundary(at) {
        at -= 1;
    }
    // Inside a masked literal, the difference is placed at the literal's start.
    while let Some(start) =
        cur_masks.iter().chain(&want_masks).filter(|m| m.start < at && at < m.end).map(|m| m.start).min()
    {
        at = start;
    }
    let at_key = |masks: &[Range<usize>]| masks.iter().any(|m| m.start == at);
    let note = match (at_key(&cur_masks), at_key(&want_masks)) {
        (true, true) => "\n  the file embeds another key than the one given (keys are shown as `<key>`)",
        (true, false) | (false, true) => "\n  the difference is in a string shown as `<key>`",
        (false, false) => "",
    };

    let line = cur[..at].matches('\n').count() + 1;
    let line_start = cur[..at].rfind('\n').map_or(0, |i| i + 1);
    let column = cur[line_start..at].chars().count() + 1;
    let message = format!(
        "first at {line}:{column} {place}:\n  the file:   {}\n  gen writes: {}{note}",
        excerpt(&cur, &cur_masks, at),
        excerpt(&want, &want_masks, at),
    );
    Some(redact(&message, keys))
}

/// `message` with every text form of every key, and every 8 characters in a row of one, replaced
/// by `<key>`: the key's UTF-8 text (when it has 4 characters or more), its hex in either case,
/// base64 and base64url with and without padding, and the string literal the generator writes
/// for it (escapes such as `\xe9` or `\u2028` included). The last line of defence of every
/// message that could hold code.
pub fn redact(message: &str, keys: &[Key]) -> String {
    let mut windows: HashSet<String> = HashSet::new();
    let mut whole: Vec<String> = Vec::new();
    for key in keys {
        let mut forms = key.secret.forms();
        if let Ok(text) = std::str::from_utf8(key.secret.expose()) {
            let literal = emit::literal(text);
            forms.push(literal[1..literal.len() - 1].to_string());
        }
        for form in forms {
            let chars: Vec<(usize, char)> = form.char_indices().collect();
            if chars.len() >= 8 {
                for w in 0..=chars.len() - 8 {
                    let end = chars.get(w + 8).map_or(form.len(), |&(i, _)| i);
                    windows.insert(form[chars[w].0..end].to_string());
                }
            } else if chars.len() >= 4 {
                whole.push(form);
            }
        }
    }
    let mut hidden = vec![false; message.len()];
    let starts: Vec<usize> = message.char_indices().map(|(i, _)| i).chain([message.len()]).collect();
    for (n, &start) in starts.iter().enumerate() {
        if let Some(&end) = starts.get(n + 8) {
            if windows.contains(&message[start..end]) {
                hidden[start..end].iter_mut().for_each(|h| *h = true);
            }
        }
    }
    for form in &whole {
        for (start, _) in message.match_indices(form.as_str()) {
            hidden[start..start + form.len()].iter_mut().for_each(|h| *h = true);
        }
    }
    let mut out = String::with_capacity(message.len());
    let mut was_hidden = false;
    for (i, c) in message.char_indices() {
        if hidden[i] {
            if !was_hidden {
                out.push_str(MASK);
            }
        } else {
            out.push(c);
        }
        was_hidden = hidden[i];
    }
    out
}

/// The keys as literals hold them: the UTF-8 text, or the hex of a key that is not UTF-8 (both
/// lowercase hex and text are compared as they are, hex in any case).
struct Secrets {
    texts: Vec<String>,
    hexes: Vec<String>,
}

impl Secrets {
    fn of(keys: &[Key]) -> Secrets {
        let texts = keys.iter().filter_map(|k| std::str::from_utf8(k.secret.expose()).ok().map(str::to_string));
        Secrets { texts: texts.collect(), hexes: keys.iter().map(|k| hex::encode(k.secret.expose())).collect() }
    }

    fn holds(&self, value: &str) -> bool {
        self.texts.iter().any(|t| t == value) || self.hexes.iter().any(|h| h.eq_ignore_ascii_case(value))
    }
}

fn parse(text: &str) -> Option<(Module, u32)> {
    let cm: Lrc<SourceMap> = Default::default();
    let fm = cm.new_source_file(Lrc::new(FileName::Anon), text.to_string());
    let mut errors = Vec::new();
    let module =
        parse_file_as_module(&fm, Syntax::Es(EsSyntax::default()), EsVersion::latest(), None, &mut errors).ok()?;
    errors.is_empty().then_some((module, fm.start_pos.0))
}

/// Every string literal's value in `text` that is not a key.
fn public_literals(text: &str, secrets: &Secrets) -> HashSet<String> {
    struct Collect<'a>(&'a Secrets, HashSet<String>);
    impl Visit for Collect<'_> {
        fn visit_str(&mut self, s: &Str) {
            let value = s.value.to_string_lossy();
            if !self.0.holds(&value) {
                self.1.insert(value.into_owned());
            }
        }
    }
    let mut collect = Collect(secrets, HashSet::new());
    if let Some((module, _)) = parse(text) {
        module.visit_with(&mut collect);
    }
    collect.1
}

/// The byte ranges of the literals to mask in `text` (see [`first_difference`]): the keys' values
/// and, given the wanted text's `public` literals, those in a key's place that are not among them.
/// `None` when `text` does not parse.
fn literal_masks(text: &str, secrets: &Secrets, public: Option<&HashSet<String>>) -> Option<Vec<Range<usize>>> {
    struct Find<'a> {
        secrets: &'a Secrets,
        base: u32,
        found: Vec<Range<usize>>,
    }
    impl Find<'_> {
        fn add(&mut self, s: &Str) {
            self.found.push((s.span.lo.0 - self.base) as usize..(s.span.hi.0 - self.base) as usize);
        }
    }
    impl Visit for Find<'_> {
        fn visit_str(&mut self, s: &Str) {
            if self.secrets.holds(&s.value.to_string_lossy()) {
                self.add(s);
            }
        }
    }
    let (module, base) = parse(text)?;
    let mut find = Find { secrets, base, found: Vec::new() };
    module.visit_with(&mut find);
    if let Some(public) = public {
        for s in key_places(&module) {
            if !public.contains(&*s.value.to_string_lossy()) {
                find.add(s);
            }
        }
    }
    let mut masks = find.found;
    masks.sort_by_key(|m| (m.start, m.end));
    masks.dedup();
    Some(masks)
}

/// The string literals in a key's place: in top-level `var` declarations, a declarator's string
/// value, the hex argument of a one-argument call, the secrets of an array of (id, secret) pairs.
fn key_places(module: &Module) -> Vec<&Str> {
    fn string(e: &Expr) -> Option<&Str> {
        match e {
            Expr::Lit(Lit::Str(s)) => Some(s),
            _ => None,
        }
    }
    fn secret(e: &Expr) -> Option<&Str> {
        match e {
            Expr::Call(CallExpr { args, .. }) if args.len() == 1 && args[0].spread.is_none() => string(&args[0].expr)
                .filter(|s| {
                    let hex = s.value.to_string_lossy();
                    !hex.is_empty() && hex.len() % 2 == 0 && hex.bytes().all(|b| b.is_ascii_hexdigit())
                }),
            e => string(e),
        }
    }
    fn key_id(e: &Expr) -> bool {
        match e {
            Expr::Lit(Lit::Str(s)) => crate::policy::rules::is_key_id(&s.value.to_string_lossy()),
            Expr::Unary(UnaryExpr { op: UnaryOp::Void, .. }) => true,
            Expr::Ident(i) => &*i.sym == "undefined",
            _ => false,
        }
    }
    let mut places = Vec::new();
    for item in &module.body {
        let ModuleItem::Stmt(Stmt::Decl(Decl::Var(var))) = item else { continue };
        for init in var.decls.iter().filter_map(|d| d.init.as_deref()) {
            match init {
                Expr::Array(ArrayLit { elems, .. }) => {
                    let elems: Option<Vec<&Expr>> =
                        elems.iter().map(|e| e.as_ref().filter(|e| e.spread.is_none()).map(|e| &*e.expr)).collect();
                    let Some(elems) = elems else { continue };
                    if elems.is_empty() || elems.len() % 2 != 0 {
                        continue;
                    }
                    let pairs: Option<Vec<&Str>> =
                        elems.chunks(2).map(|pair| if key_id(pair[0]) { secret(pair[1]) } else { None }).collect();
                    places.extend(pairs.unwrap_or_default());
                }
                e => places.extend(secret(e)),
            }
        }
    }
    places
}

/// For a text that does not parse: every quoted run (`"…"`, `'…'`, `` `…` ``, to its closing
/// quote or the end of the line) of 16 characters or more, quotes included, that `public` (the
/// wanted text, its keys masked) does not hold.
fn quoted_masks(text: &str, public: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut masks = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let quote = bytes[i];
        if !matches!(quote, b'"' | b'\'' | b'`') {
            i += 1;
            continue;
        }
        let mut end = i + 1;
        while end < bytes.len() && bytes[end] != quote && bytes[end] != b'\n' {
            end += if bytes[end] == b'\\' { 2 } else { 1 };
        }
        let end = if end < bytes.len() && bytes[end] == quote { end + 1 } else { end.min(bytes.len()) };
        let end = (end..=bytes.len()).find(|&e| text.is_char_boundary(e)).unwrap_or(bytes.len());
        if text[i..end].chars().count() >= 16 && !public.contains(&text[i..end]) {
            masks.push(i..end);
        }
        i = end.max(i + 1);
    }
    masks
}

/// `text` with its masks replaced by `<key>`.
fn masked(text: &str, masks: &[Range<usize>]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for m in masks {
        if m.start >= at {
            out.push_str(&text[at..m.start]);
            out.push_str(MASK);
            at = m.end;
        }
    }
    out.push_str(&text[at.min(text.len())..]);
    out
}

/// Up to [`WIDTH`] characters of the line of `text` around byte `at`, from at most [`BEFORE`]
/// before it, masks shown as `<key>`, control characters escaped, `…` where the line goes on.
fn excerpt(text: &str, masks: &[Range<usize>], at: usize) -> String {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let indent = text[line_start..at].len() - text[line_start..at].trim_start().len();
    let from = text[line_start + indent..at]
        .char_indices()
        .rev()
        .nth(BEFORE - 1)
        .map_or(line_start + indent, |(i, _)| line_start + indent + i);
    // An excerpt starts at a masked literal's start, never inside it.
    let from = masks.iter().find(|m| m.start < from && from < m.end).map_or(from, |m| m.start);
    let mut out = String::new();
    if from > line_start + indent {
        out.push('…');
    }
    let mut shown = 0;
    let mut pos = from;
    while pos < line_end {
        let (piece, next) = match masks.iter().find(|m| m.start == pos) {
            Some(m) => (MASK.to_string(), m.end),
            None => {
                let c = text[pos..].chars().next().expect("pos is a character boundary before the end");
                let piece = match c {
                    '\r' => "\\r".to_string(),
                    '\t' => "\\t".to_string(),
                    c if c.is_control() => format!("\\u{{{:x}}}", c as u32),
                    c => c.to_string(),
                };
                (piece, pos + c.len_utf8())
            }
        };
        let width = piece.chars().count();
        if shown + width > WIDTH {
            break;
        }
        out.push_str(&piece);
        shown += width;
        pos = next;
    }
    if pos < line_end {
        out.push('…');
    }
    if at >= text.len() {
        out.push_str("<end of file>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::Secret;

    fn key(text: &str) -> Key {
        Key { id: None, secret: Secret::new(text.as_bytes().to_vec()) }
    }

    #[test]
    fn same_bytes_are_no_difference() {
        assert_eq!(first_difference(b"var a = 1;\n", b"var a = 1;\n", &[]), None);
    }

    #[test]
    fn names_line_and_column_of_the_pretty_form() {
        let d = first_difference(b"function f(){return 1}", b"function f(){return 2}", &[]).unwrap();
        assert_eq!(
            d,
            "first at 2:12 of the pretty-printed form (both re-printed indented, like `cfjwt gen --pretty`):\n  \
             the file:   return 1;\n  gen writes: return 2;"
        );
    }

    #[test]
    fn layout_and_unparsable_files_are_compared_as_they_are() {
        let d = first_difference(b"var a = 1;\r\n", b"var a = 1;\n", &[]).unwrap();
        assert!(d.starts_with("first at 1:11 of the file as it is (the code is the same;"), "{d}");
        assert!(d.contains("the file:   var a = 1;\\r"), "{d}");
        let d = first_difference(b"var a = 1;\n}", b"var a = 1;\n", &[]).unwrap();
        assert!(d.starts_with("first at 2:1 of the file as it is (it does not parse"), "{d}");
        assert!(d.contains("gen writes: <end of file>"), "{d}");
    }

    #[test]
    fn a_changed_key_is_masked_on_both_sides() {
        let old = "0ld-production-key-0ld-production-key-0ld";
        let new = "0ld-production-key-NEW-production-key-NEW";
        let file = format!("// r\nvar k = \"{old}\", l = \"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9\";\n");
        let gen = format!("// r\nvar k = \"{new}\", l = \"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9\";\n");
        let d = first_difference(file.as_bytes(), gen.as_bytes(), &[key(new)]).unwrap();
        assert!(d.starts_with("first at 2:9 of the pretty-printed form"), "{d}");
        assert!(d.contains("the file:   var k = <key>, l = \"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9\";"), "{d}");
        assert!(d.contains("gen writes: var k = <key>, l = "), "{d}");
        assert!(d.contains("the file embeds another key"), "{d}");
        assert!(!d.contains("production"), "{d}");
    }

    #[test]
    fn keys_in_every_place_are_masked() {
        let (public, old, new) = ("\"https://x.example\", \"audience-audience\"", "old-old-old-old", "new-new-new-new");
        let file = format!(
            "var a = [\"k1\", \"{old}\", void 0, r(\"00ff00fe\")], b = [{public}];\nfunction f() {{ return 1 }}"
        );
        let gen = format!(
            "var a = [\"k1\", \"{new}\", void 0, r(\"00ff00ff\")], b = [{public}];\nfunction f() {{ return 2 }}"
        );
        let keys = [key(new), Key { id: None, secret: Secret::new(vec![0, 0xff, 0, 0xff]) }];
        let d = first_difference(file.as_bytes(), gen.as_bytes(), &keys).unwrap();
        assert!(d.starts_with("first at 3:5 ") && d.contains("the file embeds another key"), "{d}");
        assert!(!d.contains("old-old") && !d.contains("new-new") && !d.contains("00ff"), "{d}");
        let (cur, want) = (emit::reprint(&file).unwrap(), emit::reprint(&gen).unwrap());
        let secrets = Secrets::of(&keys);
        let public = public_literals(&want, &secrets);
        let expected = "\"k1\",\n    <key>,\n    void 0,\n    r(<key>)\n], b = [\n    \"https://x.example\",\n    \"audience-audience\"";
        let m = masked(&cur, &literal_masks(&cur, &secrets, Some(&public)).unwrap());
        assert!(m.contains(expected), "{m}");
        let m = masked(&want, &literal_masks(&want, &secrets, None).unwrap());
        assert!(m.contains(expected), "{m}");
    }

    #[test]
    fn excerpts_are_short() {
        let long = format!("var x = [{}];", (0..200).map(|i| i.to_string()).collect::<Vec<_>>().join(","));
        let changed = long.replace("150", "151");
        let d = first_difference(long.as_bytes(), changed.as_bytes(), &[]).unwrap();
        for line in d.lines().skip(1) {
            assert!(line.chars().count() <= 14 + WIDTH + 2, "{line}");
        }
        let d = first_difference(format!("{long}\n}}").as_bytes(), changed.as_bytes(), &[]).unwrap();
        for line in d.lines().skip(1) {
            assert!(line.chars().count() <= 14 + WIDTH + 2 + "<end of file>".len(), "{line}");
        }
    }

    #[test]
    fn an_unparsable_file_hides_its_long_strings() {
        let file = "var k = \"an-old-key-an-old-key-an-old\", h = \"public-public-public\"; }";
        let gen = "var k = \"the-new-key-the-new-key-the\", h = \"public-public-public\";";
        let d = first_difference(file.as_bytes(), gen.as_bytes(), &[key("the-new-key-the-new-key-the")]).unwrap();
        assert!(d.contains("the file:   var k = <key>, h = \"public-public-public\"; }"), "{d}");
        assert!(d.contains("gen writes: var k = <key>, h = \"public-public-public\";"), "{d}");
    }

    #[test]
    fn redact_hides_every_form_and_window() {
        let k = Key { id: None, secret: Secret::new("caf\u{e9}\u{2028}-a-key-of-some-length".as_bytes().to_vec()) };
        for form in k.secret.forms().into_iter().chain(["caf\\xe9\\u2028-a-key".to_string()]) {
            let chars: Vec<char> = form.chars().collect();
            for w in chars.windows(8) {
                let text: String = w.iter().collect();
                let out = redact(&format!("before {text} after"), std::slice::from_ref(&k));
                assert_eq!(out, "before <key> after", "{form}");
            }
        }
        assert_eq!(redact("nothing to hide", &[k]), "nothing to hide");
        assert_eq!(redact("a abcd b", &[key("abcd")]), "a <key> b");
        assert_eq!(redact("a abc b", &[key("abc")]), "a abc b");
    }
}
