//! cfjwt in the AWS tool chain: the policy's JSON Schema agrees with `gen`, deploy snippets carry
//! the code byte for byte through real parsers (YAML, HCL, the shell), completions and the man
//! page, `init`'s starter policies, `cfjwt test`'s table for people, and the walkthroughs and the
//! deploy workflow under `examples/` doing what their READMEs claim (the check workflow runs the
//! cfjwt action: tests/it/action.rs).

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::sync::OnceLock;

use assert_cmd::Command;
use predicates::prelude::*;
use proptest::prelude::*;
use serde_json::{json, Value};

fn cfjwt() -> Command {
    Command::cargo_bin("cfjwt").unwrap()
}

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("cfjwt")
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The demo key of the examples: public, for tests only.
const DEMO_KEY: &str = "examples/demo.key";

/// The time the walkthroughs' event tokens were minted for.
const EVENTS_NOW: &str = "1700000000";

mod schema {
    use super::*;

    /// The schema, compiled once by an independent draft 2020-12 validator.
    fn compiled() -> &'static (boon::Schemas, boon::SchemaIndex) {
        static SCHEMA: OnceLock<(boon::Schemas, boon::SchemaIndex)> = OnceLock::new();
        SCHEMA.get_or_init(|| {
            let mut schemas = boon::Schemas::new();
            let mut compiler = boon::Compiler::new();
            compiler.add_resource("file:///cfjwt-policy.schema.json", cfjwt::policy::schema::policy_schema()).unwrap();
            // Compiling validates the schema against the draft 2020-12 meta-schema.
            let index = compiler.compile("file:///cfjwt-policy.schema.json", &mut schemas).expect("a valid schema");
            (schemas, index)
        })
    }

    fn schema_accepts(policy: &Value) -> bool {
        let (schemas, index) = compiled();
        schemas.validate(policy, *index).is_ok()
    }

    fn gen_accepts(policy: &Value) -> Result<(), String> {
        cfjwt::policy::parse(&policy.to_string(), Path::new("policy.json")).map(|_| ()).map_err(|e| e.to_string())
    }

    fn assert_agree(policy: &Value) {
        let by_gen = gen_accepts(policy);
        let by_schema = schema_accepts(policy);
        assert_eq!(by_gen.is_ok(), by_schema, "gen says {by_gen:?}, the schema {by_schema} for {policy}");
    }

    #[test]
    fn the_command_prints_the_schema() {
        let out = cfjwt().arg("schema").output().unwrap();
        assert!(out.status.success());
        let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(printed, cfjwt::policy::schema::policy_schema());
        assert_eq!(printed["$schema"], "https://json-schema.org/draft/2020-12/schema");
        assert!(printed["properties"]["claims"]["description"].as_str().unwrap().contains("Claim checks"));
    }

    #[test]
    fn every_example_and_starter_policy_is_valid() {
        let mut files: Vec<PathBuf> = Vec::new();
        for dir in ["examples", "templates/init"] {
            for entry in std::fs::read_dir(repo(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "json") {
                    files.push(path);
                }
            }
        }
        assert!(files.len() >= 9, "{files:?}");
        for path in files {
            let policy: Value = serde_json::from_str(&read(&path)).unwrap();
            assert!(gen_accepts(&policy).is_ok(), "{}", path.display());
            assert!(schema_accepts(&policy), "{} fails the schema", path.display());
        }
    }

    #[test]
    fn bad_policies_are_refused_by_both() {
        let long_key = "k".repeat(513);
        let bad = [
            json!([]),
            json!("policy"),
            json!({"zzz": 1}),
            json!({"runtime": "cloudfront-js-3.0"}),
            json!({"runtime": 2}),
            json!({"key": {"kvs": ""}}),
            json!({"key": {"kvs": long_key}}),
            json!({"key": {"kvs": 5}}),
            json!({"key": {"store": "x"}}),
            json!({"runtime": "cloudfront-js-1.0", "key": {"kvs": "jwt.secret"}}),
            json!({"token": {"from": []}}),
            json!({"token": {"from": "query:jwt"}}),
            json!({"token": {"from": ["query:jwt", "query:jwt"]}}),
            json!({"token": {"from": ["header:X-Token"]}}),
            json!({"token": {"from": ["query:a b"]}}),
            json!({"token": {"from": ["query:a&b"]}}),
            json!({"token": {"from": ["query:a\u{a0}b"]}}),
            json!({"token": {"from": ["query:a\u{85}b"]}}),
            json!({"token": {"from": ["query:a\u{3000}"]}}),
            json!({"token": {"from": ["cookie:a=b"]}}),
            json!({"token": {"from": ["cookie:é"]}}),
            json!({"token": {"from": ["path:x"]}}),
            json!({"token": {"from": ["query:"]}}),
            json!({"token": {"from": ["query"]}}),
            json!({"token": {"strip": "yes"}}),
            json!({"token": {"handoff": {"cookie": "token"}}}),
            json!({"token": {"from": ["cookie:token"], "handoff": {"cookie": "token"}}}),
            json!({"token": {"from": ["query:jwt"], "handoff": {"cookie": "token"}}}),
            json!({"token": {"from": ["cookie:token", "query:jwt"], "handoff": {}}}),
            json!({"token": {"from": ["cookie:token", "query:jwt"], "handoff": {"cookie": null}}}),
            json!({"token": {"from": ["cookie:token", "query:jwt"], "handoff": {"cookie": "token", "path": "a"}}}),
            json!({"token": {"from": ["cookie:token", "query:jwt"], "handoff": {"cookie": "token", "path": "/a;b"}}}),
            json!({"token": {"from": ["cookie:token", "query:jwt"], "handoff": {"cookie": "token", "path": "/a b"}}}),
            json!({"token": {"from": ["cookie:token", "query:jwt"], "handoff": {"cookie": "token", "secure": false}}}),
            json!({"claims": {"exp": "sometimes"}}),
            json!({"claims": {"nbf": "Required"}}),
            json!({"claims": {"leeway": 301}}),
            json!({"claims": {"leeway": -1}}),
            json!({"claims": {"leeway": "30"}}),
            json!({"claims": {"leeway": 1.5}}),
            json!({"claims": {"max_age": 0}}),
            json!({"claims": {"max_age": -3600}}),
            json!({"claims": {"iss": ""}}),
            json!({"claims": {"iss": []}}),
            json!({"claims": {"aud": ["api", ""]}}),
            json!({"claims": {"aud": [5]}}),
            json!({"claims": {"aud": 5}}),
            json!({"claims": {"scope": ""}}),
            json!({"claims": {"leway": 3}}),
            json!({"claims": 5}),
            json!({"public": ["courses/*"]}),
            json!({"public": ["/a*/b"]}),
            json!({"public": ["/**"]}),
            json!({"public": ["/a b"]}),
            json!({"public": ["/a\tb"]}),
            json!({"public": "/a"}),
            json!({"preflight": "true"}),
            json!({"deny": {}}),
            json!({"deny": {"status": null}}),
            json!({"deny": {"status": 500}}),
            json!({"deny": {"status": "401"}}),
            json!({"deny": {"redirect": "ftp://example.com"}}),
            json!({"deny": {"redirect": "login"}}),
            json!({"deny": {"redirect": "/login?u={uri} x"}}),
            json!({"deny": {"status": 401, "redirect": "/login"}}),
            json!({"deny": {"code": 401}}),
            json!({"$schema": 5}),
        ];
        for policy in &bad {
            assert!(gen_accepts(policy).is_err(), "gen accepts {policy}");
            assert!(!schema_accepts(policy), "the schema accepts {policy}");
        }
        for name in cfjwt::policy::rules::OBJECT_PROTOTYPE_NAMES {
            for kind in ["query", "cookie"] {
                let policy = json!({"token": {"from": [format!("{kind}:{name}")]}});
                assert!(gen_accepts(&policy).is_err() && !schema_accepts(&policy), "{policy}");
            }
        }
    }

    #[test]
    fn good_edge_policies_are_accepted_by_both() {
        let good = [
            json!({}),
            json!({"$schema": "./cfjwt-policy.schema.json"}),
            json!({"runtime": null, "key": null, "token": null, "claims": null, "public": null, "preflight": null, "deny": null}),
            json!({"key": {}}),
            json!({"key": {"kvs": null}}),
            json!({"key": {"kvs": "k".repeat(512)}}),
            json!({"runtime": "cloudfront-js-1.0"}),
            json!({"runtime": "cloudfront-js-1.0", "key": {"kvs": null}}),
            json!({"runtime": "cloudfront-js-1.0", "key": {}}),
            json!({"runtime": null, "key": {"kvs": "jwt.secret"}}),
            json!({"token": {}}),
            json!({"token": {"from": null, "strip": null, "handoff": null}}),
            json!({"token": {"from": ["header:x-token", "cookie:Tok.en", "query:a:b", "query:é", "query:a\u{feff}"]}}),
            json!({"token": {"from": ["query:__proto__x", "cookie:Constructor"]}}),
            json!({"token": {"from": ["query:jwt", "cookie:token"], "handoff": {"cookie": "token"}}}),
            json!({"token": {"from": ["query:jwt", "cookie:token"], "handoff": {"cookie": "token", "path": null}}}),
            json!({"token": {"from": ["query:jwt", "cookie:token"], "handoff": {"cookie": "token", "path": "/"}}}),
            json!({"claims": {"leeway": 0, "max_age": 1}}),
            json!({"claims": {"leeway": 300, "max_age": i64::MAX}}),
            json!({"claims": {"exp": "optional", "nbf": "required"}}),
            json!({"claims": {"iss": "a", "aud": ["a", "b"]}}),
            json!({"claims": {"iss": ["a", "a"]}}),
            json!({"public": []}),
            json!({"public": ["/", "/*", "/a/*", "/a", "/a", "/é"]}),
            json!({"deny": {"status": 403}}),
            json!({"deny": {"status": 404, "redirect": null}}),
            json!({"deny": {"status": null, "redirect": "/login?next={uri}"}}),
            json!({"deny": {"redirect": "https://example.com/login"}}),
            json!({"deny": {"redirect": "http://é.example"}}),
        ];
        for policy in &good {
            assert_eq!(gen_accepts(policy), Ok(()), "{policy}");
            assert!(schema_accepts(policy), "the schema refuses {policy}");
        }
    }

    /// The differences the schema's documentation admits: JSON Schema sees values, not how they
    /// were written, and cannot compare one field with another.
    #[test]
    fn known_gaps_are_as_documented() {
        let written_with_fraction = r#"{"claims": {"leeway": 30.0}}"#;
        assert!(cfjwt::policy::parse(written_with_fraction, Path::new("p.json")).is_err());
        assert!(schema_accepts(&serde_json::from_str(written_with_fraction).unwrap()));
        let other_cookie = json!({"token": {"from": ["cookie:t", "query:jwt"], "handoff": {"cookie": "token"}}});
        assert!(gen_accepts(&other_cookie).is_err());
        assert!(schema_accepts(&other_cookie));
        let cookie_first = json!({"token": {"from": ["cookie:token", "query:jwt"], "handoff": {"cookie": "token"}}});
        assert!(gen_accepts(&cookie_first).is_err());
        assert!(schema_accepts(&cookie_first));
        let same_header = json!({"forward": {"sub": "x-a", "tid": "x-a"}});
        assert!(gen_accepts(&same_header).is_err());
        assert!(schema_accepts(&same_header));
        let source_header = json!({"forward": {"sub": "x-t"}, "token": {"from": ["header:x-t"]}});
        assert!(gen_accepts(&source_header).is_err());
        assert!(schema_accepts(&source_header));
        let inexact = json!({"claims": {"require": {"n": 9007199254740993u64}}});
        assert!(gen_accepts(&inexact).is_err());
        assert!(schema_accepts(&inexact));
        let docs = read(&repo("src/policy/schema.rs"));
        assert!(docs.contains("`30.0`") && docs.contains("token.handoff.cookie"));
        assert!(docs.contains("listed before the first `query:` source"));
        assert!(docs.contains("two `forward` claims") && docs.contains("a token source") && docs.contains("2^53"));
    }

    /// Values for each field, valid and not, from which random policies are drawn.
    fn field_values() -> Vec<(&'static str, Vec<Value>)> {
        let sources = [
            "query:jwt",
            "query:t",
            "header:authorization",
            "header:x-token",
            "cookie:token",
            "cookie:t",
            "header:X-Token",
            "query:a b",
            "query:a=b",
            "query:a\u{2028}b",
            "query:\u{7f}",
            "cookie:a;b",
            "cookie:constructor",
            "query:toString",
            "path:x",
            "query:",
            "",
            "cookie:é",
            "query:é",
        ];
        let mut from: Vec<Value> = vec![Value::Null, json!([]), json!("query:jwt"), json!([5])];
        for (i, a) in sources.iter().enumerate() {
            from.push(json!([a]));
            from.push(json!([a, sources[(i * 7 + 3) % sources.len()]]));
            from.push(json!([sources[(i * 5 + 1) % sources.len()], a, "query:jwt"]));
        }
        let token: Vec<Value> = {
            let mut v = vec![Value::Null, json!({}), json!("x"), json!({"zzz": 1})];
            let strips = [Value::Null, json!(true), json!(false), json!("no")];
            let handoffs = [
                Value::Null,
                json!({}),
                json!({"cookie": "token"}),
                json!({"cookie": "t", "path": "/v/"}),
                json!({"cookie": "token", "path": "v"}),
                json!({"cookie": "token", "path": "/a,b"}),
                json!({"cookie": 5}),
                json!({"cookie": "token", "zzz": 1}),
                json!([]),
            ];
            for (i, f) in from.iter().enumerate() {
                let mut t = serde_json::Map::new();
                if i % 4 != 3 {
                    t.insert("from".into(), f.clone());
                }
                if i % 3 == 0 {
                    t.insert("strip".into(), strips[i % strips.len()].clone());
                }
                if i % 2 == 0 {
                    t.insert("handoff".into(), handoffs[(i / 2) % handoffs.len()].clone());
                }
                v.push(Value::Object(t));
            }
            v
        };
        let one_or_many =
            vec![Value::Null, json!("a"), json!(""), json!([]), json!(["a"]), json!(["a", ""]), json!([1]), json!(5)];
        vec![
            ("$schema", vec![Value::Null, json!("./s.json"), json!(5)]),
            (
                "runtime",
                vec![
                    Value::Null,
                    json!("cloudfront-js-1.0"),
                    json!("cloudfront-js-2.0"),
                    json!("cloudfront-js-3.0"),
                    json!(""),
                    json!(2),
                ],
            ),
            (
                "key",
                vec![
                    Value::Null,
                    json!({}),
                    json!({"kvs": "jwt.secret"}),
                    json!({"kvs": "jwt.secret", "encoding": "base64"}),
                    json!({"kvs": "k", "encoding": "hex"}),
                    json!({"kvs": "k", "encoding": "latin1"}),
                    json!({"encoding": "hex"}),
                    json!({"kvs": ""}),
                    json!({"kvs": null}),
                    json!({"kvs": 5}),
                    json!({"zzz": 1}),
                    json!("k"),
                ],
            ),
            ("token", token),
            ("claims.exp", vec![Value::Null, json!("required"), json!("optional"), json!("Required"), json!(1)]),
            ("claims.nbf", vec![Value::Null, json!("required"), json!("optional"), json!("no")]),
            (
                "claims.leeway",
                vec![Value::Null, json!(0), json!(300), json!(301), json!(-1), json!("3"), json!(2.5), json!(i64::MIN)],
            ),
            (
                "claims.max_age",
                vec![Value::Null, json!(1), json!(0), json!(-1), json!(3600), json!(i64::MAX), json!(0.5)],
            ),
            ("claims.iss", one_or_many.clone()),
            ("claims.aud", one_or_many),
            ("claims.scope", vec![Value::Null, json!("paths"), json!(""), json!(["paths"])]),
            (
                "claims.require",
                vec![
                    Value::Null,
                    json!({}),
                    json!({"plan": "pro"}),
                    json!({"plan": ["pro", 1, true], "n": -2.5}),
                    json!({"plan": []}),
                    json!({"plan": ""}),
                    json!({"plan": [""]}),
                    json!({"plan": {}}),
                    json!({"plan": null}),
                    json!({"plan": [["pro"]]}),
                    json!({"iss": "x"}),
                    json!({"": "x"}),
                    json!(["plan"]),
                ],
            ),
            ("claims.zzz", vec![json!(1)]),
            (
                "public",
                vec![
                    Value::Null,
                    json!([]),
                    json!(["/a"]),
                    json!(["/a/*", "/b"]),
                    json!(["a"]),
                    json!(["/a*/b"]),
                    json!(["/**"]),
                    json!(["/a b"]),
                    json!("/a"),
                    json!([5]),
                ],
            ),
            ("preflight", vec![Value::Null, json!(true), json!(false), json!(1)]),
            (
                "revocation",
                vec![
                    Value::Null,
                    json!({"claim": "sid"}),
                    json!({"claim": "sub", "prefix": "out:"}),
                    json!({"claim": ""}),
                    json!({}),
                    json!({"claim": "sid", "prefix": ""}),
                    json!({"claim": 5}),
                    json!({"claim": "sid", "zzz": 1}),
                    json!(["sid"]),
                ],
            ),
            (
                "forward",
                vec![
                    Value::Null,
                    json!({}),
                    json!({"sub": "x-user-id", "tenant": "x-tenant"}),
                    json!({"sub": "X-User"}),
                    json!({"sub": "host"}),
                    json!({"sub": "x-amz-cf-id"}),
                    json!({"sub": "cookie"}),
                    json!({"sub": "access-control-allow-origin"}),
                    json!({"sub": "constructor"}),
                    json!({"sub": "x-token"}),
                    json!({"sub": "x-a", "tid": "x-a"}),
                    json!({"sub": 5}),
                    json!({"": "x-a"}),
                    json!(["sub"]),
                ],
            ),
            (
                "deny",
                vec![
                    Value::Null,
                    json!({}),
                    json!({"status": 401}),
                    json!({"status": 404}),
                    json!({"status": 302}),
                    json!({"status": null}),
                    json!({"redirect": "/login?u={uri}"}),
                    json!({"redirect": "https://x.example"}),
                    json!({"redirect": "//x"}),
                    json!({"redirect": "javascript:x"}),
                    json!({"redirect": "/a\u{2029}"}),
                    json!({"status": 401, "redirect": "/x"}),
                    json!({"status": 403, "redirect": null}),
                    json!({"status": null, "redirect": "/x"}),
                    json!({"status": 401, "zzz": 1}),
                    json!(401),
                ],
            ),
            ("zzz", vec![json!(1)]),
        ]
    }

    /// A policy from a choice of value (or absence) per field.
    fn policy_from(choices: &[usize]) -> Value {
        let mut policy = serde_json::Map::new();
        for ((field, values), choice) in field_values().into_iter().zip(choices) {
            // Three chances in four (more for unknown fields) that the field is absent, so that
            // many policies have one wrong field or none.
            let draws = if field.ends_with("zzz") { 24 } else { values.len() * 4 };
            let Some(value) = values.get(choice % draws) else { continue };
            match field.strip_prefix("claims.") {
                Some(claim) => {
                    let claims = policy.entry("claims").or_insert_with(|| json!({}));
                    claims[claim] = value.clone();
                }
                None => {
                    policy.insert(field.into(), value.clone());
                }
            }
        }
        Value::Object(policy)
    }

    /// The cross-field rules the schema cannot state (see `known_gaps_are_as_documented`): two
    /// claims forwarded as one header, or as a header that is a token source.
    fn forward_gap(policy: &Value) -> bool {
        let Some(forward) = policy.get("forward").and_then(Value::as_object) else { return false };
        let headers: Vec<&str> = forward.values().filter_map(Value::as_str).collect();
        let sources = policy.pointer("/token/from").and_then(Value::as_array).cloned().unwrap_or_default();
        let duplicate = headers.iter().enumerate().any(|(i, h)| headers[..i].contains(h));
        duplicate || headers.iter().any(|h| sources.contains(&json!(format!("header:{h}"))))
    }

    /// The cross-field rules the schema cannot state (see `known_gaps_are_as_documented`): a
    /// hand-off cookie that is not a source, or one listed before the first query source.
    fn handoff_gap(policy: &Value) -> bool {
        let Some(cookie) = policy.pointer("/token/handoff/cookie").and_then(Value::as_str) else { return false };
        let Some(from) = policy.pointer("/token/from").and_then(Value::as_array) else { return false };
        let position = |test: &dyn Fn(&str) -> bool| from.iter().position(|s| s.as_str().is_some_and(test));
        let other = from.iter().any(|s| s.as_str().is_some_and(|s| s.starts_with("cookie:")))
            && !from.contains(&json!(format!("cookie:{cookie}")));
        let cookie_at = position(&|s| s == format!("cookie:{cookie}"));
        let query_at = position(&|s| s.starts_with("query:"));
        other || matches!((cookie_at, query_at), (Some(c), Some(q)) if c < q)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn schema_and_gen_agree_on_random_policies(choices in proptest::collection::vec(0usize..1024, 20)) {
            let policy = policy_from(&choices);
            if handoff_gap(&policy) || forward_gap(&policy) {
                return Ok(());
            }
            let by_gen = gen_accepts(&policy);
            prop_assert_eq!(by_gen.is_ok(), schema_accepts(&policy), "gen: {:?}, policy: {}", by_gen, policy);
        }
    }

    #[test]
    fn random_policies_are_not_all_refused() {
        // The agreement above means little if nearly every drawn policy is invalid.
        let accepted = (0..2000u64)
            .map(|i| {
                (0..20u64).map(|f| ((i * 2654435761 + f * 40503 + i * f * 97) >> 5) as usize % 1024).collect::<Vec<_>>()
            })
            .filter(|choices| gen_accepts(&policy_from(choices)).is_ok())
            .count();
        assert!(accepted > 100, "only {accepted} of 2000 random policies are valid");
        for choices in [[0usize; 20], [1; 20], [2; 20]] {
            assert_agree(&policy_from(&choices));
        }
    }
}

pub(crate) mod deploy {
    use super::*;
    use cfjwt::cloudfront::Runtime;
    use cfjwt::deploy::{snippet, CodeMode, Deployment, Format, Store, StoreSource};

    pub(crate) const ARN: &str =
        "arn:aws:cloudfront::123456789012:key-value-store/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111";

    /// A function with everything a template language could take for its own syntax.
    pub(crate) const HOSTILE: &str = "// cloudfront-js-2.0\n\
        // ${not an interpolation} %{ if x } $${already doubled} %%{too} `backticks`\n\
        var s = \"double \\\"quoted\\\" \\\\ backslash\", t = 'single \\'quoted\\'', u = `template ${1 + 1}`;\n\
        \tvar tab = 1;   \n\
        \n\
        var accents = \"été – ünïcødé ✓ 😀 中文\";\n\
        CFJWT_EOF\n\
        --- # not a YAML document marker\n\
        ...\n\
        EOF\n\
        function handler(event) { return event.request; }\n";

    fn deployment(code: &str, store: bool) -> Deployment {
        Deployment {
            file: "viewer-request.js".into(),
            code: code.into(),
            name: "jwt-check".into(),
            runtime: Runtime::Js2,
            comment: "it's \"quoted\" ${x} %{y} $(z) `w` é\\".into(),
            store: store.then(|| Store {
                source: StoreSource::Arn(ARN.into()),
                key: "jwt.secret".into(),
                secret_file: "my secret.key".into(),
            }),
            code_mode: CodeMode::Inline,
            with_distribution: false,
        }
    }

    /// CloudFormation: the template read by a YAML parser.
    fn cloudformation(code: &str, store: bool) -> serde_norway::Value {
        let text = snippet(&deployment(code, store), Format::Cloudformation);
        serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    fn cfn_function(template: &serde_norway::Value) -> &serde_norway::Value {
        let function = &template["Resources"]["JwtCheckFunction"];
        assert_eq!(function["Type"].as_str(), Some("AWS::CloudFront::Function"));
        &function["Properties"]
    }

    /// Terraform: the resource's attributes as HCL evaluates them.
    fn terraform(code: &str, store: bool) -> std::collections::BTreeMap<String, hcl::Value> {
        use hcl::eval::Evaluate as _;
        let text = snippet(&deployment(code, store), Format::Terraform);
        let body = hcl::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let block = body
            .blocks()
            .find(|b| b.identifier() == "resource")
            .unwrap_or_else(|| panic!("no resource block in\n{text}"));
        let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
        assert_eq!(labels, ["aws_cloudfront_function", "jwt_check"]);
        let ctx = hcl::eval::Context::new();
        block
            .body()
            .attributes()
            .map(|a| {
                (a.key().to_string(), a.expr().evaluate(&ctx).unwrap_or_else(|e| panic!("{}: {e}\n{text}", a.key())))
            })
            .collect()
    }

    #[test]
    fn cloudformation_carries_the_code_and_the_config() {
        let template = cloudformation(HOSTILE, true);
        let p = cfn_function(&template);
        assert_eq!(p["FunctionCode"].as_str(), Some(HOSTILE));
        assert_eq!(p["Name"].as_str(), Some("jwt-check"));
        assert_eq!(p["AutoPublish"].as_bool(), Some(true));
        assert_eq!(p["FunctionConfig"]["Runtime"].as_str(), Some("cloudfront-js-2.0"));
        assert_eq!(p["FunctionConfig"]["Comment"].as_str(), Some(deployment("", false).comment.as_str()));
        assert_eq!(p["FunctionConfig"]["KeyValueStoreAssociations"][0]["KeyValueStoreARN"].as_str(), Some(ARN));
        assert_eq!(get_att(&template["Outputs"]["JwtCheckFunctionArn"]["Value"]), "JwtCheckFunction.FunctionARN");
        let without_store = cloudformation(HOSTILE, false);
        assert!(cfn_function(&without_store)["FunctionConfig"].get("KeyValueStoreAssociations").is_none());
    }

    #[test]
    fn terraform_carries_the_code_and_the_config() {
        let attributes = terraform(HOSTILE, true);
        assert_eq!(attributes["code"], hcl::Value::from(HOSTILE));
        assert_eq!(attributes["name"], hcl::Value::from("jwt-check"));
        assert_eq!(attributes["runtime"], hcl::Value::from("cloudfront-js-2.0"));
        assert_eq!(attributes["comment"], hcl::Value::from(deployment("", false).comment));
        assert_eq!(attributes["publish"], hcl::Value::from(true));
        assert_eq!(attributes["key_value_store_associations"], hcl::Value::from(vec![hcl::Value::from(ARN)]));
        assert!(!terraform(HOSTILE, false).contains_key("key_value_store_associations"));
        let text = snippet(&deployment(HOSTILE, false), Format::Terraform);
        assert!(text.contains("<<CFJWT_EOF_2\n"), "a heredoc whose marker is not a line of the code:\n{text}");
    }

    /// Codes that a literal block or a heredoc cannot hold as they are, and their edges.
    #[test]
    fn awkward_codes_survive_both_formats() {
        let codes = [
            "no final line break",
            "two final line breaks\n\n",
            "\n\nleading blank lines\n",
            "  leading spaces\n",
            "\tleading tab\n",
            "trailing spaces   \n   \n",
            "crlf line ends\r\nhere\r\n",
            "a lone \r carriage return\n",
            "nul \u{0} bell \u{7} escape \u{1b} del \u{7f}\n",
            "nel \u{85} line sep \u{2028} para sep \u{2029} bom \u{feff} nbsp \u{a0}\n",
            "astral 😀 \u{10ffff}\n",
            "#!/not/a/comment\n# nor this\n",
            "\n",
            "",
            "${",
            "%{",
            "$${x}\n%%{y}\n$$${z}\n",
            "\\${x}\n",
            "CFJWT_EOF",
        ];
        for code in codes {
            assert_eq!(cfn_function(&cloudformation(code, false))["FunctionCode"].as_str(), Some(code), "{code:?}");
            assert_eq!(terraform(code, false)["code"], hcl::Value::from(code), "{code:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn any_code_survives_both_formats(code in "(\\PC|[\\t\\n\\r $%{}\\\\\"'`#:|>-]|\\$\\{|%\\{|CFJWT_EOF\\n|\\p{Cc}|\u{2028})*") {
            let template = cloudformation(&code, false);
            prop_assert_eq!(cfn_function(&template)["FunctionCode"].as_str(), Some(code.as_str()));
            prop_assert_eq!(&terraform(&code, true)["code"], &hcl::Value::from(code.as_str()));
        }
    }

    /// The commands of an AWS CLI snippet, as the shell splits them (comments and continuation
    /// lines handled).
    fn shell_commands(text: &str) -> Vec<Vec<String>> {
        let joined = text.replace("\\\n", " ");
        joined
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .map(|l| shell_words::split(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    #[test]
    fn aws_cli_commands_read_the_file_and_quote_the_config() {
        let mut d = deployment(HOSTILE, true);
        d.file = "my dir/it's viewer-request.js".into();
        let text = snippet(&d, Format::AwsCli);
        let commands = shell_commands(&text);
        let verbs: Vec<String> = commands.iter().map(|c| format!("{} {}", c[1], c[2])).collect();
        assert_eq!(
            verbs,
            [
                "cloudfront-keyvaluestore put-key",
                "cloudfront create-function",
                "cloudfront update-function",
                "cloudfront publish-function"
            ]
        );
        let arg = |c: &[String], flag: &str| c.iter().position(|w| w == flag).map(|i| c[i + 1].clone());
        for c in &commands[1..3] {
            assert_eq!(arg(c, "--name").as_deref(), Some("jwt-check"));
            assert_eq!(arg(c, "--function-code").as_deref(), Some("fileb://my dir/it's viewer-request.js"));
            let config: Value = serde_json::from_str(&arg(c, "--function-config").unwrap()).unwrap();
            assert_eq!(config["Runtime"], "cloudfront-js-2.0");
            assert_eq!(config["Comment"], d.comment.as_str());
            assert_eq!(
                config["KeyValueStoreAssociations"],
                json!({"Quantity": 1, "Items": [{"KeyValueStoreARN": ARN}]})
            );
        }
        let put = &commands[0];
        assert_eq!(arg(put, "--kvs-arn").as_deref(), Some(ARN));
        assert_eq!(arg(put, "--key").as_deref(), Some("jwt.secret"));
        // The AWS CLI reads the value from the file: the secret is never on a command line.
        assert_eq!(arg(put, "--value").as_deref(), Some("file://my secret.key"));
    }

    /// Runs the AWS CLI snippet in bash with a stand-in `aws` that records its arguments: the
    /// shell, not a parser, decides what each command receives.
    #[test]
    fn aws_cli_snippet_runs_in_bash() {
        let dir = tempfile::tempdir().unwrap();
        let function = dir.path().join("it's a function.js");
        std::fs::write(&function, HOSTILE).unwrap();
        std::fs::write(dir.path().join("jwt.key"), "the-secret-text\n").unwrap();
        let fake = dir.path().join("bin");
        std::fs::create_dir(&fake).unwrap();
        let aws = fake.join("aws");
        std::fs::write(
            &aws,
            "#!/bin/bash\n\
             # Records each call as NUL-separated arguments; answers ETag queries.\n\
             printf '%s\\0' \"$@\" >> \"$AWS_LOG\"; printf '\\n' >> \"$AWS_LOG\"\n\
             for a in \"$@\"; do case \"$a\" in fileb://*) cat \"${a#fileb://}\" > \"$AWS_LOG.code\";; esac; done\n\
             case \"$2\" in describe-*) echo ETAG-1;; esac\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&aws, std::fs::Permissions::from_mode(0o755)).unwrap();
        let out = cfjwt()
            .current_dir(dir.path())
            .args(["deploy", "it's a function.js", "--name", "jwt-check", "--format", "aws-cli", "--kvs-arn", ARN])
            .args(["--comment", "it's $(not run) `nor this`"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(!script.contains("the-secret-text"));
        let log = dir.path().join("aws.log");
        let status = StdCommand::new("bash")
            .args(["-euo", "pipefail", "-c", &script])
            .current_dir(dir.path())
            .env("PATH", format!("{}:{}", fake.display(), std::env::var("PATH").unwrap()))
            .env("AWS_LOG", &log)
            .status()
            .unwrap();
        assert!(status.success());
        let calls: Vec<Vec<String>> =
            read(&log).lines().map(|l| l.trim_end_matches('\0').split('\0').map(str::to_string).collect()).collect();
        let call = |verb: &str| calls.iter().find(|c| c[1] == verb).unwrap_or_else(|| panic!("no {verb} in {calls:?}"));
        let put = call("put-key");
        // The AWS CLI is told where the secret is; no command line holds the secret itself.
        assert_eq!(put[put.iter().position(|a| a == "--value").unwrap() + 1], "file://jwt.key");
        assert!(calls.iter().flatten().all(|a| !a.contains("the-secret-text")), "{calls:?}");
        assert_eq!(put[put.iter().position(|a| a == "--if-match").unwrap() + 1], "ETAG-1");
        let create = call("create-function");
        let config: Value =
            serde_json::from_str(&create[create.iter().position(|a| a == "--function-config").unwrap() + 1]).unwrap();
        assert_eq!(config["Comment"], "it's $(not run) `nor this`");
        assert_eq!(read(&PathBuf::from(format!("{}.code", log.display()))), HOSTILE);
        let publish = call("publish-function");
        assert_eq!(publish, &["cloudfront", "publish-function", "--name", "jwt-check", "--if-match", "ETAG-1"]);
    }

    /// The put-key commands in the comments of a snippet whose store it declares, run in bash
    /// with stand-ins for `aws` and `terraform` that record their arguments: the store's ARN is
    /// looked up from the tool, and the secret read from its file.
    #[test]
    fn a_declared_stores_put_key_commands_run_in_bash() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("jwt.key"), "the-secret-text\n").unwrap();
        let fake = dir.path().join("bin");
        std::fs::create_dir(&fake).unwrap();
        for tool in ["aws", "terraform"] {
            let path = fake.join(tool);
            std::fs::write(
                &path,
                format!(
                    "#!/bin/bash\n\
                     printf '%s\\0' {tool} \"$@\" >> \"$LOG\"; printf '\\n' >> \"$LOG\"\n\
                     case \"$1 $2\" in\n\
                     \x20 'output -raw'|'cloudformation describe-stacks') echo STORE-ARN;;\n\
                     \x20 'cloudfront-keyvaluestore describe-key-value-store') echo ETAG-1;;\n\
                     esac\n"
                ),
            )
            .unwrap();
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let d = with(CodeMode::File, Some(StoreSource::Create("jwt-keys".into())), false);
        for (format, mark, lookup) in [
            (Format::Cloudformation, "#", vec!["aws", "cloudformation", "describe-stacks", "--stack-name", "my-stack"]),
            (Format::Terraform, "#", vec!["terraform", "output", "-raw", "jwt_check_kvs_arn"]),
            (Format::Cdk, "//", vec!["aws", "cloudformation", "describe-stacks", "--stack-name", "JwtCheckStack"]),
        ] {
            let text = snippet(&d, format);
            let prefix = format!("{mark}   ");
            let from = text.find("The AWS CLI reads the value from").unwrap_or_else(|| panic!("{text}"));
            let script: String = text[from..]
                .lines()
                .skip_while(|l| !l.starts_with(&prefix))
                .take_while(|l| l.starts_with(&prefix))
                .map(|l| format!("{}\n", &l[prefix.len()..]))
                .collect();
            let log = dir.path().join(format!("{format:?}.log"));
            let status = StdCommand::new("bash")
                .args(["-euo", "pipefail", "-c", &script])
                .current_dir(dir.path())
                .env("PATH", format!("{}:{}", fake.display(), std::env::var("PATH").unwrap()))
                .env("LOG", &log)
                .env("STACK", "my-stack")
                .status()
                .unwrap();
            assert!(status.success(), "{format:?}:\n{script}");
            let calls: Vec<Vec<String>> = read(&log)
                .lines()
                .map(|l| l.trim_end_matches('\0').split('\0').map(str::to_string).collect())
                .collect();
            assert_eq!(calls[0][..lookup.len()], lookup[..], "{format:?}: {calls:?}");
            if format != Format::Terraform {
                let query = &calls[0][calls[0].iter().position(|a| a == "--query").unwrap() + 1];
                assert_eq!(query, "Stacks[0].Outputs[?OutputKey=='JwtKeysStoreArn'].OutputValue");
            }
            let put = calls.iter().find(|c| c[2] == "put-key").unwrap_or_else(|| panic!("{calls:?}"));
            let arg = |flag: &str| put[put.iter().position(|a| a == flag).unwrap() + 1].as_str();
            assert_eq!(
                (arg("--kvs-arn"), arg("--value"), arg("--if-match")),
                ("STORE-ARN", "file://jwt.key", "ETAG-1")
            );
            assert!(calls.iter().flatten().all(|a| !a.contains("the-secret-text")), "{calls:?}");
        }
    }

    fn write_function(dir: &Path, name: &str, code: &str) -> String {
        std::fs::write(dir.join(name), code).unwrap();
        dir.join(name).display().to_string()
    }

    #[test]
    fn the_command_reads_the_runtime_from_the_marker() {
        let dir = tempfile::tempdir().unwrap();
        let js1 =
            write_function(dir.path(), "one.js", "// cloudfront-js-1.0\nfunction handler(e) { return e.request; }\n");
        let out = cfjwt().args(["deploy", &js1, "--name", "f", "--format", "cloudformation"]).output().unwrap();
        assert!(out.status.success());
        let template: serde_norway::Value = serde_norway::from_slice(&out.stdout).unwrap();
        assert_eq!(
            template["Resources"]["FFunction"]["Properties"]["FunctionConfig"]["Runtime"].as_str(),
            Some("cloudfront-js-1.0")
        );
        let bare = write_function(dir.path(), "bare.js", "function handler(e) { return e.request; }\n");
        cfjwt()
            .args(["deploy", &bare, "--name", "f", "--format", "terraform"])
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains("no runtime marker").and(predicate::str::contains("--runtime")));
        cfjwt()
            .args(["deploy", &bare, "--name", "f", "--format", "terraform", "--runtime", "cloudfront-js-2.0"])
            .assert()
            .success()
            .stdout(predicate::str::contains("runtime = \"cloudfront-js-2.0\""));
    }

    #[test]
    fn bad_input_is_one_sentence_and_exit_2() {
        let dir = tempfile::tempdir().unwrap();
        let f = write_function(dir.path(), "f.js", "// cloudfront-js-2.0\nfunction handler(e) { return e.request; }\n");
        let js1 =
            write_function(dir.path(), "one.js", "// cloudfront-js-1.0\nfunction handler(e) { return e.request; }\n");
        let latin1 = dir.path().join("latin1.js");
        std::fs::write(&latin1, b"// cloudfront-js-2.0\n\xe9\n").unwrap();
        let cases: Vec<(Vec<&str>, &str)> = vec![
            (vec![&f, "--name", "jwt check", "--format", "aws-cli"], "--name"),
            (vec![&f, "--name", "x", "--format", "aws-cli", "--kvs-arn", "arn:aws:s3:::bucket"], "--kvs-arn"),
            (vec![&js1, "--name", "x", "--format", "aws-cli", "--kvs-arn", ARN], "cloudfront-js-2.0"),
            (vec![latin1.to_str().unwrap(), "--name", "x", "--format", "aws-cli"], "not UTF-8"),
            (vec!["no-such.js", "--name", "x", "--format", "aws-cli"], "cannot read"),
            (vec![&f, "--name", "x", "--format", "pulumi"], "pulumi"),
            (vec![&f, "--name", "x", "--format", "aws-cli", "--comment", "a\nb"], "--comment"),
            (vec![&f, "--name", "x", "--format", "aws-cli", "--code", "inline"], "fileb://"),
            (vec![&f, "--name", "x", "--format", "cdk", "--code", "inline"], "FunctionCode.fromFile"),
            (vec![&f, "--name", "x", "--format", "cloudformation", "--code", "file"], "cannot read a file"),
            (vec![&f, "--name", "x", "--format", "terraform", "--code", "copy"], "--code"),
            (vec![&f, "--name", "x", "--format", "aws-cli", "--with-distribution"], "--with-distribution"),
            (vec![&f, "--name", "x", "--format", "aws-cli", "--kvs-create", "keys"], "create-key-value-store"),
            (vec![&f, "--name", "x", "--format", "cdk", "--kvs-create", "my keys"], "--kvs-create"),
            (vec![&js1, "--name", "x", "--format", "cdk", "--kvs-create", "keys"], "--kvs-create"),
            (
                vec![&f, "--name", "x", "--format", "cdk", "--kvs-arn", "aws_cloudfront_key_value_store.k.arn"],
                "only --format terraform",
            ),
            (vec![&f, "--name", "x", "--format", "terraform", "--kvs-arn", "var.kvs"], "--kvs-arn"),
            (vec![&f, "--name", "x", "--format", "terraform", "--kvs-arn", ARN, "--kvs-create", "k"], "--kvs-create"),
            (vec![&f, "--name", "x", "--format", "terraform", "--kvs-key", "k"], "--kvs-key"),
        ];
        for (args, says) in cases {
            let out = cfjwt().arg("deploy").args(&args).output().unwrap();
            assert_eq!(out.status.code(), Some(2), "{args:?}");
            assert!(out.stdout.is_empty(), "{args:?}");
            let err = String::from_utf8(out.stderr).unwrap();
            assert!(err.contains(says), "{args:?}: {err}");
        }
        let out = cfjwt().args(["deploy", &f, "--name", "x", "--format", "aws-cli"]).output().unwrap();
        assert!(out.status.success());
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 0, "a clean function deploys without a word: {err}");
    }

    #[test]
    fn a_store_policy_gets_the_put_key_command_and_warnings_help() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("kvs.js");
        cfjwt()
            .args([
                "gen",
                "--config",
                repo("examples/kvs-rotation.json").to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
            ])
            .assert()
            .success();
        let f = out.to_str().unwrap();
        for format in ["aws-cli", "cloudformation", "terraform", "cdk"] {
            cfjwt()
                .args(["deploy", f, "--name", "x", "--format", format])
                .assert()
                .success()
                .stderr(predicate::str::contains("--kvs-arn"))
                .stdout(predicate::str::contains("put-key").not());
            cfjwt()
                .args(["deploy", f, "--name", "x", "--format", format, "--kvs-arn", ARN, "--secret-file", "k.txt"])
                .assert()
                .success()
                .stderr("")
                .stdout(predicate::str::contains("put-key").and(predicate::str::contains("--value file://k.txt")));
            if format != "aws-cli" {
                // A store the snippet declares: its ARN comes from the tool once it exists.
                let out = cfjwt()
                    .args(["deploy", f, "--name", "x", "--format", format, "--kvs-create", "keys"])
                    .output()
                    .unwrap();
                assert!(out.status.success() && out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
                let text = String::from_utf8(out.stdout).unwrap();
                let lookup = text.lines().find(|l| l.contains("KVS_ARN=\"$(")).unwrap_or_else(|| panic!("{text}"));
                let from = match format {
                    "terraform" => "terraform output -raw x_kvs_arn",
                    "cdk" => "describe-stacks --stack-name XStack",
                    _ => "describe-stacks --stack-name \"${STACK:?set STACK to the stack name}\"",
                };
                assert!(lookup.contains(from), "{lookup}");
                assert!(text.contains("put-key --kvs-arn \"$KVS_ARN\""), "{text}");
            }
        }
        cfjwt()
            .args([
                "deploy",
                f,
                "--name",
                "x",
                "--format",
                "aws-cli",
                "--kvs-arn",
                ARN,
                "--kvs-key",
                "jwt.secret:2026-11",
            ])
            .assert()
            .success()
            .stderr("");
        cfjwt()
            .args(["deploy", f, "--name", "x", "--format", "aws-cli", "--kvs-arn", ARN, "--kvs-key", "other"])
            .assert()
            .success()
            .stderr(predicate::str::contains("does not mention the store key `other`"));
    }

    fn with(code_mode: CodeMode, source: Option<StoreSource>, with_distribution: bool) -> Deployment {
        let mut d = deployment(HOSTILE, false);
        d.store = source.map(|source| Store { source, key: "jwt.secret".into(), secret_file: "jwt.key".into() });
        d.code_mode = code_mode;
        d.with_distribution = with_distribution;
        d
    }

    /// A YAML value tagged `!GetAtt`, as its text (`Resource.Attribute`).
    fn get_att(value: &serde_norway::Value) -> String {
        match value {
            serde_norway::Value::Tagged(t) if t.tag == "GetAtt" => t.value.as_str().unwrap().to_string(),
            other => panic!("not a !GetAtt: {other:?}"),
        }
    }

    /// The lines of a snippet's comment that start with `prefix`, less it: the text to paste.
    fn commented(text: &str, prefix: &str, first: &str) -> String {
        let at = text.find(&format!("{prefix}{first}")).unwrap_or_else(|| panic!("no `{first}` in\n{text}"));
        let mut out = String::new();
        for line in text[at..].lines() {
            match line.strip_prefix(prefix) {
                Some(rest) => {
                    out.push_str(rest);
                    out.push('\n');
                }
                None => break,
            }
        }
        out
    }

    #[test]
    fn cloudformation_declares_the_store_and_shows_the_association() {
        let text = snippet(
            &with(CodeMode::Inline, Some(StoreSource::Create("jwt-keys".into())), false),
            Format::Cloudformation,
        );
        let template: serde_norway::Value = serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let store = &template["Resources"]["JwtKeysStore"];
        assert_eq!(store["Type"].as_str(), Some("AWS::CloudFront::KeyValueStore"));
        assert_eq!(store["Properties"]["Name"].as_str(), Some("jwt-keys"));
        let p = cfn_function(&template);
        assert_eq!(
            get_att(&p["FunctionConfig"]["KeyValueStoreAssociations"][0]["KeyValueStoreARN"]),
            "JwtKeysStore.Arn"
        );
        assert_eq!(get_att(&template["Outputs"]["JwtKeysStoreArn"]["Value"]), "JwtKeysStore.Arn");
        assert_eq!(p["FunctionCode"].as_str(), Some(HOSTILE));
        // The entry to paste, read back from the comment.
        let entry: serde_norway::Value =
            serde_norway::from_str(&commented(&text, "#   ", "FunctionAssociations:")).unwrap();
        let association = &entry["FunctionAssociations"][0];
        assert_eq!(association["EventType"].as_str(), Some("viewer-request"));
        assert_eq!(get_att(&association["FunctionARN"]), "JwtCheckFunction.FunctionARN");
        // With the distribution, the entry is in its default behavior, not in a comment.
        let text = snippet(&with(CodeMode::Inline, Some(StoreSource::Arn(ARN.into())), true), Format::Cloudformation);
        assert!(!text.contains("#   FunctionAssociations"), "{text}");
        let template: serde_norway::Value = serde_norway::from_str(&text).unwrap();
        let config = &template["Resources"]["JwtCheckDistribution"]["Properties"]["DistributionConfig"];
        let behavior = &config["DefaultCacheBehavior"];
        assert_eq!(behavior["FunctionAssociations"], entry["FunctionAssociations"]);
        let policy = &template["Resources"]["JwtCheckCachePolicy"]["Properties"]["CachePolicyConfig"];
        let key = &policy["ParametersInCacheKeyAndForwardedToOrigin"];
        for (config, behavior) in [
            ("QueryStringsConfig", "QueryStringBehavior"),
            ("CookiesConfig", "CookieBehavior"),
            ("HeadersConfig", "HeaderBehavior"),
        ] {
            assert_eq!(key[config][behavior].as_str(), Some("none"), "{config}");
        }
        assert!(template["Resources"].get("JwtKeysStore").is_none(), "a store given by ARN is not declared");
    }

    /// A Terraform configuration as an HCL parser reads it, evaluated as far as a snippet needs:
    /// `path.module` is `module`, `file()` reads the file, and every resource or data source
    /// declared (or named in `existing`) has attributes whose values are their own references
    /// (`aws_x.y.arn` is "aws_x.y.arn").
    pub(crate) struct Tf {
        text: String,
        body: hcl::Body,
        ctx: hcl::eval::Context<'static>,
    }

    impl Tf {
        pub(crate) fn parse(text: &str, module: &Path, existing: &[&str]) -> Tf {
            fn file(args: hcl::eval::FuncArgs) -> Result<hcl::Value, String> {
                std::fs::read_to_string(args[0].as_str().unwrap()).map(hcl::Value::from).map_err(|e| e.to_string())
            }
            let body = hcl::parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
            let mut paths: Vec<Vec<String>> =
                existing.iter().map(|r| r.rsplit_once('.').unwrap().0.split('.').map(String::from).collect()).collect();
            for block in body.blocks() {
                let labels: Vec<String> = block.labels().iter().map(|l| l.as_str().to_string()).collect();
                match block.identifier() {
                    "resource" => paths.push(labels),
                    "data" => paths.push([vec!["data".to_string()], labels].concat()),
                    _ => {}
                }
            }
            let mut vars = serde_json::Map::new();
            for path in paths {
                let attributes: serde_json::Map<String, Value> =
                    ["arn", "id", "json", "domain_name", "bucket_regional_domain_name"]
                        .iter()
                        .map(|a| (a.to_string(), Value::from(format!("{}.{a}", path.join(".")))))
                        .collect();
                let mut at = &mut vars;
                for step in &path[..path.len() - 1] {
                    at = at.entry(step.clone()).or_insert_with(|| json!({})).as_object_mut().unwrap();
                }
                at.insert(path.last().unwrap().clone(), Value::Object(attributes));
            }
            let mut ctx = hcl::eval::Context::new();
            for (name, value) in vars {
                ctx.declare_var(name, hcl::to_value(value).unwrap());
            }
            ctx.declare_var("path", hcl::to_value(json!({"module": module.display().to_string()})).unwrap());
            ctx.declare_func("file", hcl::eval::FuncDef::builder().param(hcl::eval::ParamType::String).build(file));
            Tf { text: text.to_string(), body, ctx }
        }

        /// The block `identifier` with these labels, and its nested blocks by path.
        pub(crate) fn block(&self, path: &[(&str, &[&str])]) -> &hcl::Block {
            let mut body = &self.body;
            let mut found = None;
            for (identifier, labels) in path {
                let block = body
                    .blocks()
                    .find(|b| {
                        b.identifier() == *identifier
                            && b.labels().iter().map(|l| l.as_str()).eq(labels.iter().copied())
                    })
                    .unwrap_or_else(|| panic!("no {identifier} {labels:?} in\n{}", self.text));
                body = block.body();
                found = Some(block);
            }
            found.unwrap()
        }

        pub(crate) fn attr(&self, block: &hcl::Block, name: &str) -> hcl::Value {
            use hcl::eval::Evaluate as _;
            let a = block
                .body()
                .attributes()
                .find(|a| a.key() == name)
                .unwrap_or_else(|| panic!("no {name} in\n{}", self.text));
            a.expr().evaluate(&self.ctx).unwrap_or_else(|e| panic!("{name}: {e}\n{}", self.text))
        }
    }

    #[test]
    fn terraform_reads_the_file_from_the_module() {
        let dir = tempfile::tempdir().unwrap();
        let module = dir.path().join("infra");
        std::fs::create_dir(&module).unwrap();
        let name = "it's ${x} %{y} \"q\".js";
        std::fs::write(dir.path().join(name), HOSTILE).unwrap();
        let mut d = with(CodeMode::File, None, false);
        d.file = format!("../{name}");
        let text = snippet(&d, Format::Terraform);
        assert!(!text.contains("not an interpolation"), "the code is read, not carried:\n{text}");
        let tf = Tf::parse(&text, &module, &[]);
        let function = tf.block(&[("resource", &["aws_cloudfront_function", "jwt_check"])]);
        assert_eq!(tf.attr(function, "code"), hcl::Value::from(HOSTILE));
        // An absolute path is read as it is.
        d.file = dir.path().join(name).display().to_string();
        let tf = Tf::parse(&snippet(&d, Format::Terraform), Path::new("/nowhere"), &[]);
        let function = tf.block(&[("resource", &["aws_cloudfront_function", "jwt_check"])]);
        assert_eq!(tf.attr(function, "code"), hcl::Value::from(HOSTILE));
    }

    #[test]
    fn terraform_declares_or_references_the_store_and_shows_the_association() {
        let dir = tempfile::tempdir().unwrap();
        let function_block: &[(&str, &[&str])] = &[("resource", &["aws_cloudfront_function", "jwt_check"])];
        let created =
            snippet(&with(CodeMode::Inline, Some(StoreSource::Create("jwt-keys".into())), false), Format::Terraform);
        let tf = Tf::parse(&created, dir.path(), &[]);
        let store = tf.block(&[("resource", &["aws_cloudfront_key_value_store", "jwt_keys"])]);
        assert_eq!(tf.attr(store, "name"), hcl::Value::from("jwt-keys"));
        let function = tf.block(function_block);
        let stores = |tf: &Tf| tf.attr(tf.block(function_block), "key_value_store_associations");
        assert_eq!(
            stores(&tf),
            hcl::Value::from(vec![hcl::Value::from("aws_cloudfront_key_value_store.jwt_keys.arn")])
        );
        assert_eq!(tf.attr(function, "code"), hcl::Value::from(HOSTILE));
        let output = tf.block(&[("output", &["jwt_check_kvs_arn"])]);
        assert_eq!(tf.attr(output, "value"), hcl::Value::from("aws_cloudfront_key_value_store.jwt_keys.arn"));
        // The block to paste, read back from the comment.
        let pasted = Tf::parse(
            &commented(&created, "#   ", "function_association {"),
            dir.path(),
            &["aws_cloudfront_function.jwt_check.arn"],
        );
        let association = pasted.block(&[("function_association", &[])]);
        assert_eq!(pasted.attr(association, "event_type"), hcl::Value::from("viewer-request"));
        assert_eq!(pasted.attr(association, "function_arn"), hcl::Value::from("aws_cloudfront_function.jwt_check.arn"));
        // A store declared elsewhere, by reference: written as an expression, declared nowhere here.
        let reference = "data.aws_cloudfront_key_value_store.shared.arn";
        let referenced =
            snippet(&with(CodeMode::Inline, Some(StoreSource::Reference(reference.into())), false), Format::Terraform);
        let tf = Tf::parse(&referenced, dir.path(), &[reference]);
        assert_eq!(stores(&tf), hcl::Value::from(vec![hcl::Value::from(reference)]));
        assert!(!referenced.contains("resource \"aws_cloudfront_key_value_store\""), "{referenced}");
        assert!(referenced.contains("terraform output -raw jwt_check_kvs_arn"), "{referenced}");
        // With the distribution, the block is in its default behavior, not in a comment.
        let full =
            snippet(&with(CodeMode::File, Some(StoreSource::Create("jwt-keys".into())), true), Format::Terraform);
        assert!(!full.contains("#   function_association"), "{full}");
        std::fs::write(dir.path().join("viewer-request.js"), HOSTILE).unwrap();
        let mut d = with(CodeMode::File, Some(StoreSource::Create("jwt-keys".into())), true);
        d.file = "viewer-request.js".into();
        let tf = Tf::parse(&snippet(&d, Format::Terraform), dir.path(), &[]);
        let distribution: &[(&str, &[&str])] = &[("resource", &["aws_cloudfront_distribution", "jwt_check"])];
        let association =
            tf.block(&[distribution, &[("default_cache_behavior", &[]), ("function_association", &[])]].concat());
        assert_eq!(tf.attr(association, "event_type"), hcl::Value::from("viewer-request"));
        assert_eq!(tf.attr(association, "function_arn"), hcl::Value::from("aws_cloudfront_function.jwt_check.arn"));
        let behavior = tf.block(&[distribution, &[("default_cache_behavior", &[])]].concat());
        assert_eq!(tf.attr(behavior, "cache_policy_id"), hcl::Value::from("aws_cloudfront_cache_policy.jwt_check.id"));
        let key: &[(&str, &[&str])] = &[
            ("resource", &["aws_cloudfront_cache_policy", "jwt_check"]),
            ("parameters_in_cache_key_and_forwarded_to_origin", &[]),
        ];
        for (config, behavior) in [
            ("query_strings_config", "query_string_behavior"),
            ("cookies_config", "cookie_behavior"),
            ("headers_config", "header_behavior"),
        ] {
            let block = tf.block(&[key, &[(config, &[])]].concat());
            assert_eq!(tf.attr(block, behavior), hcl::Value::from("none"), "{config}");
        }
        let condition = tf.block(&[
            ("data", &["aws_iam_policy_document", "jwt_check_bucket"]),
            ("statement", &[]),
            ("condition", &[]),
        ]);
        assert_eq!(
            tf.attr(condition, "values"),
            hcl::Value::from(vec![hcl::Value::from("aws_cloudfront_distribution.jwt_check.arn")])
        );
        assert_eq!(tf.attr(tf.block(function_block), "code"), hcl::Value::from(HOSTILE));
    }

    /// The layout `terraform fmt` writes: lines indented two spaces per open block or object, and
    /// in each run of consecutive attributes of one body (a blank line, a comment, a block or a
    /// value over several lines ends it) the `=` one space after the longest name.
    pub(crate) fn assert_laid_out_as_terraform_fmt(text: &str) {
        let mut depth = 0usize;
        let mut run: Vec<(usize, usize, &str)> = Vec::new();
        let close = |run: &mut Vec<(usize, usize, &str)>| {
            let longest = run.iter().map(|(name, _, _)| *name).max().unwrap_or(0);
            for (name, eq, line) in run.drain(..) {
                assert_eq!(
                    eq,
                    line.len() - line.trim_start().len() + longest + 1,
                    "not aligned: {line:?} (name {name})\n{text}"
                );
            }
        };
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            let trimmed = line.trim_start();
            if trimmed.starts_with('#') {
                // A comment: indented as the body it is in; what it holds is not HCL.
                assert_eq!(line.len() - trimmed.len(), 2 * depth, "indentation of {line:?}\n{text}");
                close(&mut run);
                continue;
            }
            if trimmed.starts_with('}') || trimmed.starts_with(']') {
                depth -= 1;
            }
            if !trimmed.is_empty() {
                assert_eq!(line.len() - trimmed.len(), 2 * depth, "indentation of {line:?}\n{text}");
            }
            let name_end = trimmed.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).unwrap_or(0);
            let is_attribute = name_end > 0 && trimmed[name_end..].trim_start().starts_with("= ");
            if is_attribute {
                let eq = line.find(" = ").unwrap() + 1;
                run.push((name_end, eq, line));
            } else {
                close(&mut run);
            }
            if let Some(marker) = trimmed
                .rsplit_once("<<")
                .map(|(_, m)| m.trim_start_matches('-'))
                .filter(|m| is_attribute && !m.contains(' '))
            {
                close(&mut run);
                for body in lines.by_ref() {
                    if body.trim() == marker {
                        break;
                    }
                }
            }
            if trimmed.ends_with('{') || trimmed.ends_with('[') {
                close(&mut run);
                depth += 1;
            }
        }
        close(&mut run);
        assert_eq!(depth, 0, "unbalanced braces\n{text}");
    }

    #[test]
    fn printed_hcl_is_laid_out_as_terraform_fmt_does() {
        for mode in [CodeMode::Inline, CodeMode::File] {
            for source in [
                None,
                Some(StoreSource::Arn(ARN.into())),
                Some(StoreSource::Create("k".into())),
                Some(StoreSource::Reference("aws_x.y.arn".into())),
            ] {
                for full in [false, true] {
                    let text = snippet(&with(mode, source.clone(), full), Format::Terraform);
                    assert_laid_out_as_terraform_fmt(&text);
                    if !full {
                        assert_laid_out_as_terraform_fmt(&commented(&text, "#   ", "function_association {"));
                    }
                }
            }
        }
    }

    #[test]
    fn cdk_values_are_string_literals() {
        let mut d = with(CodeMode::File, Some(StoreSource::Arn(ARN.into())), false);
        d.file = "it's \"a\" \\ ${x} `y` \u{2028}.js".into();
        let text = snippet(&d, Format::Cdk);
        let literal = |after: &str| -> String {
            let line = text
                .lines()
                .find(|l| l.trim_start().starts_with(after))
                .unwrap_or_else(|| panic!("no {after} in\n{text}"));
            let value = line.trim_start()[after.len()..]
                .trim_end_matches([',', ' ', '}', ')'])
                .trim_start_matches("{ filePath: ");
            serde_json::from_str(value).unwrap_or_else(|e| panic!("{e}: {value}"))
        };
        assert_eq!(literal("code: cloudfront.FunctionCode.fromFile("), d.file);
        assert_eq!(literal("comment: "), d.comment);
        assert_eq!(literal("functionName: "), "jwt-check");
        assert!(!text.contains('\u{2028}'), "a line terminator of JavaScript, raw:\n{text}");
        assert!(text.contains(&format!("fromKeyValueStoreArn(this, \"JwtCheckStore\", \"{ARN}\")")), "{text}");
        assert!(text.contains("cloudfront.FunctionRuntime.JS_2_0"), "{text}");
        d.runtime = Runtime::Js1;
        d.store = None;
        assert!(snippet(&d, Format::Cdk).contains("cloudfront.FunctionRuntime.JS_1_0"));
    }
}

mod shell_and_man {
    use super::*;

    const COMMANDS: [&str; 9] = ["gen", "check", "test", "token", "schema", "deploy", "init", "completions", "man"];

    #[test]
    fn completions_for_every_shell() {
        for (shell, marker) in [
            ("bash", "complete -F _cfjwt"),
            ("zsh", "#compdef cfjwt"),
            ("fish", "complete -c cfjwt"),
            ("powershell", "Register-ArgumentCompleter"),
            ("elvish", "edit:completion:arg-completer[cfjwt]"),
        ] {
            let out = cfjwt().args(["completions", shell]).output().unwrap();
            assert!(out.status.success(), "{shell}");
            let text = String::from_utf8(out.stdout).unwrap();
            assert!(text.contains(marker), "{shell}: no {marker}");
            for command in COMMANDS {
                assert!(text.contains(command), "{shell}: no {command}");
            }
        }
        cfjwt().args(["completions", "tcsh"]).assert().code(2);
    }

    #[test]
    fn bash_completion_completes() {
        let out = cfjwt().args(["completions", "bash"]).output().unwrap();
        let script = String::from_utf8(out.stdout).unwrap();
        let probe = format!(
            "{script}\nCOMP_WORDS=(cfjwt dep); COMP_CWORD=1; COMP_LINE='cfjwt dep'; COMP_POINT=9; _cfjwt cfjwt dep cfjwt; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"\n\
             COMP_WORDS=(cfjwt deploy f.js --format ''); COMP_CWORD=4; _cfjwt cfjwt '' --format; printf '%s\\n' \"${{COMPREPLY[@]}}\""
        );
        let out = StdCommand::new("bash").args(["-c", &probe]).output().unwrap();
        let words = String::from_utf8(out.stdout).unwrap();
        assert!(words.lines().any(|w| w == "deploy"), "{words}");
        for format in ["aws-cli", "cloudformation", "terraform"] {
            assert!(words.lines().any(|w| w == format), "{words}");
        }
    }

    #[test]
    fn man_pages_have_examples_exit_status_the_policy_fields_and_see_also() {
        use clap::Parser as _;
        for (command, _, line) in cfjwt::cli::EXAMPLES {
            let words = shell_words::split(line).unwrap();
            assert_eq!(words[1], *command, "{line}");
            if let Err(e) = cfjwt::cli::Cli::try_parse_from(&words) {
                panic!("the example `{line}` does not parse: {e}");
            }
        }
        let page = |args: &[&str]| String::from_utf8(cfjwt().args(args).output().unwrap().stdout).unwrap();
        let main = page(&["man"]);
        for section in [".SH EXAMPLES", ".SH \"EXIT STATUS\"", ".SH \"POLICY FIELDS\"", ".SH \"SEE ALSO\""] {
            assert!(main.contains(section), "cfjwt(1) has no {section}");
        }
        for field in ["runtime", "token", "claims", "public", "deny", "log", "cors"] {
            assert!(main.contains(&format!(".TP\n\\fB{field}\\fR\n")), "cfjwt(1) does not list the field {field}");
        }
        // No line of the added sections is taken by roff as a request it does not know.
        let added = &main[main.find(".SH EXAMPLES").unwrap()..];
        for l in added.lines().filter(|l| l.starts_with('.') || l.starts_with('\'')) {
            assert!([".SH", ".TP", ".nf", ".fi"].iter().any(|r| l.starts_with(r)), "a stray request: {l}");
        }
        let gen = page(&["man", "gen"]);
        assert!(gen.contains(".SH \"EXIT STATUS\"\n0 written (or current, with \\-\\-check)"), "{gen}");
        assert!(gen.contains("cfjwt gen \\-\\-config policy.json"), "{gen}");
        assert!(gen.contains(".SH \"SEE ALSO\"\ncfjwt(1), cfjwt\\-check(1)"), "{gen}");
        assert!(page(&["man", "help"]).contains("\n.TH cfjwt-help 1"));
    }

    #[test]
    fn help_works_as_a_command_with_help_of_its_own() {
        let out = cfjwt().args(["help", "--help"]).output().unwrap();
        assert!(out.status.success());
        assert!(String::from_utf8(out.stdout).unwrap().contains("Usage: cfjwt help [COMMAND]"));
        let help = String::from_utf8(cfjwt().args(["help", "gen"]).output().unwrap().stdout).unwrap();
        let direct = String::from_utf8(cfjwt().args(["gen", "--help"]).output().unwrap().stdout).unwrap();
        assert_eq!(help, direct, "cfjwt help gen is cfjwt gen --help");
        assert!(String::from_utf8(cfjwt().arg("help").output().unwrap().stdout).unwrap().contains("Commands:"));
        cfjwt()
            .args(["help", "nope"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("`nope` is not a cfjwt command"));
    }

    #[test]
    fn man_pages() {
        let out = cfjwt().arg("man").output().unwrap();
        assert!(out.status.success());
        let page = String::from_utf8(out.stdout).unwrap();
        assert!(page.contains("\n.TH cfjwt 1"), "{}", &page[..200]);
        for command in COMMANDS {
            assert!(page.contains(&format!("cfjwt\\-{command}")) || page.contains(command), "no {command}");
        }
        let out = cfjwt().args(["man", "deploy"]).output().unwrap();
        assert!(out.status.success());
        let page = String::from_utf8(out.stdout).unwrap();
        assert!(page.contains("\n.TH cfjwt-deploy 1"), "{}", &page[..300]);
        assert!(page.contains("cfjwt\\-deploy \\- Print what deploys a function file"), "{}", &page[..300]);
        assert!(page.contains("\\-\\-kvs\\-arn"));
        cfjwt()
            .args(["man", "nope"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("`nope` is not a cfjwt command"));
    }
}

mod init {
    use super::*;

    const SETUPS: [&str; 3] = ["video-cookie", "api-bearer", "kvs-rotation"];

    #[test]
    fn writes_each_starter_policy_which_gen_accepts() {
        let dir = tempfile::tempdir().unwrap();
        for setup in SETUPS {
            let policy = dir.path().join(format!("{setup}.json"));
            let out = cfjwt().args(["init", "--setup", setup, "-o", policy.to_str().unwrap()]).output().unwrap();
            assert!(out.status.success(), "{setup}");
            assert!(out.stdout.is_empty());
            let said = String::from_utf8(out.stderr).unwrap();
            assert!(
                said.contains("a starter policy for") && said.contains("cfjwt schema > cfjwt-policy.schema.json"),
                "{said}"
            );
            assert_eq!(read(&policy), read(&repo(&format!("templates/init/{setup}.json"))));
            // The starter policy is the example policy the golden tests run, plus "$schema".
            let mut starter: Value = serde_json::from_str(&read(&policy)).unwrap();
            assert_eq!(starter.as_object_mut().unwrap().remove("$schema"), Some(json!("./cfjwt-policy.schema.json")));
            let example: Value = serde_json::from_str(&read(&repo(&format!("examples/{setup}.json")))).unwrap();
            assert_eq!(starter, example, "{setup}");
            let out_js = dir.path().join(format!("{setup}.js"));
            let mut gen = cfjwt();
            gen.args(["gen", "--config", policy.to_str().unwrap(), "-o", out_js.to_str().unwrap()]);
            if !read(&policy).contains("\"kvs\"") {
                gen.args(["--key-file", repo(DEMO_KEY).to_str().unwrap()]);
            }
            gen.assert().success();
            cfjwt().args(["check", out_js.to_str().unwrap()]).assert().success();
        }
    }

    #[test]
    fn refuses_to_overwrite_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let policy = dir.path().join("policy.json");
        std::fs::write(&policy, "mine").unwrap();
        cfjwt()
            .current_dir(dir.path())
            .args(["init", "--setup", "api-bearer"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("policy.json: the file exists; give --force to replace it"));
        assert_eq!(read(&policy), "mine");
        cfjwt().current_dir(dir.path()).args(["init", "--setup", "api-bearer", "--force"]).assert().success();
        assert_eq!(read(&policy), read(&repo("templates/init/api-bearer.json")));
        let entries = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(entries, 1, "no temporary file left behind");
    }

    #[test]
    fn stdout_unknown_setups_and_unwritable_places() {
        cfjwt()
            .args(["init", "--setup", "kvs-rotation", "-o", "-"])
            .assert()
            .success()
            .stdout(read(&repo("templates/init/kvs-rotation.json")));
        cfjwt().args(["init", "--setup", "nope"]).assert().code(2).stderr(predicate::str::contains("video-cookie"));
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-such-dir").join("policy.json");
        cfjwt()
            .args(["init", "--setup", "video-cookie", "-o", missing.to_str().unwrap()])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("cannot write it"));
        assert!(!missing.exists());
    }
}

/// Runs `cfjwt test` under a pseudo-terminal (util-linux `script`), as a person at a terminal
/// would, returning what the terminal shows.
fn on_a_terminal(args: &[&str], no_color: bool, dir: &Path) -> String {
    let mut line = shell_words::quote(bin().to_str().unwrap()).into_owned();
    for a in args {
        line.push(' ');
        line.push_str(&shell_words::quote(a));
    }
    let mut cmd = StdCommand::new("script");
    cmd.args(["-qec", &line, "/dev/null"]).current_dir(dir).env_remove("NO_COLOR");
    if no_color {
        cmd.env("NO_COLOR", "1");
    }
    let out = cmd.output().expect("util-linux `script` runs commands under a terminal");
    String::from_utf8(out.stdout).unwrap().replace("\r\n", "\n")
}

fn verdict_of(result: &Value) -> (String, String) {
    if !result["FunctionErrorMessage"].as_str().unwrap().is_empty() {
        return ("FAILED".into(), "-".into());
    }
    let output: Value = serde_json::from_str(result["FunctionOutput"].as_str().unwrap()).unwrap();
    match output.get("response") {
        None => ("allow".into(), "-".into()),
        Some(r) => {
            let status = r["statusCode"].as_u64().unwrap();
            let verdict = if (300..400).contains(&status) { "redirect" } else { "deny" };
            (verdict.into(), status.to_string())
        }
    }
}

mod test_output {
    use super::*;

    /// A function built from the video walkthrough's policy and the demo key.
    fn video_function(dir: &Path) -> String {
        let out = dir.join("video.js");
        cfjwt()
            .args(["gen", "--config", repo("templates/init/video-cookie.json").to_str().unwrap()])
            .args(["--key-file", repo(DEMO_KEY).to_str().unwrap(), "-o", out.to_str().unwrap()])
            .assert()
            .success();
        out.display().to_string()
    }

    fn events(names: &[&str]) -> Vec<String> {
        names
            .iter()
            .map(|n| repo(&format!("examples/walkthroughs/video-cookie/events/{n}.json")).display().to_string())
            .collect()
    }

    #[test]
    fn a_terminal_gets_a_coloured_table_per_event() {
        let dir = tempfile::tempdir().unwrap();
        let f = video_function(dir.path());
        let ev = events(&["redirect-manifest-with-query-token", "allow-segment-with-cookie", "deny-other-course"]);
        let mut args = vec!["test", f.as_str(), "--now", EVENTS_NOW, "--event"];
        args.extend(ev.iter().map(String::as_str));
        let shown = on_a_terminal(&args, false, dir.path());
        assert!(shown.contains("\x1b[1;36mredirect\x1b[0m"), "{shown}");
        assert!(shown.contains("\x1b[1;32mallow   \x1b[0m"), "{shown}");
        assert!(shown.contains("\x1b[1;33mdeny    \x1b[0m"), "{shown}");
        let plain = on_a_terminal(&args, true, dir.path());
        assert!(!plain.contains('\x1b'), "NO_COLOR: {plain}");
        let expected = format!(
            "redirect  {}\n  status    302 Found\n  header    location: /courses/c1/master.m3u8?lang=en\n  cookie    sets token=",
            ev[0]
        );
        assert!(plain.starts_with(&expected), "{plain}");
        assert!(plain.contains("; Secure; HttpOnly; SameSite=Lax; Path=/courses/; Max-Age=3600\n"), "{plain}");
        let allow = format!("allow     {}\n  status    none: the request goes on to the origin\n  cookie    removed token\n  compute   ", ev[1]);
        assert!(plain.contains(&allow), "{plain}");
        let deny = format!("deny      {}\n  status    401 Unauthorized\n  header    www-authenticate: Bearer\n", ev[2]);
        assert!(plain.contains(&deny), "{plain}");
        let json = on_a_terminal(&[&args[..], &["--json"]].concat(), true, dir.path());
        assert_eq!(json.lines().count(), 3);
        assert!(json.lines().all(|l| serde_json::from_str::<Value>(l).is_ok()), "{json}");
    }

    #[test]
    fn a_pipe_gets_the_json_lines_as_before() {
        let dir = tempfile::tempdir().unwrap();
        let f = video_function(dir.path());
        let ev = events(&["allow-favicon", "deny-no-token"]);
        let piped =
            cfjwt().args(["test", &f, "--now", EVENTS_NOW, "--event", &ev[0], "--event", &ev[1]]).output().unwrap();
        let json =
            cfjwt().args(["test", &f, "--now", EVENTS_NOW, "--json", "--event", &ev[0], &ev[1]]).output().unwrap();
        // The same JSON lines, but for the compute utilization, which is measured.
        let lines_of = |out: &[u8]| -> Vec<Value> {
            String::from_utf8(out.to_vec()).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
        };
        let lines = lines_of(&piped.stdout);
        let without_compute = |mut v: Vec<Value>| {
            v.iter_mut().for_each(|l| l["ComputeUtilization"] = Value::Null);
            v
        };
        assert_eq!(without_compute(lines.clone()), without_compute(lines_of(&json.stdout)));
        let keys: Vec<&String> = lines[0].as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["Event", "FunctionOutput", "FunctionErrorMessage", "FunctionExecutionLogs", "ComputeUtilization"]
        );
        assert_eq!(verdict_of(&lines[0]).0, "allow");
        assert_eq!(verdict_of(&lines[1]), ("deny".to_string(), "401".to_string()));
    }

    #[test]
    fn a_failing_function_shows_failed_and_its_error() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("throws.js");
        std::fs::write(&f, "function handler(event) { console.log('about to throw'); throw new Error('boom'); }\n")
            .unwrap();
        let ev = events(&["allow-favicon"]);
        let shown = on_a_terminal(&["test", f.to_str().unwrap(), "--event", &ev[0]], true, dir.path());
        assert!(shown.starts_with(&format!("FAILED    {}\n  error     ", ev[0])), "{shown}");
        assert!(shown.contains("boom") && shown.contains("  log       about to throw\n"), "{shown}");
    }
}

mod walkthroughs {
    use super::*;

    /// The rows of a README's verdict table: (event file, verdict, status).
    fn claimed_verdicts(readme: &str) -> Vec<(String, String, String)> {
        readme
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line.split('|').map(str::trim).collect();
                let event = cells.get(1)?.strip_prefix("`events/")?.strip_suffix('`')?;
                Some((format!("events/{event}"), cells[2].to_string(), cells[3].to_string()))
            })
            .collect()
    }

    fn check_walkthrough(setup: &str, gen_keys: &[&str], test_extra: &[&str]) {
        let dir = repo(&format!("examples/walkthroughs/{setup}"));
        let readme = read(&dir.join("README.md"));
        assert!(readme.starts_with("<!--"), "{setup}: the README says why it exists first");
        for step in [
            format!("cfjwt init --setup {setup}"),
            "cfjwt deploy ".to_string(),
            "cfjwt test ".to_string(),
            "curl ".to_string(),
            "../README.md#the-shared-part-a-private-bucket-behind-cloudfront".to_string(),
        ] {
            assert!(readme.contains(&step), "{setup}: the walkthrough lacks `{step}`");
        }
        // The real secret is never committed: the function written into the folder is built with
        // a test key, or with none.
        let kept: Vec<&str> =
            readme.lines().filter(|l| l.contains("cfjwt gen ") && l.contains("-o viewer-request.js")).collect();
        assert!(!kept.is_empty(), "{setup}: no committed build");
        for line in kept {
            assert!(line.contains("--test-key") || !line.contains("--key-"), "{setup}: `{line}` commits a real key");
        }
        let claims = claimed_verdicts(&readme);
        let mut on_disk: Vec<String> = std::fs::read_dir(dir.join("events"))
            .unwrap()
            .map(|e| format!("events/{}", e.unwrap().file_name().to_str().unwrap()))
            .collect();
        on_disk.sort();
        let mut listed: Vec<String> = claims.iter().map(|c| c.0.clone()).collect();
        listed.sort();
        assert_eq!(listed, on_disk, "{setup}: the README's table lists every event file, once");

        // As a user would: init writes the policy, gen builds the function, test runs the events.
        let work = tempfile::tempdir().unwrap();
        cfjwt().current_dir(work.path()).args(["init", "--setup", setup]).assert().success();
        let mut gen = cfjwt();
        gen.current_dir(work.path()).args(["gen", "--config", "policy.json", "-o", "f.js"]).args(gen_keys);
        gen.assert().success();
        let function = work.path().join("f.js");
        let mut test = cfjwt();
        test.current_dir(&dir)
            .args(["test", function.to_str().unwrap(), "--now", EVENTS_NOW, "--json"])
            .args(test_extra);
        test.arg("--event").args(claims.iter().map(|c| c.0.as_str()));
        let out = test.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let results: Vec<Value> =
            String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(results.len(), claims.len());
        for ((event, verdict, status), result) in claims.iter().zip(&results) {
            assert_eq!(&verdict_of(result), &(verdict.clone(), status.clone()), "{setup}: {event}");
            let prefix = event.trim_start_matches("events/").split('-').next().unwrap();
            assert_eq!(prefix, verdict, "{setup}: {event} is named after its verdict");
        }
    }

    #[test]
    fn video_cookie() {
        check_walkthrough("video-cookie", &["--key-file", repo(DEMO_KEY).to_str().unwrap()], &[]);
    }

    #[test]
    fn api_bearer() {
        check_walkthrough("api-bearer", &["--key-file", repo(DEMO_KEY).to_str().unwrap()], &[]);
    }

    #[test]
    fn kvs_rotation() {
        check_walkthrough("kvs-rotation", &[], &["--kvs", "store.json"]);
    }

    #[test]
    fn the_hand_off_sets_the_cookie_the_segments_then_carry() {
        // The video walkthrough's story end to end: the manifest request with `?jwt=` gets the
        // cookie, and a segment request with that cookie's value goes on.
        let dir = repo("examples/walkthroughs/video-cookie");
        let work = tempfile::tempdir().unwrap();
        let f = work.path().join("f.js");
        cfjwt()
            .args(["gen", "--config", repo("templates/init/video-cookie.json").to_str().unwrap()])
            .args(["--key-file", repo(DEMO_KEY).to_str().unwrap(), "-o", f.to_str().unwrap()])
            .assert()
            .success();
        let manifest: Value =
            serde_json::from_str(&read(&dir.join("events/redirect-manifest-with-query-token.json"))).unwrap();
        let token = manifest["request"]["querystring"]["jwt"]["value"].as_str().unwrap();
        let out = cfjwt()
            .current_dir(&dir)
            .args([
                "test",
                f.to_str().unwrap(),
                "--now",
                EVENTS_NOW,
                "--event",
                "events/redirect-manifest-with-query-token.json",
            ])
            .output()
            .unwrap();
        let result: Value = serde_json::from_slice(&out.stdout).unwrap();
        let output: Value = serde_json::from_str(result["FunctionOutput"].as_str().unwrap()).unwrap();
        assert_eq!(output["response"]["cookies"]["token"]["value"], token);
        let segment: Value = serde_json::from_str(&read(&dir.join("events/allow-segment-with-cookie.json"))).unwrap();
        assert_eq!(segment["request"]["cookies"]["token"]["value"], token);
    }
}

pub(crate) mod ci_example {
    use super::*;

    fn workflow(file: &str) -> (String, serde_norway::Value) {
        let text = read(&repo(&format!("examples/ci/{file}")));
        let parsed = serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        (text, parsed)
    }

    /// The `run` steps of a job but the install, as (id, script).
    fn run_steps(job: &serde_norway::Value) -> Vec<(String, String)> {
        job["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter(|s| s["run"].is_string() && s["id"].as_str() != Some("install"))
            .map(|s| {
                (s["id"].as_str().expect("every step has an id").to_string(), s["run"].as_str().unwrap().to_string())
            })
            .collect()
    }

    /// A repository laid out as the workflows and the cfjwt action (tests/it/action.rs) expect:
    /// the policy of `setup`, the events of its walkthrough, and for an embedded key the test key
    /// (the public demo key) and the committed function built with it; for a KeyValueStore policy
    /// the test store and the keyless build.
    pub(crate) fn repository(setup: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let cdn = dir.path().join("cdn");
        std::fs::create_dir_all(cdn.join("events")).unwrap();
        std::fs::copy(repo(&format!("templates/init/{setup}.json")), cdn.join("policy.json")).unwrap();
        let walkthrough = repo(&format!("examples/walkthroughs/{setup}"));
        for e in std::fs::read_dir(walkthrough.join("events")).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), cdn.join("events").join(e.file_name())).unwrap();
        }
        let mut gen = cfjwt();
        gen.current_dir(dir.path()).args(["gen", "--config", "cdn/policy.json", "-o", "cdn/viewer-request.js"]);
        if setup == "kvs-rotation" {
            std::fs::copy(walkthrough.join("store.json"), cdn.join("test-store.json")).unwrap();
        } else {
            std::fs::copy(repo(DEMO_KEY), cdn.join("test.key")).unwrap();
            gen.args(["--key-file", "cdn/test.key"]);
        }
        gen.assert().success();
        dir
    }

    /// Runs the steps in order as GitHub Actions would (bash -e, the job's env without the
    /// `${{ }}` values, `$GITHUB_ENV` carried to the later steps), each whatever the earlier ones
    /// did, in `root` with `extra` in the environment and `bin` first on the PATH. Each step's
    /// id, whether it passed, and what it printed.
    fn run_job(
        job: &serde_norway::Value,
        root: &Path,
        extra: &[(&str, &str)],
        bin: Option<&Path>,
    ) -> Vec<(String, bool, String)> {
        let runner_temp = tempfile::tempdir().unwrap();
        let github_env = runner_temp.path().join("github-env");
        std::fs::write(&github_env, "").unwrap();
        let mut path = format!("{}:{}", super::bin().parent().unwrap().display(), std::env::var("PATH").unwrap());
        if let Some(b) = bin {
            path = format!("{}:{path}", b.display());
        }
        let mut results = Vec::new();
        for (id, script) in run_steps(job) {
            let mut cmd = StdCommand::new("bash");
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", &script])
                .current_dir(root)
                .env("PATH", &path)
                .env("RUNNER_TEMP", runner_temp.path())
                .env("GITHUB_ENV", &github_env)
                .env_remove("CFJWT_KEY");
            for (k, v) in job["env"].as_mapping().unwrap() {
                let (k, v) = (k.as_str().unwrap(), v.as_str().unwrap());
                if !v.contains("${{") {
                    cmd.env(k, v);
                }
            }
            for line in read(&github_env).lines() {
                let (k, v) = line.split_once('=').unwrap_or_else(|| panic!("{id}: `{line}` in GITHUB_ENV"));
                cmd.env(k, v);
            }
            cmd.envs(extra.iter().copied());
            let out = cmd.output().unwrap();
            let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            results.push((id, out.status.success(), said));
        }
        results
    }

    fn assert_all_pass(results: &[(String, bool, String)], what: &str) {
        for (id, ok, said) in results {
            assert!(ok, "{what}: step {id} fails: {said}");
        }
    }

    /// A stand-in `aws` in a new folder: records each call's arguments (NUL-separated, a line
    /// per call) in `$AWS_LOG`, the code of `fileb://` in `$AWS_LOG.code`, and knows whether the
    /// function exists (`describe-function` fails until `create-function` ran).
    fn fake_aws(dir: &Path) -> PathBuf {
        let bin = dir.join("bin");
        std::fs::create_dir(&bin).unwrap();
        let aws = bin.join("aws");
        std::fs::write(
            &aws,
            "#!/bin/bash\n\
             printf '%s\\0' \"$@\" >> \"$AWS_LOG\"; printf '\\n' >> \"$AWS_LOG\"\n\
             for a in \"$@\"; do case \"$a\" in fileb://*) cp \"${a#fileb://}\" \"$AWS_LOG.code\";; esac; done\n\
             case \"$2\" in\n\
               describe-function) [ -f \"$AWS_LOG.exists\" ] || { echo 'NoSuchFunctionExists' >&2; exit 254; }; echo ETAG-1;;\n\
               create-function) touch \"$AWS_LOG.exists\";;\n\
             esac\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&aws, std::fs::Permissions::from_mode(0o755)).unwrap();
        bin
    }

    fn aws_calls(log: &Path) -> Vec<Vec<String>> {
        if !log.exists() {
            return Vec::new();
        }
        read(log).lines().map(|l| l.trim_end_matches('\0').split('\0').map(str::to_string).collect()).collect()
    }

    /// Every file under `dir` and its bytes.
    fn files(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
        let mut all = std::collections::BTreeMap::new();
        let mut todo = vec![dir.to_path_buf()];
        while let Some(d) = todo.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    todo.push(p);
                } else {
                    all.insert(p.clone(), std::fs::read(&p).unwrap());
                }
            }
        }
        all
    }

    #[test]
    fn deploys_on_main_from_the_environments_secret() {
        let (text, wf) = workflow("deploy.yml");
        assert!(text.starts_with("# "));
        assert!(wf["on"].get("pull_request").is_none(), "pull requests never reach the secret");
        assert_eq!(wf["on"]["push"]["branches"][0].as_str(), Some("main"));
        let job = &wf["jobs"]["deploy"];
        assert_eq!(job["environment"].as_str(), Some("production"));
        let steps = run_steps(job);
        assert_eq!(steps.iter().map(|s| s.0.as_str()).collect::<Vec<_>>(), ["build", "deploy", "cleanup"]);
        let build = job["steps"].as_sequence().unwrap().iter().find(|s| s["id"].as_str() == Some("build")).unwrap();
        assert_eq!(build["env"]["CFJWT_KEY"].as_str(), Some("${{ secrets.CFJWT_KEY }}"));
        assert!(steps[0].1.contains("--key-env CFJWT_KEY --key-encoding base64"));
        assert!(steps[1].1.contains("--format aws-cli"));
    }

    /// The deploy workflow's steps with a stand-in `aws`: the first run creates the function, the
    /// next updates it, both publish; the code deployed is the build with the real key, and the
    /// repository is left as it was.
    #[test]
    fn the_deploy_builds_with_the_real_key_and_creates_then_updates() {
        let (_, wf) = workflow("deploy.yml");
        let job = &wf["jobs"]["deploy"];
        let dir = repository("video-cookie");
        let root = dir.path();
        let before = files(root);
        let aws_dir = tempfile::tempdir().unwrap();
        let bin = fake_aws(aws_dir.path());
        let log = aws_dir.path().join("aws.log");
        let real_key = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC0xMjM0NQ==";
        let env = [("CFJWT_KEY", real_key), ("AWS_LOG", log.to_str().unwrap())];

        let real_build = cfjwt()
            .current_dir(root)
            .env("CFJWT_KEY", real_key)
            .args(["gen", "--config", "cdn/policy.json", "--key-env", "CFJWT_KEY", "--key-encoding", "base64"])
            .output()
            .unwrap()
            .stdout;
        assert_ne!(real_build, std::fs::read(root.join("cdn/viewer-request.js")).unwrap());

        let results = run_job(job, root, &env, Some(&bin));
        assert_all_pass(&results, "the first deployment");
        let verbs = |calls: &[Vec<String>]| -> Vec<String> { calls.iter().map(|c| c[1].clone()).collect() };
        let calls = aws_calls(&log);
        assert_eq!(verbs(&calls), ["describe-function", "create-function", "describe-function", "publish-function"]);
        assert_eq!(std::fs::read(format!("{}.code", log.display())).unwrap(), real_build);
        assert_eq!(calls[3][2..], ["--name", "jwt-check", "--if-match", "ETAG-1"]);

        std::fs::remove_file(&log).unwrap();
        let results = run_job(job, root, &env, Some(&bin));
        assert_all_pass(&results, "a later deployment");
        let calls = aws_calls(&log);
        assert_eq!(
            verbs(&calls),
            ["describe-function", "describe-function", "update-function", "describe-function", "publish-function"]
        );
        assert_eq!(std::fs::read(format!("{}.code", log.display())).unwrap(), real_build);
        assert_eq!(files(root), before, "the repository is as it was: the build never lands in it");

        // Without the secret, the build stops before anything is deployed.
        std::fs::remove_file(&log).unwrap();
        let results = run_job(job, root, &[("AWS_LOG", log.to_str().unwrap())], Some(&bin));
        assert!(!results[0].1 && results[0].2.contains("::error::the secret CFJWT_KEY"), "{}", results[0].2);
        assert!(!results[1].1);
        assert!(aws_calls(&log).iter().all(|c| c[1] == "describe-function"), "{:?}", aws_calls(&log));
    }

    #[test]
    fn the_deploy_associates_the_store_of_a_key_value_store_policy() {
        const ARN: &str = "arn:aws:cloudfront::123456789012:key-value-store/a1b2c3d4";
        let (_, wf) = workflow("deploy.yml");
        let job = &wf["jobs"]["deploy"];
        let dir = repository("kvs-rotation");
        let aws_dir = tempfile::tempdir().unwrap();
        let bin = fake_aws(aws_dir.path());
        let log = aws_dir.path().join("aws.log");
        let results = run_job(job, dir.path(), &[("KVS_ARN", ARN), ("AWS_LOG", log.to_str().unwrap())], Some(&bin));
        assert_all_pass(&results, "a KeyValueStore deployment");
        let calls = aws_calls(&log);
        assert!(calls.iter().all(|c| c[1] != "put-key"), "the store's secret is not the deployment's business");
        let create = calls.iter().find(|c| c[1] == "create-function").unwrap();
        let config: Value =
            serde_json::from_str(&create[create.iter().position(|a| a == "--function-config").unwrap() + 1]).unwrap();
        assert_eq!(config["KeyValueStoreAssociations"]["Items"][0]["KeyValueStoreARN"], ARN);
        assert_eq!(
            read(&PathBuf::from(format!("{}.code", log.display()))),
            read(&dir.path().join("cdn/viewer-request.js"))
        );

        std::fs::remove_file(&log).unwrap();
        let results = run_job(job, dir.path(), &[("AWS_LOG", log.to_str().unwrap())], Some(&bin));
        assert!(!results[0].1 && results[0].2.contains("CFJWT_KVS_ARN"), "{}", results[0].2);
    }
}
