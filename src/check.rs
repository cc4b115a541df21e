//! `cfjwt check`: whether CloudFront would accept a function file, generated or hand-edited. The
//! parser accepts far more than either runtime, so after parsing, a walk over the tree flags
//! every construct and API the chosen runtime lacks, with its line and column. What a runtime has
//! (globals, methods, syntax, modules) comes from the runtime profile (`crate::cloudfront`); a free
//! identifier that the profile does not define is flagged, since using it throws `ReferenceError`
//! (a 503 at the edge).
//!
//! A name counts as declared when the file declares it anywhere (a variable, function, parameter,
//! import or `catch` binding, in any scope): a conservative rule that never flags a local name,
//! and catches every use of a global that the runtime lacks and the file never declares.

use swc_common::{sync::Lrc, BytePos, FileName, SourceMap, Span, Spanned};
use swc_ecma_ast::*;
use swc_ecma_parser::{parse_file_as_module, EsSyntax, Syntax};
use swc_ecma_visit::{Visit, VisitWith};

use std::collections::BTreeSet;

use swc_atoms::Atom;

use crate::cloudfront::profile::{Owner, METHODS};
use crate::cloudfront::{Has, Profile, Runtime};
use crate::syntax::{declared_names, Labels};

/// What to check against.
#[derive(Clone, Debug)]
pub struct Options {
    /// `None`: the runtime named by the file's marker comment, else cloudfront-js-2.0.
    pub runtime: Option<Runtime>,
    /// The size limit in bytes.
    pub max_bytes: usize,
}

/// One thing CloudFront would refuse, where it is (1-based line and column).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// The message for an `async` function that is not a top-level declaration.
const ASYNC_CLOSURE: &str =
    "an `async` closure is not supported by CloudFront Functions; make it a top-level `async function`";

/// Checks a function file's bytes; an empty list means CloudFront would accept it.
pub fn check_bytes(bytes: &[u8], opts: &Options) -> Vec<Problem> {
    let mut problems = Vec::new();
    if bytes.len() > opts.max_bytes {
        problems.push(Problem {
            line: 1,
            column: 1,
            message: format!(
                "the file is {} bytes, {} over the {}-byte limit",
                bytes.len(),
                bytes.len() - opts.max_bytes,
                opts.max_bytes
            ),
        });
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let before = &bytes[..e.valid_up_to()];
            let line = before.iter().filter(|b| **b == b'\n').count() + 1;
            let column = before.len() - before.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1) + 1;
            problems.push(Problem { line, column, message: "the file is not valid UTF-8".into() });
            return problems;
        }
    };
    let runtime = opts.runtime.or_else(|| Runtime::from_marker(text)).unwrap_or_default();
    problems.extend(check_source(text, runtime));
    problems
}

/// Parses `text` and lists what `runtime` would refuse. Code nested deeper than [`MAX_NESTING`]
/// or longer than [`MAX_PARSE_BYTES`] is not parsed: one problem says why.
pub fn check_source(text: &str, runtime: Runtime) -> Vec<Problem> {
    if let Some(refused) = refuse_to_parse(text) {
        return vec![refused];
    }
    on_a_stack_for(text, || check_parsed(text, runtime)).unwrap_or_else(|| {
        vec![Problem { line: 1, column: 1, message: "cannot check the file: no memory for the parser's stack".into() }]
    })
}

/// The bracket nesting (`(`, `[`, `{`, a template's `${`) that `check` and `deploy` parse at most.
/// swc's parser, and the walks over its tree, recurse once per level (and more), so much deeper
/// code would exhaust the stack; a function that CloudFront runs comes nowhere near it.
pub const MAX_NESTING: usize = 1000;

/// The longest file that is parsed, 25 times CloudFront's limit; the parser's stack grows with
/// the file's length (see [`on_a_stack_for`]), so this bounds it too.
pub const MAX_PARSE_BYTES: usize = 256 * 1024;

/// Stack reserved for a parse: a base, plus this much per byte of source. Nested parentheses, the
/// deepest recursion per byte measured (parser, walks and drop together), take about 1.7 KB per
/// byte in a release build; [`MAX_NESTING`] keeps bracket nesting far below that anyway, and
/// whatever nests without brackets (`!!!x`, `a=>a=>1`, `x.a.b.c`) costs less per byte.
const STACK_PER_BYTE: usize = 4096;
const STACK_BASE: usize = 16 << 20;

/// Why `text` is not parsed, as the problem to report: too long, or nested too deeply
/// (at the bracket that opens one level too many).
fn refuse_to_parse(text: &str) -> Option<Problem> {
    if text.len() > MAX_PARSE_BYTES {
        let message = format!("the file is over {MAX_PARSE_BYTES} bytes: too long to check beyond its size");
        return Some(Problem { line: 1, column: 1, message });
    }
    if let Some(at) = labels_in_a_row(text, MAX_LABELS_IN_A_ROW) {
        let (line, column) = line_and_column(text, at);
        let message = format!(
            "more than {MAX_LABELS_IN_A_ROW} labels in a row (`a: b: c: …`): cfjwt does not check such code, whose labels \
             swc's parser compares with each other"
        );
        return Some(Problem { line, column, message });
    }
    let at = too_deep(text, MAX_NESTING)?;
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let message = format!(
        "nested too deeply: this bracket opens level {}, and cfjwt checks code nested up to {MAX_NESTING} levels",
        MAX_NESTING + 1
    );
    Some(Problem { line, column, message })
}

/// The most labels in a row (`a: b: c: x`) cfjwt parses: each one nests the statement after it,
/// and swc's parser compares every label with those around it, so a long run costs time and
/// memory that grow with its square (2,000 take seconds). No function needs more than a few.
pub const MAX_LABELS_IN_A_ROW: usize = 100;

/// The line and column (1-based, in characters) of a byte offset.
fn line_and_column(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at];
    (before.matches('\n').count() + 1, before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1)
}

/// The byte offset of the word that starts the `limit + 1`th label of a run of `WORD:` with
/// only white space between them. A conservative scan: it may count text in a string or
/// comment, which no real function holds that many of in a row.
fn labels_in_a_row(text: &str, limit: usize) -> Option<usize> {
    let b = text.as_bytes();
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80;
    let (mut i, mut run) = (0, 0);
    while i < b.len() {
        if !is_word(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && is_word(b[i]) {
            i += 1;
        }
        let mut j = i;
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        if b.get(j) != Some(&b':') {
            run = 0;
            continue;
        }
        run += 1;
        if run > limit {
            return Some(start);
        }
        j += 1;
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        if !b.get(j).is_some_and(|c| is_word(*c)) {
            run = 0;
        }
        i = j;
    }
    None
}

/// The byte offset of the first bracket that opens more than `limit` levels, brackets in strings,
/// comments, template text and regular expressions aside. A cheap scan, not a parse: whether a
/// `/` starts a regular expression is guessed from what precedes it, and a string or regular
/// expression never runs past its line, so a wrong guess costs at most one line's count. Parsing
/// happens on a stack sized for the whole file ([`on_a_stack_for`]), so a scan that undercounts
/// gives a less helpful answer, not a crash.
fn too_deep(text: &str, limit: usize) -> Option<usize> {
    let b = text.as_bytes();
    let end_of_line = |mut i: usize| {
        while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
            i += 1;
        }
        i
    };
    // What each open bracket is: `(`, `[`, `{`, or `` ` `` for a template's `${`.
    let mut open: Vec<u8> = Vec::new();
    let mut in_template = false;
    // Whether a `/` here would start a regular expression rather than divide.
    let mut regex_may_start = true;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if in_template {
            match c {
                b'\\' => i += 2,
                b'`' => {
                    in_template = false;
                    regex_may_start = false;
                    i += 1;
                }
                b'$' if b.get(i + 1) == Some(&b'{') => {
                    open.push(b'`');
                    if open.len() > limit {
                        return Some(i);
                    }
                    in_template = false;
                    regex_may_start = true;
                    i += 2;
                }
                _ => i += 1,
            }
            continue;
        }
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => i += 1,
            b'/' if b.get(i + 1) == Some(&b'/') => i = end_of_line(i),
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(b.len(), |at| i + 2 + at + 2);
            }
            b'/' if regex_may_start => {
                let mut in_class = false;
                i += 1;
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    match b[i] {
                        b'\\' => i += 1,
                        b'[' => in_class = true,
                        b']' => in_class = false,
                        b'/' if !in_class => break,
                        _ => {}
                    }
                    i += 1;
                }
                i += 1;
                regex_may_start = false;
            }
            b'\'' | b'"' => {
                i += 1;
                while i < b.len() && b[i] != c && b[i] != b'\n' && b[i] != b'\r' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                regex_may_start = false;
            }
            b'`' => {
                in_template = true;
                i += 1;
            }
            b'(' | b'[' | b'{' => {
                open.push(c);
                if open.len() > limit {
                    return Some(i);
                }
                regex_may_start = true;
                i += 1;
            }
            b')' | b']' => {
                open.pop();
                regex_may_start = false;
                i += 1;
            }
            b'}' => {
                // The end of a template's `${…}` goes back to its text; a block's may be followed
                // by a regular expression.
                in_template = open.pop() == Some(b'`');
                regex_may_start = true;
                i += 1;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80 => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$' || b[i] >= 0x80) {
                    i += 1;
                }
                regex_may_start = matches!(
                    &b[start..i],
                    b"return"
                        | b"typeof"
                        | b"instanceof"
                        | b"in"
                        | b"of"
                        | b"new"
                        | b"delete"
                        | b"void"
                        | b"throw"
                        | b"case"
                        | b"do"
                        | b"else"
                        | b"yield"
                        | b"await"
                );
            }
            // Operators and other punctuation.
            _ => {
                regex_may_start = true;
                i += 1;
            }
        }
    }
    None
}

/// Runs `f`, which parses `text` (and walks and drops its tree), on a thread whose stack grows
/// with the text's length; `None` when no such thread can be had.
pub(crate) fn on_a_stack_for<T: Send>(text: &str, f: impl FnOnce() -> T + Send) -> Option<T> {
    let size = STACK_BASE + text.len().min(MAX_PARSE_BYTES) * STACK_PER_BYTE;
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new().name("cfjwt-parse".into()).stack_size(size).spawn_scoped(scope, f);
        handle.ok().map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    })
}

/// [`check_source`] for text that passed [`refuse_to_parse`], on a stack sized for it.
fn check_parsed(text: &str, runtime: Runtime) -> Vec<Problem> {
    let cm: Lrc<SourceMap> = Default::default();
    let fm = cm.new_source_file(Lrc::new(FileName::Anon), text.to_string());
    let at = |pos: BytePos, message: String| {
        let loc = cm.lookup_char_pos(pos);
        Problem { line: loc.line, column: loc.col_display + 1, message }
    };
    let mut errors = Vec::new();
    let parsed = parse_file_as_module(&fm, Syntax::Es(EsSyntax::default()), EsVersion::latest(), None, &mut errors);
    let module = match parsed {
        Ok(m) => m,
        Err(e) => {
            let mut problems: Vec<Problem> =
                errors.iter().map(|e| at(e.span().lo, format!("syntax error: {}", e.kind().msg()))).collect();
            problems.push(at(e.span().lo, format!("syntax error: {}", e.kind().msg())));
            return problems;
        }
    };

    let declared = declared_names(&module, Labels::Excluded);
    let mut walk = Walk { profile: runtime.profile(), declared, found: Vec::new(), fn_depth: 0 };
    module.visit_with(&mut walk);
    let mut problems: Vec<Problem> = walk.found.into_iter().map(|(span, message)| at(span.lo, message)).collect();
    // A construct both the parser and the walk refuse (`with`) is reported once, by the walk.
    for e in &errors {
        let problem = at(e.span().lo, format!("syntax error: {}", e.kind().msg()));
        if !problems.iter().any(|p| (p.line, p.column) == (problem.line, problem.column)) {
            problems.push(problem);
        }
    }

    if !has_top_level_handler(&module) {
        problems.push(Problem {
            line: 1,
            column: 1,
            message: "no top-level `handler` function: CloudFront calls `function handler(event)`".into(),
        });
    }
    problems.sort_by_key(|p| (p.line, p.column));
    problems
}

/// What a function file uses, read from its syntax tree rather than its text: the modules it
/// loads (`import ... from 'NAME'`, `require('NAME')`) and every string literal it holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    pub modules: std::collections::BTreeSet<String>,
    pub strings: std::collections::BTreeSet<String>,
}

/// The [`Facts`] of a function's code, or `None` when it does not parse (or is not parsed: too
/// long or nested too deeply, as [`check_source`] says).
pub fn facts(text: &str) -> Option<Facts> {
    if refuse_to_parse(text).is_some() {
        return None;
    }
    on_a_stack_for(text, || {
        let module = crate::syntax::parse_module(text)?;
        let mut collect = CollectFacts(Facts::default());
        module.visit_with(&mut collect);
        Some(collect.0)
    })
    .flatten()
}

struct CollectFacts(Facts);

impl Visit for CollectFacts {
    fn visit_import_decl(&mut self, i: &ImportDecl) {
        self.0.modules.insert(i.src.value.to_string_lossy().into_owned());
        i.visit_children_with(self);
    }

    fn visit_call_expr(&mut self, c: &CallExpr) {
        if let Callee::Expr(e) = &c.callee {
            if matches!(&**e, Expr::Ident(i) if &*i.sym == "require") {
                if let Some(Expr::Lit(Lit::Str(s))) = c.args.first().map(|a| &*a.expr) {
                    self.0.modules.insert(s.value.to_string_lossy().into_owned());
                }
            }
        }
        c.visit_children_with(self);
    }

    fn visit_str(&mut self, s: &Str) {
        self.0.strings.insert(s.value.to_string_lossy().into_owned());
    }
}

fn has_top_level_handler(module: &Module) -> bool {
    module.body.iter().any(|item| match item {
        ModuleItem::Stmt(Stmt::Decl(Decl::Fn(f))) => &*f.ident.sym == "handler",
        ModuleItem::Stmt(Stmt::Decl(Decl::Var(v))) => v.decls.iter().any(|d| {
            matches!(&d.name, Pat::Ident(b) if &*b.id.sym == "handler")
                && matches!(d.init.as_deref(), Some(Expr::Fn(_) | Expr::Arrow(_)))
        }),
        _ => false,
    })
}

/// The walk over the tree; `found` collects spans and messages.
struct Walk {
    profile: &'static Profile,
    declared: BTreeSet<Atom>,
    found: Vec<(Span, String)>,
    fn_depth: usize,
}

impl Walk {
    fn flag(&mut self, span: Span, message: impl Into<String>) {
        self.found.push((span, message.into()));
    }

    fn unsupported(&mut self, span: Span, what: &str) {
        self.flag(span, format!("{what} is not supported by CloudFront Functions ({})", self.profile.runtime));
    }

    /// Flags `what` unless the runtime has `feature`, naming the runtimes that do.
    fn needs(&mut self, span: Span, what: &str, feature: fn(&Profile) -> bool) {
        if !feature(self.profile) {
            let message = format!(
                "{what} is not available in {} (it is in {})",
                self.profile.runtime,
                Profile::runtimes_with(feature)
            );
            self.flag(span, message);
        }
    }

    fn module_allowed(&mut self, span: Span, name: &str, import: bool) {
        if !self.profile.loads(name, import) {
            let list = if import { self.profile.import } else { self.profile.require };
            self.flag(
                span,
                format!(
                    "module `{name}` is not available in {}; only {} can be loaded",
                    self.profile.runtime,
                    list.join(", ")
                ),
            );
        }
    }

    /// A name used as a value: fine when the file declares it or the runtime defines it.
    fn free_identifier(&mut self, id: &Ident) {
        let name = &*id.sym;
        if self.declared.contains(&id.sym) || (name == "arguments" && self.fn_depth > 0) {
            return;
        }
        let runtime = self.profile.runtime;
        match Profile::global(name) {
            Some(global) => match (self.profile.has(global), global.why) {
                (Has::Yes, _) => {}
                (_, Some(why)) => self.flag(id.span, why),
                (Has::Refused, None) => self.flag(id.span, format!("`{name}` throws in {runtime}")),
                (Has::No, None) => {
                    let elsewhere = Profile::runtimes_with(|p| p.has(global) == Has::Yes);
                    if elsewhere.is_empty() {
                        self.flag(id.span, undefined(name, runtime));
                    } else {
                        self.flag(id.span, format!("`{name}` is not available in {runtime} (it is in {elsewhere})"));
                    }
                }
            },
            None => self.flag(id.span, undefined(name, runtime)),
        }
    }
}

fn undefined(name: &str, runtime: Runtime) -> String {
    format!("`{name}` is not defined in {runtime}: using it throws ReferenceError, which CloudFront answers with a 503")
}

impl Visit for Walk {
    fn visit_module_decl(&mut self, d: &ModuleDecl) {
        match d {
            ModuleDecl::Import(i) => {
                self.needs(i.span, "`import`", |p| p.syntax.import);
                if self.profile.syntax.import {
                    self.module_allowed(i.src.span, &i.src.value.to_string_lossy(), true);
                }
            }
            other => self.unsupported(other.span(), "`export`"),
        }
        d.visit_children_with(self);
    }

    fn visit_var_decl(&mut self, v: &VarDecl) {
        match v.kind {
            VarDeclKind::Var => {}
            VarDeclKind::Let => self.needs(v.span, "`let`", |p| p.syntax.block_bindings),
            VarDeclKind::Const => self.needs(v.span, "`const`", |p| p.syntax.block_bindings),
        }
        v.visit_children_with(self);
    }

    fn visit_function(&mut self, f: &Function) {
        if f.is_generator {
            self.unsupported(f.span, "a generator function");
        }
        if f.is_async {
            self.needs(f.span, "`async`", |p| p.syntax.async_await);
        }
        for p in &f.params {
            if let Pat::Assign(a) = &p.pat {
                self.unsupported(a.span, "a default parameter");
            }
        }
        self.fn_depth += 1;
        f.visit_children_with(self);
        self.fn_depth -= 1;
    }

    fn visit_fn_expr(&mut self, f: &FnExpr) {
        if f.function.is_async && self.profile.syntax.async_await {
            self.flag(f.function.span, ASYNC_CLOSURE);
        }
        f.visit_children_with(self);
    }

    fn visit_fn_decl(&mut self, f: &FnDecl) {
        if f.function.is_async && self.fn_depth > 0 && self.profile.syntax.async_await {
            self.flag(f.function.span, ASYNC_CLOSURE);
        }
        f.visit_children_with(self);
    }

    fn visit_arrow_expr(&mut self, a: &ArrowExpr) {
        if a.is_async {
            self.needs(a.span, "`async`", |p| p.syntax.async_await);
            if self.profile.syntax.async_await {
                self.flag(a.span, ASYNC_CLOSURE);
            }
        }
        if a.is_generator {
            self.unsupported(a.span, "a generator function");
        }
        for p in &a.params {
            if let Pat::Assign(asg) = p {
                self.unsupported(asg.span, "a default parameter");
            }
        }
        self.fn_depth += 1;
        a.visit_children_with(self);
        self.fn_depth -= 1;
    }

    fn visit_await_expr(&mut self, a: &AwaitExpr) {
        self.needs(a.span, "`await`", |p| p.syntax.async_await);
        if self.fn_depth == 0 {
            self.unsupported(a.span, "top-level `await`");
        }
        a.visit_children_with(self);
    }

    fn visit_pat(&mut self, p: &Pat) {
        match p {
            Pat::Array(a) => self.unsupported(a.span, "destructuring"),
            Pat::Object(o) => self.unsupported(o.span, "destructuring"),
            _ => {}
        }
        p.visit_children_with(self);
    }

    fn visit_assign_target_pat(&mut self, p: &AssignTargetPat) {
        self.unsupported(p.span(), "destructuring");
        p.visit_children_with(self);
    }

    fn visit_expr_or_spread(&mut self, e: &ExprOrSpread) {
        if let Some(dots) = e.spread {
            self.unsupported(dots, "spread (`...`)");
        }
        e.visit_children_with(self);
    }

    fn visit_spread_element(&mut self, s: &SpreadElement) {
        self.unsupported(s.dot3_token, "spread (`...`)");
        s.visit_children_with(self);
    }

    fn visit_prop_or_spread(&mut self, p: &PropOrSpread) {
        match p {
            PropOrSpread::Spread(s) => self.unsupported(s.dot3_token, "spread (`...`)"),
            PropOrSpread::Prop(prop) => match &**prop {
                Prop::Shorthand(i) if !self.profile.syntax.object_literal_extensions => self.flag(
                    i.span,
                    format!("a shorthand property is not ES 5.1 ({}); write `name: name`", self.profile.runtime),
                ),
                Prop::Method(m) if !self.profile.syntax.object_literal_extensions => {
                    self.flag(m.function.span, format!("a method shorthand is not ES 5.1 ({})", self.profile.runtime))
                }
                _ => {}
            },
        }
        p.visit_children_with(self);
    }

    fn visit_prop_name(&mut self, p: &PropName) {
        if let PropName::Computed(c) = p {
            if !self.profile.syntax.object_literal_extensions {
                self.flag(c.span, format!("a computed property name is not ES 5.1 ({})", self.profile.runtime));
            }
        }
        p.visit_children_with(self);
    }

    fn visit_class(&mut self, c: &Class) {
        self.unsupported(c.span, "a class");
        c.visit_children_with(self);
    }

    fn visit_for_of_stmt(&mut self, f: &ForOfStmt) {
        self.unsupported(f.span, "`for…of`");
        f.visit_children_with(self);
    }

    fn visit_opt_chain_expr(&mut self, o: &OptChainExpr) {
        self.unsupported(o.span, "optional chaining (`?.`)");
        o.visit_children_with(self);
    }

    fn visit_bin_expr(&mut self, b: &BinExpr) {
        if b.op == BinaryOp::NullishCoalescing {
            self.unsupported(b.span, "`??`");
        }
        b.visit_children_with(self);
    }

    fn visit_assign_expr(&mut self, a: &AssignExpr) {
        if matches!(a.op, AssignOp::AndAssign | AssignOp::OrAssign | AssignOp::NullishAssign) {
            self.unsupported(a.span, "logical assignment (`&&=`, `||=`, `??=`)");
        }
        a.visit_children_with(self);
    }

    fn visit_lit(&mut self, l: &Lit) {
        match l {
            Lit::BigInt(b) => self.unsupported(b.span, "a BigInt literal"),
            // njs knows the flags g, i, m and y only.
            Lit::Regex(r) if r.flags.chars().any(|f| !"gimy".contains(f)) => {
                self.unsupported(r.span, "a regular expression flag other than g, i, m and y")
            }
            _ => {}
        }
        l.visit_children_with(self);
    }

    fn visit_catch_clause(&mut self, c: &CatchClause) {
        if c.param.is_none() {
            self.unsupported(c.span, "`catch` without a binding (`catch {}`)");
        }
        c.visit_children_with(self);
    }

    fn visit_tagged_tpl(&mut self, t: &TaggedTpl) {
        self.unsupported(t.span, "a tagged template");
        t.visit_children_with(self);
    }

    fn visit_ident(&mut self, id: &Ident) {
        self.free_identifier(id);
    }

    // Names that are not references: labels, and the exported name of a named import.
    fn visit_labeled_stmt(&mut self, l: &LabeledStmt) {
        l.body.visit_with(self);
    }
    fn visit_break_stmt(&mut self, _: &BreakStmt) {}
    fn visit_continue_stmt(&mut self, _: &ContinueStmt) {}
    fn visit_import_named_specifier(&mut self, _: &ImportNamedSpecifier) {}

    fn visit_unary_expr(&mut self, u: &UnaryExpr) {
        // `typeof NAME` does not throw for a name that is not defined: feature tests stay legal.
        if u.op == UnaryOp::TypeOf && matches!(&*u.arg, Expr::Ident(_)) {
            return;
        }
        u.visit_children_with(self);
    }

    fn visit_member_expr(&mut self, m: &MemberExpr) {
        if let MemberProp::Ident(name) = &m.prop {
            for method in METHODS.iter().filter(|method| method.name == &*name.sym) {
                let applies = match method.owner {
                    Owner::Static(object) => matches!(&*m.obj, Expr::Ident(o) if &*o.sym == object),
                    Owner::StringPrototype => true,
                };
                if applies && self.profile.has_method(method) != Has::Yes {
                    let elsewhere = Profile::runtimes_with(|p| p.has_method(method) == Has::Yes);
                    let instead = method.instead.map(|i| format!("; use {i}")).unwrap_or_default();
                    self.flag(
                        name.span,
                        format!(
                            "`{}` is not available in {} (it is in {elsewhere}){instead}",
                            method.path(),
                            self.profile.runtime
                        ),
                    );
                }
            }
        }
        m.visit_children_with(self);
    }

    fn visit_expr_or_spreads(&mut self, args: &[ExprOrSpread]) {
        for a in args {
            if let Expr::Await(w) = &*a.expr {
                self.flag(w.span, "`await` inside a call's arguments is refused by CloudFront's engine (njs); await into a variable first");
            }
        }
        args.visit_children_with(self);
    }

    fn visit_call_expr(&mut self, c: &CallExpr) {
        if let Callee::Import(i) = &c.callee {
            self.unsupported(i.span, "dynamic `import()`");
        }
        if let Callee::Expr(e) = &c.callee {
            if matches!(&**e, Expr::Ident(i) if &*i.sym == "require") {
                match c.args.first().map(|a| &*a.expr) {
                    Some(Expr::Lit(Lit::Str(s))) => self.module_allowed(s.span, &s.value.to_string_lossy(), false),
                    _ => self.flag(c.span, "`require` takes a module name as a string literal"),
                }
            }
            if let Expr::Member(MemberExpr { obj, prop: MemberProp::Ident(p), .. }) = &**e {
                let is_console_log = matches!(&**obj, Expr::Ident(o) if &*o.sym == "console") && &*p.sym == "log";
                if is_console_log && c.args.len() > 1 {
                    self.flag(c.span, "`console.log` prints only its first argument in CloudFront; join the values");
                }
            }
        }
        c.visit_children_with(self);
    }

    fn visit_with_stmt(&mut self, w: &WithStmt) {
        self.unsupported(w.span, "`with`");
        w.visit_children_with(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(code: &str, runtime: Runtime) -> Vec<String> {
        check_source(code, runtime).into_iter().map(|p| format!("{}:{}: {}", p.line, p.column, p.message)).collect()
    }

    #[test]
    fn a_plain_handler_passes_both() {
        let code = "var crypto = require('crypto');\nfunction handler(event) { return event.request; }\n";
        assert_eq!(messages(code, Runtime::Js1), Vec::<String>::new());
        assert_eq!(messages(code, Runtime::Js2), Vec::<String>::new());
    }

    #[test]
    fn let_and_const_only_in_2() {
        let code = "function handler(event) {\n  let a = 1; const b = 2; return event.request;\n}\n";
        let m = messages(code, Runtime::Js1);
        assert_eq!(m.len(), 2, "{m:?}");
        assert!(m[0].starts_with("2:3: `let`"), "{m:?}");
        assert!(messages(code, Runtime::Js2).is_empty());
    }

    #[test]
    fn each_unsupported_construct_is_flagged() {
        for code in [
            "var {a} = {};",
            "var [a] = [];",
            "f(...x);",
            "var a = [...x];",
            "var o = {...x};",
            "class A {}",
            "for (var x of y) {}",
            "function g(a = 1) {}",
            "a?.b;",
            "a ?? b;",
            "function* g() {}",
            "a ||= b;",
            "10n;",
            "try {} catch {}",
            "var r = /a/s;",
            "var r = /a/u;",
        ] {
            let full = format!("{code}\nfunction handler(e) {{ return e.request; }}");
            for rt in Runtime::ALL {
                assert!(!messages(&full, rt).is_empty(), "{code} passed on {rt}");
            }
        }
    }

    #[test]
    fn forbidden_apis() {
        for code in ["eval('1')", "new Function('x')", "setTimeout(f, 1)", "require('fs')", "process.env"] {
            let full = format!("function handler(e) {{ {code}; return e.request; }}");
            for rt in Runtime::ALL {
                assert!(!messages(&full, rt).is_empty(), "{code} passed on {rt}");
            }
        }
    }

    #[test]
    fn runtime_specific_apis() {
        let js2 =
            "import cf from 'cloudfront';\nfunction handler(e) { return Buffer.from(e.request.uri).toString('hex'); }";
        assert!(messages(js2, Runtime::Js2).is_empty(), "{:?}", messages(js2, Runtime::Js2));
        assert_eq!(messages(js2, Runtime::Js1).len(), 2);
        let js1 = "function handler(e) { return String.bytesFrom(e.request.headers['x-a'].value, 'hex'); }";
        assert!(messages(js1, Runtime::Js1).is_empty());
        assert_eq!(messages(js1, Runtime::Js2).len(), 1);
        assert_eq!(messages("import fs from 'fs';\nfunction handler(e) {}", Runtime::Js2).len(), 1);
    }

    #[test]
    fn await_in_arguments_is_refused() {
        let code = "function f(x) { return x; }\nasync function g() { return 1; }\nasync function handler(e) { return f(await g()); }";
        let m = messages(code, Runtime::Js2);
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].contains("inside a call's arguments"), "{m:?}");
        let awaited = "function f(x) { return x; }\nasync function g() { return 1; }\nasync function handler(e) { var x = await g(); return f(x); }";
        assert!(messages(awaited, Runtime::Js2).is_empty(), "{:?}", messages(awaited, Runtime::Js2));
    }

    #[test]
    fn async_closures_are_refused() {
        assert!(messages("async function handler(e) { return e.request; }", Runtime::Js2).is_empty());
        for code in [
            "function handler(e) { var f = async function () {}; return e.request; }",
            "function handler(e) { var f = async () => 1; return e.request; }",
            "function handler(e) { async function f() {} return e.request; }",
        ] {
            let m = messages(code, Runtime::Js2);
            assert!(m.iter().any(|m| m.contains("`async` closure")), "{code}: {m:?}");
        }
    }

    #[test]
    fn a_name_the_runtime_does_not_define_is_flagged() {
        let code = "function handler(e) { var m = new Map(); return e.request; }";
        let m = messages(code, Runtime::Js2);
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].starts_with("1:35: `Map` is not defined in cloudfront-js-2.0"), "{m:?}");
        let typo = messages("function handler(e) { return reqest; }", Runtime::Js1);
        assert!(typo[0].contains("`reqest` is not defined in cloudfront-js-1.0"), "{typo:?}");
        // Declared anywhere, a name is the file's own; `typeof` never throws; labels are not names.
        let fine = "var Map = 1;\nfunction handler(e) { l: { if (typeof Set == 'undefined') break l; } return Map; }";
        assert!(messages(fine, Runtime::Js2).is_empty(), "{:?}", messages(fine, Runtime::Js2));
        let args = "function handler(e) { return arguments[0].request; }";
        assert!(messages(args, Runtime::Js1).is_empty());
    }

    #[test]
    fn promise_follows_the_runtime_pages() {
        let basic = "function handler(e) { Promise.resolve(1); return e.request; }";
        assert!(messages(basic, Runtime::Js1).is_empty(), "1.0 lists Promise with resolve");
        let all = "function handler(e) { Promise.all([]); return e.request; }";
        let m = messages(all, Runtime::Js1);
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(
            m[0].contains("`Promise.all` is not available in cloudfront-js-1.0 (it is in cloudfront-js-2.0)"),
            "{m:?}"
        );
        assert!(messages(all, Runtime::Js2).is_empty());
    }

    #[test]
    fn a_parameter_named_process_is_the_files_own() {
        let code = "function handler(process) { return process; }";
        assert!(messages(code, Runtime::Js2).is_empty(), "{:?}", messages(code, Runtime::Js2));
        let global = messages("function handler(e) { return process.env; }", Runtime::Js2);
        assert_eq!(global, vec!["1:30: `process` is not available in CloudFront Functions"]);
    }

    #[test]
    fn with_is_reported_once() {
        let m = messages("function handler(e) { with (e) {} return e.request; }", Runtime::Js2);
        assert_eq!(m, vec!["1:23: `with` is not supported by CloudFront Functions (cloudfront-js-2.0)"]);
    }

    #[test]
    fn handler_is_required() {
        let m = messages("function handle(e) { return e.request; }", Runtime::Js2);
        assert_eq!(m, vec!["1:1: no top-level `handler` function: CloudFront calls `function handler(event)`"]);
        assert!(messages("var handler = function (e) { return e.request; };", Runtime::Js1).is_empty());
    }

    #[test]
    fn syntax_errors_have_positions() {
        let m = messages("function handler(e) {\n  return e.request\n", Runtime::Js2);
        assert!(!m.is_empty());
        assert!(m[0].contains("syntax error"), "{m:?}");
    }

    #[test]
    fn a_long_run_of_labels_is_refused_before_parsing() {
        let run = |n: usize| format!("function handler(e) {{ {} return e.request; }}", "a: ".repeat(n));
        assert_eq!(labels_in_a_row(&run(MAX_LABELS_IN_A_ROW), MAX_LABELS_IN_A_ROW), None);
        let at = labels_in_a_row(&run(MAX_LABELS_IN_A_ROW + 1), MAX_LABELS_IN_A_ROW).unwrap();
        assert_eq!(at, 22 + 3 * MAX_LABELS_IN_A_ROW);
        // Refused before parsing: the only problem is the run, not what the parser would say.
        let m = messages(&run(20_000), Runtime::Js2);
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].contains("labels in a row"), "{m:?}");
        // Objects, ternaries and `case` never make a run.
        let fine = format!("var o = {{{}}};\nfunction handler(e) {{ return e.request; }}", "k: 1, ".repeat(500));
        assert!(messages(&fine, Runtime::Js2).is_empty());
    }

    #[test]
    fn nesting_is_counted_in_code_only() {
        let deep = |open: &str, close: &str, n: usize| format!("var v = {}1{};", open.repeat(n), close.repeat(n));
        assert_eq!(too_deep(&deep("(", ")", 3), 3), None);
        assert_eq!(too_deep(&deep("(", ")", 4), 3), Some(11));
        assert_eq!(too_deep(&deep("[", "]", 4), 3), Some(11));
        assert_eq!(too_deep(&deep("{a:", "}", 4), 3), Some(17));
        assert_eq!(too_deep(&deep("`${", "}`", 4), 3), Some(18));
        // Brackets in strings, comments, template text and regular expressions are not code.
        for quiet in [
            "var s = '((((', t = \"[[[[\", u = `{{{{ ((((`;",
            "// ((((\n/* [[[[\n{{{{ */",
            "var r = /((((/, q = /[(((([]/g; x = a / (b) / c;",
            "if (a) return /((((/.test(b);",
        ] {
            assert_eq!(too_deep(quiet, 3), None, "{quiet}");
        }
        // Nesting continues across a template's text and its substitutions.
        assert_eq!(too_deep("((`${ `${ ( }` }`))", 3), Some(7));
        assert_eq!(too_deep("((`${ `${ ( }` }`))", 4), Some(10));
        assert_eq!(too_deep("((`((((${ 1 }`))", 3), None);
    }

    #[test]
    fn deep_code_is_one_problem_not_a_crash() {
        let n = MAX_NESTING + 1;
        let code = format!("function handler(e) {{\n  return {}e{};\n}}\n", "(".repeat(n), ")".repeat(n));
        let m = messages(&code, Runtime::Js2);
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].starts_with(&format!("2:{}: nested too deeply", 10 + MAX_NESTING - 1)), "{m:?}");
        assert_eq!(facts(&code), None);
        // Just under the limit, on the test's small stack: the parse runs on its own.
        let n = MAX_NESTING - 1;
        let code = format!("function handler(e) {{ return {}e{}; }}", "(".repeat(n), ")".repeat(n));
        assert_eq!(messages(&code, Runtime::Js2), Vec::<String>::new());
        assert!(facts(&code).is_some());
        let long = format!("function handler(e) {{ return e; }}\n{}", " ".repeat(MAX_PARSE_BYTES));
        assert!(messages(&long, Runtime::Js2)[0].contains("too long to check"));
    }

    #[test]
    fn size_and_encoding() {
        let opts = Options { runtime: Some(Runtime::Js2), max_bytes: 10 };
        let p = check_bytes(b"function handler(e) { return e.request; }", &opts);
        assert!(p[0].message.contains("over the 10-byte limit"), "{p:?}");
        let p = check_bytes(b"function handler(e) {}\n\xff", &Options { runtime: None, max_bytes: 100 });
        assert_eq!(p, vec![Problem { line: 2, column: 1, message: "the file is not valid UTF-8".into() }]);
    }
}
