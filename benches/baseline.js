// Hand-written reference for `make bench`: the seed policy's checks written plainly and carefully, the yardstick the generated function must beat.
// cloudfront-js-2.0
//
// Same decisions as examples/seed.json (token in ?jwt=, HS256, exp required, nbf and iat checked
// when present, token stripped), coded the way a careful engineer would write them by hand: split the
// token, verify the signature before trusting anything in it, compare in constant time, then decode
// and check the header and the claims. The key is the public demo key (examples/demo.key).
import crypto from 'crypto';

var KEY = 'cfjwt-demo-key-PUBLIC-never-use-in-production-0123456789';

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

function handler(event) {
    var request = event.request;
    var param = request.querystring.jwt;
    if (!param || (param.multiValue && param.multiValue.length > 1)) return deny();
    delete request.querystring.jwt;

    var parts = param.value.split('.');
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
    if (typeof payload.exp !== 'number' || now >= payload.exp) return deny();
    if (payload.nbf !== undefined && (typeof payload.nbf !== 'number' || now < payload.nbf)) return deny();
    if (payload.iat !== undefined && typeof payload.iat !== 'number') return deny();
    return request;
}
