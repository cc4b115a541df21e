//! From plan to JavaScript: the only module that knows swc's syntax tree. It copies the
//! templates' trees, picks and fills the fragments each step of the plan needs, tidies the
//! result and prints it. Every policy value and key enters the tree as a literal node.

mod print;
mod reasons;
mod runtime;
mod template;
mod then;
mod tidy;

pub use print::{literal, reprint};

use swc_ecma_ast::*;
use swc_ecma_visit::{VisitMut, VisitMutWith};

use crate::key::{encoding_name, Encoding, Key};
use crate::plan::{
    AfterTake, ClaimRule, ClaimTest, DenyResponse, LocationPart, Plan, SignatureCheck, Step, Take, TakeForm, Values,
};
use crate::reason::{Log, Reason};
use crate::request::{Source, UriPattern};
use template::{
    array, call, expr_stmt, ident, num_lit, or, paren, plus, scalar_array, scalar_lit, seq, str_lit, undefined,
    var_decl, Templates,
};

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
    let theirs = plan.then.as_ref().map(then::Theirs::parse);
    let mut items = runtime::prelude(&templates, plan.runtime);
    let mut skeleton = templates.function.clone();

    let mut steps = Steps { t: &templates, plan, out: Vec::new() };
    for step in &plan.steps {
        steps.add(step);
    }
    skeleton.visit_mut_with(&mut Splice("$STEPS", Some(steps.out)));
    skeleton.visit_mut_with(&mut Splice("$CAUGHT", Some(caught(&templates, plan))));
    let strip = plan.steps.iter().find_map(|s| match s {
        Step::TakeToken(take) => Some(take.strip.as_slice()),
        _ => None,
    });
    let deletes = strip.unwrap_or_default().iter().map(|source| steps_delete(&templates, source)).collect();
    skeleton.visit_mut_with(&mut Splice("$STRIP", Some(deletes)));
    let credentials = match &plan.cors {
        Some(c) if c.credentials => vec![templates.stmt("cors_credentials", &[])],
        _ => Vec::new(),
    };
    skeleton.visit_mut_with(&mut Splice("$CREDENTIALS", Some(credentials)));
    let max_age = plan.cors.as_ref().map_or(0, |c| c.max_age);
    let constants = plan.constants.iter().map(|c| var_decl(&c.name, scalar_array(&c.values))).collect();
    skeleton.visit_mut_with(&mut SpliceConstants(Some(constants)));
    items.extend(skeleton);
    if plan.async_handler {
        assert!(plan.runtime.profile().async_handler, "the plan awaits on {}", plan.runtime);
        items.visit_mut_with(&mut MakeHandlerAsync);
    }

    let (key, keys) = key_values(&plan.keys);
    let (denied, deny) = deny(&templates, &plan.deny);
    let deny = with_cors(&templates, plan, deny);
    template::fill_placeholders(
        &mut items,
        &[
            ("KEY", key),
            ("KEYS", keys),
            ("DENIED", denied),
            ("DENY", deny),
            ("MALFORMED", templates.expr("malformed", &[])),
            ("MAX_AGE", str_lit(&max_age.to_string())),
        ],
    );
    if theirs.is_some() {
        then::hand_over(&mut items, &templates);
    }
    reasons::apply(&mut items, &templates, plan.log);
    if theirs.is_some() {
        then::tidy_let_throughs(&mut items);
    }
    tidy::drop_unused(&mut items);
    tidy::drop_unused_locals(&mut items);
    tidy::merge_top_level_vars(&mut items);
    tidy::fold_zero(&mut items);
    tidy::dot_access(&mut items);
    // The names of the team's code that the generated code must not declare (see `then`).
    let theirs_reserved = theirs.as_ref().map(then::Theirs::reserved).unwrap_or_default();
    if style == Style::Minified {
        tidy::merge_guards(&mut items);
        tidy::short_booleans(&mut items);
        tidy::shorten_names(&mut items, &theirs_reserved);
    } else {
        tidy::avoid_names(&mut items, &theirs_reserved);
    }
    if let Some(theirs) = theirs {
        theirs.merge(&mut items, style);
    }
    print::print(items, plan.runtime, style == Style::Minified)
}

/// Builds the statements of the handler's `checks` block, one step at a time: each step maps to
/// its fragments, with nothing carried from one step to the next.
struct Steps<'t> {
    t: &'t Templates,
    plan: &'t Plan,
    out: Vec<Stmt>,
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
            Step::ClearForwarded(headers) => {
                for header in headers {
                    self.push("forward_clear", &[("NAME", str_lit(header))]);
                }
            }
            Step::Forward(claims) => {
                for (claim, header) in claims {
                    self.push("forward_set", &[("CLAIM", str_lit(claim)), ("HEADER", str_lit(header))]);
                }
            }
            Step::Public { patterns, strip } => {
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
                let request = self.let_through(strip);
                self.push("public_paths", &[("MATCHES", matches), ("UNSAFE", unsafe_uri), ("REQUEST", request)]);
            }
            Step::Preflight { strip } => {
                let request = self.let_through(strip);
                self.push("preflight", &[("REQUEST", request)]);
            }
            Step::CorsPreflight => {
                self.push("cors_preflight", &[]);
                self.push("cors_refused", &[]);
            }
            Step::TakeToken(take) => {
                let chain = self.source_chain(&take.chain);
                self.out.push(chain);
                match take.after {
                    AfterTake::CheckMalformed => {
                        self.push("well_formed", &[("MALFORMED", self.t.expr("malformed", &[]))])
                    }
                    AfterTake::CheckTaken => self.push("well_formed_taken", &[]),
                }
                if !take.strip.is_empty() && self.strips_elsewhere() {
                    self.push("strip_all", &[]);
                } else {
                    for source in &take.strip {
                        self.out.push(steps_delete(self.t, source));
                    }
                }
                self.push("split", &[]);
            }
            Step::DecodeHeader => self.push("header_decode", &[]),
            Step::Signature(SignatureCheck::One) => self.push("signature_one", &[]),
            Step::Signature(SignatureCheck::Any) => self.push("signature_any", &[]),
            Step::Signature(SignatureCheck::ByKid) => self.push("signature_kid", &[]),
            Step::Signature(SignatureCheck::Store { name, prefix, min_bytes, encoding }) => {
                self.push("store_kid", &[]);
                self.push("store_read", &[("NAME", str_lit(name)), ("PREFIX", str_lit(prefix))]);
                self.push("store_line_end", &[]);
                let form = match encoding {
                    Encoding::Utf8 => None,
                    Encoding::Base64 => Some("BASE64"),
                    Encoding::Base64url => Some("BASE64URL"),
                    Encoding::Hex => Some("HEX"),
                };
                match (form, min_bytes) {
                    (None, 0) => {}
                    (None, 1) => self.push("store_empty", &[]),
                    (None, n) => self.push("store_short", &[("MIN", num_lit(*n as f64))]),
                    (Some(form), n) => {
                        let name = str_lit(encoding_name(*encoding));
                        self.push("store_decode", &[("FORM", ident(form)), ("ENCODING", name.clone())]);
                        self.push("store_bytes", &[("ENCODING", name)]);
                        self.push("store_short_bytes", &[("MIN", num_lit((*n).max(1) as f64))]);
                    }
                }
                self.push("signature_store", &[]);
            }
            Step::Revocation { claim, prefix } => {
                let fill = [("CLAIM", str_lit(claim)), ("PREFIX", str_lit(prefix))];
                for fragment in ["revocation_claim", "revocation_exists", "revocation_get", "revocation_check"] {
                    self.push(fragment, &fill);
                }
            }
            Step::Header { decoded: true } => self.push("header", &[]),
            Step::Header { decoded: false } => self.push("header_fast", &[]),
            Step::ReadClock => self.push("clock", &[]),
            Step::Payload { object_check_implied } => {
                self.push(if *object_check_implied { "payload_decode" } else { "payload" }, &[]);
            }
            Step::Exp { required, leeway } => {
                let name = if *required { "exp_required" } else { "exp_optional" };
                self.push(name, &[("LEEWAY", num_lit(*leeway as f64))]);
            }
            Step::Nbf { required, leeway } => {
                let name = if *required { "nbf_required" } else { "nbf_optional" };
                self.push(name, &[("LEEWAY", num_lit(*leeway as f64))]);
            }
            Step::IatType => self.push("iat_type", &[]),
            Step::MaxAge { oldest, leeway } => {
                self.push("max_age", &[("OLDEST", num_lit(*oldest as f64)), ("LEEWAY", num_lit(*leeway as f64))]);
            }
            Step::Claim(ClaimRule { claim, test, values, reason }) => {
                let (fragment, value) = match (test, values) {
                    (ClaimTest::Equals, Values::One(v)) => ("claim_equals_one", scalar_lit(v)),
                    (ClaimTest::Equals, Values::List(i)) => ("claim_equals_any", ident(&self.plan.constants[*i].name)),
                    (ClaimTest::Contains, Values::One(v)) => ("claim_contains_one", scalar_lit(v)),
                    (ClaimTest::Contains, Values::List(i)) => {
                        ("claim_contains_any", ident(&self.plan.constants[*i].name))
                    }
                    (ClaimTest::Is, Values::One(v)) => ("claim_is_one", scalar_lit(v)),
                    (ClaimTest::Is, Values::List(i)) => ("claim_is_any", ident(&self.plan.constants[*i].name)),
                };
                let fill = [("CLAIM", str_lit(claim)), ("VALUES", value), ("REASON", str_lit(reason.code()))];
                self.push(fragment, &fill);
            }
            Step::NoClaim { claim, reason } => {
                self.push("claim_absent", &[("CLAIM", str_lit(claim)), ("REASON", str_lit(reason.code()))])
            }
            Step::Scope(claim) => {
                self.push("scope", &[("CLAIM", str_lit(claim)), ("UNSAFE", self.t.expr("unsafe", &[]))])
            }
            Step::Handoff { cookie, attributes } => {
                let fill = [("COOKIE", str_lit(cookie)), ("ATTRIBUTES", str_lit(attributes))];
                let response = with_cors(self.t, self.plan, self.t.expr("handoff_response", &fill));
                self.push("handoff", &[("RESPONSE", response)]);
            }
        }
    }

    /// What a request let through without a token returns: `strip(request)` when every token
    /// source is to be removed, else the request as it came.
    fn let_through(&self, strip: &[Source]) -> Expr {
        if strip.is_empty() {
            ident("request")
        } else {
            self.t.expr("strip_all", &[])
        }
    }

    /// Whether requests are also let through without a token, with every source removed.
    fn strips_elsewhere(&self) -> bool {
        self.plan.steps.iter().any(|s| match s {
            Step::Public { strip, .. } | Step::Preflight { strip } => !strip.is_empty(),
            _ => false,
        })
    }

    /// `if (found = SOURCE1) ...; else if (found = SOURCE2) ...; else break checks;`
    fn source_chain(&self, chain: &[Take]) -> Stmt {
        let mut out = self.t.stmt("no_token", &[]);
        for take in chain.iter().rev() {
            let (object, name) = self.source(&take.source);
            let remove = self.removal(&object, &name, take);
            let mut stmt = match take.form {
                TakeForm::InPlace => self.take_here(object, name, remove),
                form => {
                    let value = match form {
                        TakeForm::Bearer => "after_bearer",
                        TakeForm::Checked => "bare_checked",
                        _ => "bare",
                    };
                    let fill = [("SOURCE", object), ("NAME", name), ("VALUE", self.t.expr(value, &[]))];
                    if remove.is_empty() {
                        self.t.stmt("take", &fill)
                    } else {
                        // The right operand of `&&`: an assignment (`moved = true`) in parentheses.
                        let remove = match seq(remove) {
                            assign @ Expr::Assign(_) => paren(assign),
                            other => other,
                        };
                        self.t.stmt("take_remove", &[fill.as_slice(), &[("REMOVE", remove)]].concat())
                    }
                }
            };
            match &mut stmt {
                Stmt::If(if_stmt) => if_stmt.alt = Some(Box::new(out)),
                other => panic!("templates/steps.js: a take_ fragment is not an if statement: {other:?}"),
            }
            out = stmt;
        }
        out
    }

    /// What removes a checked token from a chain's source: `strip`, and `moved` for a token the
    /// hand-off moves.
    fn removal(&self, object: &Expr, name: &Expr, take: &Take) -> Vec<Expr> {
        let mut remove = Vec::new();
        if take.removal.strip {
            remove.push(self.t.expr("strip", &[("SOURCE", object.clone()), ("NAME", name.clone())]));
        }
        if take.removal.moved {
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
        source_parts(self.t, source)
    }
}

/// The object a source is read from (`request.querystring`, ...), and the name in it.
fn source_parts(t: &Templates, source: &Source) -> (Expr, Expr) {
    let (fragment, name) = match source {
        Source::Query(n) => ("source_query", n),
        Source::Header(n) => ("source_header", n),
        Source::Cookie(n) => ("source_cookie", n),
    };
    (t.expr(fragment, &[]), str_lit(name))
}

/// A response the function makes, with the CORS headers when the plan has `cors`.
fn with_cors(t: &Templates, plan: &Plan, response: Expr) -> Expr {
    match plan.cors {
        Some(_) => t.expr("with_cors", &[("RESPONSE", response)]),
        None => response,
    }
}

/// `delete request.querystring.NAME;` (or headers, cookies): one source removed.
fn steps_delete(t: &Templates, source: &Source) -> Stmt {
    let (object, name) = source_parts(t, source);
    t.stmt("strip", &[("SOURCE", object), ("NAME", name)])
}

/// The values of `$KEY` (the first key) and `$KEYS` (`[kid, secret, ...]`); the one a step does
/// not use is dropped by `tidy`.
fn key_values(keys: &[Key]) -> (Expr, Expr) {
    if keys.is_empty() {
        return (undefined(), undefined());
    }
    let one = secret_literal(&keys[0]);
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
fn deny(t: &Templates, deny: &DenyResponse) -> (Expr, Expr) {
    let response = deny_response(t, deny);
    if deny.per_request() {
        (undefined(), response)
    } else {
        (response, t.expr("denied", &[]))
    }
}

fn deny_response(t: &Templates, deny: &DenyResponse) -> Expr {
    match deny {
        DenyResponse::Unauthorized => t.expr("unauthorized", &[]),
        DenyResponse::Status { code, description } => {
            t.expr("status", &[("STATUS", num_lit(*code as f64)), ("DESCRIPTION", str_lit(description))])
        }
        DenyResponse::Redirect(parts) => {
            let location = parts
                .iter()
                .map(|part| match part {
                    LocationPart::Text(text) => str_lit(text),
                    LocationPart::EncodedUri => t.expr("encoded_uri", &[]),
                })
                .reduce(plus)
                .expect("a redirect has a location");
            t.expr("redirect", &[("LOCATION", location)])
        }
    }
}

/// Replaces the statement `$CONSTANTS;` of the skeleton with the plan's top-level lists.
struct SpliceConstants(Option<Vec<Stmt>>);

impl VisitMut for SpliceConstants {
    fn visit_mut_module_items(&mut self, items: &mut Vec<ModuleItem>) {
        let at = items.iter().position(|i| match i {
            ModuleItem::Stmt(Stmt::Expr(ExprStmt { expr, .. })) => {
                matches!(&**expr, Expr::Ident(i) if &*i.sym == "$CONSTANTS")
            }
            _ => false,
        });
        let at = at.expect("templates/function.js has one `$CONSTANTS;`");
        let constants = self.0.take().unwrap_or_default();
        items.splice(at..=at, constants.into_iter().map(ModuleItem::Stmt));
    }
}

/// With `log`, what the handler's `catch` sets `why` to (steps.js, `caught`); nothing without.
fn caught(t: &Templates, plan: &Plan) -> Vec<Stmt> {
    if plan.log == Log::None {
        return Vec::new();
    }
    let store = plan.steps.iter().any(|s| matches!(s, Step::Signature(SignatureCheck::Store { .. })));
    let before_clock = if store { t.expr("caught_store", &[]) } else { str_lit(Reason::Header.code()) };
    let mut caught = t.stmt("caught", &[("BEFORE_CLOCK", before_clock)]);
    if plan.steps.iter().any(|s| matches!(s, Step::Revocation { .. })) {
        caught.visit_mut_with(&mut AfterClock(t.expr("caught_revocation", &[])));
    }
    vec![caught]
}

/// Replaces the code `caught` names after the clock (`'payload'`) with `caught_revocation`.
struct AfterClock(Expr);

impl VisitMut for AfterClock {
    fn visit_mut_cond_expr(&mut self, c: &mut CondExpr) {
        *c.alt = self.0.clone();
    }
}

/// Replaces the statement `NAME;` of the skeleton (`$STEPS;`, `$CAUGHT;`) with statements.
struct Splice(&'static str, Option<Vec<Stmt>>);

impl VisitMut for Splice {
    fn visit_mut_stmts(&mut self, stmts: &mut Vec<Stmt>) {
        let name = self.0;
        let at = stmts.iter().position(|s| match s {
            Stmt::Expr(ExprStmt { expr, .. }) => matches!(&**expr, Expr::Ident(i) if &*i.sym == name),
            _ => false,
        });
        if let Some(at) = at {
            let with = self.1.take().unwrap_or_else(|| panic!("templates/function.js has one `{name};`"));
            stmts.splice(at..=at, with);
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
