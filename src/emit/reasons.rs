//! The reason markers of the templates (`because`, `reason_only`, `pass`, `allow`, `fail`; see
//! templates/steps.js) replaced by what the plan's `log` asks: nothing but the code they wrap, or
//! that code and the assignment or log call that names the reason. Without `log` the tree is the
//! one the templates would give without markers, so a policy that does not log pays nothing.

use swc_common::DUMMY_SP;
use swc_ecma_ast::*;
use swc_ecma_visit::{VisitMut, VisitMutWith};

use super::template::{paren, str_lit, Templates};
use crate::reason::{Log, Reason};

/// The name of the handler's variable that holds the code of a denial.
const WHY: &str = "why";

/// Replaces every marker in `items`.
pub fn apply(items: &mut Vec<ModuleItem>, t: &Templates, log: Log) {
    items.visit_mut_with(&mut Markers { t, log });
}

struct Markers<'t> {
    t: &'t Templates,
    log: Log,
}

/// A call of a marker: its name and arguments.
fn marker(expr: &Expr) -> Option<(&str, &[ExprOrSpread])> {
    let Expr::Call(CallExpr { callee: Callee::Expr(callee), args, .. }) = expr else { return None };
    let Expr::Ident(name) = &**callee else { return None };
    match &*name.sym {
        name @ ("because" | "reason_only" | "pass" | "allow" | "fail") => Some((name, args)),
        _ => None,
    }
}

fn arg(args: &[ExprOrSpread], at: usize, name: &str) -> Expr {
    let a = args.get(at).unwrap_or_else(|| panic!("templates: `{name}` takes {} arguments", at + 1));
    (*a.expr).clone()
}

/// The code a marker names, checked against the list of reason codes: a literal, or a choice
/// between literals.
fn checked_code(code: &Expr) {
    match code {
        Expr::Lit(Lit::Str(s)) => {
            let text = s.value.as_str().expect("a reason code is text");
            assert!(Reason::from_code(text).is_some(), "templates: `{text}` is not a reason code (src/reason.rs)");
        }
        Expr::Cond(c) => {
            checked_code(&c.cons);
            checked_code(&c.alt);
        }
        Expr::Paren(p) => checked_code(&p.expr),
        other => panic!("templates: a reason code must be a string or a choice of strings: {other:?}"),
    }
}

impl Markers<'_> {
    /// `test && (why = code)`.
    fn because(&self, code: Expr, test: Expr) -> Expr {
        checked_code(&code);
        let assign = Expr::Assign(AssignExpr {
            span: DUMMY_SP,
            op: AssignOp::Assign,
            left: AssignTarget::Simple(SimpleAssignTarget::Ident(BindingIdent {
                id: Ident::new_no_ctxt(WHY.into(), DUMMY_SP),
                type_ann: None,
            })),
            right: Box::new(code),
        });
        Expr::Bin(BinExpr {
            span: DUMMY_SP,
            op: BinaryOp::LogicalAnd,
            left: Box::new(operand_of_and(test)),
            right: Box::new(paren(assign)),
        })
    }

    /// The log call for a line.
    fn log_call(&self, line: Expr) -> Expr {
        let fragment = match self.log {
            Log::Console => "log_console",
            Log::AccessLog => "log_access",
            Log::None => unreachable!("nothing is logged without `log`"),
        };
        self.t.expr(fragment, &[("LINE", line)])
    }

    /// What replaces a marker call, with `log` on.
    fn logged(&self, name: &str, args: &[ExprOrSpread]) -> Expr {
        match name {
            "because" | "reason_only" => self.because(arg(args, 0, name), arg(args, 1, name)),
            "pass" | "allow" => {
                let code = arg(args, 0, name);
                let reason = match &code {
                    Expr::Lit(Lit::Str(s)) => s.value.as_str().and_then(Reason::from_code),
                    _ => None,
                };
                let reason = reason.unwrap_or_else(|| panic!("templates: `pass` names a reason code: {code:?}"));
                let line = str_lit(&reason.line(self.log));
                sequence(self.log_call(line), arg(args, 1, name))
            }
            "fail" => {
                let prefix = str_lit(&format!("{}deny ", self.log.prefix()));
                let code = paren(self.t.expr("denied_because", &[]));
                let line = Expr::Bin(BinExpr {
                    span: DUMMY_SP,
                    op: BinaryOp::Add,
                    left: Box::new(prefix),
                    right: Box::new(code),
                });
                sequence(self.log_call(line), arg(args, 0, name))
            }
            _ => unreachable!("not a marker"),
        }
    }
}

/// `(a, b)`.
fn sequence(a: Expr, b: Expr) -> Expr {
    paren(Expr::Seq(SeqExpr { span: DUMMY_SP, exprs: vec![Box::new(a), Box::new(b)] }))
}

/// An operand of `&&`, in parentheses where it binds more loosely.
fn operand_of_and(e: Expr) -> Expr {
    match e {
        Expr::Bin(BinExpr { op: BinaryOp::LogicalOr | BinaryOp::NullishCoalescing, .. })
        | Expr::Assign(_)
        | Expr::Cond(_)
        | Expr::Seq(_) => paren(e),
        other => other,
    }
}

impl VisitMut for Markers<'_> {
    fn visit_mut_expr(&mut self, expr: &mut Expr) {
        // Without `log`, `reason_only(...) || rest` is `rest`.
        if self.log == Log::None {
            while let Expr::Bin(BinExpr { op: BinaryOp::LogicalOr, left, right, .. }) = expr {
                if !matches!(marker(left), Some(("reason_only", _))) {
                    break;
                }
                *expr = (**right).clone();
            }
        }
        expr.visit_mut_children_with(self);
        let Some((name, args)) = marker(expr) else { return };
        *expr = match (self.log, name) {
            (Log::None, "reason_only") => panic!("templates: `reason_only` is the left operand of `||`"),
            (Log::None, "because" | "pass" | "allow") => {
                if name == "because" {
                    checked_code(&arg(args, 0, name));
                }
                arg(args, 1, name)
            }
            (Log::None, _) => arg(args, 0, name),
            (_, name) => self.logged(name, args),
        };
    }

    /// `return (a, b)` is `return a, b`.
    fn visit_mut_return_stmt(&mut self, ret: &mut ReturnStmt) {
        ret.visit_mut_children_with(self);
        if let Some(arg) = &mut ret.arg {
            if let Expr::Paren(ParenExpr { expr, .. }) = &mut **arg {
                if matches!(**expr, Expr::Seq(_)) {
                    *arg = expr.clone();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replaced(code: &str, log: Log) -> String {
        let t = Templates::load();
        let mut items = super::super::template::parse("test.js", code);
        apply(&mut items, &t, log);
        let text = super::super::print::print(items, crate::cloudfront::Runtime::Js2, true);
        text.lines().nth(1).expect("a line of code").to_owned()
    }

    #[test]
    fn without_log_a_marker_is_what_it_wraps() {
        let code = "function f(a,b,c){l:{if(reason_only('unknown-kid',c)||because('alg',a||b))break l;return pass('ok',c)}return fail(b)}";
        assert_eq!(replaced(code, Log::None), "function f(a,b,c){l:{if(a||b)break l;return c}return b}");
    }

    #[test]
    fn with_log_a_denial_names_its_reason_and_a_pass_logs_once() {
        let code = "function f(a,b,c){l:{if(reason_only('unknown-kid',c)||because('alg',a||b))break l;return pass('ok',c)}return fail(b)}";
        assert_eq!(
            replaced(code, Log::Console),
            "function f(a,b,c){l:{if(c&&(why=\"unknown-kid\")||(a||b)&&(why=\"alg\"))break l;return console.log(\"cfjwt: allow ok\"),c}return console.log(\"cfjwt: deny \"+(why||\"no-token\")),b}"
        );
        assert_eq!(
            replaced("function f(a){return pass('public',a)}", Log::AccessLog),
            "function f(a){return cf.logCustomData(\"allow public\"),a}"
        );
    }

    #[test]
    #[should_panic(expected = "is not a reason code")]
    fn a_code_that_is_not_listed_is_caught() {
        replaced("function f(a){if(because('nope',a))return}", Log::None);
    }
}
