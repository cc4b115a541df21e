//! Prints a finished tree as the function's text: minified (ES5 target, ASCII only, no trailing
//! semicolons) for CloudFront, or indented for people reading golden files. The first line is a
//! comment naming the runtime, which `cfjwt test` reads.

use swc_common::{sync::Lrc, SourceMap, DUMMY_SP};
use swc_ecma_ast::{EsVersion, Module, ModuleItem};
use swc_ecma_codegen::text_writer::{omit_trailing_semi, JsWriter, WriteJs};
use swc_ecma_codegen::{Config, Emitter};

use crate::cloudfront::Runtime;

/// Prints `items` as the function's source text.
pub fn print(items: Vec<ModuleItem>, runtime: Runtime, minify: bool) -> String {
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
    let code = String::from_utf8(buf).expect("codegen writes ASCII only");
    let mut text = String::with_capacity(code.len() + 24);
    text.push_str("// ");
    text.push_str(runtime.name());
    text.push('\n');
    text.push_str(code.trim_end());
    text.push('\n');
    text
}
