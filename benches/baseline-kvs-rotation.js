// Hand-written reference for `make bench`: the checks of examples/kvs-rotation.json written plainly and carefully, the yardstick for that policy's generated function.
// cloudfront-js-2.0
//
// Same decisions as examples/kvs-rotation.json: the token taken from the first present of cookie
// `token`, `Authorization: Bearer`, and removed from it; the secret read from the KeyValueStore,
// under `jwt.secret` for a token without `kid` and `jwt.secret:<kid>` for one with (a kid is 1 to
// 64 of A-Z a-z 0-9 _ . -), a missing entry or a failed read denying; HS256; exp required, nbf and
// iat checked when present, with 30 seconds of leeway. Coded the way a careful engineer would write
// it by hand: the header is decoded first only to learn which secret to read, then the signature
// is verified (constant-time comparison) before `alg` or the payload is trusted.
import crypto from 'crypto';
import cf from 'cloudfront';

var store = cf.kvs();
var KEY_NAME = 'jwt.secret';
var LEEWAY = 30;
var KID = /^[A-Za-z0-9_.-]{1,64}$/;

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

async function handler(event) {
    var request = event.request;

    // The first source present is the only one read; every source is removed from the request.
    var source, token;
    if (request.cookies.token) {
        source = request.cookies.token;
        token = source.value;
    } else if (request.headers.authorization) {
        source = request.headers.authorization;
        token = bearerToken(source.value);
    } else {
        return deny();
    }
    delete request.cookies.token;
    delete request.headers.authorization;
    if (token === null || (source.multiValue && source.multiValue.length > 1)) return deny();

    var parts = token.split('.');
    if (parts.length !== 3) return deny();

    // Which secret: the header's `kid`, if any, names the store entry.
    var header;
    try {
        header = decode(parts[0]);
    } catch (e) {
        return deny();
    }
    if (!isObject(header)) return deny();
    if (header.kid !== undefined && (typeof header.kid !== 'string' || !KID.test(header.kid))) return deny();
    var secret;
    try {
        secret = await store.get(header.kid === undefined ? KEY_NAME : KEY_NAME + ':' + header.kid);
    } catch (e) {
        return deny();
    }

    var expected = crypto.createHmac('sha256', secret).update(parts[0] + '.' + parts[1]).digest('base64url');
    if (!equal(expected, parts[2])) return deny();
    if (header.alg !== 'HS256' || header.crit !== undefined) return deny();

    var payload;
    try {
        payload = decode(parts[1]);
    } catch (e) {
        return deny();
    }
    if (!isObject(payload)) return deny();

    var now = Date.now() / 1000;
    if (typeof payload.exp !== 'number' || now >= payload.exp + LEEWAY) return deny();
    if (payload.nbf !== undefined && (typeof payload.nbf !== 'number' || now < payload.nbf - LEEWAY)) return deny();
    if (payload.iat !== undefined && typeof payload.iat !== 'number') return deny();
    return request;
}
