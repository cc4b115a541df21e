//! What a JavaScript syntax tree declares: the one walk that collects every name a file binds
//! (variables, functions, parameters, `catch` bindings, classes, imports, and optionally labels),
//! shared by `cfjwt check` (a name the file declares is its own, not a missing global) and the
//! emitter (every declared name can be shortened).

use std::collections::BTreeSet;

use swc_atoms::Atom;
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

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
