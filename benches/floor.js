// The cost floor for `make bench`: one HMAC-SHA256 of the signing input and one string comparison, nothing else a JWT check could skip.
// cloudfront-js-2.0
//
// Not a verifier (no structure, header or claim checks, and `===` is not constant time): only the
// least work any HS256 check must do per request, measured with a valid token in ?jwt=. The two
// slices find the signing input and the signature of a token whose signature is 43 characters.
import crypto from 'crypto';

var KEY = 'cfjwt-demo-key-PUBLIC-never-use-in-production-0123456789';

function handler(event) {
    var token = event.request.querystring.jwt.value;
    if (crypto.createHmac('sha256', KEY).update(token.slice(0, -44)).digest('base64url') === token.slice(-43)) {
        return event.request;
    }
    return { statusCode: 401, statusDescription: 'Unauthorized' };
}
