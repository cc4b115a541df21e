//! Makes a filled-in tree small without changing what it does: drops declarations nothing uses,
//! folds the `x + 0` a zero leeway leaves behind, and (when minifying) gives every local name
//! a short one. Each pass is exact for the code cfjwt generates: templates declare each name
//! once at the top level, and renaming is one-to-one, so scoping is unchanged.

use std::collections::{BTreeMap, BTreeSet};

use swc_atoms::Atom;
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitMut, VisitMutWith, VisitWith};

use crate::syntax::{declared_names, Labels};

/// The name CloudFront calls; never renamed or dropped.
const ENTRY: &str = "handler";

/// Drops top-level functions, variables and imports that nothing else refers to, until none is left.
pub fn drop_unused(items: &mut Vec<ModuleItem>) {
    loop {
        let mut used = BTreeSet::new();
        for item in items.iter() {
            collect_uses(item, &mut used);
        }
        let before = items.len();
        items.retain_mut(|item| keep(item, &used));
        if items.len() == before {
            break;
        }
    }
}

/// Drops local variables declared without a value that nothing in their function uses (the
/// handler declares every variable any step might need).
pub fn drop_unused_locals(items: &mut Vec<ModuleItem>) {
    items.visit_mut_with(&mut UnusedLocals);
}

struct UnusedLocals;

impl VisitMut for UnusedLocals {
    fn visit_mut_function(&mut self, f: &mut Function) {
        f.visit_mut_children_with(self);
        let mut counts: BTreeMap<Atom, usize> = BTreeMap::new();
        f.body.visit_with(&mut Count(&mut counts));
        if let Some(body) = &mut f.body {
            for stmt in &mut body.stmts {
                if let Stmt::Decl(Decl::Var(v)) = stmt {
                    v.decls.retain(|d| match (&d.name, &d.init) {
                        (Pat::Ident(b), None) => counts.get(&b.id.sym).copied().unwrap_or(0) > 1,
                        _ => true,
                    });
                }
            }
            body.stmts.retain(|s| !matches!(s, Stmt::Decl(Decl::Var(v)) if v.decls.is_empty()));
        }
    }
}

/// Records the identifiers `item` refers to, leaving out the name(s) it declares itself.
fn collect_uses(item: &ModuleItem, used: &mut BTreeSet<Atom>) {
    let mut uses = Uses(used);
    match item {
        ModuleItem::Stmt(Stmt::Decl(Decl::Fn(f))) => f.function.visit_with(&mut uses),
        ModuleItem::Stmt(Stmt::Decl(Decl::Var(v))) => {
            for d in &v.decls {
                d.init.visit_with(&mut uses);
            }
        }
        ModuleItem::ModuleDecl(ModuleDecl::Import(_)) => {}
        other => other.visit_with(&mut uses),
    }
}

struct Uses<'a>(&'a mut BTreeSet<Atom>);

impl Visit for Uses<'_> {
    fn visit_ident(&mut self, id: &Ident) {
        self.0.insert(id.sym.clone());
    }
}

fn keep(item: &mut ModuleItem, used: &BTreeSet<Atom>) -> bool {
    match item {
        ModuleItem::Stmt(Stmt::Decl(Decl::Fn(f))) => &*f.ident.sym == ENTRY || used.contains(&f.ident.sym),
        ModuleItem::Stmt(Stmt::Decl(Decl::Var(v))) => {
            v.decls.retain(|d| match &d.name {
                Pat::Ident(b) => used.contains(&b.id.sym),
                _ => true,
            });
            !v.decls.is_empty()
        }
        ModuleItem::ModuleDecl(ModuleDecl::Import(i)) => i.specifiers.iter().any(|s| match s {
            ImportSpecifier::Default(d) => used.contains(&d.local.sym),
            ImportSpecifier::Named(n) => used.contains(&n.local.sym),
            ImportSpecifier::Namespace(n) => used.contains(&n.local.sym),
        }),
        _ => true,
    }
}

/// Puts the imports first, then every top-level variable in one `var` statement (in their order),
/// then the functions. Function declarations are hoisted, so initializers that call them
/// (`bytes(...)`) still work; imports are bound before any code runs.
pub fn merge_top_level_vars(items: &mut Vec<ModuleItem>) {
    let mut imports = Vec::new();
    let mut vars: Option<Box<VarDecl>> = None;
    let mut rest = Vec::new();
    for item in items.drain(..) {
        match item {
            ModuleItem::ModuleDecl(ModuleDecl::Import(_)) => imports.push(item),
            ModuleItem::Stmt(Stmt::Decl(Decl::Var(v))) if v.kind == VarDeclKind::Var => match &mut vars {
                None => vars = Some(v),
                Some(all) => all.decls.extend(v.decls),
            },
            other => rest.push(other),
        }
    }
    items.extend(imports);
    if let Some(v) = vars {
        items.push(ModuleItem::Stmt(Stmt::Decl(Decl::Var(v))));
    }
    items.extend(rest);
}

/// Joins guards that end in the same `break` (or return the same variable):
/// `if (a) break checks; if (b) break checks;` into
/// `if (a || b) break checks;`, and `if (a) break checks; e; if (b) break checks;` (`e` one or
/// more expression statements) into `if (a || (e, b)) break checks;`. `||` evaluates its right
/// side only when `a` is false, which is exactly when the statements after the first guard ran.
/// Statements that `await` stay statements (njs refuses `await` inside some expressions).
pub fn merge_guards(items: &mut Vec<ModuleItem>) {
    items.visit_mut_with(&mut MergeGuards);
}

struct MergeGuards;

impl VisitMut for MergeGuards {
    fn visit_mut_stmts(&mut self, stmts: &mut Vec<Stmt>) {
        stmts.visit_mut_children_with(self);
        let mut out: Vec<Stmt> = Vec::with_capacity(stmts.len());
        for stmt in stmts.drain(..).flat_map(guard_first) {
            if let Stmt::If(next) = &stmt {
                let between = out.iter().rev().take_while(|s| plain_expr_stmt(s)).count();
                let guard = out.len().checked_sub(between + 1);
                let mergeable = guard.is_some_and(|at| match &out[at] {
                    Stmt::If(prev) => prev.alt.is_none() && next.alt.is_none() && same_exit(&prev.cons, &next.cons),
                    _ => false,
                });
                if let (true, Some(at)) = (mergeable, guard) {
                    let mut exprs: Vec<Box<Expr>> = out
                        .drain(at + 1..)
                        .map(|s| match s {
                            Stmt::Expr(e) => e.expr,
                            _ => unreachable!("only expression statements are between the guards"),
                        })
                        .collect();
                    let right = if exprs.is_empty() {
                        paren_for_or(next.test.clone())
                    } else {
                        exprs.push(next.test.clone());
                        paren_for_or(Box::new(Expr::Seq(SeqExpr { span: swc_common::DUMMY_SP, exprs })))
                    };
                    let Some(Stmt::If(prev)) = out.last_mut() else { unreachable!("the guard is last") };
                    let left = std::mem::replace(
                        &mut prev.test,
                        Box::new(Expr::Invalid(Invalid { span: swc_common::DUMMY_SP })),
                    );
                    *prev.test = Expr::Bin(BinExpr {
                        span: swc_common::DUMMY_SP,
                        op: BinaryOp::LogicalOr,
                        left: paren_for_or(left),
                        right,
                    });
                    continue;
                }
            }
            out.push(stmt);
        }
        *stmts = out;
    }
}

/// `if (a) e; else break checks;` (`e` an expression statement) as the guard and the statement:
/// `if (!(a)) break checks; e;`, which the guards around it can then absorb.
fn guard_first(stmt: Stmt) -> Vec<Stmt> {
    match stmt {
        Stmt::If(IfStmt { span, test, cons, alt: Some(alt) })
            if matches!(*cons, Stmt::Expr(_)) && matches!(*alt, Stmt::Break(BreakStmt { label: Some(_), .. })) =>
        {
            let not = Expr::Unary(UnaryExpr {
                span: swc_common::DUMMY_SP,
                op: UnaryOp::Bang,
                arg: Box::new(Expr::Paren(ParenExpr { span: swc_common::DUMMY_SP, expr: test })),
            });
            vec![Stmt::If(IfStmt { span, test: Box::new(not), cons: alt, alt: None }), *cons]
        }
        other => vec![other],
    }
}

/// An expression statement that does not `await`.
fn plain_expr_stmt(s: &Stmt) -> bool {
    struct FindAwait(bool);
    impl Visit for FindAwait {
        fn visit_await_expr(&mut self, _: &AwaitExpr) {
            self.0 = true;
        }
    }
    match s {
        Stmt::Expr(e) => {
            let mut find = FindAwait(false);
            e.expr.visit_with(&mut find);
            !find.0
        }
        _ => false,
    }
}

/// Both statements are `break LABEL;` with the same label, or `return NAME;` with the same name.
fn same_exit(a: &Stmt, b: &Stmt) -> bool {
    match (a, b) {
        (Stmt::Break(BreakStmt { label: Some(x), .. }), Stmt::Break(BreakStmt { label: Some(y), .. })) => {
            x.sym == y.sym
        }
        (Stmt::Return(ReturnStmt { arg: Some(x), .. }), Stmt::Return(ReturnStmt { arg: Some(y), .. })) => {
            same_name_or_call(x, y)
        }
        _ => false,
    }
}

/// Both are the same name, or the same function called with the same names (`strip(request)`):
/// evaluated once where it was evaluated in either place, it gives the same value.
fn same_name_or_call(x: &Expr, y: &Expr) -> bool {
    let names = |args: &[ExprOrSpread]| -> Option<Vec<Atom>> {
        args.iter()
            .map(|a| match (&a.spread, &*a.expr) {
                (None, Expr::Ident(i)) => Some(i.sym.clone()),
                _ => None,
            })
            .collect()
    };
    match (x, y) {
        (Expr::Ident(x), Expr::Ident(y)) => x.sym == y.sym,
        (Expr::Call(a), Expr::Call(b)) => match (&a.callee, &b.callee) {
            (Callee::Expr(f), Callee::Expr(g)) => {
                matches!((&**f, &**g), (Expr::Ident(f), Expr::Ident(g)) if f.sym == g.sym)
                    && names(&a.args).is_some_and(|n| Some(n) == names(&b.args))
            }
            _ => false,
        },
        _ => false,
    }
}

/// Writes `true` as `!0` and `false` as `!1`: the same values, two bytes shorter.
pub fn short_booleans(items: &mut Vec<ModuleItem>) {
    items.visit_mut_with(&mut ShortBooleans);
}

struct ShortBooleans;

impl VisitMut for ShortBooleans {
    fn visit_mut_expr(&mut self, expr: &mut Expr) {
        expr.visit_mut_children_with(self);
        if let Expr::Lit(Lit::Bool(b)) = expr {
            let zero_or_one =
                Expr::Lit(Lit::Num(Number { span: b.span, value: if b.value { 0.0 } else { 1.0 }, raw: None }));
            *expr = Expr::Unary(UnaryExpr { span: b.span, op: UnaryOp::Bang, arg: Box::new(zero_or_one) });
        }
    }
}

/// Operands of `||` that bind more loosely than it get parentheses.
fn paren_for_or(e: Box<Expr>) -> Box<Expr> {
    match *e {
        Expr::Assign(_) | Expr::Cond(_) | Expr::Seq(_) | Expr::Arrow(_) | Expr::Yield(_) => {
            Box::new(Expr::Paren(ParenExpr { span: swc_common::DUMMY_SP, expr: e }))
        }
        Expr::Bin(BinExpr { op: BinaryOp::NullishCoalescing, .. }) => {
            Box::new(Expr::Paren(ParenExpr { span: swc_common::DUMMY_SP, expr: e }))
        }
        _ => e,
    }
}

/// Folds `x + 0` and `x - 0` to `x`. Only numbers are ever added to a placeholder in the
/// templates (`payload.exp + $LEEWAY`), so the fold is exact.
pub fn fold_zero(items: &mut Vec<ModuleItem>) {
    items.visit_mut_with(&mut FoldZero);
}

struct FoldZero;

impl VisitMut for FoldZero {
    fn visit_mut_expr(&mut self, expr: &mut Expr) {
        expr.visit_mut_children_with(self);
        if let Expr::Bin(BinExpr { op: BinaryOp::Add | BinaryOp::Sub, left, right, .. }) = expr {
            if matches!(&**right, Expr::Lit(Lit::Num(Number { value, .. })) if *value == 0.0) {
                *expr = (**left).clone();
            }
        }
    }
}

/// Gives every declared name (variables, functions, parameters, labels, imports) a short one,
/// the most used names first. Names the code uses without declaring (`JSON`, `Buffer`, ...),
/// `handler` and the `reserved` ones keep theirs, and no short name equals one of them.
pub fn shorten_names(items: &mut Vec<ModuleItem>, reserved: &BTreeSet<Atom>) {
    let declared = declared_names(items, Labels::Included);
    let mut counts: BTreeMap<Atom, usize> = BTreeMap::new();
    items.visit_with(&mut Count(&mut counts));
    let mut free: BTreeSet<Atom> = counts.keys().filter(|n| !declared.contains(*n)).cloned().collect();
    free.extend(reserved.iter().cloned());

    let mut names: Vec<(Atom, usize)> =
        declared.iter().filter(|n| &***n != ENTRY).map(|n| (n.clone(), counts.get(n).copied().unwrap_or(0))).collect();
    // Most used first; ties broken by name so the output is deterministic.
    names.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));

    let mut short = ShortNames::default();
    let mut map = BTreeMap::new();
    for (name, _) in names {
        let new = loop {
            let candidate = short.next();
            if !free.contains(&Atom::from(candidate.as_str())) && candidate != ENTRY {
                break candidate;
            }
        };
        map.insert(name, Atom::from(new));
    }
    items.visit_mut_with(&mut Rename(&map));
}

/// Renames the top-level names `items` declares that are `reserved` (but never `handler`), as
/// `NAME_2` (or `_3`, ...): the unminified counterpart of [`shorten_names`]' `reserved`.
pub fn avoid_names(items: &mut Vec<ModuleItem>, reserved: &BTreeSet<Atom>) {
    let taken = crate::syntax::identifiers(items);
    let mut map = BTreeMap::new();
    for name in top_level_names(items) {
        if &*name == ENTRY || !reserved.contains(&name) {
            continue;
        }
        let new = (2..)
            .map(|n| Atom::from(format!("{name}_{n}")))
            .find(|c| !taken.contains(c) && !reserved.contains(c) && !map.values().any(|v| v == c))
            .expect("a free name");
        map.insert(name, new);
    }
    items.visit_mut_with(&mut Rename(&map));
}

/// The names `items` declares at their top level (functions, variables, imports, classes).
pub fn top_level_names(items: &[ModuleItem]) -> BTreeSet<Atom> {
    let mut names = BTreeSet::new();
    for item in items {
        match item {
            ModuleItem::ModuleDecl(ModuleDecl::Import(import)) => {
                names.extend(import.specifiers.iter().map(|s| match s {
                    ImportSpecifier::Named(n) => n.local.sym.clone(),
                    ImportSpecifier::Default(d) => d.local.sym.clone(),
                    ImportSpecifier::Namespace(n) => n.local.sym.clone(),
                }))
            }
            ModuleItem::Stmt(Stmt::Decl(Decl::Fn(f))) => {
                names.insert(f.ident.sym.clone());
            }
            ModuleItem::Stmt(Stmt::Decl(Decl::Class(c))) => {
                names.insert(c.ident.sym.clone());
            }
            ModuleItem::Stmt(Stmt::Decl(Decl::Var(v))) => {
                for d in &v.decls {
                    names.extend(declared_names(&d.name, Labels::Excluded));
                }
            }
            _ => {}
        }
    }
    names
}

struct Count<'a>(&'a mut BTreeMap<Atom, usize>);

impl Visit for Count<'_> {
    fn visit_ident(&mut self, id: &Ident) {
        *self.0.entry(id.sym.clone()).or_default() += 1;
    }
}

struct Rename<'a>(&'a BTreeMap<Atom, Atom>);

impl VisitMut for Rename<'_> {
    fn visit_mut_ident(&mut self, id: &mut Ident) {
        if let Some(new) = self.0.get(&id.sym) {
            id.sym = new.clone();
        }
    }
}

/// a, b, ..., Z, $, _, then two characters, skipping reserved words.
#[derive(Default)]
pub struct ShortNames(usize);

impl ShortNames {
    pub fn next(&mut self) -> String {
        const FIRST: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ$_";
        const REST: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ$_0123456789";
        loop {
            let mut n = self.0;
            self.0 += 1;
            let mut name = String::new();
            name.push(FIRST[n % FIRST.len()] as char);
            n /= FIRST.len();
            while n > 0 {
                n -= 1;
                name.push(REST[n % REST.len()] as char);
                n /= REST.len();
            }
            if !matches!(name.as_str(), "do" | "if" | "in" | "for" | "let" | "new" | "try" | "var" | "int") {
                return name;
            }
        }
    }
}

/// Writes `object["name"]` as `object.name` where the name is a plain identifier.
pub fn dot_access(items: &mut Vec<ModuleItem>) {
    items.visit_mut_with(&mut DotAccess);
}

struct DotAccess;

impl VisitMut for DotAccess {
    fn visit_mut_member_prop(&mut self, prop: &mut MemberProp) {
        prop.visit_mut_children_with(self);
        if let MemberProp::Computed(ComputedPropName { expr, .. }) = prop {
            if let Expr::Lit(Lit::Str(s)) = &**expr {
                if let Some(name) = s.value.as_str().filter(|n| is_plain_identifier(n)) {
                    *prop = MemberProp::Ident(IdentName::new(name.into(), swc_common::DUMMY_SP));
                }
            }
        }
    }
}

fn is_plain_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_unique_and_skip_keywords() {
        let mut s = ShortNames::default();
        let names: Vec<String> = (0..5000).map(|_| s.next()).collect();
        let set: BTreeSet<&String> = names.iter().collect();
        assert_eq!(set.len(), names.len());
        assert_eq!(names[0], "a");
        assert!(!names.iter().any(|n| n == "do" || n == "if" || n == "in"));
    }

    /// The function's text after merge_guards, minified, without the runtime line.
    fn merged(code: &str) -> String {
        let mut items = super::super::template::parse("test.js", code);
        merge_guards(&mut items);
        let text = super::super::print::print(items, crate::cloudfront::Runtime::Js2, true);
        text.lines().nth(1).expect("a line of code").to_owned()
    }

    #[test]
    fn guards_absorb_the_statements_between_them() {
        assert_eq!(
            merged("function f(a,b,c){l:{if(a)break l;b();c=1;if(c)break l;if(b)break l;return 1}}"),
            "function f(a,b,c){l:{if(a||(b(),c=1,c)||b)break l;return 1}}"
        );
    }

    #[test]
    fn a_statement_that_awaits_stays_a_statement() {
        let code = "async function f(a,b){l:{if(a)break l;await b();if(b)break l}}";
        assert_eq!(merged(code), "async function f(a,b){l:{if(a)break l;await b();if(b)break l}}");
    }

    #[test]
    fn an_if_else_break_becomes_a_guard_first() {
        assert_eq!(
            merged("function f(x,y,z){l:{if(x=y)y();else break l;if(z)break l;return 1}}"),
            "function f(x,y,z){l:{if(!(x=y)||(y(),z))break l;return 1}}"
        );
    }

    #[test]
    fn returns_of_the_same_call_merge() {
        assert_eq!(
            merged("function f(a,b,r){if(a)return g(r);if(b)return g(r)}"),
            "function f(a,b,r){if(a||b)return g(r)}"
        );
        let code = "function f(a,b,r){if(a)return g(r);if(b)return g(a)}";
        assert_eq!(merged(code), "function f(a,b,r){if(a)return g(r);if(b)return g(a)}");
    }

    #[test]
    fn only_the_same_exit_merges() {
        assert_eq!(merged("function f(a,b,r){if(a)return r;if(b)return r}"), "function f(a,b,r){if(a||b)return r}");
        let code = "function f(a,b,r){l:{if(a)break l;if(b)return r;if(a)return b}}";
        assert_eq!(merged(code), "function f(a,b,r){l:{if(a)break l;if(b)return r;if(a)return b}}");
    }
}
