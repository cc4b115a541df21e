//! What each CloudFront Functions runtime offers a function: the globals and methods it defines,
//! the syntax it accepts, the modules it loads, how it holds bytes, and whether it has the
//! KeyValueStore. `cfjwt check`, policy validation, the schema, the emitter, the deploy rules and
//! the bundled engine (and its JavaScript prelude) all read this one table, so they cannot
//! disagree.
//!
//! Sources: the CloudFront Developer Guide's "JavaScript runtime 1.0 features" and "JavaScript
//! runtime 2.0 features" pages (the lists of primitive objects, built-in objects, error types,
//! globals, modules and restricted features), its "Restricted features" sections (no `eval`, no
//! `Function` constructor, no timers, no `process`, no network), and njs 0.7.9, the engine
//! CloudFront Functions is built on, for what a name the pages do not list does there (it is
//! missing). A name the pages do not list is treated as missing: code that uses it throws
//! `ReferenceError`, which CloudFront answers with a 503.

use super::Runtime;

/// Whether a runtime has a global or a method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Has {
    /// Defined and usable.
    Yes,
    /// Not defined: a use throws `ReferenceError` (a global) or `TypeError` (a method call).
    No,
    /// Defined, but it throws when used (`eval`, the `Function` constructor).
    Refused,
}

/// A global name and what each runtime does with it.
#[derive(Clone, Copy, Debug)]
pub struct Global {
    pub name: &'static str,
    pub js1: Has,
    pub js2: Has,
    /// Why it is refused or missing, when there is more to say than that it is not defined.
    pub why: Option<&'static str>,
}

/// Where a method lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A static method of the global object named here (`String.bytesFrom`, `Promise.all`).
    Static(&'static str),
    /// A method of every string (`String.prototype.toUTF8`): flagged on any object, since the
    /// type of a value is not known before the code runs.
    StringPrototype,
}

/// A method that only some runtimes have.
#[derive(Clone, Copy, Debug)]
pub struct Method {
    pub owner: Owner,
    pub name: &'static str,
    pub js1: Has,
    pub js2: Has,
    /// What to use instead where it is missing.
    pub instead: Option<&'static str>,
}

impl Method {
    /// `String.bytesFrom`, `String.prototype.toUTF8`.
    pub fn path(&self) -> String {
        match self.owner {
            Owner::Static(object) => format!("{object}.{}", self.name),
            Owner::StringPrototype => format!("String.prototype.{}", self.name),
        }
    }
}

/// The syntax beyond ES 5.1 (and the template literals, arrow functions, rest parameters and
/// `**` both runtimes accept) that a runtime accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Syntax {
    /// `let` and `const`.
    pub block_bindings: bool,
    /// `async` functions and `await` (inside them).
    pub async_await: bool,
    /// `import` declarations.
    pub import: bool,
    /// ES 2015 object literals: shorthand properties, methods and computed names.
    pub object_literal_extensions: bool,
}

/// How a runtime holds binary data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binary {
    /// njs's byte strings: `String.bytesFrom`, `toUTF8`, `fromUTF8`; a digest without an
    /// encoding is a byte string.
    ByteStrings,
    /// `Buffer`; a digest without an encoding is a Buffer.
    Buffer,
}

/// Everything a runtime offers, in one place.
#[derive(Clone, Copy, Debug)]
pub struct Profile {
    pub runtime: Runtime,
    pub syntax: Syntax,
    /// Modules `require('NAME')` loads.
    pub require: &'static [&'static str],
    /// Modules `import x from 'NAME'` loads (none where `import` is not accepted).
    pub import: &'static [&'static str],
    pub binary: Binary,
    /// The KeyValueStore (`cf.kvs()` of the `cloudfront` module).
    pub key_value_store: bool,
    /// `async function handler`: CloudFront awaits the promise it returns.
    pub async_handler: bool,
    /// `cf.logCustomData(text)` of the `cloudfront` module: text written into the access logs.
    pub log_custom_data: bool,
}

const JS1: Profile = Profile {
    runtime: Runtime::Js1,
    syntax: Syntax { block_bindings: false, async_await: false, import: false, object_literal_extensions: false },
    require: &["crypto", "querystring"],
    import: &[],
    binary: Binary::ByteStrings,
    key_value_store: false,
    async_handler: false,
    log_custom_data: false,
};

const JS2: Profile = Profile {
    runtime: Runtime::Js2,
    syntax: Syntax { block_bindings: true, async_await: true, import: true, object_literal_extensions: true },
    require: &["crypto", "querystring"],
    import: &["crypto", "querystring", "cloudfront"],
    binary: Binary::Buffer,
    key_value_store: true,
    async_handler: true,
    log_custom_data: true,
};

const fn both(name: &'static str) -> Global {
    Global { name, js1: Has::Yes, js2: Has::Yes, why: None }
}

const fn only_js1(name: &'static str) -> Global {
    Global { name, js1: Has::Yes, js2: Has::No, why: None }
}

const fn only_js2(name: &'static str) -> Global {
    Global { name, js1: Has::No, js2: Has::Yes, why: None }
}

const fn refused(name: &'static str, why: &'static str) -> Global {
    Global { name, js1: Has::Refused, js2: Has::Refused, why: Some(why) }
}

const fn missing(name: &'static str, why: &'static str) -> Global {
    Global { name, js1: Has::No, js2: Has::No, why: Some(why) }
}

const fn undefined_in_both(name: &'static str) -> Global {
    Global { name, js1: Has::No, js2: Has::No, why: None }
}

const TIMERS: &str = "timers are not available in CloudFront Functions";
const NETWORK: &str = "network access is not available in CloudFront Functions";

/// Every global name cfjwt knows, with what each runtime does with it. A name not listed here
/// is missing in both runtimes.
pub const GLOBALS: &[Global] = &[
    // ES 5.1 objects and functions, in both runtimes.
    both("Object"),
    both("Array"),
    both("String"),
    both("Number"),
    both("Boolean"),
    both("Math"),
    both("Date"),
    both("RegExp"),
    both("JSON"),
    both("Error"),
    both("EvalError"),
    both("InternalError"),
    both("RangeError"),
    both("ReferenceError"),
    both("SyntaxError"),
    both("TypeError"),
    both("URIError"),
    both("decodeURI"),
    both("decodeURIComponent"),
    both("encodeURI"),
    both("encodeURIComponent"),
    both("isFinite"),
    both("isNaN"),
    both("parseFloat"),
    both("parseInt"),
    both("NaN"),
    both("Infinity"),
    both("undefined"),
    both("globalThis"),
    both("console"),
    both("require"),
    // Binary data and promises: listed for both runtimes (1.0 has Promise with resolve, reject,
    // then, catch and finally; the combinators are 2.0's, see METHODS).
    both("ArrayBuffer"),
    both("Int8Array"),
    both("Uint8Array"),
    both("Uint8ClampedArray"),
    both("Int16Array"),
    both("Uint16Array"),
    both("Int32Array"),
    both("Uint32Array"),
    both("Float32Array"),
    both("Float64Array"),
    both("Promise"),
    // Not on the 1.0 page, but njs (which 1.0 runs on) has it, and the 2.0 page lists only
    // `Symbol.for` and `Symbol.keyFor` as new (see METHODS).
    both("Symbol"),
    // njs's error for running out of memory: listed for 1.0 only.
    only_js1("MemoryError"),
    // New in 2.0.
    only_js2("Buffer"),
    only_js2("atob"),
    only_js2("btoa"),
    only_js2("TextEncoder"),
    only_js2("TextDecoder"),
    // The 2.0 page lists DataView's methods as new in 2.0, so in 1.0 nothing of it is usable.
    only_js2("DataView"),
    // Defined, but they throw: no dynamic code.
    refused("eval", "`eval` is not available in CloudFront Functions"),
    refused("Function", "the `Function` constructor is not available in CloudFront Functions"),
    // Missing, with a reason worth giving (`why` is the whole message).
    missing("setTimeout", TIMERS),
    missing("setInterval", TIMERS),
    missing("setImmediate", TIMERS),
    missing("clearTimeout", TIMERS),
    missing("clearInterval", TIMERS),
    missing("clearImmediate", TIMERS),
    missing("queueMicrotask", TIMERS),
    missing("process", "`process` is not available in CloudFront Functions"),
    missing("fetch", NETWORK),
    missing("XMLHttpRequest", NETWORK),
    missing("crypto", "there is no global `crypto`: load the module, `var crypto = require('crypto')`"),
    // Globals of other engines (QuickJS, browsers, Node) that njs 0.7.9 lacks and the runtime
    // pages do not list.
    undefined_in_both("Map"),
    undefined_in_both("Set"),
    undefined_in_both("WeakMap"),
    undefined_in_both("WeakSet"),
    undefined_in_both("WeakRef"),
    undefined_in_both("FinalizationRegistry"),
    undefined_in_both("Proxy"),
    undefined_in_both("Reflect"),
    undefined_in_both("BigInt"),
    undefined_in_both("BigInt64Array"),
    undefined_in_both("BigUint64Array"),
    undefined_in_both("Float16Array"),
    undefined_in_both("AggregateError"),
    undefined_in_both("Intl"),
    undefined_in_both("Iterator"),
    undefined_in_both("SharedArrayBuffer"),
    undefined_in_both("Atomics"),
    undefined_in_both("structuredClone"),
    undefined_in_both("performance"),
    undefined_in_both("navigator"),
    undefined_in_both("escape"),
    undefined_in_both("unescape"),
    undefined_in_both("njs"),
];

const fn byte_string(owner: Owner, name: &'static str) -> Method {
    Method { owner, name, js1: Has::Yes, js2: Has::No, instead: Some("Buffer") }
}

const fn new_in_js2(owner: Owner, name: &'static str) -> Method {
    Method { owner, name, js1: Has::No, js2: Has::Yes, instead: None }
}

/// Methods that only some runtimes have.
pub const METHODS: &[Method] = &[
    // njs's byte strings, 1.0 only.
    byte_string(Owner::Static("String"), "bytesFrom"),
    byte_string(Owner::StringPrototype, "fromBytes"),
    byte_string(Owner::StringPrototype, "toBytes"),
    byte_string(Owner::StringPrototype, "fromUTF8"),
    byte_string(Owner::StringPrototype, "toUTF8"),
    // New in 2.0.
    new_in_js2(Owner::StringPrototype, "replaceAll"),
    new_in_js2(Owner::Static("Promise"), "all"),
    new_in_js2(Owner::Static("Promise"), "allSettled"),
    new_in_js2(Owner::Static("Promise"), "any"),
    new_in_js2(Owner::Static("Promise"), "race"),
    new_in_js2(Owner::Static("Symbol"), "for"),
    new_in_js2(Owner::Static("Symbol"), "keyFor"),
];

impl Runtime {
    /// What this runtime offers.
    pub fn profile(self) -> &'static Profile {
        match self {
            Runtime::Js1 => &JS1,
            Runtime::Js2 => &JS2,
        }
    }
}

impl Profile {
    /// What the runtime does with a global of this table.
    pub fn has(&self, global: &Global) -> Has {
        match self.runtime {
            Runtime::Js1 => global.js1,
            Runtime::Js2 => global.js2,
        }
    }

    /// What the runtime does with a method of this table.
    pub fn has_method(&self, method: &Method) -> Has {
        match self.runtime {
            Runtime::Js1 => method.js1,
            Runtime::Js2 => method.js2,
        }
    }

    /// The global of that name, if the table lists it.
    pub fn global(name: &str) -> Option<&'static Global> {
        GLOBALS.iter().find(|g| g.name == name)
    }

    /// Whether `name` is a global this runtime defines (refused ones included: they exist).
    pub fn defines(&self, name: &str) -> bool {
        Profile::global(name).is_some_and(|g| self.has(g) != Has::No)
    }

    /// The globals this runtime defines, refused ones included.
    pub fn defined_globals(&self) -> impl Iterator<Item = &'static str> + '_ {
        GLOBALS.iter().filter(move |g| self.has(g) != Has::No).map(|g| g.name)
    }

    /// Whether `name` can be loaded with `import` (`import`) or `require`.
    pub fn loads(&self, name: &str, import: bool) -> bool {
        if import {
            self.import.contains(&name)
        } else {
            self.require.contains(&name)
        }
    }

    /// The runtimes that have `feature`, as text: `cloudfront-js-2.0`.
    pub fn runtimes_with(feature: impl Fn(&Profile) -> bool) -> String {
        let names: Vec<&str> =
            Runtime::ALL.iter().map(|r| r.profile()).filter(|p| feature(p)).map(|p| p.runtime.name()).collect();
        names.join(" and ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_name_is_listed_once() {
        for (i, g) in GLOBALS.iter().enumerate() {
            assert!(GLOBALS[..i].iter().all(|o| o.name != g.name), "{} twice", g.name);
        }
        for (i, m) in METHODS.iter().enumerate() {
            assert!(METHODS[..i].iter().all(|o| o.path() != m.path()), "{} twice", m.path());
        }
    }

    #[test]
    fn the_profiles_answer_for_their_own_runtime() {
        for runtime in Runtime::ALL {
            assert_eq!(runtime.profile().runtime, runtime);
        }
        assert!(Runtime::Js1.profile().defines("Promise"), "1.0 lists Promise");
        assert!(!Runtime::Js1.profile().defines("Buffer"));
        assert!(Runtime::Js2.profile().defines("Buffer"));
        assert!(!Runtime::Js2.profile().defines("Map"));
        assert!(Runtime::Js2.profile().defines("eval"), "eval exists, and throws");
        assert_eq!(Profile::runtimes_with(|p| p.key_value_store), "cloudfront-js-2.0");
    }

    #[test]
    fn a_runtime_with_the_store_imports_its_module() {
        for runtime in Runtime::ALL {
            let p = runtime.profile();
            assert_eq!(p.key_value_store, p.loads("cloudfront", true), "{runtime}");
            assert_eq!(p.log_custom_data, p.loads("cloudfront", true), "{runtime}");
            assert_eq!(p.syntax.import, !p.import.is_empty(), "{runtime}");
            assert!(!p.async_handler || p.syntax.async_await, "{runtime}");
        }
    }
}

/// The profile against the two programs that read it: the bundled engine must define exactly
/// the names the profile says a runtime defines, and `cfjwt check` must flag a use of exactly
/// the names that are missing or refused.
#[cfg(test)]
mod agreement {
    use super::*;
    use crate::runtime::{self, Options};

    /// What the bundled engine logs for `body` run in a handler.
    fn logged(runtime: Runtime, body: &str) -> Vec<String> {
        let code = format!("function handler(event) {{ {body} return event.request; }}");
        let event = serde_json::json!({"request": {"method": "GET", "uri": "/"}});
        let event = runtime::normalize_event(event).unwrap();
        let opts = Options { runtime, now_ms: 0.0, kvs: None, time_limit: std::time::Duration::from_secs(5) };
        let result = runtime::run(&code, &[event], &opts).unwrap().remove(0);
        assert!(!result.failed(), "{runtime}: {}", result.function_error_message);
        result.function_execution_logs
    }

    fn flagged(runtime: Runtime, code: &str) -> bool {
        let file = format!("function handler(event) {{ var x = {code}; return event.request; }}");
        !crate::check::check_source(&file, runtime).is_empty()
    }

    #[test]
    fn the_engine_and_check_agree_on_every_global() {
        for runtime in Runtime::ALL {
            let profile = runtime.profile();
            // `typeof NAME`, and `in globalThis` too, since `typeof undefined` is "undefined".
            let body: String = GLOBALS
                .iter()
                .map(|g| format!("console.log(typeof {0} + ' ' + ('{0}' in globalThis));", g.name))
                .collect();
            let present = logged(runtime, &body);
            for (g, p) in GLOBALS.iter().zip(&present) {
                let has = profile.has(g);
                let (type_of, own) = p.split_once(' ').unwrap();
                assert_eq!(
                    own == "true",
                    has != Has::No,
                    "{runtime}: the engine has {}: {p}, the profile: {has:?}",
                    g.name
                );
                if g.name != "undefined" {
                    assert_eq!(type_of != "undefined", has != Has::No, "{runtime}: typeof {} is {type_of}", g.name);
                }
                assert_eq!(
                    flagged(runtime, g.name),
                    has != Has::Yes,
                    "{runtime}: check on a use of {} (the profile: {has:?})",
                    g.name
                );
            }
            // Nothing beyond the profile: every global the engine keeps is one the profile lists.
            let names = logged(runtime, "console.log(Object.getOwnPropertyNames(globalThis).join(' '));");
            for name in names[0].split(' ').filter(|n| *n != "handler") {
                assert!(
                    profile.defines(name),
                    "{runtime}: the engine defines `{name}`, which the profile does not list"
                );
            }
        }
    }

    #[test]
    fn refused_globals_throw_in_the_engine() {
        for runtime in Runtime::ALL {
            for g in GLOBALS.iter().filter(|g| runtime.profile().has(g) == Has::Refused) {
                let logs = logged(
                    runtime,
                    &format!("try {{ {}('1'); console.log('ran'); }} catch (e) {{ console.log('threw'); }}", g.name),
                );
                assert_eq!(logs, ["threw"], "{runtime}: {}", g.name);
            }
        }
    }

    #[test]
    fn the_engine_and_check_agree_on_every_method() {
        for runtime in Runtime::ALL {
            let profile = runtime.profile();
            let body: String = METHODS.iter().map(|m| format!("console.log(typeof {});", m.path())).collect();
            let types = logged(runtime, &body);
            for (m, t) in METHODS.iter().zip(&types) {
                let has = profile.has_method(m);
                assert_eq!(
                    t != "undefined",
                    has != Has::No,
                    "{runtime}: typeof {} is {t}, the profile says {has:?}",
                    m.path()
                );
                let used = match m.owner {
                    Owner::Static(object) => format!("{object}.{}", m.name),
                    Owner::StringPrototype => format!("'text'.{}", m.name),
                };
                assert_eq!(flagged(runtime, &used), has != Has::Yes, "{runtime}: check on {used}");
            }
        }
    }
}
