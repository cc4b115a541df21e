//! The JavaScript templates of `templates/`, parsed once into syntax trees, and the two ways
//! they are specialised: taking a labeled fragment out of `steps.js`, and filling `$NAME`
//! placeholders with expressions built from literals. No text is ever pasted into code.

use std::collections::BTreeMap;

use swc_common::{sync::Lrc, FileName, SourceMap, DUMMY_SP};
use swc_ecma_ast::*;
use swc_ecma_parser::{parse_file_as_module, EsSyntax, Syntax};
use swc_ecma_visit::{VisitMut, VisitMutWith};

use crate::request::Scalar;

const FUNCTION_JS: &str = include_str!("../../templates/function.js");
const STEPS_JS: &str = include_str!("../../templates/steps.js");
const JS1_JS: &str = include_str!("../../templates/js1.js");
const JS2_JS: &str = include_str!("../../templates/js2.js");

/// The four template files, parsed.
pub struct Templates {
    /// `function.js`: the skeleton.
    pub function: Vec<ModuleItem>,
    /// `js1.js`: the cloudfront-js-1.0 pieces.
    pub js1: Vec<ModuleItem>,
    /// `js2.js`: the cloudfront-js-2.0 pieces.
    pub js2: Vec<ModuleItem>,
    /// `steps.js`, by label.
    fragments: BTreeMap<String, Stmt>,
}

impl Templates {
    /// Parses the templates built into the binary. They are part of the program, so a template
    /// that does not parse is a bug caught by every test, not a user error.
    pub fn load() -> Templates {
        let function = parse("function.js", FUNCTION_JS);
        let js1 = parse("js1.js", JS1_JS);
        let js2 = parse("js2.js", JS2_JS);
        let mut fragments = BTreeMap::new();
        for stmt in steps_block(parse("steps.js", STEPS_JS)) {
            match stmt {
                Stmt::Labeled(LabeledStmt { label, body, .. }) => {
                    fragments.insert(label.sym.to_string(), *body);
                }
                other => panic!("templates/steps.js: every step must be a labeled statement, found {other:?}"),
            }
        }
        Templates { function, js1, js2, fragments }
    }

    /// A fresh copy of the statement labeled `name` in `steps.js`, placeholders filled.
    pub fn stmt(&self, name: &str, fill: &[(&str, Expr)]) -> Stmt {
        let mut stmt =
            self.fragments.get(name).unwrap_or_else(|| panic!("templates/steps.js has no fragment `{name}`")).clone();
        fill_placeholders(&mut stmt, fill);
        stmt
    }

    /// The expression of the fragment labeled `name` (an expression statement), filled.
    pub fn expr(&self, name: &str, fill: &[(&str, Expr)]) -> Expr {
        match self.stmt(name, fill) {
            Stmt::Expr(ExprStmt { expr, .. }) => match *expr {
                Expr::Paren(ParenExpr { expr, .. }) => *expr,
                e => e,
            },
            other => panic!("templates/steps.js: `{name}` is not an expression: {other:?}"),
        }
    }
}

/// The statements of the `checks: { ... }` block in `function steps` of steps.js.
fn steps_block(items: Vec<ModuleItem>) -> Vec<Stmt> {
    for item in items {
        if let ModuleItem::Stmt(Stmt::Decl(Decl::Fn(f))) = item {
            let body = f.function.body.expect("function steps has a body");
            for stmt in body.stmts {
                if let Stmt::Labeled(LabeledStmt { body, .. }) = stmt {
                    if let Stmt::Block(block) = *body {
                        return block.stmts;
                    }
                }
            }
        }
    }
    panic!("templates/steps.js must hold `function steps() {{ checks: {{ ... }} }}`");
}

pub(super) fn parse(name: &str, text: &str) -> Vec<ModuleItem> {
    let cm: Lrc<SourceMap> = Default::default();
    let fm = cm.new_source_file(Lrc::new(FileName::Custom(format!("templates/{name}"))), text.to_string());
    let mut errors = Vec::new();
    let module = parse_file_as_module(&fm, Syntax::Es(EsSyntax::default()), EsVersion::latest(), None, &mut errors)
        .unwrap_or_else(|e| panic!("templates/{name} does not parse: {:?}", e.kind()));
    if let Some(e) = errors.first() {
        panic!("templates/{name} does not parse: {:?}", e.kind());
    }
    let mut items = module.body;
    items.visit_mut_with(&mut Normalise);
    items
}

/// Drops the source text kept with literals, so every literal prints the same way whether it
/// came from a template or from the policy, and spans, so output never depends on template layout.
struct Normalise;

impl VisitMut for Normalise {
    fn visit_mut_str(&mut self, s: &mut Str) {
        s.raw = None;
    }
    fn visit_mut_number(&mut self, n: &mut Number) {
        n.raw = None;
    }
}

/// Replaces every identifier `$NAME` in `node` by the expression given for `NAME`.
pub fn fill_placeholders<'a, N: VisitMutWith<Fill<'a>>>(node: &mut N, fill: &'a [(&'a str, Expr)]) {
    node.visit_mut_with(&mut Fill { fill });
}

/// The visitor behind [`fill_placeholders`].
pub struct Fill<'a> {
    fill: &'a [(&'a str, Expr)],
}

impl VisitMut for Fill<'_> {
    fn visit_mut_expr(&mut self, expr: &mut Expr) {
        if let Expr::Ident(id) = expr {
            if let Some(name) = id.sym.strip_prefix('$') {
                let value = self
                    .fill
                    .iter()
                    .find(|(n, _)| *n == name)
                    .unwrap_or_else(|| panic!("placeholder `${name}` was not given a value"));
                *expr = value.1.clone();
                return;
            }
        }
        expr.visit_mut_children_with(self);
    }
}

/// A string literal node.
pub fn str_lit(value: &str) -> Expr {
    Expr::Lit(Lit::Str(Str { span: DUMMY_SP, value: value.into(), raw: None }))
}

/// A number literal node.
pub fn num_lit(value: f64) -> Expr {
    Expr::Lit(Lit::Num(Number { span: DUMMY_SP, value, raw: None }))
}

/// A string, number or boolean literal node; a negative number is `-` and its literal.
pub fn scalar_lit(value: &Scalar) -> Expr {
    match value {
        Scalar::Text(s) => str_lit(s),
        Scalar::Bool(b) => Expr::Lit(Lit::Bool(Bool { span: DUMMY_SP, value: *b })),
        Scalar::Number(n) => {
            let n = n.as_f64().expect("a policy's number is finite");
            if n < 0.0 || (n == 0.0 && n.is_sign_negative()) {
                Expr::Unary(UnaryExpr { span: DUMMY_SP, op: UnaryOp::Minus, arg: Box::new(num_lit(-n)) })
            } else {
                num_lit(n)
            }
        }
    }
}

/// An array literal of [`scalar_lit`]s.
pub fn scalar_array(values: &[Scalar]) -> Expr {
    array(values.iter().map(scalar_lit).collect())
}

/// An array literal of arbitrary expressions.
pub fn array(values: Vec<Expr>) -> Expr {
    Expr::Array(ArrayLit {
        span: DUMMY_SP,
        elems: values.into_iter().map(|v| Some(ExprOrSpread { spread: None, expr: Box::new(v) })).collect(),
    })
}

/// `void 0`, the `undefined` no JSON value can equal.
pub fn undefined() -> Expr {
    Expr::Unary(UnaryExpr { span: DUMMY_SP, op: UnaryOp::Void, arg: Box::new(num_lit(0.0)) })
}

/// A call of the function named `callee` with `args`.
pub fn call(callee: &str, args: Vec<Expr>) -> Expr {
    Expr::Call(CallExpr {
        span: DUMMY_SP,
        callee: Callee::Expr(Box::new(Expr::Ident(Ident::new_no_ctxt(callee.into(), DUMMY_SP)))),
        args: args.into_iter().map(|a| ExprOrSpread { spread: None, expr: Box::new(a) }).collect(),
        ..Default::default()
    })
}

/// `left || right`.
pub fn or(left: Expr, right: Expr) -> Expr {
    Expr::Bin(BinExpr { span: DUMMY_SP, op: BinaryOp::LogicalOr, left: Box::new(left), right: Box::new(right) })
}

/// `(expr)`.
pub fn paren(expr: Expr) -> Expr {
    Expr::Paren(ParenExpr { span: DUMMY_SP, expr: Box::new(expr) })
}

/// `(a, b, ...)`, or `a` alone.
pub fn seq(mut exprs: Vec<Expr>) -> Expr {
    if exprs.len() == 1 {
        return exprs.remove(0);
    }
    paren(Expr::Seq(SeqExpr { span: DUMMY_SP, exprs: exprs.into_iter().map(Box::new).collect() }))
}

/// `expr;`.
pub fn expr_stmt(expr: Expr) -> Stmt {
    Stmt::Expr(ExprStmt { span: DUMMY_SP, expr: Box::new(expr) })
}

/// A reference to the name `name`.
pub fn ident(name: &str) -> Expr {
    Expr::Ident(Ident::new_no_ctxt(name.into(), DUMMY_SP))
}

/// `var NAME = init;`.
pub fn var_decl(name: &str, init: Expr) -> Stmt {
    Stmt::Decl(Decl::Var(Box::new(VarDecl {
        span: DUMMY_SP,
        kind: VarDeclKind::Var,
        declare: false,
        decls: vec![VarDeclarator {
            span: DUMMY_SP,
            name: Pat::Ident(BindingIdent { id: Ident::new_no_ctxt(name.into(), DUMMY_SP), type_ann: None }),
            init: Some(Box::new(init)),
            definite: false,
        }],
        ..Default::default()
    })))
}

/// `left + right`.
pub fn plus(left: Expr, right: Expr) -> Expr {
    Expr::Bin(BinExpr { span: DUMMY_SP, op: BinaryOp::Add, left: Box::new(left), right: Box::new(right) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        let t = Templates::load();
        assert!(!t.function.is_empty() && !t.js1.is_empty() && !t.js2.is_empty());
        assert!(t.fragments.contains_key("signature_one"));
    }

    #[test]
    #[should_panic(expected = "was not given a value")]
    fn a_missing_placeholder_is_caught() {
        Templates::load().stmt("claim_equals_one", &[]);
    }
}
