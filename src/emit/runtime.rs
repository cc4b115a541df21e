//! The one place that knows how the two CloudFront runtimes differ for generated code. The
//! JavaScript side of the differences lives in `templates/js1.js` and `templates/js2.js`, which
//! define the same names (`crypto`, `decode`, `bytes`) each in its runtime's own way.

use swc_ecma_ast::ModuleItem;

use super::template::Templates;
use crate::cloudfront::Runtime;

/// The declarations a runtime provides to the skeleton: the crypto module, base64url decoding,
/// binary keys, and (2.0) the KeyValueStore handle.
pub fn prelude(templates: &Templates, runtime: Runtime) -> Vec<ModuleItem> {
    match runtime {
        Runtime::Js1 => templates.js1.clone(),
        Runtime::Js2 => templates.js2.clone(),
    }
}

/// Whether the runtime has the KeyValueStore (and with it `async` handlers).
pub fn has_key_value_store(runtime: Runtime) -> bool {
    runtime == Runtime::Js2
}
