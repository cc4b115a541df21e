// The skeleton of every generated viewer-request function, as readable JavaScript.
//
// The emitter parses this file, keeps the declarations the plan needs (unused ones are dropped),
// replaces each `$NAME` placeholder with literal values or with fragments of steps.js, and shortens
// local names when it minifies. Only ES 5.1 is written here so that both CloudFront runtimes
// accept the result; runtime-specific pieces live in js1.js and js2.js.

// The signing key(s): one secret, or [kid, secret, kid, secret, ...] with `void 0` for no kid.
var KEY = $KEY;
var KEYS = $KEYS;

// Regular expressions are built here, once: a literal inside a function builds a new object on
// every call (about 0.1 µs in njs), and they are used with `search` only (see TOKEN).
//
// A token: three base64url segments, the signature exactly 43 characters (32 bytes unpadded).
// `(?![\s\S])` ends the input: CloudFront's `$`, like njs's, also matches before a final line
// break. Tokens are checked with `search`, which costs little whether or not it matches; in njs,
// and so in CloudFront, an `exec` or `test` that fails costs about as much as an HMAC. Before the
// search, one comparison: the 44th character from the end of a token is the dot before its
// signature, so a truncated token, a two-segment one or one with a signature of another length
// is refused without reading it. (njs checks the whole string as UTF-8 before every search, then
// reads it up to where the match fails: both grow with the token's length.)
var TOKEN = /^[\w-]+\.[\w-]+\.[\w-]{43}(?![\s\S])/;
// `Bearer`, one or more spaces and a token, the scheme in any letter case.
var BEARER = /^bearer +[\w-]+\.[\w-]+\.[\w-]{43}(?![\s\S])/i;
// A key id the KeyValueStore may be asked for: 1 to 64 of letters, digits, `_`, `-` and `.`.
var KEY_ID = /^[\w.-]{1,64}(?![\s\S])/;
// A dot segment, a backslash, or a percent-encoded `.`, `/` or `\`: a URI that could walk out
// of the paths a pattern names once an origin decodes or normalises it.
var UNSAFE = /(^|\/)\.\.?(\/|(?![\s\S]))|\\|%(2e|2f|5c)/i;

// The slashes and backslashes a URI starts with (see handoff).
var SLASHES = /^[\/\\]+/;

// One line break that ends the text the KeyValueStore holds (see store_line_end): ignored, as
// `gen` ignores one at the end of a key file.
var LINE_END = /\r?\n(?![\s\S])/;
// Key text in its encoding (`key.encoding`; see store_decode): base64 and base64url, padding
// optional, and hex in either case.
var BASE64 = /^[A-Za-z0-9+\/]+={0,2}(?![\s\S])/;
var BASE64URL = /^[\w-]+={0,2}(?![\s\S])/;
var HEX = /^(?:[0-9a-fA-F]{2})+(?![\s\S])/;
// A Unix time, as a revocation entry holds it: decimal digits.
var DIGITS = /^\d+(?![\s\S])/;

// A control character, which no header value may hold (see forward).
var CONTROL = /[\x00-\x1f\x7f]/;

// base64url of {"alg":"HS256","typ":"JWT"}, the header nearly every issuer writes.
var STANDARD_HEADER = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9';
// That header decoded, for policies that read the header before the signature (key ids, the
// KeyValueStore): nothing changes it, so it is built once.
var STANDARD = { alg: 'HS256', typ: 'JWT' };
// The lists a claim is compared with (accepted issuers, audiences, ...), when the policy gives
// several values: `var NAME = [...]` each, built once, not per request (the plan's constants).
$CONSTANTS;

// Whether a time claim is a finite number: `Number.isFinite` does not convert its argument, so a
// string, null or a boolean is not one, and neither is the Infinity that `1e400` parses as.
// Named once, as every time check calls it.
var finite = Number.isFinite;

// The answer to a denied request when it does not depend on the request: built once, with the
// function, rather than on every denial (nothing changes it once it is returned).
var DENIED = $DENIED;

// The token of an `authorization` value, or '' when it is not `Bearer <token>`.
function bearer(value) {
  return value[value.length - 44] != '.' || value.search(BEARER) ? '' : value.slice(value.lastIndexOf(' ') + 1);
}

// A bare token, or '' when it is not three base64url segments (`$MALFORMED`, from steps.js): for
// a source chain with two or more sources besides `Authorization`, which checks each value as
// it is taken.
function checked(token) {
  return $MALFORMED ? '' : token;
}

// Whether `token` ([header, payload, signature]) is signed with `key`. The signatures are not
// compared character by character, which could stop at the first difference: both are hashed
// whole and only the digests are compared. How long that takes depends on the digests, which
// an attacker cannot steer toward the expected signature; and hashing in native code costs less
// than reading 43 characters one by one in JavaScript.
function signed(key, token) {
  return digest(crypto.createHmac('sha256', key).update(token[0] + '.' + token[1]).digest('base64url')) === digest(token[2]);
}

function digest(text) {
  return crypto.createHash('sha256').update(text).digest('base64');
}

// Whether a key has the id `kid` (with `log`: an unknown `kid` is named as such).
function known(keys, kid) {
  for (var k = 0; k < keys.length; k += 2) {
    if (kid === keys[k]) return true;
  }
  return false;
}

// Tries a token against every key whose id is `kid` (every key when `kid` is undefined).
function verify(keys, kid, token) {
  for (var k = 0; k < keys.length; k += 2) {
    if ((kid === void 0 || kid === keys[k]) && signed(keys[k + 1], token)) return true;
  }
  return false;
}

// A URI pattern is an exact path, or a prefix when it ends in `*`. This matcher serves the
// patterns a token carries (`scope`); the policy's own `public` patterns are known when the
// function is generated and are compared directly (steps.js, public_exact and public_prefix).
function matches(uri, pattern) {
  return pattern.slice(-1) == '*' ? uri.lastIndexOf(pattern.slice(0, -1), 0) == 0 : uri === pattern;
}

// True when `value` is a string or a list of strings, and `test` holds for one of them.
// A lone string, the usual form, is tested as it is (no one-element list).
function some(value, test) {
  if (typeof value == 'string') return test(value);
  if (!Array.isArray(value)) return false;
  for (var j = 0, hit = false; j < value.length; j++) {
    if (typeof value[j] != 'string') return false;
    if (test(value[j])) hit = true;
  }
  return hit;
}

// The cookie hand-off's answer: a 302 to the same URL without the token (other parameters kept
// as they came), setting the cookie until the token's `exp`. Leading slashes and backslashes are
// collapsed into one (SLASHES): a browser reads a `Location` of `//host/x` or `/\host/x` as
// another host's URL.
function handoff(request, value, exp, now, name, attributes) {
  var cookies = {}, query = [], key, item, list, n;
  if (finite(exp)) attributes += '; Max-Age=' + Math.max(0, Math.floor(exp - now));
  cookies[name] = { value: value, attributes: attributes };
  for (key in request.querystring) {
    item = request.querystring[key];
    list = item.multiValue || [item];
    for (n = 0; n < list.length; n++) query.push(list[n].value === '' ? key : key + '=' + list[n].value);
  }
  return {
    statusCode: 302,
    statusDescription: 'Found',
    headers: { location: { value: request.uri.replace(SLASHES, '/') + (query.length ? '?' + query.join('&') : '') } },
    cookies: cookies
  };
}

// With `token.strip`, every source of the token removed from a request let through, where it is
// let through in more than one place (public paths, preflights, a verified token); `$STRIP` is
// one `delete` per source (steps.js, `strip`).
function strip(request) {
  $STRIP;
  return request;
}

// With `forward`: the verified claim `value` set as the request header `name` when it is a
// string (as it is), a finite number or a boolean (in its JSON form), without control characters
// and at most 1,024 bytes long (`utf8_length`, js1.js and js2.js). Anything else, an empty string
// included, sets nothing.
function forward(request, name, value) {
  if (typeof value != 'string') value = finite(value) || typeof value == 'boolean' ? JSON.stringify(value) : '';
  if (value && value.length <= 1024 && utf8_length(value) <= 1024 && value.search(CONTROL) < 0) request.headers[name] = { value: value };
}

// With `claims.require`: whether `claim` is one of `values`, or a list that holds one.
function among(claim, values) {
  if (values.indexOf(claim) >= 0) return true;
  if (!Array.isArray(claim)) return false;
  for (var j = 0; j < claim.length; j++) {
    if (values.indexOf(claim[j]) >= 0) return true;
  }
  return false;
}

// With `cors`: `response` with the CORS headers for the request's origin when ORIGINS lists it
// (exactly), else `response` as it is. A copy: DENIED is built once and never changed.
// `$CREDENTIALS` sets `access-control-allow-credentials` when the policy asks for it.
function cors(request, response) {
  var origin = request.headers.origin, copy = {}, headers = {}, name;
  if (!origin || ORIGINS.indexOf(origin.value) < 0) return response;
  for (name in response) copy[name] = response[name];
  for (name in response.headers) headers[name] = response.headers[name];
  headers['access-control-allow-origin'] = { value: origin.value };
  $CREDENTIALS;
  headers.vary = { value: 'origin' };
  copy.headers = headers;
  return copy;
}

// With `cors`: the answer to a preflight from a listed origin, for GET and HEAD and the headers
// the browser asks for, kept `$MAX_AGE` seconds.
function preflighted(request) {
  var asked = request.headers['access-control-request-headers'];
  var headers = { 'access-control-allow-methods': { value: 'GET, HEAD' }, 'access-control-max-age': { value: $MAX_AGE } };
  if (asked) headers['access-control-allow-headers'] = { value: asked.value };
  return cors(request, { statusCode: 204, statusDescription: 'No Content', headers: headers });
}

// `allow`, `pass` and `because` are the reason markers of steps.js; `fail(RESPONSE)` is a
// denial's, and `$CAUGHT` is, with `log`, the code of an exception (steps.js, `caught`). With
// `then`, every `return allow(...)` goes on to the team's handler instead (steps.js, `then`).
function handler(event) {
  var request = event.request, now, found, token, header, payload, moved, why;
  try {
    checks: {
      $STEPS;
      return allow('ok', request);
    }
  } catch (e) {
    $CAUGHT;
  }
  return fail($DENY);
}
