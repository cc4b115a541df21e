//! Tests of the bundled CloudFront runtime (`cfjwt::runtime`): each built-in against njs, the
//! engine CloudFront Functions is built on (same output bytes), what CloudFront refuses, event
//! files in the `test-function` format, and how failing functions are reported.
//!
//! The njs comparisons need `/usr/bin/njs` (Debian package `njs`); without it they fail and say
//! how to install it.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use cfjwt::cloudfront::Runtime;
use cfjwt::runtime::{self, normalize_event, EngineError, Options, TestResult, TIME_LIMIT_MESSAGE};
use serde_json::{json, Value};

use crate::harness::{token_raw, under_njs};

const NOW_MS: f64 = 1_700_000_000_000.0;

fn opts(runtime: Runtime) -> Options {
    Options { runtime, now_ms: NOW_MS, kvs: None, time_limit: Duration::from_secs(5) }
}

fn event() -> Value {
    json!({"version": "1.0", "context": {"eventType": "viewer-request"}, "viewer": {"ip": "1.2.3.4"},
           "request": {"method": "GET", "uri": "/a", "querystring": {}, "headers": {"host": {"value": "example.org"}}, "cookies": {}}})
}

/// Reads each event as `cfjwt test` does (normalised), then runs them all in one engine.
fn run(code: &str, events: &[Value], options: &Options) -> Result<Vec<TestResult>, EngineError> {
    let events = events.iter().map(|e| normalize_event(e.clone())).collect::<Result<Vec<_>, _>>()?;
    runtime::run(code, &events, options)
}

fn run_one(code: &str, options: &Options) -> TestResult {
    let mut results = run(code, &[event()], options).unwrap_or_else(|e| panic!("engine error: {e}\n--- code:\n{code}"));
    assert_eq!(results.len(), 1);
    results.remove(0)
}

/// Runs `body` inside a handler and returns what it logged; the handler must succeed.
fn logs_of(runtime: Runtime, body: &str) -> Vec<String> {
    let code = format!("function handler(event) {{\n{body}\nreturn event.request;\n}}\n");
    let result = run_one(&code, &opts(runtime));
    assert!(!result.failed(), "handler failed: {}\n--- body:\n{body}", result.function_error_message);
    result.function_execution_logs
}

// ------------------------------------------------------------------------------------------------
// njs

/// Runs a script under njs and returns its output lines.
fn njs_logs(script: &str) -> Vec<String> {
    let out = under_njs::run_script(script);
    assert!(out.success, "njs failed: {}{}", out.stdout, out.stderr);
    out.stdout.lines().map(str::to_owned).collect()
}

/// Evaluates each expression in njs and in the bundled runtime and asserts the same output:
/// `JSON.stringify` of the value, or `throws <error>`.
fn compare_with_njs(runtime: Runtime, prologue: &str, expressions: &[&str]) {
    let mut body = String::from(prologue);
    for expr in expressions {
        body.push_str(&format!(
            "try {{ console.log(JSON.stringify({expr})); }} catch (e) {{ console.log('throws ' + String(e)); }}\n"
        ));
    }
    let ours = logs_of(runtime, &body);
    let theirs = njs_logs(&body);
    assert_eq!(ours.len(), expressions.len(), "bundled runtime output: {ours:?}");
    assert_eq!(theirs.len(), expressions.len(), "njs output: {theirs:?}");
    let mismatches: Vec<String> = expressions
        .iter()
        .zip(ours.iter().zip(&theirs))
        .filter(|(_, (a, b))| a != b)
        .map(|(expr, (a, b))| format!("{expr}\n    cfjwt: {a}\n    njs:   {b}"))
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} of {} differ from njs ({}):\n{}",
        mismatches.len(),
        expressions.len(),
        runtime,
        mismatches.join("\n")
    );
}

const CRYPTO_EXPRESSIONS: &[&str] = &[
    "crypto.createHash('md5').update('').digest('hex')",
    "crypto.createHash('md5').update('abc').digest('base64')",
    "crypto.createHash('sha1').update('abc').digest('hex')",
    "crypto.createHash('sha1').update('é€😀').digest('base64url')",
    "crypto.createHash('sha256').update('abc').digest('hex')",
    "crypto.createHash('sha256').update('ab').update('c').digest('base64')",
    "crypto.createHash('sha256').update('é€😀').digest('base64url')",
    "crypto.createHash('sha256').update('00ff', 'hex').digest('hex')",
    "crypto.createHash('sha256').update('AP8', 'base64url').digest('hex')",
    "crypto.createHmac('sha256', 'key').update('The quick brown fox jumps over the lazy dog').digest('hex')",
    "crypto.createHmac('sha256', '').update('').digest('base64url')",
    "crypto.createHmac('sha256', 'ké€').update('da').update('ta').digest('base64')",
    "crypto.createHmac('sha256', 'k'.repeat(100)).update('x').digest('hex')",
    "crypto.createHash('sha256').update('a\\ud800b').digest('hex')",
    "crypto.createHmac('sha256', '\\udc00k').update('\\ud83d').digest('base64url')",
    "crypto.createHmac('sha256', 'k').update('a', 'utf8').update(' b').digest('hex')",
    "crypto.createHmac('sha1', 'key').update('data').digest('hex')",
    "crypto.createHmac('md5', 'key').update('data').digest('base64url')",
    "crypto.createHmac('sha256', 'key').update('data').digest().toString('hex')",
    "crypto.createHash('md5').update('a').digest().toString('base64')",
    "crypto.createHash('sha512')",
    "crypto.createHmac('sha384', 'k')",
    "crypto.createHash('SHA256')",
    "crypto.createHash()",
    "crypto.createHash('md5').digest('latin1')",
    "(function () { var h = crypto.createHash('md5'); h.digest('hex'); return h.digest('hex'); })()",
    "(function () { var h = crypto.createHash('md5'); h.digest('hex'); return h.update('a'); })()",
    "crypto.createHash('md5').update(1)",
    "crypto.createHash('md5').update()",
    "crypto.createHmac('sha1')",
    "crypto.createHmac('sha1', 5)",
    "crypto.createHash('md5').update('a', 'utf16')",
];

#[test]
fn crypto_matches_njs_in_both_runtimes() {
    for runtime in Runtime::ALL {
        compare_with_njs(runtime, "var crypto = require('crypto');\n", CRYPTO_EXPRESSIONS);
    }
}

#[test]
fn crypto_with_byte_strings_matches_njs() {
    compare_with_njs(
        Runtime::Js1,
        "var crypto = require('crypto');\n",
        &[
            "crypto.createHmac('sha256', String.bytesFrom('00ff80e9', 'hex')).update('x').digest('hex')",
            "crypto.createHmac('sha256', String.bytesFrom('c2VjcmV0', 'base64')).update('x').digest('base64url')",
            "crypto.createHmac('sha256', crypto.createHash('sha256').update('k').digest()).update('x').digest('hex')",
            "crypto.createHash('sha256').update(String.bytesFrom('YWJj', 'base64url')).digest('hex')",
            "crypto.createHash('sha256').update('abc'.toUTF8()).digest('hex')",
            "crypto.createHmac('sha256', 'key').update('data').digest().length",
        ],
    );
}

#[test]
fn crypto_with_buffers_matches_njs() {
    compare_with_njs(
        Runtime::Js2,
        "var crypto = require('crypto');\n",
        &[
            "crypto.createHmac('sha256', Buffer.from('00ff80e9', 'hex')).update('x').digest('hex')",
            "crypto.createHash('sha256').update(Buffer.from([0xe9, 1, 0xff])).digest('hex')",
            "crypto.createHash('sha256').update(new Uint8Array([1, 2, 3])).digest('base64')",
            "crypto.createHmac('sha256', 'key').update('data').digest()",
            "crypto.createHmac('sha256', 'key').update('data').digest().constructor.name",
            "crypto.createHmac('sha256', crypto.createHash('sha256').update('k').digest()).update('x').digest('hex')",
            "Buffer.from('a\\udfffb').toString('hex')",
            "new TextEncoder().encode('\\ud800').length",
        ],
    );
}

/// njs 0.7.9 turns a non-UTF-8 byte string given to `update()` into U+FFFD characters (an
/// artefact of its Buffer-based `update`), while its HMAC keys and CloudFront's documented byte
/// strings are raw octets. The bundled 1.0 runtime hashes a byte string's octets; this pins that
/// to njs's own result for the same octets given as a Buffer.
#[test]
fn byte_string_data_hashes_as_its_octets() {
    let ours = logs_of(
        Runtime::Js1,
        "console.log(require('crypto').createHash('sha256').update(String.bytesFrom([0xe9, 1, 0xff])).digest('hex'));",
    );
    let theirs = njs_logs(
        "console.log(require('crypto').createHash('sha256').update(Buffer.from([0xe9, 1, 0xff])).digest('hex'));",
    );
    assert_eq!(ours, theirs);
}

#[test]
fn byte_strings_match_njs() {
    compare_with_njs(
        Runtime::Js1,
        "",
        &[
            "String.bytesFrom('aGk', 'base64url').toString('hex')",
            "String.bytesFrom('aGk=', 'base64').toString('hex')",
            "String.bytesFrom('Zm8=', 'base64url').toString('hex')",
            "String.bytesFrom('Zm9v!YmFy', 'base64').toString('hex')",
            "String.bytesFrom('-_8', 'base64').toString('hex')",
            "String.bytesFrom('+/8', 'base64url').toString('hex')",
            "String.bytesFrom('_-8', 'base64url').toString('hex')",
            "String.bytesFrom('0aFF', 'hex').toString('hex')",
            "String.bytesFrom('zz41', 'hex').length",
            "String.bytesFrom('414', 'hex').toString('hex')",
            "String.bytesFrom([1, 256, -1, 'a', 1.5]).toString('hex')",
            "String.bytesFrom('eyJhIjoxfQ', 'base64url')",
            "JSON.parse(String.bytesFrom('eyJhIjoxfQ', 'base64url')).a",
            "String.bytesFrom('abc')",
            "String.bytesFrom('abc', 'utf8')",
            "String.bytesFrom([0xc3, 0xa9]).fromUTF8()",
            "String.bytesFrom([0xff]).fromUTF8()",
            "String.bytesFrom([0x61, 0x62, 0x63]).fromUTF8(1, 2)",
            "'é'.fromUTF8()",
            "'é€'.toUTF8().toString('hex')",
            "'é€'.toUTF8().length",
            "'aéb'.toUTF8(1, 2).length",
            "'abc'.toBytes(1)",
            "'ā'.toBytes()",
            "'é'.toBytes().toString('hex')",
            "'é'.fromBytes()",
            "'hi'.toString('base64')",
            "String.bytesFrom([0xff, 0xfe]).toString('base64')",
            "String.bytesFrom([0xff, 0xfe]).toString('base64url')",
            "'a'.toString('utf8')",
            "'plain'.toString()",
        ],
    );
    // Text reads as its UTF-8 bytes (in a run of its own: see `byte_string_model_limit`).
    compare_with_njs(Runtime::Js1, "", &["'é'.toString('hex')", "'é€'.toString('base64url')"]);
}

/// The model's one known limit: a byte string is recognised by value, so within one event a
/// text string equal to a byte string made earlier (here 'é' and the byte string 'é'.toBytes(),
/// both U+00E9) reads as that byte string. njs would read the text as UTF-8 (c3a9).
#[test]
fn byte_string_model_limit() {
    let logs =
        logs_of(Runtime::Js1, "console.log('é'.toString('hex')); 'é'.toBytes(); console.log('é'.toString('hex'));");
    assert_eq!(logs, ["c3a9", "e9"]);
}

#[test]
fn querystring_matches_njs_in_both_runtimes() {
    for runtime in Runtime::ALL {
        compare_with_njs(
            runtime,
            "var qs = require('querystring');\n",
            &[
                "qs.parse('a=1&&b=2&a=3&c&=d&e=&f=%zz&g=%E9&h=a+b&%41=%42')",
                "qs.parse('a:1;b:2', ';', ':')",
                "qs.parse('a=1&b=2&c=3', null, null, {maxKeys: 2})",
                "qs.parse('')",
                "qs.parse('a=1=2&b==&c%3D=x')",
                "qs.parse('a=%F0%9F%98%80&b=%C3')",
                "qs.parse('a=b', null, null, {decodeURIComponent: function (s) { return s.toUpperCase(); }})",
                "qs.decode('x=1&x=2&x=3')",
                "qs.stringify({a: 'x y', b: ['1', 2, true], c: '', d: null, e: undefined, f: {x: 1}, g: NaN, 'k&': 'v=', h: 'é€😀', i: \"!'()*-._~\"})",
                "qs.stringify({a: 1, b: 2}, ';', ':')",
                "qs.stringify('str')",
                "qs.stringify({a: 'b'}, null, null, {encodeURIComponent: function (s) { return s.toUpperCase(); }})",
                "qs.encode({x: [1, 2]})",
                "qs.escape(\"a b&c/é😀!'()*~\")",
                "qs.unescape('a%20b%zz%E9c%C3%A9+d')",
                "qs.unescape('%E9%')",
            ],
        );
    }
}

#[test]
fn buffer_matches_njs() {
    compare_with_njs(
        Runtime::Js2,
        "",
        &[
            "Buffer.from('hé€')",
            "Buffer.from('0aFFzz', 'hex')",
            "Buffer.from('aGk=', 'base64')",
            "Buffer.from('_-8', 'base64url')",
            "Buffer.from('x', 'utf16')",
            "Buffer.from([1, 256, -1, 'a', 1.7])",
            "Buffer.from(Buffer.from('ab'))",
            "Buffer.from(new Uint8Array([1, 2, 3]).buffer, 1, 1)",
            "Buffer.from(5)",
            "Buffer.alloc(3)",
            "Buffer.alloc(3, 7)",
            "Buffer.alloc(5, 'ab')",
            "Buffer.alloc('3')",
            "Buffer.concat([Buffer.from('a'), Buffer.from('bc')])",
            "Buffer.concat([Buffer.from('a'), Buffer.from('bc')], 2)",
            "[Buffer.byteLength('hé€'), Buffer.byteLength('aGk=', 'base64'), Buffer.byteLength(Buffer.from('ab'))]",
            "[Buffer.isBuffer(Buffer.from('a')), Buffer.isBuffer(new Uint8Array(1)), Buffer.isBuffer('a')]",
            "[Buffer.isEncoding('hex'), Buffer.isEncoding('utf16'), Buffer.isEncoding('UTF8')]",
            "[Buffer.compare(Buffer.from('a'), Buffer.from('b')), Buffer.compare(Buffer.from('b'), Buffer.from('a')), Buffer.compare(Buffer.from('a'), Buffer.from('a')), Buffer.compare(Buffer.from('a'), Buffer.from('ab'))]",
            "[Buffer.from('hé').toString(), Buffer.from('hé').toString('hex'), Buffer.from('hé').toString('base64'), Buffer.from('hé').toString('base64url'), Buffer.from([0xff, 0x41]).toString()]",
            "Buffer.from('hello').toString('utf8', 1, 3)",
            "Buffer.from('h').toString('utf16')",
            "[Buffer.from('a').equals(Buffer.from('a')), Buffer.from('a').equals(Buffer.from('b')), Buffer.from('a').equals(new Uint8Array([97]))]",
            "Buffer.from('a').compare(Buffer.from('b'))",
            "(function () { var b = Buffer.from('abc'); var s = b.slice(1); s[0] = 0x7a; return b.toString() + s.toString(); })()",
            "Buffer.from('abcd').subarray(1, 3).toString()",
            "(function () { var b = Buffer.from([1, 2, 3, 4, 0xff]); return [b.readUInt8(0), b.readUInt16BE(0), b.readUInt16LE(0), b.readUInt32BE(0), b.readUInt32LE(0), b.readInt8(4), b.readUInt8(4)]; })()",
            "Buffer.from([1]).readUInt16BE(0)",
            "(function () { var b = Buffer.from('ab'); return [b[0], b.length, b[5]]; })()",
            "Buffer.from('ab').toJSON()",
            "[Buffer.from('abcb').indexOf('b'), Buffer.from('abcb').indexOf(99), Buffer.from('abcb').includes('cb'), Buffer.from('abcb').includes('x')]",
            "String(Buffer.from('hi'))",
            "Buffer.from('eyJhIjoxfQ', 'base64url').toString()",
        ],
    );
}

#[test]
fn text_codecs_and_base64_globals_match_njs() {
    compare_with_njs(
        Runtime::Js2,
        "",
        &[
            "Array.prototype.slice.call(new TextEncoder().encode('é€😀'))",
            "new TextEncoder().encoding",
            "new TextDecoder().decode(new Uint8Array([0xc3, 0xa9, 0xff, 0x41]))",
            "new TextDecoder('utf-8', {fatal: true}).decode(new Uint8Array([0xff]))",
            "new TextDecoder('utf-8', {fatal: true}).decode(new Uint8Array([0xc3, 0xa9]))",
            "new TextDecoder('latin1')",
            "new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]))",
            "new TextDecoder('utf-8', {ignoreBOM: true}).decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])).length",
            "new TextDecoder().decode()",
            "new TextDecoder().decode(Buffer.from('hé'))",
            "[btoa('hi\\u00ff'), atob('aGk='), atob(' aG k= ')]",
            "btoa('€')",
            "atob('a')",
            "atob('a!==')",
            "atob(btoa('\\u0000\\u00ff'))",
        ],
    );
}

#[test]
fn console_log_formats_like_njs() {
    let body = r#"
console.log({a: 1, b: 'x', c: [1, 'y', {d: null}], e: undefined, g: true});
console.log([1, 2, 3]);
console.log('str', 2);
console.log(undefined, null, 1.5, -0, NaN);
console.log(new Error('boom'));
console.log(new TypeError('boom'));
console.log(/re/g);
console.log({'a-b': 1, 'c d': 'e'});
console.log([undefined, null]);
console.log({a: {b: {c: {d: {e: 1}}}}});
console.log(['a"b', 'e\nf', 'g\\h']);
var o = {}; o.self = o; console.log(o);
console.log([], {}, [{}], [[]]);
console.log(true, false, 0.5, 1e21, -1.25);
"#;
    for runtime in Runtime::ALL {
        assert_eq!(logs_of(runtime, body), njs_logs(body), "{runtime}");
    }
}

#[test]
fn json_and_language_basics_match_njs() {
    for runtime in Runtime::ALL {
        compare_with_njs(
            runtime,
            "",
            &[
                "JSON.parse('{\"a\":[1,2,{\"b\":null}]}')",
                "decodeURIComponent('%C3%A9')",
                "encodeURIComponent('é/ ')",
                "'a-b-c'.split('-').map(function (s) { return s.toUpperCase(); }).join('')",
                "[3, 1, 2].sort()",
                "typeof Symbol",
                "typeof require",
                "typeof console.log",
                "(function () { return typeof this; })()",
                "Math.max(1, 2)",
                "parseInt('08')",
                "'abc'.padStart(5, '-')",
                "Object.keys({b: 1, a: 2})",
            ],
        );
    }
}

/// Helpers for the JSON.parse comparisons: a number's bits (njs and QuickJS print some doubles
/// differently, e.g. 2^54), a string's UTF-8 (njs indexes strings by code point, and QuickJS's
/// encodeURIComponent throws on a lone surrogate), and nested text.
const JSON_PROLOGUE: &str = r#"
function bits(v) { var u = new Uint32Array(new Float64Array([v]).buffer); return u[1].toString(16) + ':' + u[0].toString(16); }
function codes(s) { return encodeURIComponent(s); }
function nest(n, open, close, leaf) { return open.repeat(n) + leaf + close.repeat(n); }
function p(text) { return JSON.parse(text); }
"#;

/// njs's number grammar: loose forms accepted, everything else refused with its messages.
#[test]
fn json_parse_reads_loose_numbers_as_njs() {
    for runtime in Runtime::ALL {
        compare_with_njs(
            runtime,
            JSON_PROLOGUE,
            &[
                "p('[01,00,.5,-.5,1.,1.e5,-00,-01,0.,.0,0.e1,00.5,007,1E+5,.5e1,-.5E-1,00001.5000]')",
                "p('{\"x\":.5}').x",
                "bits(p('-00'))",
                "bits(p('-.0'))",
                "bits(p('-0'))",
                "bits(p('1.'))",
                "p('+.5')",
                "p('+1')",
                "p('1e')",
                "p('1e+')",
                "p('1E-')",
                "p('1.5e')",
                "p('1.e')",
                "p('0x10')",
                "p('Infinity')",
                "p('-Infinity')",
                "p('-')",
                "p('[-]')",
                "p('1.5.5')",
                "p('.')",
                "p('.e5')",
                "p('-.')",
                "p('1..5')",
                "p('--1')",
                "p('NaN')",
                "p('1_0')",
                "p('0b1')",
                "p('1n')",
                "p('- 1')",
                "p('e5')",
                "p('[.5,]')",
                "p('1 2')",
            ],
        );
    }
}

/// njs's strtod has no bignum fallback: an exact tie rounds down, and only 128 digits count.
#[test]
fn json_parse_rounds_numbers_as_njs() {
    for runtime in Runtime::ALL {
        compare_with_njs(
            runtime,
            JSON_PROLOGUE,
            &[
                "bits(p('9007199254740993'))",
                "bits(p('9007199254740995'))",
                "bits(p('18014398509481990'))",
                "bits(p('-9007199254740995'))",
                "bits(p('[9007199254740995]')[0])",
                "bits(p('1e23'))",
                "bits(p('0.1'))",
                "bits(p('2.2250738585072011e-308'))",
                "bits(p('2.4703282292062327e-324'))",
                "bits(p('2.4703282292062328e-324'))",
                "bits(p('1.7976931348623158e308'))",
                "bits(p('1.7976931348623159e308'))",
                "bits(p('1e400'))",
                "bits(p('-1e400'))",
                "bits(p('1e-400'))",
                "bits(p('-1e-400'))",
                "bits(p('1e2147483647'))",
                "bits(p('0.' + '0'.repeat(130) + '1'))",
                "bits(p('0'.repeat(130) + '1'))",
                "bits(p('1'.repeat(200)))",
                "bits(p('1'.repeat(200) + 'e2147483647'))",
                "bits(p('1.' + '3'.repeat(150)))",
                "bits(p('4.4501477170144022721148195934182639518696390927032912960468522194496444440421538910330590478162701758282983178260792422137401728773891892910553144148156412434867599762821265346585071045737627442980259622449902166513e-308'))",
                "bits(p('2.225073858507201136057409796709131975934819546351645648023426109724822222021076945516529523908135087914149158913039621106870086438694594645527657207407820621743379988141063267329253552286881372149012981122451451889849057222307285255133155755015914397476397983411801999323962548289017107081850690630666655994938275772572015763062690663332647565300009245888316433037779791869612049497390377829704905051080609940730262937128958950003583799967207254304360284078895771796150945516748243471030702609144621572289880258182545180325707018860872113128079512233426288368622321503775666622503982534335974568884423900265498198385487948292206894721689831099698365846814022854243330660339850886445804001034933970427567186443383770486037861622771738545623065874679014086723327636718749999999999999999999999999999999999999e-308'))",
            ],
        );
    }
}

/// njs refuses a 32nd level of nesting, counting arrays and objects alike.
#[test]
fn json_parse_nests_as_deep_as_njs() {
    for runtime in Runtime::ALL {
        compare_with_njs(
            runtime,
            JSON_PROLOGUE,
            &[
                "p(nest(31, '[', ']', '1'))",
                "p(nest(32, '[', ']', '1'))",
                "p(nest(31, '[', ']', ''))",
                "p(nest(32, '[', ']', ''))",
                "p(nest(40, '[', ']', '1'))",
                "p(nest(31, '{\"a\":', '}', '1'))",
                "p(nest(32, '{\"a\":', '}', '1'))",
                "p(nest(30, '{\"a\":', '}', '{}'))",
                "p(nest(31, '{\"a\":', '}', '{}'))",
                "p(nest(15, '[{\"a\":', '}]', '1'))",
                "p(nest(16, '[{\"a\":', '}]', '1'))",
                "p(nest(15, '[{\"a\":', '}]', '[]'))",
                "p(' ' + nest(32, '[', ']', '1'))",
                "p('[\"é😀\",' + nest(31, '[', ']', '') + ']')",
                "p('[' + nest(31, '[', ']', '') + ',1]')",
                "p('[' + nest(30, '[', ']', '') + ',' + nest(30, '[', ']', '') + ']')",
                "p(nest(32, '[', '', ''))",
                "p(nest(31, '[', '', ''))",
                "p(nest(31, '[', ']', '[x'))",
            ],
        );
    }
}

/// njs turns a surrogate escape that is not half of a pair into U+FFFD, as its strings hold.
#[test]
fn json_parse_replaces_lone_surrogates_as_njs() {
    for runtime in Runtime::ALL {
        compare_with_njs(
            runtime,
            JSON_PROLOGUE,
            &[
                r#"codes(p('"\\uD83D"'))"#,
                r#"codes(p('"\\uDC00"'))"#,
                r#"codes(p('"\\uDFFF"'))"#,
                r#"codes(p('"\\uD83D\\u0041"'))"#,
                r#"codes(p('"\\uD83D\\uDE00"'))"#,
                r#"codes(p('"\\ud83d\\ude00"'))"#,
                r#"codes(p('"\\uD83D\\uD83D"'))"#,
                r#"codes(p('"\\uD83D\\uD83D\\uDE00"'))"#,
                r#"codes(p('"\\uD83D\\uD83D\\uD83D\\uDE00"'))"#,
                r#"codes(p('"\\uDE00\\uD83D"'))"#,
                r#"codes(p('"\\uD83D\\uDE00\\uD83D"'))"#,
                r#"codes(p('"\\uD83Dx"'))"#,
                r#"codes(p('"\\uD83D😀"'))"#,
                r#"codes(p('"\\uD83D\\n"'))"#,
                r#"codes(p('"\\uD83D\\\\u0041"'))"#,
                r#"codes(p('"a\\uD83D"'))"#,
                r#"codes(p('"\\uDBFF\\uDFFF"'))"#,
                r#"codes(p('"\\uD7FF\\uE000"'))"#,
                r#"codes(p('"\\u0000\\u001f\\"\\\\\\/\\b\\f\\n\\r\\t"'))"#,
                r#"Object.keys(p('{"\\uD83D":1,"\\uDC00x":2}')).map(codes)"#,
                r#"codes(p('["\\uD83D"]')[0])"#,
                r#"p('"\\uD83D\\uDE0"')"#,
                r#"p('"\\uD83D\\u"')"#,
                r#"p('"\\u00"')"#,
                r#"p('"\\uD83D')"#,
                r#"p('"\\uD83D\\')"#,
            ],
        );
    }
}

/// The rest of njs's grammar and its error texts: whitespace, control characters, commas,
/// literals, trailing text, what is not a string, duplicate and `__proto__` keys, the reviver.
#[test]
fn json_parse_refuses_and_accepts_what_njs_does() {
    for runtime in Runtime::ALL {
        compare_with_njs(
            runtime,
            JSON_PROLOGUE,
            &[
                "p('')",
                "p(' ')",
                "p('\\t')",
                "p('\\v1')",
                "p('\\u00a01')",
                "p('1\\u00a0')",
                "p('\\f1')",
                "p('\\ufeff1')",
                "p('\\ufeff{\"alg\":\"HS256\"}')",
                "p('1\\ufeff')",
                "p('\\r\\n1\\r\\n\\t ')",
                "p('1\\u2028')",
                "p('[1,\\u00a02]')",
                "p('\"\\t\"')",
                "p('\"a\\u0001\"')",
                "p('\"\\u007f\\u2028\\u2029\"')",
                r#"p('"\\x41"')"#,
                r#"p('"\\a"')"#,
                r#"p('"\\U0041"')"#,
                r#"p("'a'")"#,
                r#"p('"abc')"#,
                r#"p('"é😀"x')"#,
                r#"p('"é" x')"#,
                "p('[1,]')",
                "p('[1 , ]')",
                "p('{\"a\":1,}')",
                "p('{\"a\":1 , }')",
                "p('{\"a\":1,  }')",
                "p('[,1]')",
                "p('[1,,2]')",
                "p('{,}')",
                "p('{\"a\"}')",
                "p('{\"a\":}')",
                "p('{\"a\" 1}')",
                "p('{a:1}')",
                "p(\"{'a':1}\")",
                "p('[1 2]')",
                "p('{\"a\":1 \"b\":2}')",
                "p('[1')",
                "p('{\"a\":1')",
                "p('{\"a\"')",
                "p('{\"a\":')",
                "p('[')",
                "p('{')",
                "p('tru')",
                "p('true1')",
                "p('nul')",
                "p('nulll')",
                "p('[true,false,null]')",
                "p('{\"a\":1}x')",
                "p('{\"a\":1}{}')",
                "p('{\"a\":1}\\u0000')",
                "p('[1]]')",
                "p('undefined')",
                "p('#')",
                "p(',')",
                "p('\\u0000')",
                "p('{\"a\":-}')",
                "p('{\"a\":.}')",
                "p(null)",
                "p(undefined)",
                "p(123)",
                "p(true)",
                "p({})",
                "p([])",
                "p([1])",
                "p({ toString: function () { return '[.5]'; } })",
                "JSON.parse()",
                "p('{\"a\":1,\"b\":2,\"a\":3}')",
                "Object.keys(p('{\"a\":1,\"b\":2,\"a\":3}'))",
                "p('{\"__proto__\":{\"x\":1}}').x",
                "p('{\"__proto__\":{\"x\":1}}').hasOwnProperty('__proto__')",
                "Object.getPrototypeOf(p('{\"__proto__\":null}')) === Object.prototype",
                "p('{\"\":1,\"constructor\":2}')",
                "JSON.parse('{\"a\":[1,{\"b\":2}]}', function (k, v) { return typeof v === 'number' ? v * 10 : v; })",
                "JSON.parse('[.5,01]', function (k, v) { return typeof v === 'number' ? v * 2 : v; })",
                "JSON.parse('[1]', 5)",
                "[JSON.parse.name, JSON.parse.length]",
                "(function () { try { p('[1,]'); } catch (e) { return [e instanceof SyntaxError, e.name, e.message]; } })()",
            ],
        );
    }
}

/// Runtime 1.0: njs reads a byte string's octets, as text when they are UTF-8; strings whose
/// octets are not become byte strings, and positions after such octets are 0.
#[test]
fn json_parse_reads_byte_strings_as_njs() {
    compare_with_njs(
        Runtime::Js1,
        JSON_PROLOGUE,
        &[
            "p(String.bytesFrom('22c3a922', 'hex')) === 'é'",
            "p(String.bytesFrom('22e922', 'hex')).length",
            "p(String.bytesFrom('22e922', 'hex')).toString('hex')",
            "p(String.bytesFrom('22e922', 'hex')).fromUTF8()",
            "Object.keys(p(String.bytesFrom('7b22e9223a317d', 'hex')))[0].toString('hex')",
            "p(String.bytesFrom('7b2261223a22e9227d', 'hex')).a.toString('hex')",
            "p(String.bytesFrom('7b2261223a22c3a9227d', 'hex')).a === 'é'",
            "p(String.bytesFrom('225c7530306539e922', 'hex')).toString('hex')",
            "p(String.bytesFrom('5b22e922202c2e355d', 'hex'))[1]",
            "p(String.bytesFrom('e9', 'hex'))",
            "p(String.bytesFrom('22e922e9', 'hex'))",
            "p(String.bytesFrom('2261e92278', 'hex'))",
            "p(String.bytesFrom('22c3a9222078', 'hex'))",
            "p(String.bytesFrom('eyJhIjoxfQ', 'base64url')).a",
        ],
    );
}

/// `cf.kvs().get(key, {format: 'json'})` parses as JSON.parse does.
#[test]
fn kvs_json_values_parse_as_njs_json() {
    let mut options = opts(Runtime::Js2);
    options.kvs =
        Some(BTreeMap::from([("loose".to_owned(), "{\"n\":.5}".to_owned()), ("bad".to_owned(), "[1,]".to_owned())]));
    let code = r#"import cf from 'cloudfront';
async function handler(event) {
  var kvs = cf.kvs();
  console.log(JSON.stringify(await kvs.get('loose', {format: 'json'})));
  try { await kvs.get('bad', {format: 'json'}); } catch (e) { console.log(String(e)); }
  return event.request;
}"#;
    let result = run_one(code, &options);
    assert!(!result.failed(), "{}", result.function_error_message);
    assert_eq!(result.function_execution_logs, vec!["{\"n\":0.5}", "SyntaxError: Trailing comma at position 2"]);
}

// ------------------------------------------------------------------------------------------------
// What CloudFront refuses

fn refused(runtime: Runtime, expr: &str) -> String {
    let logs = logs_of(
        runtime,
        &format!(
            "try {{ var v = ({expr}); console.log('accepted ' + typeof v); }} catch (e) {{ console.log(String(e)); }}"
        ),
    );
    logs.into_iter().next().unwrap_or_default()
}

#[test]
fn dynamic_code_is_refused() {
    for runtime in Runtime::ALL {
        assert_eq!(refused(runtime, "eval('1 + 1')"), "InternalError: Not implemented");
        assert_eq!(refused(runtime, "(0, eval)('1 + 1')"), "InternalError: Not implemented");
        for expr in [
            "new Function('return 1')",
            "Function('return 1')",
            "(function () {}).constructor('return 1')",
            "Object.getPrototypeOf(function () {}).constructor('return 1')",
        ] {
            assert!(refused(runtime, expr).contains("Function constructor is not supported"), "{expr} in {runtime}");
        }
        assert!(refused(runtime, "(() => 1) instanceof Function").starts_with("accepted"));
    }
    assert!(refused(Runtime::Js2, "(async function () {}).constructor('return 1')").contains("is not supported"));
}

#[test]
fn timers_process_and_other_missing_globals_are_absent() {
    let names = [
        "setTimeout",
        "setInterval",
        "setImmediate",
        "clearTimeout",
        "clearInterval",
        "process",
        "queueMicrotask",
        "performance",
        "Map",
        "Set",
        "WeakMap",
        "Proxy",
        "Reflect",
        "BigInt",
        "structuredClone",
        "escape",
        "navigator",
    ];
    for runtime in Runtime::ALL {
        for name in names {
            let logs = logs_of(runtime, &format!("console.log(typeof {name});"));
            assert_eq!(logs, ["undefined"], "{name} in {runtime}");
        }
    }
}

#[test]
fn only_builtin_modules_can_be_required() {
    for runtime in Runtime::ALL {
        assert_eq!(refused(runtime, "require('fs')"), "Error: Cannot find module \"fs\"");
        assert_eq!(refused(runtime, "require('cloudfront')"), "Error: Cannot find module \"cloudfront\"");
        assert!(refused(runtime, "require('crypto')").starts_with("accepted"));
        assert!(refused(runtime, "require('querystring')").starts_with("accepted"));
    }
}

#[test]
fn algorithms_other_than_md5_sha1_sha256_are_refused() {
    for runtime in Runtime::ALL {
        for alg in ["sha512", "sha384", "sha224", "ripemd160", "md4"] {
            assert_eq!(
                refused(runtime, &format!("require('crypto').createHash('{alg}')")),
                format!("TypeError: not supported algorithm: \"{alg}\"")
            );
            assert_eq!(
                refused(runtime, &format!("require('crypto').createHmac('{alg}', 'k')")),
                format!("TypeError: not supported algorithm: \"{alg}\"")
            );
        }
    }
}

#[test]
fn runtime_1_lacks_the_2_0_globals() {
    for name in ["Buffer", "atob", "btoa", "TextEncoder", "TextDecoder"] {
        assert_eq!(logs_of(Runtime::Js1, &format!("console.log(typeof {name});")), ["undefined"], "{name}");
        assert_eq!(logs_of(Runtime::Js2, &format!("console.log(typeof {name});")), ["function"], "{name}");
    }
    assert_eq!(logs_of(Runtime::Js1, "console.log(typeof ''.replaceAll);"), ["undefined"]);
    assert_eq!(logs_of(Runtime::Js2, "console.log('a.b.c'.replaceAll('.', '/'));"), ["a/b/c"]);
    let digest = "console.log(typeof require('crypto').createHash('md5').update('a').digest());";
    assert_eq!(logs_of(Runtime::Js1, digest), ["string"]);
    assert_eq!(logs_of(Runtime::Js2, digest), ["object"]);
}

#[test]
fn runtime_2_lacks_byte_strings() {
    for expr in ["String.bytesFrom", "''.toUTF8", "''.fromUTF8", "''.toBytes", "''.fromBytes"] {
        assert_eq!(logs_of(Runtime::Js2, &format!("console.log(typeof {expr});")), ["undefined"], "{expr}");
        assert_eq!(logs_of(Runtime::Js1, &format!("console.log(typeof {expr});")), ["function"], "{expr}");
    }
    assert_eq!(refused(Runtime::Js2, "'a'.toString('hex')"), "accepted string");
}

#[test]
fn strict_mode_is_always_on() {
    for runtime in Runtime::ALL {
        let message = refused(runtime, "(function () { undeclared = 1; })()");
        assert!(message.starts_with("ReferenceError") && message.contains("undeclared"), "{message}");
        assert_eq!(logs_of(runtime, "console.log(typeof (function () { return this; })());"), ["undefined"]);
    }
}

#[test]
fn imports_are_limited_to_the_builtin_modules() {
    let ok = "import crypto from 'crypto';\nimport qs from 'querystring';\nimport cf from 'cloudfront';\n\
              function handler(event) { console.log(crypto.createHash('md5').update('a').digest('hex') + ' ' + qs.stringify({a: 1}) + ' ' + typeof cf.kvs); return event.request; }";
    let result = run_one(ok, &opts(Runtime::Js2));
    assert_eq!(result.function_execution_logs, ["0cc175b9c0f1b6a831c399e269772661 a=1 function"]);

    for code in [
        "import fs from 'fs';\nfunction handler(event) { return event.request; }",
        "import { createHmac } from 'crypto';\nfunction handler(event) { return event.request; }",
    ] {
        match run(code, &[event()], &opts(Runtime::Js2)) {
            Err(EngineError::Compile(message)) => assert!(!message.is_empty()),
            other => panic!("expected a compile error for {code:?}, got {other:?}"),
        }
    }
    // Runtime 1.0 has no modules at all.
    let code = "import crypto from 'crypto';\nfunction handler(event) { return event.request; }";
    assert!(matches!(run(code, &[event()], &opts(Runtime::Js1)), Err(EngineError::Compile(_))));
}

// ------------------------------------------------------------------------------------------------
// Date, logs, handler lookup

#[test]
fn date_is_frozen_at_the_given_time() {
    let code = "var atLoad = Date.now();\nfunction handler(event) {\n\
                for (var i = 0; i < 100000; i++) {}\n\
                console.log([Date.now(), new Date().getTime(), atLoad, new Date(0).getTime(), Date.UTC(2020, 0, 1), new Date().toISOString(), typeof Date()].join(' '));\n\
                console.log(new Date() instanceof Date);\n\
                return event.request; }";
    for runtime in Runtime::ALL {
        let result = run_one(code, &opts(runtime));
        assert_eq!(
            result.function_execution_logs,
            ["1700000000000 1700000000000 1700000000000 0 1577836800000 2023-11-14T22:13:20.000Z string", "true"]
        );
    }
}

#[test]
fn logs_are_per_event_and_repeat_top_level_lines() {
    let code = "console.log('loaded');\nvar n = 0;\nfunction handler(event) { n++; console.log('uri ' + event.request.uri); return event.request; }";
    let mut second = event();
    second["request"]["uri"] = json!("/b");
    let results = run(code, &[event(), second], &opts(Runtime::Js1)).unwrap();
    assert_eq!(results[0].function_execution_logs, ["loaded", "uri /a"]);
    assert_eq!(results[1].function_execution_logs, ["loaded", "uri /b"]);
}

#[test]
fn handler_is_found_in_scripts_and_modules() {
    let cases = [
        (Runtime::Js1, "function handler(event) { return event.request; }"),
        (Runtime::Js1, "var handler = function (event) { return event.request; };"),
        (Runtime::Js2, "const handler = (event) => event.request;"),
        (Runtime::Js2, "let handler = async (event) => event.request;"),
        (Runtime::Js2, "import cf from 'cloudfront';\nfunction handler(event) { return event.request; }"),
        (Runtime::Js2, "import crypto from 'crypto';\nconst handler = async function (event) { return event.request; }\n// trailing comment"),
    ];
    for (runtime, code) in cases {
        let result = run_one(code, &opts(runtime));
        assert!(!result.failed(), "{code}: {}", result.function_error_message);
        assert!(result.function_output.starts_with("{\"request\":"), "{code}");
    }
    for (runtime, code) in [
        (Runtime::Js1, "function handle(event) { return event.request; }"),
        (Runtime::Js2, "import cf from 'cloudfront';\nfunction handle(event) { return event.request; }"),
        (Runtime::Js2, "var handler = 5;"),
    ] {
        assert!(matches!(run(code, &[event()], &opts(runtime)), Err(EngineError::NoHandler(_))), "{code}");
    }
}

#[test]
fn syntax_errors_are_engine_errors_with_a_location() {
    for runtime in Runtime::ALL {
        match run("function handler(event) {\n  return event.request\n  var = 1;\n}", &[event()], &opts(runtime)) {
            Err(EngineError::Compile(message)) => assert!(message.contains("function.js:3"), "{message}"),
            other => panic!("expected a compile error, got {other:?}"),
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Failing functions

#[test]
fn a_throwing_function_fails_with_the_exception() {
    for runtime in Runtime::ALL {
        let result = run_one("function handler(event) { console.log('before'); return event.nope.x; }", &opts(runtime));
        assert!(result.failed());
        assert_eq!(result.function_error_message, "TypeError: cannot read property 'x' of undefined");
        assert_eq!(result.function_output, "");
        assert_eq!(result.function_execution_logs, ["before"]);

        let result = run_one("function handler(event) { throw 'plain'; }", &opts(runtime));
        assert_eq!(result.function_error_message, "plain");
    }
    let result = run_one(
        "throw new RangeError('at load');\nfunction handler(event) { return event.request; }",
        &opts(Runtime::Js1),
    );
    assert_eq!(result.function_error_message, "RangeError: at load");
}

#[test]
fn garbage_results_fail_validation() {
    let cases = [
        ("return 42;", "returned a number"),
        ("return 'text';", "returned a string"),
        ("return [event.request];", "returned an array"),
        ("return null;", "returned null"),
        ("return;", "returned undefined"),
        ("return {statusCode: '401'};", "statusCode"),
        ("return {statusCode: 700};", "statusCode"),
        ("return {statusCode: 401, headers: {'WWW-Authenticate': {value: 'Bearer'}}};", "not lower case"),
        ("return {statusCode: 401, headers: {'www-authenticate': 'Bearer'}};", "value"),
        ("return {statusCode: 401, headers: {'x-cache': {value: 'HIT'}}};", "disallowed header \"x-cache\""),
        ("return {statusCode: 200, headers: {via: {value: '1.1 x'}}};", "read-only header \"via\""),
        ("return {statusCode: 200, body: {data: '%%%', encoding: 'base64'}};", "base64"),
        ("event.request.method = 'POST'; return event.request;", "method"),
        ("delete event.request.uri; return event.request;", "uri"),
        ("event.request.uri = 'relative'; return event.request;", "uri"),
        ("event.request.headers.host = {value: 'evil.example'}; return event.request;", "read-only header \"host\""),
        (
            "event.request.headers['content-length'] = {value: '5'}; return event.request;",
            "read-only header \"content-length\"",
        ),
        ("event.request.headers['x-forwarded-proto'] = {value: 'https'}; return event.request;", "disallowed header"),
        ("event.request.headers['x-amz-cf-id'] = {value: 'x'}; return event.request;", "disallowed header"),
        ("event.request.headers['x-edge-location'] = {value: 'x'}; return event.request;", "disallowed header"),
        ("event.request.headers['connection'] = {value: 'close'}; return event.request;", "disallowed header"),
        ("event.request.querystring.a = 'b'; return event.request;", "querystring"),
        ("event.request.cookies.a = {value: 1}; return event.request;", "cookies"),
    ];
    for (body, expected) in cases {
        let result = run_one(&format!("function handler(event) {{ {body} }}"), &opts(Runtime::Js1));
        assert!(result.failed(), "{body} was accepted");
        assert!(result.function_error_message.contains(expected), "{body}: {}", result.function_error_message);
        assert_eq!(result.function_output, "");
    }
    let fine = [
        "event.request.headers['x-user'] = {value: 'u'}; event.request.uri = '/b'; return event.request;",
        "delete event.request.querystring.jwt; return event.request;",
        "return {statusCode: 302, statusDescription: 'Found', headers: {location: {value: '/login'}}};",
        "return {statusCode: 401, headers: {'www-authenticate': {value: 'Bearer'}}, cookies: {t: {value: '', attributes: 'Max-Age=0'}}, body: 'no'};",
        "return {statusCode: 200, body: {data: 'aGk=', encoding: 'base64'}};",
    ];
    for body in fine {
        let result = run_one(&format!("function handler(event) {{ {body} }}"), &opts(Runtime::Js1));
        assert!(!result.failed(), "{body}: {}", result.function_error_message);
    }
}

#[test]
fn an_endless_function_is_stopped_at_the_time_limit() {
    let options = Options { time_limit: Duration::from_millis(100), ..opts(Runtime::Js2) };
    for code in [
        "function handler(event) { while (true) {} }",
        "async function handler(event) { for (;;) { await null; } }",
        "function handler(event) { function f() { for (var i = 0; i < 1e9; i++) {} } try { f(); } catch (e) {} return event.request; }",
    ] {
        let started = std::time::Instant::now();
        let results = run(code, &[event(), event()], &options).unwrap();
        assert!(started.elapsed() < Duration::from_secs(3), "{code} was not stopped in time");
        for result in results {
            assert!(result.failed());
            assert_eq!(result.function_error_message, TIME_LIMIT_MESSAGE, "{code}");
            assert_eq!(result.compute_utilization, "100");
        }
    }
    // A loop at top level is stopped too, and every event reports it.
    let results =
        run("while (true) {}\nfunction handler(event) { return event.request; }", &[event()], &options).unwrap();
    assert_eq!(results[0].function_error_message, TIME_LIMIT_MESSAGE);
}

#[test]
fn async_handlers_are_awaited() {
    let code = "async function handler(event) {\n\
                var v = await Promise.resolve('later');\n\
                console.log(v);\n\
                return {statusCode: 403, statusDescription: v};\n}";
    let result = run_one(code, &opts(Runtime::Js2));
    assert!(!result.failed(), "{}", result.function_error_message);
    assert_eq!(result.function_output, r#"{"response":{"statusCode":403,"statusDescription":"later"}}"#);
    assert_eq!(result.function_execution_logs, ["later"]);

    let rejected =
        run_one("async function handler(event) { await null; throw new Error('async boom'); }", &opts(Runtime::Js2));
    assert_eq!(rejected.function_error_message, "Error: async boom");

    let never = run_one("async function handler(event) { await new Promise(function () {}); }", &opts(Runtime::Js2));
    assert!(never.failed());
    assert!(never.function_error_message.contains("never settled"));
}

// ------------------------------------------------------------------------------------------------
// KeyValueStore

fn kvs_options() -> Options {
    let mut kvs = BTreeMap::new();
    kvs.insert("jwt.secret".to_owned(), "s3cr3t".to_owned());
    kvs.insert("config".to_owned(), "{\"leeway\":30}".to_owned());
    Options { kvs: Some(kvs), ..opts(Runtime::Js2) }
}

#[test]
fn kvs_get_exists_meta_and_missing_keys() {
    let code = r#"import cf from 'cloudfront';
const kvs = cf.kvs();
async function handler(event) {
  console.log(await kvs.get('jwt.secret'));
  console.log(await kvs.get('jwt.secret', {format: 'string'}));
  console.log((await kvs.get('config', {format: 'json'})).leeway);
  const bytes = await kvs.get('jwt.secret', {format: 'bytes'});
  console.log(Buffer.isBuffer(bytes) + ' ' + bytes.toString('hex'));
  console.log(await kvs.exists('jwt.secret'));
  console.log(await kvs.exists('nope'));
  try { await kvs.get('nope'); console.log('found'); } catch (e) { console.log('rejected ' + e); }
  try { await kvs.get('jwt.secret', {format: 'yaml'}); } catch (e) { console.log('rejected ' + e); }
  const meta = await kvs.meta();
  console.log(meta.keyCount + ' ' + meta.creationDateTime);
  console.log(typeof cf.kvs('arn:aws:cloudfront::123456789012:key-value-store/x').get);
  return event.request;
}"#;
    let result = run_one(code, &kvs_options());
    assert!(!result.failed(), "{}", result.function_error_message);
    assert_eq!(
        result.function_execution_logs,
        [
            "s3cr3t",
            "s3cr3t",
            "30",
            "true 733363723374",
            "true",
            "false",
            "rejected Error: Key not found: \"nope\"",
            "rejected TypeError: Unknown format: \"yaml\"",
            "2 2023-11-14T22:13:20.000Z",
            "function",
        ]
    );
}

#[test]
fn kvs_without_a_store_rejects() {
    let code = "import cf from 'cloudfront';\nasync function handler(event) {\n\
                try { await cf.kvs().get('k'); } catch (e) { return {statusCode: 503, statusDescription: String(e)}; }\n\
                return event.request; }";
    let result = run_one(code, &opts(Runtime::Js2));
    assert!(!result.failed());
    assert!(result.function_output.contains("No KeyValueStore"), "{}", result.function_output);

    // Not catching the rejection fails the function.
    let result = run_one(
        "import cf from 'cloudfront';\nasync function handler(event) { await cf.kvs().get('missing'); }",
        &kvs_options(),
    );
    assert_eq!(result.function_error_message, "Error: Key not found: \"missing\"");
}

// ------------------------------------------------------------------------------------------------
// Events in the test-function format

fn event_file(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/engine/events").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What a handler sees: it logs the event as JSON.
fn seen_by_handler(name: &str) -> Value {
    let code = "function handler(event) { console.log(JSON.stringify(event)); return event.request; }";
    let results = run(code, &[event_file(name)], &opts(Runtime::Js1)).unwrap();
    assert!(!results[0].failed(), "{name}: {}", results[0].function_error_message);
    serde_json::from_str(&results[0].function_execution_logs[0]).unwrap()
}

#[test]
fn event_files_in_the_exact_format_reach_the_handler_unchanged() {
    let original = event_file("full.json");
    assert_eq!(seen_by_handler("full.json"), original);
    assert_eq!(normalize_event(original.clone()).unwrap().json(), &original);
}

#[test]
fn event_files_with_the_usual_omissions_are_completed() {
    let seen = seen_by_handler("no-cookies-no-viewer.json");
    assert_eq!(seen["request"]["cookies"], json!({}));
    assert_eq!(seen["viewer"]["ip"], "198.51.100.11");

    let seen = seen_by_handler("bare-context.json");
    assert_eq!(seen["context"], json!({"eventType": "viewer-request"}));

    let seen = seen_by_handler("no-context.json");
    assert_eq!(seen["version"], "1.0");
    assert_eq!(seen["context"]["eventType"], "viewer-request");
    assert_eq!(seen["request"], json!({"method": "HEAD", "uri": "/", "querystring": {}, "headers": {}, "cookies": {}}));

    let seen = seen_by_handler("lowercase-multivalue.json");
    for part in ["querystring", "headers", "cookies"] {
        let entry = seen["request"][part].as_object().unwrap().values().next().unwrap();
        assert_eq!(entry["multiValue"].as_array().map(Vec::len), Some(2), "{part}");
        assert!(entry.get("multivalue").is_none(), "{part}");
    }
}

#[test]
fn viewer_response_events_must_return_a_response() {
    let keep = "function handler(event) { event.response.headers['x-frame-options'] = {value: 'DENY'}; return event.response; }";
    let results = run(keep, &[event_file("viewer-response.json")], &opts(Runtime::Js2)).unwrap();
    assert!(!results[0].failed(), "{}", results[0].function_error_message);
    assert!(results[0].function_output.starts_with("{\"response\":"));

    let drop_via = "function handler(event) { delete event.response.headers.via; return event.response; }";
    let results = run(drop_via, &[event_file("viewer-response.json")], &opts(Runtime::Js2)).unwrap();
    assert!(results[0].function_error_message.contains("read-only header \"via\""));
}

#[test]
fn files_that_are_not_events_are_refused() {
    for (name, needle) in [
        ("not-an-event.json", "`request` is missing"),
        ("no-uri.json", "`request.uri` is missing"),
        ("header-not-object.json", "`request.headers.host`"),
    ] {
        let err = normalize_event(event_file(name)).expect_err(name);
        assert!(matches!(err, EngineError::BadEvent(_)));
        assert!(err.to_string().contains(needle), "{name}: {err}");
        assert!(matches!(
            run("function handler(e) { return e.request; }", &[event_file(name)], &opts(Runtime::Js1)),
            Err(EngineError::BadEvent(_))
        ));
    }
}

// ------------------------------------------------------------------------------------------------
// A JWT check as the generator writes it, end to end

#[test]
fn an_hs256_check_accepts_good_tokens_and_refuses_bad_ones() {
    let code_1 = r#"var crypto = require('crypto');
function handler(event) {
  var q = event.request.querystring.jwt;
  var deny = {statusCode: 401, statusDescription: 'Unauthorized', headers: {'www-authenticate': {value: 'Bearer'}}};
  if (!q) return deny;
  var parts = q.value.split('.');
  if (parts.length !== 3) return deny;
  var sig = crypto.createHmac('sha256', 'a-secret-of-at-least-32-bytes-length!').update(parts[0] + '.' + parts[1]).digest('base64url');
  if (sig !== parts[2]) return deny;
  var payload = JSON.parse(String.bytesFrom(parts[1], 'base64url').fromUTF8());
  if (!(Date.now() / 1000 < payload.exp)) return deny;
  delete event.request.querystring.jwt;
  return event.request;
}"#;
    let code_2 = code_1
        .replace("var crypto = require('crypto');", "import crypto from 'crypto';")
        .replace("String.bytesFrom(parts[1], 'base64url').fromUTF8()", "Buffer.from(parts[1], 'base64url').toString()");
    let secret = b"a-secret-of-at-least-32-bytes-length!";
    let header = r#"{"alg":"HS256","typ":"JWT"}"#;
    let good = token_raw(header, r#"{"sub":"é","exp":1700000060}"#, secret);
    let expired = token_raw(header, r#"{"exp":1700000000}"#, secret);
    let forged = token_raw(header, r#"{"exp":1700000060}"#, b"another-secret-of-at-least-32-bytes");
    let with_token = |token: &str| {
        let mut e = event();
        e["request"]["querystring"]["jwt"] = json!({"value": token});
        e["request"]["querystring"]["other"] = json!({"value": "1"});
        e
    };
    let events = [with_token(&good), with_token(&expired), with_token(&forged), event()];
    for (runtime, code) in [(Runtime::Js1, code_1), (Runtime::Js2, code_2.as_str())] {
        let results = run(code, &events, &opts(runtime)).unwrap();
        let outputs: Vec<Value> = results
            .iter()
            .map(|r| {
                assert!(!r.failed(), "{runtime}: {}", r.function_error_message);
                serde_json::from_str(&r.function_output).unwrap()
            })
            .collect();
        assert_eq!(outputs[0]["request"]["querystring"], json!({"other": {"value": "1"}}), "{runtime}");
        for denied in &outputs[1..] {
            assert_eq!(denied["response"]["statusCode"], 401, "{runtime}");
        }
    }
}

#[test]
fn results_serialise_like_test_function() {
    let result = run_one("function handler(event) { console.log('x'); return event.request; }", &opts(Runtime::Js1));
    let json = serde_json::to_value(&result).unwrap();
    let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["FunctionOutput", "FunctionErrorMessage", "FunctionExecutionLogs", "ComputeUtilization"]);
    let utilization: u32 = result.compute_utilization.parse().unwrap();
    assert!(utilization <= 100);
}
