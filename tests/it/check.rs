//! `cfjwt check` accepts what `cfjwt gen` writes: the minified function of every combination of
//! the policy's features (`harness::features`), on each runtime that allows the combination,
//! has nothing CloudFront would refuse.

use std::collections::BTreeSet;

use cfjwt::check::check_source;

use crate::harness::*;

#[test]
fn check_accepts_every_combination_of_features() {
    let mut seen = BTreeSet::new();
    let mut checked = 0;
    for c in combinations() {
        let features = c.features();
        let code = generate(&c.policy.to_string(), c.keys);
        let problems = check_source(&code, c.runtime);
        assert!(
            problems.is_empty(),
            "check refuses the {} function of {} ({}):\n{}\n--- code:\n{code}",
            c.runtime,
            c.policy,
            features.join(", "),
            problems.iter().map(|p| format!("  {}:{}: {}", p.line, p.column, p.message)).collect::<Vec<_>>().join("\n")
        );
        seen.extend(features);
        checked += 1;
    }
    // The combinations switch every feature the harness names on somewhere.
    for f in FEATURES {
        assert!(seen.contains(f), "no combination has {f}");
    }
    eprintln!("check accepts all {checked} combinations");
}
