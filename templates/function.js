// The skeleton of every generated viewer-request function, as readable JavaScript.
//
// The emitter parses this file, keeps the declarations the plan needs (unused ones are dropped),
// replaces each `$NAME` placeholder with literal values or with steps from steps.js, and shortens
// local names when it minifies. Only ES 5.1 is written here so that both CloudFront runtimes
// accept the result; runtime-specific pieces live in js1.js and js2.js.

// The signing key(s): one secret, or [kid, secret, kid, secret, ...] with `void 0` for no kid.
var KEY = $KEY;
var KEYS = $KEYS;

// A token: three base64url segments, the signature exactly 43 characters (32 bytes unpadded).
// `(?![\s\S])` ends the input: CloudFront's `$`, like njs's, also matches before a final line
// break. The empty alternative makes the expression always match (`token[0]` is '' for anything
// that is not a token): in njs, and so in CloudFront, an expression that fails to match costs
// about as much as an HMAC, and garbage tokens should cost far less.
var TOKEN = /^(([\w-]+)\.([\w-]+))\.([\w-]{43})(?![\s\S])|/;
// The same after `Bearer` and one or more spaces, the scheme in any letter case.
var BEARER = /^bearer +(([\w-]+)\.([\w-]+))\.([\w-]{43})(?![\s\S])|/i;
// base64url of {"alg":"HS256","typ":"JWT"}, the header nearly every issuer writes.
var STANDARD_HEADER = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9';

// The unpadded base64url HMAC-SHA256 of `input` under `key`.
function sign(key, input) {
  return crypto.createHmac('sha256', key).update(input).digest('base64url');
}

// Compares two signatures without an early exit on the first differing character: both are
// hashed whole, and only the digests are compared. How long the comparison takes depends on
// the digests, which an attacker cannot steer toward the expected signature; and hashing in
// native code costs less than reading 43 characters one by one in JavaScript.
function same(expected, actual) {
  return digest(expected) === digest(actual);
}

function digest(text) {
  return crypto.createHash('sha256').update(text).digest('base64');
}

// Tries a token against every key whose id is `kid` (every key when `kid` is undefined).
function verify(keys, kid, token) {
  for (var k = 0; k < keys.length; k += 2) {
    if ((kid === void 0 || kid === keys[k]) && same(sign(keys[k + 1], token[1]), token[4])) return true;
  }
  return false;
}

// A URI pattern is an exact path, or a prefix when it ends in `*`.
function matches(uri, pattern) {
  return pattern.slice(-1) == '*' ? uri.lastIndexOf(pattern.slice(0, -1), 0) == 0 : uri === pattern;
}

// True when `value` is a string or a list of strings, and `test` holds for one of them.
function some(value, test) {
  if (typeof value == 'string') value = [value];
  if (!Array.isArray(value)) return false;
  for (var j = 0, hit = false; j < value.length; j++) {
    if (typeof value[j] != 'string') return false;
    if (test(value[j])) hit = true;
  }
  return hit;
}

// A dot segment, a backslash, or a percent-encoded `.`, `/` or `\`: a URI that could walk out
// of the paths a pattern names once an origin decodes or normalises it. (The expression always
// matches, at the end of the URI when nothing is wrong.)
function unsafe(uri) {
  return /(^|\/)\.\.?(\/|(?![\s\S]))|\\|%(2e|2f|5c)|(?![\s\S])/i.exec(uri).index != uri.length;
}

// The cookie hand-off's answer: a 302 to the same URL without the token (other parameters kept
// as they came), setting the cookie until the token's `exp`.
function handoff(request, value, exp, now, name, attributes) {
  var cookies = {}, query = [], key, item, list, n;
  if (typeof exp == 'number') attributes += '; Max-Age=' + Math.max(0, Math.floor(exp - now));
  cookies[name] = { value: value, attributes: attributes };
  for (key in request.querystring) {
    item = request.querystring[key];
    list = item.multiValue || [item];
    for (n = 0; n < list.length; n++) query.push(list[n].value === '' ? key : key + '=' + list[n].value);
  }
  return {
    statusCode: 302,
    statusDescription: 'Found',
    headers: { location: { value: query.length ? request.uri + '?' + query.join('&') : request.uri } },
    cookies: cookies
  };
}

function handler(event) {
  var request = event.request, now = Date.now() / 1000, found, token, header, payload, moved;
  try {
    checks: {
      $STEPS;
      return request;
    }
  } catch (e) {}
  return $DENY;
}
