// Hand-written reference for `make bench`: the checks of examples/full.json written plainly and carefully, the yardstick for that policy's generated function.
// cloudfront-js-2.0
//
// Same decisions as examples/full.json: /favicon.ico and /public/* served without a token (unless
// the URI has a dot segment or an encoded separator), CORS preflights let through; the token taken
// from the first present of `Authorization: Bearer`, cookie `token`, `?jwt=`, and removed from it;
// HS256; exp required, nbf checked when present, iat required and at most an hour old, all with 30
// seconds of leeway; iss one of two issuers; aud containing "videos"; the URI inside one of the
// patterns of the `paths` claim. Coded the way a careful engineer would write it by hand: verify
// the signature before trusting anything in the token, compare in constant time, then decode and
// check. The key is the public demo key (examples/demo.key).
import crypto from 'crypto';

var KEY = 'cfjwt-demo-key-PUBLIC-never-use-in-production-0123456789';
var LEEWAY = 30;
var MAX_AGE = 3600;
var ISSUERS = ['https://lms.example.com', 'https://auth.example.com'];
var AUDIENCE = 'videos';

function deny() {
    return {
        statusCode: 401,
        statusDescription: 'Unauthorized',
        headers: { 'www-authenticate': { value: 'Bearer' } }
    };
}

// Constant time for strings of equal length: every character is read whatever the mismatch.
function equal(a, b) {
    if (a.length !== b.length) return false;
    var diff = 0;
    for (var i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
    return diff === 0;
}

function decode(segment) {
    return JSON.parse(Buffer.from(segment, 'base64url').toString());
}

function isObject(v) {
    return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// `Bearer <token>`: the scheme in any letter case, one or more spaces, a token without spaces.
// Null for anything else.
function bearerToken(value) {
    if (value.slice(0, 6).toLowerCase() !== 'bearer' || value.charAt(6) !== ' ') return null;
    var i = 7;
    while (value.charAt(i) === ' ') i++;
    var token = value.slice(i);
    if (token === '' || token.indexOf(' ') >= 0) return null;
    return token;
}

// A claim that is a string or a list of strings, as a list; null for anything else.
function strings(value) {
    if (typeof value === 'string') return [value];
    if (!Array.isArray(value)) return null;
    for (var i = 0; i < value.length; i++) {
        if (typeof value[i] !== 'string') return null;
    }
    return value;
}

// A pattern is an exact path, or a prefix when it ends in `*`.
function matches(uri, pattern) {
    if (pattern.charAt(pattern.length - 1) === '*') {
        var prefix = pattern.slice(0, -1);
        return uri.slice(0, prefix.length) === prefix;
    }
    return uri === pattern;
}

// A `.` or `..` segment, a backslash, or a percent-encoded `.`, `/` or `\` could lead out of a
// granted prefix once the origin normalises the path.
function unsafePath(uri) {
    if (uri.indexOf('\\') >= 0) return true;
    var lower = uri.toLowerCase();
    if (lower.indexOf('%2e') >= 0 || lower.indexOf('%2f') >= 0 || lower.indexOf('%5c') >= 0) return true;
    var segments = uri.split('/');
    for (var i = 0; i < segments.length; i++) {
        if (segments[i] === '.' || segments[i] === '..') return true;
    }
    return false;
}

function handler(event) {
    var request = event.request;
    var uri = request.uri;
    var headers = request.headers;
    // Every token source is removed from a request let through, whichever carried the token.
    function stripped() {
        delete headers.authorization;
        delete request.cookies.token;
        delete request.querystring.jwt;
        return request;
    }
    if ((uri === '/favicon.ico' || uri.slice(0, 8) === '/public/') && !unsafePath(uri)) return stripped();
    if (request.method === 'OPTIONS' && headers.origin && headers['access-control-request-method']) return stripped();

    // The first source present is the only one read.
    var source, token;
    if (headers.authorization) {
        source = headers.authorization;
        token = bearerToken(source.value);
    } else if (request.cookies.token) {
        source = request.cookies.token;
        token = source.value;
    } else if (request.querystring.jwt) {
        source = request.querystring.jwt;
        token = source.value;
    } else {
        return deny();
    }
    stripped();
    if (token === null || (source.multiValue && source.multiValue.length > 1)) return deny();

    var parts = token.split('.');
    if (parts.length !== 3) return deny();

    var expected = crypto.createHmac('sha256', KEY).update(parts[0] + '.' + parts[1]).digest('base64url');
    if (!equal(expected, parts[2])) return deny();

    var header, payload;
    try {
        header = decode(parts[0]);
        payload = decode(parts[1]);
    } catch (e) {
        return deny();
    }
    if (!isObject(header) || header.alg !== 'HS256' || header.crit !== undefined) return deny();
    if (!isObject(payload)) return deny();

    var now = Date.now() / 1000;
    if (typeof payload.exp !== 'number' || now >= payload.exp + LEEWAY) return deny();
    if (payload.nbf !== undefined && (typeof payload.nbf !== 'number' || now < payload.nbf - LEEWAY)) return deny();
    if (typeof payload.iat !== 'number' || now - payload.iat > MAX_AGE + LEEWAY || payload.iat > now + LEEWAY) return deny();

    if (ISSUERS.indexOf(payload.iss) < 0) return deny();
    var audiences = strings(payload.aud);
    if (audiences === null || audiences.indexOf(AUDIENCE) < 0) return deny();

    var paths = strings(payload.paths);
    if (paths === null || unsafePath(uri)) return deny();
    var granted = false;
    for (var i = 0; i < paths.length && !granted; i++) granted = matches(uri, paths[i]);
    if (!granted) return deny();
    return request;
}
