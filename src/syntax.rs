//! Reading JavaScript that is not cfjwt's own: parsing a file as a module, and the one walk that
//! collects every name a file binds (variables, functions, parameters, `catch` bindings, classes,
//! imports, and optionally labels), shared by `cfjwt check` (a name the file declares is its own,
//! not a missing global) and the emitter (every declared name can be shortened; the team's file
//! of `then` is merged).

use std::collections::BTreeSet;

use swc_common::{sync::Lrc, FileName, SourceMap};
use swc_ecma_parser::{parse_file_as_module, EsSyntax, Syntax};

use swc_atoms::Atom;
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

/// Parses a function file as a module (`import` and script code alike); `None` when it has a
/// syntax error. `cfjwt check` says where.
pub fn parse_module(text: &str) -> Option<Module> {
    let cm: Lrc<SourceMap> = Default::default();
    let fm = cm.new_source_file(Lrc::new(FileName::Anon), text.to_string());
    let mut errors = Vec::new();
    let module =
        parse_file_as_module(&fm, Syntax::Es(EsSyntax::default()), EsVersion::latest(), None, &mut errors).ok()?;
    errors.is_empty().then_some(module)
}

/// Every identifier `node` holds (declared, referenced, or a label), property names aside.
pub fn identifiers<N: VisitWith<Identifiers>>(node: &N) -> BTreeSet<Atom> {
    let mut all = Identifiers(BTreeSet::new());
    node.visit_with(&mut all);
    all.0
}

/// The visitor behind [`identifiers`].
pub struct Identifiers(BTreeSet<Atom>);

impl Visit for Identifiers {
    fn visit_ident(&mut self, id: &Ident) {
        self.0.insert(id.sym.clone());
    }
}

/// Whether statement labels count as declared names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Labels {
    Included,
    Excluded,
}

/// Every name `node` declares, in any scope.
pub fn declared_names<N: VisitWith<Declared>>(node: &N, labels: Labels) -> BTreeSet<Atom> {
    let mut declared = Declared { names: BTreeSet::new(), labels };
    node.visit_with(&mut declared);
    declared.names
}

/// The visitor behind [`declared_names`].
pub struct Declared {
    names: BTreeSet<Atom>,
    labels: Labels,
}

impl Visit for Declared {
    fn visit_binding_ident(&mut self, b: &BindingIdent) {
        self.names.insert(b.id.sym.clone());
    }
    fn visit_fn_decl(&mut self, f: &FnDecl) {
        self.names.insert(f.ident.sym.clone());
        f.visit_children_with(self);
    }
    fn visit_fn_expr(&mut self, f: &FnExpr) {
        if let Some(id) = &f.ident {
            self.names.insert(id.sym.clone());
        }
        f.visit_children_with(self);
    }
    fn visit_class_decl(&mut self, c: &ClassDecl) {
        self.names.insert(c.ident.sym.clone());
        c.visit_children_with(self);
    }
    fn visit_labeled_stmt(&mut self, l: &LabeledStmt) {
        if self.labels == Labels::Included {
            self.names.insert(l.label.sym.clone());
        }
        l.visit_children_with(self);
    }
    fn visit_import_default_specifier(&mut self, s: &ImportDefaultSpecifier) {
        self.names.insert(s.local.sym.clone());
    }
    fn visit_import_named_specifier(&mut self, s: &ImportNamedSpecifier) {
        self.names.insert(s.local.sym.clone());
    }
    fn visit_import_star_as_specifier(&mut self, s: &ImportStarAsSpecifier) {
        self.names.insert(s.local.sym.clone());
    }
}
