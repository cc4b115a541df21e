// Hand-written reference for `make bench`: the checks of examples/api-bearer.json written plainly and carefully, the yardstick for that policy's generated function.
// cloudfront-js-2.0
//
// Same decisions as examples/api-bearer.json: CORS preflights let through; the token taken from
// `Authorization: Bearer` and the header removed; HS256; exp required, nbf checked when present,
// iat required and at most an hour old, all with 10 seconds of leeway; iss exactly
// https://auth.example.com; aud containing "api". Coded the way a careful engineer would write it
// by hand: verify the signature before trusting anything in the token, compare in constant time,
// then decode and check. The key is the public demo key (examples/demo.key).
import crypto from 'crypto';

var KEY = 'cfjwt-demo-key-PUBLIC-never-use-in-production-0123456789';
var LEEWAY = 10;
var MAX_AGE = 3600;
var ISSUER = 'https://auth.example.com';
var AUDIENCE = 'api';

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

function handler(event) {
    var request = event.request;
    var headers = request.headers;
    if (request.method === 'OPTIONS' && headers.origin && headers['access-control-request-method']) return request;

    var source = headers.authorization;
    if (!source || (source.multiValue && source.multiValue.length > 1)) return deny();
    delete headers.authorization;
    var token = bearerToken(source.value);
    if (token === null) return deny();

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

    if (payload.iss !== ISSUER) return deny();
    var audiences = strings(payload.aud);
    if (audiences === null || audiences.indexOf(AUDIENCE) < 0) return deny();
    return request;
}
