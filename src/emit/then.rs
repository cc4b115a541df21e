//! `then`: the team's own viewer-request function merged into the generated one as a syntax tree,
//! never as text. [`hand_over`] makes every request the checks let through leave the handler's
//! `try` for a call of the team's handler after it (steps.js, `then_allowed` and `then_call`), so
//! that what the team's code throws is theirs (CloudFront's 503), not a denial. [`Theirs`] is the
//! team's file parsed; [`Theirs::merge`] adds it to the finished generated tree with its imports
//! of the runtime's modules merged into the generated ones, and its top-level names renamed to
//! names that appear nowhere else: nothing in it can collide with or reach the generated code's
//! names. The generated code, for its part, declares none of the other names the team's file
//! holds ([`Theirs::reserved`], given to `tidy`), so no free name of theirs can reach it either.
//!
//! Renaming is by name, over the whole file: a name declared at the top level of a module is in
//! scope everywhere in it, so every identifier with that name is either that binding or an inner
//! one that shadows it, and renaming all of them alike keeps every reference where it was.

use std::collections::{BTreeMap, BTreeSet};

use swc_atoms::Atom;
use swc_common::DUMMY_SP;
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitMut, VisitMutWith, VisitWith};

use super::template::{ident, Templates};
use super::tidy::{top_level_names, ShortNames};
use super::Style;
use crate::plan::Then;
use crate::syntax::identifiers;

/// The callee of the generated call of the team's handler until [`Theirs::merge`] names it.
const THEN: &str = "$then";

/// The handler's name, which CloudFront calls.
const ENTRY: &str = "handler";

/// The modules of the runtime whose default import (or `require`) the team's file shares with
/// the generated code.
const SHARED_MODULES: &[&str] = &["crypto", "querystring", "cloudfront"];

/// Restructures the generated handler for `then`: its `try` and denial go into the block
/// `allowed`, each `return allow(CODE, REQUEST)` becomes `allow(CODE, REQUEST); break allowed;`,
/// and after the block comes the call of the team's handler. Runs before the reason markers are
/// replaced ([`tidy_let_throughs`] cleans up after them).
pub fn hand_over(items: &mut [ModuleItem], t: &Templates) {
    let body = handler_body(items);
    let at = body.stmts.iter().position(|s| matches!(s, Stmt::Try(_))).expect("the handler's checks are in a `try`");
    let mut checks: Vec<Stmt> = body.stmts.drain(at..).collect();
    let Stmt::Labeled(mut allowed) = t.stmt("then_allowed", &[]) else {
        panic!("templates/steps.js: then_allowed is a labeled block")
    };
    let Stmt::Block(block) = &mut *allowed.body else { panic!("templates/steps.js: then_allowed is a labeled block") };
    let go = block.stmts.pop().expect("templates/steps.js: then_allowed holds its `break`");
    checks.visit_mut_with(&mut LetThrough { go: &go });
    block.stmts = checks;
    body.stmts.push(Stmt::Labeled(allowed));
    body.stmts.push(t.stmt("then_call", &[("THEN", ident(THEN))]));
}

fn handler_body(items: &mut [ModuleItem]) -> &mut FunctionBody {
    for item in items {
        if let ModuleItem::Stmt(Stmt::Decl(Decl::Fn(f))) = item {
            if &*f.ident.sym == ENTRY {
                return f.function.body.as_mut().expect("the handler has a body");
            }
        }
    }
    panic!("templates/function.js has `function handler`")
}

/// `return allow(...)` as `{ allow(...); break allowed; }`.
struct LetThrough<'a> {
    go: &'a Stmt,
}

impl VisitMut for LetThrough<'_> {
    fn visit_mut_stmt(&mut self, stmt: &mut Stmt) {
        stmt.visit_mut_children_with(self);
        if let Stmt::Return(ReturnStmt { arg: Some(arg), .. }) = stmt {
            if is_allow(arg) {
                let call = Stmt::Expr(ExprStmt { span: DUMMY_SP, expr: arg.clone() });
                *stmt = Stmt::Block(BlockStmt { stmts: vec![call, self.go.clone()], ..Default::default() });
            }
        }
    }
}

fn is_allow(expr: &Expr) -> bool {
    matches!(expr, Expr::Call(CallExpr { callee: Callee::Expr(c), .. }) if matches!(&**c, Expr::Ident(i) if &*i.sym == "allow"))
}

/// After the markers are replaced, a let-through's `allow(CODE, request)` is `request;` or
/// `(log, request);`: the `request` left over is dropped, and a block left with its `break`
/// alone becomes that `break`.
pub fn tidy_let_throughs(items: &mut [ModuleItem]) {
    handler_body(items).visit_mut_with(&mut Leftovers);
}

struct Leftovers;

/// Whether `stmt` is the `break` of a let-through (`break allowed;`).
fn is_go(stmt: &Stmt) -> bool {
    matches!(stmt, Stmt::Break(BreakStmt { label: Some(l), .. }) if &*l.sym == "allowed")
}

fn is_request(expr: &Expr) -> bool {
    matches!(expr, Expr::Ident(i) if &*i.sym == "request")
}

impl Leftovers {
    /// The statements of a let-through's block, without the `request` left over.
    fn clean(stmts: &mut Vec<Stmt>) {
        stmts.retain_mut(|s| {
            let Stmt::Expr(ExprStmt { expr, .. }) = s else { return true };
            if let Expr::Paren(ParenExpr { expr: inner, .. }) = &mut **expr {
                *expr = inner.clone();
            }
            if let Expr::Seq(seq) = &mut **expr {
                if seq.exprs.last().is_some_and(|e| is_request(e)) {
                    seq.exprs.pop();
                }
                if seq.exprs.len() == 1 {
                    *expr = seq.exprs.pop().expect("one expression");
                }
            }
            !is_request(expr)
        });
    }
}

impl VisitMut for Leftovers {
    fn visit_mut_stmts(&mut self, stmts: &mut Vec<Stmt>) {
        stmts.visit_mut_children_with(self);
        // A let-through block in a list of statements: its statements in its place.
        let mut out = Vec::with_capacity(stmts.len());
        for stmt in stmts.drain(..) {
            match stmt {
                Stmt::Block(mut b) if b.stmts.last().is_some_and(is_go) => {
                    Leftovers::clean(&mut b.stmts);
                    out.extend(b.stmts);
                }
                other => out.push(other),
            }
        }
        *stmts = out;
    }

    fn visit_mut_if_stmt(&mut self, s: &mut IfStmt) {
        s.visit_mut_children_with(self);
        if let Stmt::Block(b) = &mut *s.cons {
            if b.stmts.last().is_some_and(is_go) {
                Leftovers::clean(&mut b.stmts);
                // Only a `break` left: no `else` can attach to it.
                if b.stmts.len() == 1 {
                    *s.cons = b.stmts.pop().expect("one statement");
                }
            }
        }
    }
}

/// The team's file, parsed, with what merging it needs to know.
pub struct Theirs {
    items: Vec<ModuleItem>,
    /// Every identifier in it.
    identifiers: BTreeSet<Atom>,
    /// The names it declares at its top level (each renamed, or merged with a generated import).
    top_level: BTreeSet<Atom>,
}

impl Theirs {
    /// Parses a file that `theirs.rs` has checked.
    pub fn parse(then: &Then) -> Theirs {
        let module = crate::syntax::parse_module(&then.source).expect("the `then` file passed cfjwt check");
        let items = module.body;
        Theirs { identifiers: identifiers(&items), top_level: top_level_names(&items), items }
    }

    /// The names of the team's file that the generated code must not declare: all but those its
    /// top level declares (which [`Theirs::merge`] renames).
    pub fn reserved(&self) -> BTreeSet<Atom> {
        self.identifiers.difference(&self.top_level).cloned().collect()
    }

    /// Adds the team's code to the finished generated tree `items`: imports first (the
    /// generated ones, then the team's that the generated code does not share), then the
    /// generated code, then the team's, with the generated call of the team's handler named.
    pub fn merge(self, items: &mut Vec<ModuleItem>, style: Style) {
        let shared = module_bindings(items);
        let assigned = assigned_names(&self.items);
        let mut map: BTreeMap<Atom, Atom> = BTreeMap::new();
        let mut imports = Vec::new();
        let mut body = Vec::new();
        for item in self.items {
            match item {
                ModuleItem::ModuleDecl(ModuleDecl::Import(import)) => {
                    let module = import.src.value.to_string_lossy().into_owned();
                    match (&import.specifiers[..], shared.get(&module)) {
                        ([ImportSpecifier::Default(d)], Some(ours)) => {
                            map.insert(d.local.sym.clone(), ours.clone());
                        }
                        _ => imports.push(ModuleItem::ModuleDecl(ModuleDecl::Import(import))),
                    }
                }
                ModuleItem::Stmt(Stmt::Decl(Decl::Var(mut var))) => {
                    var.decls.retain(|d| match (&d.name, d.init.as_deref().and_then(required_module)) {
                        (Pat::Ident(b), Some(module)) if !assigned.contains(&b.id.sym) => match shared.get(&module) {
                            Some(ours) => {
                                map.insert(b.id.sym.clone(), ours.clone());
                                false
                            }
                            None => true,
                        },
                        _ => true,
                    });
                    if !var.decls.is_empty() {
                        body.push(ModuleItem::Stmt(Stmt::Decl(Decl::Var(var))));
                    }
                }
                other => body.push(other),
            }
        }

        let mut taken = identifiers(items);
        taken.extend(self.identifiers.iter().cloned());
        let mut fresh = Fresh { style, taken, short: ShortNames::default() };
        for name in &self.top_level {
            if !map.contains_key(name) {
                let new = fresh.name(name);
                map.insert(name.clone(), new);
            }
        }
        let handler = map.get(&Atom::from(ENTRY)).cloned().expect("cfjwt check found the team's top-level `handler`");
        imports.visit_mut_with(&mut Rename(&map));
        body.visit_mut_with(&mut Rename(&map));
        items.visit_mut_with(&mut Rename(&BTreeMap::from([(Atom::from(THEN), handler)])));

        let after_imports = items
            .iter()
            .position(|i| !matches!(i, ModuleItem::ModuleDecl(ModuleDecl::Import(_))))
            .unwrap_or(items.len());
        items.splice(after_imports..after_imports, imports);
        items.extend(body);
    }
}

/// Names for the team's top-level names that appear nowhere in either code: short ones when
/// minifying, `then_NAME` otherwise.
struct Fresh {
    style: Style,
    taken: BTreeSet<Atom>,
    short: ShortNames,
}

impl Fresh {
    fn name(&mut self, old: &Atom) -> Atom {
        let new = match self.style {
            Style::Minified => loop {
                let candidate = Atom::from(self.short.next());
                if !self.taken.contains(&candidate) && &*candidate != ENTRY {
                    break candidate;
                }
            },
            Style::Pretty => std::iter::once(format!("then_{old}"))
                .chain((2..).map(|n| format!("then_{old}_{n}")))
                .map(Atom::from)
                .find(|c| !self.taken.contains(c))
                .expect("a free name"),
        };
        self.taken.insert(new.clone());
        new
    }
}

/// The runtime's modules the generated code loads, with the name it binds each to (`import
/// crypto from 'crypto'`, `var crypto = require('crypto')`).
fn module_bindings(items: &[ModuleItem]) -> BTreeMap<String, Atom> {
    let mut bound = BTreeMap::new();
    for item in items {
        match item {
            ModuleItem::ModuleDecl(ModuleDecl::Import(import)) => {
                if let [ImportSpecifier::Default(d)] = &import.specifiers[..] {
                    bound.insert(import.src.value.to_string_lossy().into_owned(), d.local.sym.clone());
                }
            }
            ModuleItem::Stmt(Stmt::Decl(Decl::Var(var))) => {
                for d in &var.decls {
                    if let (Pat::Ident(b), Some(module)) = (&d.name, d.init.as_deref().and_then(required_module)) {
                        bound.insert(module, b.id.sym.clone());
                    }
                }
            }
            _ => {}
        }
    }
    bound.retain(|module, _| SHARED_MODULES.contains(&module.as_str()));
    bound
}

/// The module of `require('NAME')`.
fn required_module(expr: &Expr) -> Option<String> {
    let Expr::Call(CallExpr { callee: Callee::Expr(callee), args, .. }) = expr else { return None };
    if !matches!(&**callee, Expr::Ident(i) if &*i.sym == "require") || args.len() != 1 {
        return None;
    }
    match &*args[0].expr {
        Expr::Lit(Lit::Str(s)) => Some(s.value.to_string_lossy().into_owned()),
        _ => None,
    }
}

/// Every name assigned to anywhere in `items` (`x = ...`, `x += ...`, `x++`): a module binding
/// the team's code reassigns is not shared.
fn assigned_names(items: &[ModuleItem]) -> BTreeSet<Atom> {
    struct Assigned(BTreeSet<Atom>);
    impl Visit for Assigned {
        fn visit_simple_assign_target(&mut self, t: &SimpleAssignTarget) {
            if let SimpleAssignTarget::Ident(b) = t {
                self.0.insert(b.id.sym.clone());
            }
            t.visit_children_with(self);
        }
        fn visit_update_expr(&mut self, u: &UpdateExpr) {
            if let Expr::Ident(i) = &*u.arg {
                self.0.insert(i.sym.clone());
            }
            u.visit_children_with(self);
        }
    }
    let mut found = Assigned(BTreeSet::new());
    items.visit_with(&mut found);
    found.0
}

/// Renames identifiers by name, keeping what a shorthand property or import names: `{a}` as
/// `{a: b}`, `import {a} from` as `import {a as b} from`.
struct Rename<'a>(&'a BTreeMap<Atom, Atom>);

impl VisitMut for Rename<'_> {
    fn visit_mut_ident(&mut self, id: &mut Ident) {
        if let Some(new) = self.0.get(&id.sym) {
            id.sym = new.clone();
        }
    }

    fn visit_mut_prop(&mut self, prop: &mut Prop) {
        if let Prop::Shorthand(id) = prop {
            if let Some(new) = self.0.get(&id.sym) {
                let key = PropName::Ident(IdentName::new(id.sym.clone(), DUMMY_SP));
                let value = Box::new(Expr::Ident(Ident::new_no_ctxt(new.clone(), DUMMY_SP)));
                *prop = Prop::KeyValue(KeyValueProp { key, value });
                return;
            }
        }
        prop.visit_mut_children_with(self);
    }

    fn visit_mut_object_pat_prop(&mut self, prop: &mut ObjectPatProp) {
        if let ObjectPatProp::Assign(AssignPatProp { key, value, .. }) = prop {
            if let Some(new) = self.0.get(&key.id.sym) {
                let name = PropName::Ident(IdentName::new(key.id.sym.clone(), DUMMY_SP));
                let binding =
                    Pat::Ident(BindingIdent { id: Ident::new_no_ctxt(new.clone(), DUMMY_SP), type_ann: None });
                let mut default = value.take();
                default.visit_mut_with(self);
                let value = match default {
                    Some(right) => Box::new(Pat::Assign(AssignPat { span: DUMMY_SP, left: Box::new(binding), right })),
                    None => Box::new(binding),
                };
                *prop = ObjectPatProp::KeyValue(KeyValuePatProp { key: name, value });
                return;
            }
        }
        prop.visit_mut_children_with(self);
    }

    fn visit_mut_import_named_specifier(&mut self, s: &mut ImportNamedSpecifier) {
        if s.imported.is_none() && self.0.contains_key(&s.local.sym) {
            s.imported = Some(ModuleExportName::Ident(Ident::new_no_ctxt(s.local.sym.clone(), DUMMY_SP)));
        }
        self.visit_mut_ident(&mut s.local);
    }
}
