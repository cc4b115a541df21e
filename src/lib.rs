//! cfjwt: turns a JSON policy and HMAC keys into a CloudFront Function that verifies HS256 JWTs,
//! checks any function file against what CloudFront accepts, and runs functions locally.
//!
//! The generator is a pipeline, one module per arrow:
//! policy file → [`policy`] (validated model) → [`plan`] (ordered checks, with the team's `then`
//! file read and checked by [`theirs`]) → [`emit`] (swc syntax tree, minified text) →
//! [`generate`] (size gate, output file).

pub mod check;
pub mod cli;
pub mod cloudfront;
pub mod deploy;
pub mod emit;
pub mod explain;
pub mod generate;
pub mod init;
pub mod key;
pub mod kvs;
pub mod output;
pub mod plan;
pub mod policy;
pub mod reason;
pub mod request;
pub mod runtime;
pub mod serve;
pub mod syntax;
pub mod theirs;
pub mod token;

/// The module graph, read from the sources: which top-level module refers to which (`crate::NAME`
/// outside test code). It must have no cycle, so each module can be read, changed and tested
/// after the ones it stands on.
#[cfg(test)]
mod layout {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    fn edges() -> BTreeMap<String, BTreeSet<String>> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut files = vec![src.clone()];
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(&src).unwrap();
            let top = relative.components().next().unwrap().as_os_str().to_string_lossy();
            let module = top.trim_end_matches(".rs").to_string();
            if module == "lib" || module == "main" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap();
            let uses = graph.entry(module.clone()).or_default();
            for (at, _) in code.match_indices("crate::") {
                let name: String =
                    code[at + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if name != module && !name.is_empty() {
                    uses.insert(name);
                }
            }
        }
        graph
    }

    #[test]
    fn the_module_graph_has_no_cycle() {
        let graph = edges();
        assert!(graph.len() >= 10, "read {} modules", graph.len());
        // Depth-first search; a module met again while on the path closes a cycle.
        fn visit(
            m: &str,
            graph: &BTreeMap<String, BTreeSet<String>>,
            path: &mut Vec<String>,
            done: &mut BTreeSet<String>,
        ) {
            if done.contains(m) {
                return;
            }
            if let Some(at) = path.iter().position(|p| p == m) {
                panic!("a cycle: {} -> {m}", path[at..].join(" -> "));
            }
            path.push(m.to_string());
            for next in graph.get(m).into_iter().flatten() {
                visit(next, graph, path, done);
            }
            path.pop();
            done.insert(m.to_string());
        }
        let mut done = BTreeSet::new();
        for m in graph.keys() {
            visit(m, &graph, &mut Vec::new(), &mut done);
        }
        assert!(graph["emit"].iter().all(|m| m != "policy"), "the emitter knows nothing about policies");
        assert!(graph["cli"].len() > 5, "the command line calls the library");
    }
}
