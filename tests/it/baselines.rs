//! The hand-written handlers `make bench` measures the generated functions against decide like
//! the generated function on the bench's own requests (`harness::scenario`: a valid token and
//! the three malformed ones, where each policy reads its token), under njs and in the bundled
//! engine: ×base and ×sample compare the cost of the same decisions, or they mean nothing.
//!
//! Each policy's baseline (`benches/baseline.js` for `examples/seed.json`,
//! `benches/baseline-NAME.js` for `examples/NAME.json`) runs on that policy's requests, and
//! `benches/aws-sample-style.js` on the seed's, as the bench runs them. `benches/floor.js` is
//! left out: it is no verifier, only the least work one must do.

use std::path::Path;

use serde_json::{json, Value};

use crate::harness::scenario::{self, Kind, Scenario, MALFORMED};
use crate::harness::*;

fn bench_file(name: &str) -> Option<String> {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("benches").join(name)).ok()
}

/// The bench's requests on `s`, at `NOW`: the valid token, then each malformed kind.
fn bench_cases(s: &Scenario) -> Vec<(Kind, Case)> {
    let key = std::str::from_utf8(DEMO_KEY).unwrap();
    std::iter::once(Kind::Valid)
        .chain(MALFORMED)
        .map(|kind| {
            let token = scenario::token(key, &s.claims, kind);
            (kind, Case { event: s.event(&token), now: NOW, kvs: s.kvs.as_ref().map(|m| json!(m)) })
        })
        .collect()
}

/// Runs `generated` and the reference handler `name` on the bench's requests for `s` (each
/// under njs and in the bundled engine, which must agree) and asserts what the bench expects of
/// both (a valid token let through, a malformed one denied) and that they decide alike: the
/// same verdict, and for a request let through, the same request forwarded.
fn decide_alike(policy: &str, generated: &str, name: &str, reference: &str, s: &Scenario) {
    let cases = bench_cases(s);
    let list: Vec<Case> = cases.iter().map(|(_, c)| c.clone()).collect();
    let ours = run(generated, &list);
    let theirs = run(reference, &list);
    for ((kind, _), (a, b)) in cases.iter().zip(ours.iter().zip(&theirs)) {
        let what = format!("{policy}'s requests, token in {}, {} token", s.source.label(), kind.name());
        let valid = *kind == Kind::Valid;
        assert_eq!(a.allowed(), valid, "{what}: the generated function answered {a:?}");
        assert_eq!(b.allowed(), valid, "{what}: {name} answered {b:?}");
        if valid {
            assert_eq!(b.request(), a.request(), "{what}: {name} forwards another request than the generated function");
        }
    }
}

#[test]
fn each_baseline_decides_like_the_generated_function_on_the_bench_requests() {
    let mut compared = Vec::new();
    for path in examples() {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let file = if name == "seed" { "baseline.js".to_owned() } else { format!("baseline-{name}.js") };
        // The bench leaves ×base blank for a policy without a baseline; so does this test.
        let Some(baseline) = bench_file(&file) else { continue };
        let text = std::fs::read_to_string(&path).unwrap();
        let policy: Value = serde_json::from_str(&text).unwrap();
        let generated = generate(&text, keys_for(&policy));
        let s = Scenario::for_policy(&policy, NOW, std::str::from_utf8(DEMO_KEY).unwrap());
        decide_alike(&name, &generated, &file, &baseline, &s);
        compared.push(file);
    }
    assert!(compared.contains(&"baseline.js".to_owned()), "benches/baseline.js was not compared: {compared:?}");
    eprintln!("compared with the generated functions: {}", compared.join(", "));
}

/// The rewrite of the public AWS sample's approach is knowingly weaker than the generated code
/// (no `alg` or `crit` check, no claim types, no multiValue check: it lets through tokens the
/// seed policy refuses), so it is held only to the bench's own requests, on which the bench
/// requires the same verdicts of it (`check_outcomes`) and which it must decide like the seed's
/// function for ×sample to compare like with like.
#[test]
fn the_aws_sample_style_handler_decides_like_the_seed_function_on_the_bench_requests() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed.json")).unwrap();
    let policy: Value = serde_json::from_str(&text).unwrap();
    let generated = generate(&text, keys_for(&policy));
    let sample = bench_file("aws-sample-style.js").expect("benches/aws-sample-style.js");
    decide_alike("seed", &generated, "aws-sample-style.js", &sample, &Scenario::seed(NOW));
}
