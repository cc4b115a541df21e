//! Picks the runtime's own template for generated code: `templates/js1.js` and `templates/js2.js`
//! define the same names (`crypto`, `decode`, `bytes`, and in 2.0 the KeyValueStore handle), each
//! in its runtime's way (`require` and byte strings; `import` and Buffer). What each runtime has
//! is the runtime profile's (`crate::cloudfront`); this only maps it to the template written for it.

use swc_ecma_ast::ModuleItem;

use super::template::Templates;
use crate::cloudfront::{Binary, Runtime};

/// The declarations a runtime provides to the skeleton.
pub fn prelude(templates: &Templates, runtime: Runtime) -> Vec<ModuleItem> {
    let profile = runtime.profile();
    match (profile.binary, profile.syntax.import) {
        (Binary::ByteStrings, false) => templates.js1.clone(),
        (Binary::Buffer, true) => templates.js2.clone(),
        other => unreachable!("no template for a runtime with {other:?}"),
    }
}
