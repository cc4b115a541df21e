//! From plan to JavaScript: the only module that knows swc's syntax tree. It copies the
//! templates' trees, picks and fills the fragments each step of the plan needs, tidies the
//! result and prints it. Every policy value and key enters the tree as a literal node.

mod print;
mod runtime;
mod template;
mod tidy;

use swc_ecma_ast::*;
use swc_ecma_visit::{VisitMut, VisitMutWith};

use crate::key::Key;
use crate::plan::{Keys, Plan, Step};
use crate::policy::{Deny, Presence, Source, UriPattern};
use template::{array, call, expr_stmt, num_lit, or, paren, plus, seq, str_array, str_lit, undefined, Templates};

/// How the text is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Short names, no spaces: what CloudFront gets.
    Minified,
    /// Template names and indentation: what people read (golden files, `--pretty`).
    Pretty,
}

/// The complete function for `plan`, as text.
pub fn emit(plan: &Plan, style: Style) -> String {
    let templates = Templates::load();
    let mut items = runtime::prelude(&templates, plan.runtime);
    let mut skeleton = templates.function.clone();

    let mut steps = Steps { t: &templates, out: Vec::new(), header_decoded: false, uses_store: false };
    for step in &plan.steps {
        steps.add(step);
    }
    let uses_store = steps.uses_store;
    assert!(
        !uses_store || runtime::has_key_value_store(plan.runtime),
        "the plan reads the KeyValueStore on {}",
        plan.runtime
    );
    skeleton.visit_mut_with(&mut SpliceSteps(Some(steps.out)));
    items.extend(skeleton);
    if uses_store {
        items.visit_mut_with(&mut MakeHandlerAsync);
    }

    let (key, keys) = key_values(plan);
    let (denied, deny) = deny(&templates, &plan.deny);
    let list = |pick: fn(&Step) -> Option<&Vec<String>>| plan.steps.iter().find_map(pick).map_or_else(undefined, |l| str_array(l));
    let issuers = list(|s| match s {
        Step::Iss(l) => Some(l),
        _ => None,
    });
    let audiences = list(|s| match s {
        Step::Aud(l) => Some(l),
        _ => None,
    });
    template::fill_placeholders(
        &mut items,
        &[
            ("KEY", key),
            ("KEYS", keys),
            ("ISSUERS", issuers),
            ("AUDIENCES", audiences),
            ("DENIED", denied),
            ("DENY", deny),
            ("MALFORMED", templates.expr("malformed", &[])),
        ],
    );
    tidy::drop_unused(&mut items);
    tidy::drop_unused_locals(&mut items);
    tidy::merge_top_level_vars(&mut items);
    tidy::fold_zero(&mut items);
    tidy::dot_access(&mut items);
    if style == Style::Minified {
        tidy::merge_guards(&mut items);
        tidy::short_booleans(&mut items);
    }
    if style == Style::Minified {
        tidy::shorten_names(&mut items);
    }
    print::print(items, plan.runtime, style == Style::Minified)
}

/// Builds the statements of the handler's `checks` block, step by step.
struct Steps<'t> {
    t: &'t Templates,
    out: Vec<Stmt>,
    header_decoded: bool,
    uses_store: bool,
}

impl Steps<'_> {
    /// Adds a fragment; a fragment written as a block adds the statements inside it.
    fn push(&mut self, name: &str, fill: &[(&str, Expr)]) {
        match self.t.stmt(name, fill) {
            Stmt::Block(block) => self.out.extend(block.stmts),
            stmt => self.out.push(stmt),
        }
    }

    fn add(&mut self, step: &Step) {
        match step {
            Step::Public(patterns) => {
                let matches = patterns
                    .iter()
                    .map(|p| match p {
                        UriPattern::Exact(path) => self.t.expr("public_exact", &[("PATH", str_lit(path))]),
                        UriPattern::Prefix(prefix) => self.t.expr("public_prefix", &[("PREFIX", str_lit(prefix))]),
                    })
                    .reduce(or)
                    .expect("a public step has at least one pattern");
                let matches = match matches {
                    several @ Expr::Bin(BinExpr { op: BinaryOp::LogicalOr, .. }) => paren(several),
                    one => one,
                };
                // `!` binds tighter than the comparison it negates.
                let unsafe_uri = paren(self.t.expr("unsafe", &[]));
                self.push("public_paths", &[("MATCHES", matches), ("UNSAFE", unsafe_uri)]);
            }
            Step::Preflight => self.push("preflight", &[]),
            Step::TakeToken { sources, strip, handoff } => {
                let chain = self.source_chain(sources, *strip, *handoff);
                self.out.push(chain);
                match sources.as_slice() {
                    // One source: checked once taken, and removed once it passes.
                    [one] => {
                        assert!(!handoff, "a hand-off reads a query parameter and a cookie");
                        if one.is_bearer() {
                            self.push("well_formed_taken", &[]);
                        } else {
                            self.push("well_formed", &[("MALFORMED", self.t.expr("malformed", &[]))]);
                        }
                        if *strip {
                            let (object, name) = self.source(one);
                            self.push("strip", &[("SOURCE", object), ("NAME", name)]);
                        }
                    }
                    // Several: each value was checked, and removed, as it was taken.
                    _ => self.push("well_formed_taken", &[]),
                }
                self.push("split", &[]);
            }
            Step::DecodeHeaderFirst => self.decode_header(),
            Step::Signature(Keys::Embedded { keys, use_kid }) => {
                if *use_kid {
                    self.push("signature_kid", &[]);
                } else if keys.len() == 1 {
                    self.push("signature_one", &[]);
                } else {
                    self.push("signature_any", &[]);
                }
            }
            Step::Signature(Keys::Store { name }) => {
                self.uses_store = true;
                self.push("store_kid", &[]);
                let prefix = format!("{name}:");
                self.push("store_read", &[("NAME", str_lit(name)), ("PREFIX", str_lit(&prefix))]);
                self.push("signature_store", &[]);
            }
            Step::Header if self.header_decoded => self.push("header", &[]),
            Step::Header => self.push("header_fast", &[]),
            Step::Payload { object_check_implied } => {
                self.push("clock", &[]);
                self.push(if *object_check_implied { "payload_decode" } else { "payload" }, &[]);
            }
            Step::Exp { presence, leeway } => {
                let name = match presence {
                    Presence::Required => "exp_required",
                    Presence::Optional => "exp_optional",
                };
                self.push(name, &[("LEEWAY", num_lit(*leeway as f64))]);
            }
            Step::Nbf { presence, leeway } => {
                let name = match presence {
                    Presence::Required => "nbf_required",
                    Presence::Optional => "nbf_optional",
                };
                self.push(name, &[("LEEWAY", num_lit(*leeway as f64))]);
            }
            Step::IatType => self.push("iat_type", &[]),
            Step::MaxAge { max_age, leeway } => {
                let oldest = *max_age as f64 + *leeway as f64;
                self.push("max_age", &[("OLDEST", num_lit(oldest)), ("LEEWAY", num_lit(*leeway as f64))]);
            }
            Step::Iss(list) if list.len() == 1 => self.push("iss_one", &[("ISSUER", str_lit(&list[0]))]),
            Step::Iss(_) => self.push("iss_any", &[]),
            Step::Aud(list) if list.len() == 1 => self.push("aud_one", &[("AUDIENCE", str_lit(&list[0]))]),
            Step::Aud(_) => self.push("aud_any", &[]),
            Step::Scope(claim) => {
                self.push("scope", &[("CLAIM", str_lit(claim)), ("UNSAFE", self.t.expr("unsafe", &[]))])
            }
            Step::Handoff(h) => {
                let attributes = format!("Secure; HttpOnly; SameSite=Lax; Path={}", h.path);
                self.push("handoff", &[("COOKIE", str_lit(&h.cookie)), ("ATTRIBUTES", str_lit(&attributes))]);
            }
        }
    }

    fn decode_header(&mut self) {
        if !self.header_decoded {
            self.push("header_decode", &[]);
            self.header_decoded = true;
        }
    }

    /// `if (found = SOURCE1) ...; else if (found = SOURCE2) ...; else break checks;`
    fn source_chain(&self, sources: &[Source], strip: bool, handoff: bool) -> Stmt {
        // One source is taken as it is and checked after. In a chain, each value is checked as it
        // is taken (bearer() checks its token anyway), so that it is removed from the source it
        // came from only when it passes: by checked() where two or more other sources share the
        // check, in place for one.
        let single = sources.len() == 1;
        let others = sources.iter().filter(|s| !s.is_bearer()).count();
        let bare = if single { "bare" } else { "bare_checked" };
        let mut chain = self.t.stmt("no_token", &[]);
        for source in sources.iter().rev() {
            let (object, name) = self.source(source);
            let moves = handoff && matches!(source, Source::Query(_));
            let remove = if single { Vec::new() } else { self.removal(&object, &name, strip || moves, moves) };
            let mut stmt = if !single && others == 1 && !source.is_bearer() {
                self.take_here(object, name, remove)
            } else {
                let value = self.t.expr(if source.is_bearer() { "after_bearer" } else { bare }, &[]);
                let fill = [("SOURCE", object), ("NAME", name), ("VALUE", value)];
                if remove.is_empty() {
                    self.t.stmt("take", &fill)
                } else {
                    self.t.stmt("take_remove", &[fill.as_slice(), &[("REMOVE", seq(remove))]].concat())
                }
            };
            match &mut stmt {
                Stmt::If(if_stmt) => if_stmt.alt = Some(Box::new(chain)),
                other => panic!("templates/steps.js: a take_ fragment is not an if statement: {other:?}"),
            }
            chain = stmt;
        }
        chain
    }

    /// What removes a checked token from a chain's source: `strip`, and `moved` for a token the
    /// hand-off moves.
    fn removal(&self, object: &Expr, name: &Expr, strip: bool, moves: bool) -> Vec<Expr> {
        let mut remove = Vec::new();
        if strip {
            remove.push(self.t.expr("strip", &[("SOURCE", object.clone()), ("NAME", name.clone())]));
        }
        if moves {
            remove.push(self.t.expr("moved", &[]));
        }
        remove
    }

    /// `if (found = SOURCE[NAME]) { check_here; REMOVE... }`: a bare source's check in place.
    fn take_here(&self, object: Expr, name: Expr, remove: Vec<Expr>) -> Stmt {
        let check = self.t.stmt("check_here", &[("MALFORMED", self.t.expr("malformed", &[]))]);
        let block = std::iter::once(check).chain(remove.into_iter().map(expr_stmt)).collect();
        let mut stmt = self.t.stmt("take_here", &[("SOURCE", object), ("NAME", name)]);
        match &mut stmt {
            Stmt::If(if_stmt) => match &mut *if_stmt.cons {
                Stmt::Block(b) => b.stmts = block,
                other => panic!("templates/steps.js: take_here's body is not a block: {other:?}"),
            },
            other => panic!("templates/steps.js: take_here is not an if statement: {other:?}"),
        }
        stmt
    }

    /// The object a source is read from, and the name in it.
    fn source(&self, source: &Source) -> (Expr, Expr) {
        let (fragment, name) = match source {
            Source::Query(n) => ("source_query", n),
            Source::Header(n) => ("source_header", n),
            Source::Cookie(n) => ("source_cookie", n),
        };
        (self.t.expr(fragment, &[]), str_lit(name))
    }
}

/// The values of `$KEY` (one key) and `$KEYS` (`[kid, secret, ...]`).
fn key_values(plan: &Plan) -> (Expr, Expr) {
    let keys = plan.steps.iter().find_map(|s| match s {
        Step::Signature(Keys::Embedded { keys, .. }) => Some(keys.as_slice()),
        _ => None,
    });
    let Some(keys) = keys else {
        return (undefined(), undefined());
    };
    let one = keys.first().map(secret_literal).unwrap_or_else(undefined);
    let mut all = Vec::with_capacity(keys.len() * 2);
    for key in keys {
        all.push(key.id.as_deref().map(str_lit).unwrap_or_else(undefined));
        all.push(secret_literal(key));
    }
    (one, array(all))
}

/// A secret as a string literal when its bytes are UTF-8 text (HMAC keys a string by its UTF-8
/// bytes in both runtimes), otherwise as `bytes("<hex>")`.
fn secret_literal(key: &Key) -> Expr {
    match std::str::from_utf8(key.secret.expose()) {
        Ok(text) => str_lit(text),
        Err(_) => call("bytes", vec![str_lit(&hex::encode(key.secret.expose()))]),
    }
}

/// The response for a denied request: the top-level `DENIED` and what the handler returns. A
/// response that names the request's URI is built per request (and `DENIED` goes unused); any
/// other is built once, and the handler returns `DENIED`.
fn deny(t: &Templates, deny: &Deny) -> (Expr, Expr) {
    let response = deny_response(t, deny);
    let per_request = matches!(deny, Deny::Redirect(url) if url.contains(Deny::URI));
    if per_request {
        (undefined(), response)
    } else {
        (response, t.expr("denied", &[]))
    }
}

fn deny_response(t: &Templates, deny: &Deny) -> Expr {
    match deny {
        Deny::Status(401) => t.expr("unauthorized", &[]),
        Deny::Status(code) => {
            let description = match code {
                403 => "Forbidden",
                404 => "Not Found",
                _ => "Unauthorized",
            };
            t.expr("status", &[("STATUS", num_lit(*code as f64)), ("DESCRIPTION", str_lit(description))])
        }
        Deny::Redirect(url) => {
            let mut location: Option<Expr> = None;
            for (i, part) in url.split(Deny::URI).enumerate() {
                let mut add = |e: Expr| location = Some(match location.take() {
                    None => e,
                    Some(l) => plus(l, e),
                });
                if i > 0 {
                    add(t.expr("encoded_uri", &[]));
                }
                if !part.is_empty() {
                    add(str_lit(part));
                }
            }
            let location = location.unwrap_or_else(|| str_lit(url));
            t.expr("redirect", &[("LOCATION", location)])
        }
    }
}

/// Replaces the statement `$STEPS;` of the skeleton with the steps.
struct SpliceSteps(Option<Vec<Stmt>>);

impl VisitMut for SpliceSteps {
    fn visit_mut_stmts(&mut self, stmts: &mut Vec<Stmt>) {
        let at = stmts.iter().position(|s| match s {
            Stmt::Expr(ExprStmt { expr, .. }) => matches!(&**expr, Expr::Ident(i) if &*i.sym == "$STEPS"),
            _ => false,
        });
        if let Some(at) = at {
            let steps = self.0.take().expect("templates/function.js has one `$STEPS;`");
            stmts.splice(at..=at, steps);
        } else {
            stmts.visit_mut_children_with(self);
        }
    }
}

/// Makes `handler` an async function, for `await` on the KeyValueStore.
struct MakeHandlerAsync;

impl VisitMut for MakeHandlerAsync {
    fn visit_mut_fn_decl(&mut self, f: &mut FnDecl) {
        if &*f.ident.sym == "handler" {
            f.function.is_async = true;
        }
    }
}
