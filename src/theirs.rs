//! `then`: the team's own viewer-request function file, read and held to `cfjwt check`'s rules
//! for the policy's runtime before anything is generated, so that what is wrong with it is
//! reported in its own file, line and column. The emitter merges it (`emit::then`).

use std::path::{Path, PathBuf};

use swc_ecma_ast::*;

use crate::check::{self, Problem};
use crate::cloudfront::{Runtime, MAX_CODE_BYTES};
use crate::plan::Then;

/// Why the team's file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TheirsError {
    #[error("{}: cannot read the `then` file", file.display())]
    Read {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// What `cfjwt check` reports, one `FILE:LINE:COLUMN: message` line each.
    #[error("{}", lines(file, problems))]
    Problems { file: PathBuf, problems: Vec<Problem> },
}

fn lines(file: &Path, problems: &[Problem]) -> String {
    let file = file.display();
    let all: Vec<String> = problems.iter().map(|p| format!("{file}:{}:{}: {}", p.line, p.column, p.message)).collect();
    all.join("\n")
}

/// Reads the team's file and checks it for `runtime`: it must pass `cfjwt check` alone (so it
/// still works on its own), and fit CloudFront's limit by itself.
pub fn load(file: &Path, runtime: Runtime) -> Result<Then, TheirsError> {
    let bytes = std::fs::read(file).map_err(|source| TheirsError::Read { file: file.to_owned(), source })?;
    read(file, &bytes, runtime)
}

/// [`load`] for bytes already read; `file` names them in messages.
pub fn read(file: &Path, bytes: &[u8], runtime: Runtime) -> Result<Then, TheirsError> {
    let problems = |problems| TheirsError::Problems { file: file.to_owned(), problems };
    let options = check::Options { runtime: Some(runtime), max_bytes: MAX_CODE_BYTES };
    let found = check::check_bytes(bytes, &options);
    if !found.is_empty() {
        return Err(problems(found));
    }
    let source = String::from_utf8(bytes.to_vec()).expect("cfjwt check passed: the file is UTF-8");
    let module = check::on_a_stack_for(&source, || crate::syntax::parse_module(&source))
        .flatten()
        .expect("cfjwt check passed: the file parses");
    Ok(Then { file: file.to_owned(), is_async: handler_is_async(&module), source })
}

/// Whether the file's top-level `handler` is an `async` function.
fn handler_is_async(module: &Module) -> bool {
    module.body.iter().any(|item| match item {
        ModuleItem::Stmt(Stmt::Decl(Decl::Fn(f))) => &*f.ident.sym == "handler" && f.function.is_async,
        ModuleItem::Stmt(Stmt::Decl(Decl::Var(v))) => v.decls.iter().any(|d| {
            matches!(&d.name, Pat::Ident(b) if &*b.id.sym == "handler")
                && match d.init.as_deref() {
                    Some(Expr::Fn(f)) => f.function.is_async,
                    Some(Expr::Arrow(a)) => a.is_async,
                    _ => false,
                }
        }),
        _ => false,
    })
}
