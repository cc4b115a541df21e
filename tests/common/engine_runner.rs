//! Runs cases in the bundled engine (`cfjwt::runtime`). Until it exists, the njs results stand in.

use super::{Case, Outcome};

pub fn run(code: &str, cases: &[Case]) -> Vec<Outcome> {
    super::njs::run(code, cases)
}
