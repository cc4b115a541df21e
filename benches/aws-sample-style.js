// Comparison handler for `make bench`: our own rewrite of the approach of the public AWS sample "verify JWT" (aws-samples/amazon-cloudfront-functions, verify-jwt/index.js), not its code.
// cloudfront-js-2.0
//
// What it reproduces from the sample, so the cost is comparable: the token from ?jwt= split on
// dots; header and payload base64url-decoded and JSON-parsed before the signature is checked;
// the signing input rebuilt with join; an HMAC-SHA256 compared with a length check and a
// charCodeAt XOR loop; truthy `nbf`/`exp` compared in milliseconds; every failure thrown as an
// Error and caught in the handler; one shared 401 object. What it lacks, like the sample: no
// `alg`/`crit` check, no claim types, no multiValue check. The sample logs with console.log; here
// logging is a switch left off (as in the sample's later KeyValueStore version), so stdout stays
// clean under njs. The sample as shipped (commit 8af1b1b) is 2,989 bytes.
import crypto from 'crypto';

var unauthorized = { statusCode: 401, statusDescription: 'Unauthorized' };
var logging = false;

function log(message) {
    if (logging) console.log(message);
}

function b64urlDecode(text) {
    return Buffer.from(text, 'base64url');
}

function sameText(a, b) {
    if (a.length != b.length) return false;
    var x = 0;
    for (var i = 0; i < a.length; i++) x |= a.charCodeAt(i) ^ b.charCodeAt(i);
    return x === 0;
}

function hmacSign(input, key, method) {
    return crypto.createHmac(method, key).update(input).digest('base64url');
}

function checkSignature(input, key, method, kind, signature) {
    if (kind === 'hmac') return sameText(signature, hmacSign(input, key, method));
    throw new Error('Unknown signing type');
}

function decodeJwt(token, key) {
    if (!token) throw new Error('No token');
    var pieces = token.split('.');
    if (pieces.length !== 3) throw new Error('Wrong number of segments');
    var header = JSON.parse(b64urlDecode(pieces[0]));
    var claims = JSON.parse(b64urlDecode(pieces[1]));
    if (!checkSignature([pieces[0], pieces[1]].join('.'), key, 'sha256', 'hmac', pieces[2])) {
        throw new Error('Bad signature');
    }
    if (claims.nbf && Date.now() < claims.nbf * 1000) throw new Error('Not yet valid');
    if (claims.exp && Date.now() > claims.exp * 1000) throw new Error('Expired');
    return claims;
}

function handler(event) {
    var request = event.request;
    var key = 'cfjwt-demo-key-PUBLIC-never-use-in-production-0123456789';
    if (!request.querystring.jwt) {
        log('no token');
        return unauthorized;
    }
    try {
        decodeJwt(request.querystring.jwt.value, key);
    } catch (e) {
        log(e);
        return unauthorized;
    }
    delete request.querystring.jwt;
    log('valid token');
    return request;
}
