// Hand-written reference for `make bench`: the checks of examples/video-cookie.json written plainly and carefully, the yardstick for that policy's generated function.
// cloudfront-js-2.0
//
// Same decisions as examples/video-cookie.json: /favicon.ico served without a token; the token
// taken from the first present of `?jwt=` (a fresh link wins), cookie `token`, and both removed; HS256; exp
// required, nbf and iat checked when present, with 30 seconds of leeway; the URI inside one of the
// patterns of the `paths` claim, and free of dot segments and encoded separators. A valid token
// that came in the query string of a GET or HEAD is handed to the player as a cookie: a 302 to the
// same URL without it, setting `token` for /courses/ until the token expires. Coded the way a
// careful engineer would write it by hand: verify the signature before trusting anything in the
// token, compare in constant time, then decode and check. The key is the public demo key
// (examples/demo.key).
import crypto from 'crypto';

var KEY = 'cfjwt-demo-key-PUBLIC-never-use-in-production-0123456789';
var LEEWAY = 30;
var COOKIE_ATTRIBUTES = 'Secure; HttpOnly; SameSite=Lax; Path=/courses/';

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

// The 302 that moves a token from the query string into a cookie: back to the same URI with the
// other query parameters as they came.
function handOff(request, token, exp, now) {
    var query = [];
    for (var name in request.querystring) {
        var param = request.querystring[name];
        var values = param.multiValue || [param];
        for (var i = 0; i < values.length; i++) {
            query.push(values[i].value === '' ? name : name + '=' + values[i].value);
        }
    }
    // One leading slash: `//host` or `/\host` would name another host.
    var path = '/' + request.uri.replace(/^[\/\\]+/, '');
    var location = query.length > 0 ? path + '?' + query.join('&') : path;
    var maxAge = Math.max(0, Math.floor(exp - now));
    return {
        statusCode: 302,
        statusDescription: 'Found',
        headers: { location: { value: location } },
        cookies: { token: { value: token, attributes: COOKIE_ATTRIBUTES + '; Max-Age=' + maxAge } }
    };
}

function handler(event) {
    var request = event.request;
    var uri = request.uri;
    var strip = function () {
        delete request.querystring.jwt;
        delete request.cookies.token;
        return request;
    };
    if (uri === '/favicon.ico') return strip();

    // The first source present is the only one read; every source is removed from the request.
    var source, fromQuery = false;
    if (request.querystring.jwt) {
        source = request.querystring.jwt;
        fromQuery = true;
    } else if (request.cookies.token) {
        source = request.cookies.token;
    } else {
        return deny();
    }
    strip();
    if (source.multiValue && source.multiValue.length > 1) return deny();

    var parts = source.value.split('.');
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
    if (payload.iat !== undefined && typeof payload.iat !== 'number') return deny();

    var paths = strings(payload.paths);
    if (paths === null || unsafePath(uri)) return deny();
    var granted = false;
    for (var i = 0; i < paths.length && !granted; i++) granted = matches(uri, paths[i]);
    if (!granted) return deny();

    if (fromQuery && (request.method === 'GET' || request.method === 'HEAD')) {
        return handOff(request, source.value, payload.exp, now);
    }
    return request;
}
