//! Prints a finished tree as the function's text: minified (ES5 target, ASCII only, no trailing
//! semicolons) for CloudFront, or indented for people reading golden files. The first line is a
//! comment naming the runtime, which `cfjwt test` reads. Existing source is re-printed the same
//! indented way ([`reprint`]), so that two functions can be compared as people read them
//! (`gen --check`).

use swc_common::{sync::Lrc, FileName, SourceMap, Span, DUMMY_SP};
use swc_ecma_ast::{EsVersion, ExprStmt, Module, ModuleItem, Number, Stmt, Str};
use swc_ecma_codegen::text_writer::{omit_trailing_semi, JsWriter, WriteJs};
use swc_ecma_codegen::{Config, Emitter};
use swc_ecma_parser::{parse_file_as_module, EsSyntax, Syntax};
use swc_ecma_visit::{VisitMut, VisitMutWith};

use crate::cloudfront::Runtime;

/// Prints `items` as the function's source text.
pub fn print(items: Vec<ModuleItem>, runtime: Runtime, minify: bool) -> String {
    let code = codegen(items, minify);
    let mut text = String::with_capacity(code.len() + 24);
    text.push_str("// ");
    text.push_str(runtime.name());
    text.push('\n');
    text.push_str(code.trim_end());
    text.push('\n');
    text
}

/// `source` parsed and printed again indented, as [`print`] prints a tree unminified: string and
/// number literals are written afresh (escapes as the printer writes them, whatever the source
/// wrote) and source positions are forgotten, so two sources that mean the same code print the
/// same. A first line that is a `//` comment (the runtime's name) is kept as it is; any other
/// comment is dropped. `None` when the source does not parse as JavaScript.
pub fn reprint(source: &str) -> Option<String> {
    let cm: Lrc<SourceMap> = Default::default();
    let fm = cm.new_source_file(Lrc::new(FileName::Anon), source.to_string());
    let mut errors = Vec::new();
    let mut module =
        parse_file_as_module(&fm, Syntax::Es(EsSyntax::default()), EsVersion::latest(), None, &mut errors).ok()?;
    if !errors.is_empty() {
        return None;
    }
    module.visit_mut_with(&mut Afresh);
    let code = codegen(module.body, false);
    let mut text = String::with_capacity(code.len() + 24);
    if let Some(first) = source.lines().next().filter(|l| l.starts_with("//")) {
        text.push_str(first.trim_end());
        text.push('\n');
    }
    text.push_str(code.trim_end());
    text.push('\n');
    Some(text)
}

/// A string literal as the printer writes it in a function (quotes and escapes included), for
/// recognising a key in a message.
pub fn literal(value: &str) -> String {
    let stmt = Stmt::Expr(ExprStmt { span: DUMMY_SP, expr: Box::new(super::template::str_lit(value)) });
    let code = codegen(vec![ModuleItem::Stmt(stmt)], true);
    code.trim_end().trim_end_matches(';').to_string()
}

/// Forgets what the parser remembered of the source text: positions and literals' raw text.
struct Afresh;

impl VisitMut for Afresh {
    fn visit_mut_span(&mut self, span: &mut Span) {
        *span = DUMMY_SP;
    }

    fn visit_mut_str(&mut self, s: &mut Str) {
        s.raw = None;
        s.visit_mut_children_with(self);
    }

    fn visit_mut_number(&mut self, n: &mut Number) {
        n.raw = None;
        n.visit_mut_children_with(self);
    }
}

/// The text of `items`, with no first line.
fn codegen(items: Vec<ModuleItem>, minify: bool) -> String {
    let module = Module { span: DUMMY_SP, body: items, shebang: None };
    let cm: Lrc<SourceMap> = Default::default();
    let cfg = Config::default()
        .with_target(EsVersion::Es5)
        .with_minify(minify)
        .with_ascii_only(true)
        .with_inline_script(true);
    let mut buf = Vec::new();
    {
        let writer = JsWriter::new(cm.clone(), "\n", &mut buf, None);
        let writer: Box<dyn WriteJs> = if minify { Box::new(omit_trailing_semi(writer)) } else { Box::new(writer) };
        let mut emitter = Emitter { cfg, cm, comments: None, wr: writer };
        emitter.emit_module(&module).expect("writing to a Vec cannot fail");
    }
    String::from_utf8(buf).expect("codegen writes ASCII only")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reprints_golden_files_as_they_are() {
        for name in ["api-bearer", "full", "kvs-rotation", "seed-js1", "seed", "video-cookie"] {
            let path = format!("{}/tests/golden/{name}.js", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(&path).unwrap();
            assert_eq!(reprint(&text).unwrap(), text, "{name}");
        }
    }

    #[test]
    fn reprint_writes_literals_afresh() {
        let again = reprint("// cloudfront-js-2.0\r\nvar a='caf\\u00e9',b=0x10;function f(){return a}").unwrap();
        assert_eq!(again, "// cloudfront-js-2.0\nvar a = \"caf\\xe9\", b = 16;\nfunction f() {\n    return a;\n}\n");
        assert_eq!(reprint("var a = ;"), None);
    }

    #[test]
    fn literal_is_what_a_function_embeds() {
        assert_eq!(literal("caf\u{e9}\u{2028}\"x'"), "\"caf\\xe9\\u2028\\\"x'\"");
        assert_eq!(literal("plain"), "\"plain\"");
    }
}
