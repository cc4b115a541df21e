//! The integration tests, one test binary (`cargo test --test it`; a module's name filters, e.g.
//! `cargo test --test it hostile`): one module per area, all on one shared harness.

mod harness;

mod action;
mod baselines;
mod browser;
mod check;
mod cli;
mod constant_time;
mod cors;
mod deploy;
mod engine;
mod expect;
mod explain;
mod features;
mod forward;
mod generated;
mod golden;
mod hardening;
mod hostile;
mod install;
mod issuers;
mod kvs;
mod outputs;
mod reasons;
mod revocation;
mod secrets;
mod serve;
mod size;
mod then;
mod toolchain;
mod video;
