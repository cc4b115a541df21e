// Hand-written reference for `make bench`: the checks of examples/seed-js1.json written plainly and carefully for cloudfront-js-1.0, the yardstick for that policy's generated function.
// cloudfront-js-1.0
//
// Same decisions as examples/seed-js1.json (token in ?jwt=, HS256, exp required, nbf and iat
// checked when present, token stripped), in the 1.0 runtime: no `let`, `const`, `import` or
// `Buffer`; `require('crypto')` and byte strings instead. Coded the way a careful engineer would
// write it by hand: split the token, verify the signature before trusting anything in it, compare
// in constant time, then decode and check the header and the claims. The key is the public demo
// key (examples/demo.key).
var crypto = require('crypto');

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

// fromUTF8() gives null for bytes that are not UTF-8, and JSON.parse(null) is null: denied below.
function decode(segment) {
    return JSON.parse(String.bytesFrom(segment, 'base64url').fromUTF8());
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
