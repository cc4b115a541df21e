//! The integration tests, one test binary (`cargo test --test it`; a module's name filters, e.g.
//! `cargo test --test it hostile`): one module per area, all on one shared harness.

mod harness;

mod baselines;
mod browser;
mod check;
mod cli;
mod constant_time;
mod engine;
mod expect;
mod features;
mod generated;
mod golden;
mod hardening;
mod hostile;
mod outputs;
mod secrets;
mod serve;
mod size;
mod toolchain;
