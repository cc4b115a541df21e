//! cfjwt: turns a JSON policy and HMAC keys into a CloudFront Function that verifies HS256 JWTs,
//! checks any function file against what CloudFront accepts, and runs functions locally.
//!
//! The generator is a pipeline, one module per arrow:
//! policy file → [`policy`] (validated model) → [`plan`] (ordered checks) → [`emit`] (swc syntax
//! tree, minified text) → [`generate`] (size gate, output file).

pub mod check;
pub mod cli;
pub mod cloudfront;
pub mod deploy;
pub mod emit;
pub mod generate;
pub mod init;
pub mod key;
pub mod output;
pub mod plan;
pub mod policy;
pub mod request;
pub mod runtime;
pub mod token;
