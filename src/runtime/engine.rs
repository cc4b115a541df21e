//! The QuickJS side of the runtime: building the engine, compiling the function, calling its
//! handler per event under a deadline, awaiting async handlers, and turning what comes back into
//! [`TestResult`]s. See the module docs of [`super`] for the design.

use std::cell::{Cell, RefCell};
use std::ffi::CString;
use std::rc::Rc;
use std::time::{Duration, Instant};

use rquickjs::loader::{ImportAttributes, Loader, Resolver};
use rquickjs::module::{Declarations, Declared, Exports, ModuleDef};
use rquickjs::promise::PromiseState;
use rquickjs::{qjs, Context, Ctx, Function, JsLifetime, Module, Object, Promise, TypedArray, Value};

use super::{validate, EngineError, Event, Options, TestResult, COMPUTE_BUDGET, LOG_DATA_LIMIT, TIME_LIMIT_MESSAGE};
use crate::cloudfront::profile::{Owner, METHODS};
use crate::cloudfront::{Binary, Has, Profile};

/// The prelude that installs CloudFront's built-ins (see the file's header).
const PRELUDE: &str = include_str!("prelude.js");

/// The name the function's code is compiled under; it appears in error locations.
const FUNCTION_FILE: &str = "function.js";

/// The export added to a module so its `handler` can be read from outside.
const HANDLER_EXPORT: &str = "__cfjwt_handler__";

/// Heap ceiling for one run. CloudFront allows a function 2 MB; QuickJS's own heap (built-ins,
/// bytecode) does not compare byte for byte, so this only stops runaway allocation.
const MEMORY_LIMIT: usize = 64 * 1024 * 1024;

/// The deadline the interrupt handler enforces, shared with the engine.
#[derive(Default)]
struct Deadline {
    at: Cell<Option<Instant>>,
    fired: Cell<bool>,
}

impl Deadline {
    fn arm(&self, limit: Duration) {
        self.at.set(Instant::now().checked_add(limit));
        self.fired.set(false);
    }

    fn disarm(&self) {
        self.at.set(None);
    }

    fn passed(&self) -> bool {
        self.at.get().is_some_and(|at| Instant::now() >= at)
    }

    /// Called by QuickJS every few thousand operations: `true` stops the running code with an
    /// uncatchable error.
    fn interrupt(&self) -> bool {
        let stop = self.passed();
        if stop {
            self.fired.set(true);
        }
        stop
    }
}

/// What `cf.logCustomData` last recorded in the running invocation, shared with the engine.
type LogData = Rc<RefCell<Option<String>>>;

/// The text CloudFront keeps of a `cf.logCustomData` argument (its UTF-8 `bytes`, lone
/// surrogates already U+FFFD): the longest prefix of whole characters whose URL encoding fits in
/// [`LOG_DATA_LIMIT`] bytes. The access log holds the text URL-encoded; the report shows it as the
/// function gave it. Encoded as RFC 3986 says: `A-Z a-z 0-9 - . _ ~` stay one byte, every other
/// byte of the UTF-8 encoding is `%XX`.
fn kept_log_data(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut used = 0;
    let mut end = 0;
    for (at, c) in text.char_indices() {
        let cost = if c.is_ascii_alphanumeric() || "-._~".contains(c) { 1 } else { 3 * c.len_utf8() };
        if used + cost > LOG_DATA_LIMIT {
            break;
        }
        used += cost;
        end = at + c.len_utf8();
    }
    text[..end].to_owned()
}

/// The built-in module objects the prelude made, kept where the module loader can find them.
struct ModuleTable<'js>(Object<'js>);

// SAFETY: the only lifetime in ModuleTable is the JavaScript one, which `Changed` replaces.
unsafe impl<'js> JsLifetime<'js> for ModuleTable<'js> {
    type Changed<'to> = ModuleTable<'to>;
}

/// Resolves and loads the modules the runtime profile lets `import` load; nothing else.
struct BuiltinModules(&'static Profile);

impl Resolver for BuiltinModules {
    fn resolve<'js>(
        &mut self,
        _ctx: &Ctx<'js>,
        base: &str,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<String> {
        if self.0.loads(name, true) {
            Ok(name.to_owned())
        } else {
            Err(rquickjs::Error::new_resolving_message(base, name, format!("Cannot find module \"{name}\"")))
        }
    }
}

impl Loader for BuiltinModules {
    fn load<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<Module<'js, Declared>> {
        match name {
            "crypto" => Module::declare_def::<CryptoModule, _>(ctx.clone(), name),
            "querystring" => Module::declare_def::<QuerystringModule, _>(ctx.clone(), name),
            "cloudfront" => Module::declare_def::<CloudfrontModule, _>(ctx.clone(), name),
            _ => Err(rquickjs::Error::new_loading(name)),
        }
    }
}

/// A module whose default export is one of the prelude's module objects.
fn export_default<'js>(ctx: &Ctx<'js>, exports: &Exports<'js>, key: &str) -> rquickjs::Result<()> {
    let table = ctx.userdata::<ModuleTable>().ok_or_else(|| rquickjs::Error::new_loading(key))?;
    let module: Value = table.0.get(key)?;
    exports.export("default", module)?;
    Ok(())
}

macro_rules! builtin_module {
    ($name:ident, $key:literal) => {
        struct $name;
        impl ModuleDef for $name {
            fn declare<'js>(decl: &Declarations<'js>) -> rquickjs::Result<()> {
                decl.declare("default")?;
                Ok(())
            }
            fn evaluate<'js>(ctx: &Ctx<'js>, exports: &Exports<'js>) -> rquickjs::Result<()> {
                export_default(ctx, exports, $key)
            }
        }
    };
}
builtin_module!(CryptoModule, "crypto");
builtin_module!(QuerystringModule, "querystring");
builtin_module!(CloudfrontModule, "cloudfront");

fn engine_error(e: rquickjs::Error) -> EngineError {
    EngineError::Engine(e.to_string())
}

/// How one call of the function ended, short of returning a value.
enum Failure {
    Threw(String),
    TimedOut,
}

/// One engine with the function loaded, ready to run events.
struct Session<'a, 'js> {
    ctx: Ctx<'js>,
    opts: &'a Options,
    deadline: Rc<Deadline>,
    begin_event: Function<'js>,
    take_logs: Function<'js>,
    error_text: Function<'js>,
    settle: Function<'js>,
    /// The handler, or why every event fails (the top-level code threw or ran out of time).
    handler: Result<Function<'js>, Failure>,
    /// What the top-level code logged; CloudFront would log it on every invocation.
    top_level_logs: Vec<String>,
    /// What `cf.logCustomData` recorded: the slot the built-in writes, and what the top-level
    /// code left in it (every invocation starts with that).
    log_data: LogData,
    top_level_log_data: Option<String>,
}

pub(crate) fn run(code: &str, events: &[Event], opts: &Options) -> Result<Vec<TestResult>, EngineError> {
    let rt = rquickjs::Runtime::new().map_err(engine_error)?;
    rt.set_memory_limit(MEMORY_LIMIT);
    let deadline = Rc::new(Deadline::default());
    let watcher = Rc::clone(&deadline);
    rt.set_interrupt_handler(Some(Box::new(move || watcher.interrupt())));
    let profile = opts.runtime.profile();
    if profile.syntax.import {
        rt.set_loader(BuiltinModules(profile), BuiltinModules(profile));
    }
    let context = Context::full(&rt).map_err(engine_error)?;
    context.with(|ctx| {
        let session = Session::new(ctx.clone(), code, opts, Rc::clone(&deadline))?;
        let results = events.iter().map(|event| session.run_event(event.json())).collect();
        // The module objects hold JavaScript values: let them go before the engine does.
        drop(ctx.remove_userdata::<ModuleTable>());
        results
    })
}

impl<'a, 'js> Session<'a, 'js> {
    fn new(ctx: Ctx<'js>, code: &str, opts: &'a Options, deadline: Rc<Deadline>) -> Result<Self, EngineError> {
        let log_data = LogData::default();
        let control = install_prelude(&ctx, opts, &log_data)?;
        let get = |name: &str| control.get::<_, Function>(name).map_err(engine_error);
        let mut session = Session {
            begin_event: get("beginEvent")?,
            take_logs: get("takeLogs")?,
            error_text: get("errorText")?,
            settle: get("settle")?,
            ctx: ctx.clone(),
            opts,
            deadline,
            handler: Err(Failure::Threw(String::new())),
            top_level_logs: Vec::new(),
            log_data,
            top_level_log_data: None,
        };
        let modules: Object = control.get("modules").map_err(engine_error)?;
        ctx.store_userdata(ModuleTable(modules)).map_err(|e| EngineError::Engine(e.to_string()))?;

        session.begin_event.call::<_, ()>((opts.now_ms,)).map_err(engine_error)?;
        session.handler = session.load(code)?;
        session.top_level_logs = session.logs();
        session.top_level_log_data = session.log_data.take();
        // Byte strings the top-level code made stay byte strings in every event.
        get("sealTopLevel")?.call::<_, ()>(()).map_err(engine_error)?;
        Ok(session)
    }

    /// Compiles the function and runs its top-level code; gives the handler, or the failure
    /// every event will report. Code that does not compile is an [`EngineError`].
    fn load(&self, code: &str) -> Result<Result<Function<'js>, Failure>, EngineError> {
        if self.opts.runtime.profile().syntax.import {
            match self.compile_script(code) {
                Ok(script) => self.load_script(script),
                // Code with `import` declarations is a module; anything else that fails to
                // compile as a script fails as a module too, and the script's message is the
                // clearer one.
                Err(script_error) => match self.load_module(code) {
                    Err(EngineError::Compile(_)) if !code.contains("import") => Err(EngineError::Compile(script_error)),
                    other => other,
                },
            }
        } else {
            let script = self.compile_script(code).map_err(EngineError::Compile)?;
            self.load_script(script)
        }
    }

    /// Compiles a strict-mode script without running it, so that syntax errors are told apart
    /// from exceptions its top-level code throws. The result is QuickJS function bytecode.
    fn compile_script(&self, code: &str) -> Result<Value<'js>, String> {
        let source = CString::new(code).map_err(|_| "the code contains a NUL character".to_owned())?;
        let file = CString::new(FUNCTION_FILE).map_err(|e| e.to_string())?;
        let flags = (qjs::JS_EVAL_TYPE_GLOBAL | qjs::JS_EVAL_FLAG_STRICT | qjs::JS_EVAL_FLAG_COMPILE_ONLY) as i32;
        // SAFETY: `source` is NUL-terminated as JS_Eval requires and outlives the call; the
        // context pointer is live for `'js`. The returned value is owned and handed to
        // `Value::from_raw`, which frees it on drop; an exception is taken with `catch`.
        let compiled = unsafe {
            let raw = qjs::JS_Eval(self.ctx.as_raw().as_ptr(), source.as_ptr(), code.len() as _, file.as_ptr(), flags);
            if qjs::JS_IsException(raw) {
                None
            } else {
                Some(Value::from_raw(self.ctx.clone(), raw))
            }
        };
        compiled.ok_or_else(|| self.caught_text())
    }

    /// Runs a compiled script's top-level code and looks up `handler`.
    fn load_script(&self, script: Value<'js>) -> Result<Result<Function<'js>, Failure>, EngineError> {
        self.deadline.arm(self.opts.time_limit);
        // SAFETY: `script` is function bytecode from `compile_script`. JS_EvalFunction consumes
        // one reference, so one is added for it (`script` keeps and later frees its own); the
        // result is owned by the Value made here.
        let ctx_ptr = self.ctx.as_raw().as_ptr();
        let outcome = unsafe {
            let raw = qjs::JS_EvalFunction(ctx_ptr, qjs::JS_DupValue(ctx_ptr, script.as_raw()));
            !qjs::JS_IsException(raw) && {
                drop(Value::from_raw(self.ctx.clone(), raw));
                true
            }
        };
        let ran = if outcome { Ok(()) } else { Err(self.failure()) };
        self.deadline.disarm();
        if let Err(failure) = ran {
            return Ok(Err(failure));
        }
        // A `function handler` or `var handler` is a property of the global object; a
        // `let`/`const handler` (2.0) only a global binding, which plain lookup by name finds.
        let handler: Value =
            self.ctx.eval("typeof handler === 'undefined' ? undefined : handler").map_err(engine_error)?;
        self.as_handler(handler).map(Ok)
    }

    /// Compiles the function as a module exporting its `handler`, and evaluates it.
    fn load_module(&self, code: &str) -> Result<Result<Function<'js>, Failure>, EngineError> {
        let source = format!("{code}\n;export {{ handler as {HANDLER_EXPORT} }};\n");
        let declared = Module::declare(self.ctx.clone(), FUNCTION_FILE, source).map_err(|e| self.compile_error(e))?;
        self.deadline.arm(self.opts.time_limit);
        let evaluated = declared.eval();
        let outcome = match evaluated {
            Ok((module, promise)) => self.await_promise(promise).map(|_| module),
            Err(e) => Err(self.failure_from(e)),
        };
        self.deadline.disarm();
        let module = match outcome {
            Ok(module) => module,
            // Linking fails when an import names a module or export that does not exist, or the
            // appended export names no `handler`: those are errors in the code, not in a run.
            Err(Failure::Threw(message))
                if message.starts_with("SyntaxError") || message.starts_with("ReferenceError: could not") =>
            {
                return Err(EngineError::Compile(message));
            }
            Err(failure) => return Ok(Err(failure)),
        };
        let handler: Value = module.get(HANDLER_EXPORT).map_err(engine_error)?;
        self.as_handler(handler).map(Ok)
    }

    fn as_handler(&self, handler: Value<'js>) -> Result<Function<'js>, EngineError> {
        match handler.into_function() {
            Some(f) => Ok(f),
            None => Err(EngineError::NoHandler(" (`handler` is missing or not a function)".into())),
        }
    }

    fn compile_error(&self, e: rquickjs::Error) -> EngineError {
        if e.is_exception() {
            let message = self.caught_text();
            if message.contains(HANDLER_EXPORT) || message.contains("'handler'") {
                return EngineError::NoHandler(String::new());
            }
            EngineError::Compile(message)
        } else {
            EngineError::Compile(e.to_string())
        }
    }

    /// The pending exception as njs would print it, followed by where in the function it arose
    /// (QuickJS puts `function.js:LINE:COL` in the first frame of `stack`).
    fn caught_text(&self) -> String {
        let exception = self.ctx.catch();
        let location = exception.as_object().and_then(|o| o.get::<_, String>("stack").ok()).and_then(|stack| {
            let at = stack.find(FUNCTION_FILE)?;
            let rest = &stack[at..];
            let end = rest.find(|c: char| c == ')' || c.is_whitespace()).unwrap_or(rest.len());
            Some(rest[..end].to_owned())
        });
        let text = self.error_text(exception);
        match location {
            Some(location) => format!("{text} (at {location})"),
            None => text,
        }
    }

    fn error_text(&self, value: Value<'js>) -> String {
        self.error_text.call::<_, String>((value,)).unwrap_or_else(|_| "uncaught exception".to_owned())
    }

    /// The failure behind the exception QuickJS just raised.
    fn failure(&self) -> Failure {
        let exception = self.ctx.catch();
        if self.deadline.fired.get() {
            return Failure::TimedOut;
        }
        Failure::Threw(self.error_text(exception))
    }

    fn failure_from(&self, e: rquickjs::Error) -> Failure {
        if e.is_exception() {
            self.failure()
        } else {
            Failure::Threw(e.to_string())
        }
    }

    /// Runs the job queue until `promise` settles or the deadline passes.
    fn await_promise(&self, promise: Promise<'js>) -> Result<Value<'js>, Failure> {
        loop {
            match promise.state() {
                PromiseState::Resolved => {
                    return promise
                        .result::<Value>()
                        .unwrap_or(Err(rquickjs::Error::Unknown))
                        .map_err(|e| self.failure_from(e))
                }
                PromiseState::Rejected => {
                    return match promise.result::<Value>() {
                        Some(Err(e)) => Err(self.failure_from(e)),
                        _ => Err(Failure::Threw("the promise was rejected".into())),
                    }
                }
                PromiseState::Pending => {
                    if self.deadline.fired.get() || self.deadline.passed() {
                        return Err(Failure::TimedOut);
                    }
                    if !self.ctx.execute_pending_job() {
                        return Err(Failure::Threw(
                            "the handler's promise never settled (it waits on something that never happens)".into(),
                        ));
                    }
                }
            }
        }
    }

    fn logs(&self) -> Vec<String> {
        self.take_logs.call::<_, Vec<String>>(()).unwrap_or_default()
    }

    /// Calls the handler on one (normalised) event and validates what it returns.
    fn run_event(&self, event: &serde_json::Value) -> Result<TestResult, EngineError> {
        self.begin_event.call::<_, ()>((self.opts.now_ms,)).map_err(engine_error)?;
        self.log_data.replace(self.top_level_log_data.clone());
        let json = serde_json::to_string(event).map_err(|e| EngineError::BadEvent(e.to_string()))?;
        let started = Instant::now();
        let outcome = match &self.handler {
            Ok(handler) => {
                let input = self.ctx.json_parse(json).map_err(engine_error)?;
                self.deadline.arm(self.opts.time_limit);
                let outcome = self.call(handler, input);
                self.deadline.disarm();
                outcome
            }
            Err(Failure::TimedOut) => Err(Failure::TimedOut),
            Err(Failure::Threw(message)) => Err(Failure::Threw(message.clone())),
        };
        let elapsed = started.elapsed();
        let mut logs = self.top_level_logs.clone();
        logs.extend(self.logs());
        let log_custom_data = self.log_data.take();
        self.drain_jobs();

        let (output, error) = match outcome {
            Ok(result) => match validate::check(event, result) {
                Ok(output) => (output, String::new()),
                Err(message) => (String::new(), message),
            },
            Err(Failure::Threw(message)) => (String::new(), message),
            Err(Failure::TimedOut) => (String::new(), TIME_LIMIT_MESSAGE.to_owned()),
        };
        let utilization = if error == TIME_LIMIT_MESSAGE { 100 } else { utilization(elapsed) };
        Ok(TestResult {
            function_output: output,
            function_error_message: error,
            function_execution_logs: logs,
            log_custom_data,
            compute_utilization: utilization.to_string(),
        })
    }

    /// Calls the handler, awaits it if it is async, and gives its result as JSON (`None` for
    /// `undefined` and other values JSON cannot carry).
    fn call(&self, handler: &Function<'js>, input: Value<'js>) -> Result<Option<serde_json::Value>, Failure> {
        let returned: Value = handler.call((input,)).map_err(|e| self.failure_from(e))?;
        let settled: Value = self.settle.call((returned.clone(),)).map_err(|e| self.failure_from(e))?;
        let value = match settled.into_promise() {
            Some(promise) => self.await_promise(promise)?,
            None => returned,
        };
        let text = self.ctx.json_stringify(value).map_err(|e| self.failure_from(e))?;
        match text {
            None => Ok(None),
            Some(text) => {
                let text = text.to_string().map_err(|e| Failure::Threw(e.to_string()))?;
                serde_json::from_str(&text)
                    .map(Some)
                    .map_err(|e| Failure::Threw(format!("the result is not JSON: {e}")))
            }
        }
    }

    /// Runs jobs the handler left queued (promises it did not await), so they cannot run inside
    /// the next event; what they log or record is dropped, as CloudFront ends the invocation on
    /// return.
    fn drain_jobs(&self) {
        self.deadline.arm(self.opts.time_limit);
        while !self.deadline.passed() && self.ctx.execute_pending_job() {}
        self.deadline.disarm();
        drop(self.logs());
        drop(self.log_data.take());
    }
}

/// Compute utilization estimate: share of [`COMPUTE_BUDGET`], rounded up, at most 100.
fn utilization(elapsed: Duration) -> u32 {
    let share = elapsed.as_secs_f64() / COMPUTE_BUDGET.as_secs_f64() * 100.0;
    share.ceil().clamp(0.0, 100.0) as u32
}

/// Evaluates the prelude and returns its control object. The prelude learns from `cfg` what the
/// runtime profile says the runtime has: the globals it defines (every other one is removed), the
/// methods only some runtimes have, the modules `require` and `import` load, and how it holds
/// bytes. `cf.logCustomData` records into `log_data`, through a primitive added to the natives.
fn install_prelude<'js>(ctx: &Ctx<'js>, opts: &Options, log_data: &LogData) -> Result<Object<'js>, EngineError> {
    let native = super::natives::install(ctx).map_err(engine_error)?;
    let slot = Rc::clone(log_data);
    // logCustomData(Uint8Array of the text's UTF-8): keeps what CloudFront would.
    let record = Function::new(ctx.clone(), move |bytes: TypedArray<'js, u8>| {
        // SAFETY: the bytes are copied out before any JavaScript runs again.
        let kept = unsafe { bytes.as_bytes() }.map(kept_log_data).unwrap_or_default();
        slot.replace(Some(kept));
    })
    .map_err(engine_error)?;
    native.set("logCustomData", record).map_err(engine_error)?;
    let profile = opts.runtime.profile();
    let methods: Vec<serde_json::Value> = METHODS
        .iter()
        .map(|m| {
            let owner = match m.owner {
                Owner::Static(object) => object.to_owned(),
                Owner::StringPrototype => "String.prototype".to_owned(),
            };
            serde_json::json!({ "owner": owner, "name": m.name, "has": profile.has_method(m) != Has::No })
        })
        .collect();
    let config = serde_json::json!({
        "nowMs": opts.now_ms,
        "byteStrings": profile.binary == Binary::ByteStrings,
        "globals": profile.defined_globals().collect::<Vec<_>>(),
        "methods": methods,
        "require": profile.require,
        "import": profile.import,
        "kvs": opts.kvs,
    });
    let cfg = ctx.json_parse(config.to_string()).map_err(engine_error)?;
    let prelude: Function = ctx.eval(PRELUDE).map_err(|e| prelude_error(ctx, e))?;
    prelude.call((native, cfg)).map_err(|e| prelude_error(ctx, e))
}

fn prelude_error(ctx: &Ctx<'_>, e: rquickjs::Error) -> EngineError {
    if e.is_exception() {
        let exception = ctx.catch();
        let text = exception
            .as_object()
            .and_then(|o| o.get::<_, String>("message").ok())
            .unwrap_or_else(|| format!("{exception:?}"));
        EngineError::Engine(format!("the built-in prelude failed: {text}"))
    } else {
        engine_error(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_data_is_cut_where_its_url_encoding_reaches_the_limit() {
        assert_eq!(kept_log_data(b"deny expired"), "deny expired");
        let plain = "a".repeat(LOG_DATA_LIMIT + 5);
        assert_eq!(kept_log_data(plain.as_bytes()), "a".repeat(LOG_DATA_LIMIT));
        // A space is three bytes encoded (%20): 266 of them fit in 800, a 267th does not.
        let spaces = " ".repeat(300);
        assert_eq!(kept_log_data(spaces.as_bytes()).len(), 266);
        // `é` is two UTF-8 bytes, six encoded; a character is never split.
        let accents = format!("ab{}", "é".repeat(200));
        let kept = kept_log_data(accents.as_bytes());
        assert_eq!(kept.chars().count(), 2 + 133);
        assert_eq!(kept_log_data(&[0xff, b'x']), "\u{FFFD}x");
    }
}
