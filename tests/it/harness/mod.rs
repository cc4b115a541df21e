//! The one harness of the integration tests: generating functions, crafting tokens and events,
//! the policy features and their combinations, and running functions on many cases at once,
//! under njs and in the bundled engine. `benches/bench.rs` includes the pieces it needs
//! (`njs.rs`, `sign.rs`, `events.rs`, `scenario.rs`), which depend on nothing else here.

pub mod cases;
pub mod events;
pub mod features;
pub mod in_engine;
pub mod njs;
pub mod scenario;
pub mod sign;
pub mod tokens;
pub mod under_njs;

pub use cases::*;
pub use events::event;
pub use features::{combinations, features_of, FEATURES};
pub use sign::{b64, hs256, token_raw};
pub use tokens::*;

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use cfjwt::cloudfront::Runtime;
use cfjwt::emit::Style;
use cfjwt::key::{Key, Secret};

/// The demo key of the examples (`examples/demo.key`): public, for tests only.
pub const DEMO_KEY: &[u8] = b"cfjwt-demo-key-PUBLIC-never-use-in-production-0123456789";

/// The time every test runs at, unless it says otherwise.
pub const NOW: i64 = 1_700_000_000;

/// A key without id.
pub fn key(secret: &[u8]) -> Key {
    Key { id: None, secret: Secret::new(secret.to_vec()) }
}

/// A key with an id.
pub fn key_with_id(id: &str, secret: &[u8]) -> Key {
    Key { id: Some(id.into()), secret: Secret::new(secret.to_vec()) }
}

/// The minified function for a policy (JSON text) and keys.
pub fn generate(policy: &str, keys: Vec<Key>) -> String {
    generate_styled(policy, keys, Style::Minified)
}

pub fn generate_styled(policy: &str, keys: Vec<Key>, style: Style) -> String {
    let policy = cfjwt::policy::parse(policy, std::path::Path::new("policy.json")).expect("policy is valid");
    cfjwt::generate::generate(&policy, keys, style).expect("generates").code
}

/// The policy with its runtime set.
pub fn with_runtime(policy: &str, runtime: Runtime) -> String {
    let mut v: Value = serde_json::from_str(policy).unwrap();
    v["runtime"] = json!(runtime.name());
    v.to_string()
}

/// The example policies, `examples/*.json`, in name order.
pub fn examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut list: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    list.sort();
    assert!(!list.is_empty(), "no example policies");
    list
}

/// The keys an example policy is generated with: the demo key, unless it reads its key from
/// the KeyValueStore.
pub fn keys_for(policy: &Value) -> Vec<Key> {
    if policy.pointer("/key/kvs").is_some() {
        Vec::new()
    } else {
        vec![key(DEMO_KEY)]
    }
}

/// An event carrying `token` in `?jwt=`, beside another parameter.
pub fn query_event(token: &str) -> Value {
    event(
        "/courses/c1/lesson1.m3u8",
        json!({"jwt": {"value": token}, "lang": {"value": "en"}}),
        json!({"host": {"value": "example.org"}}),
        json!({}),
    )
}
