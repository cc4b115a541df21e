// cloudfront-js-2.0
import crypto from "crypto";
var KEY = "cfjwt-demo-key-PUBLIC-never-use-in-production-0123456789", TOKEN = /^(([\w-]+)\.([\w-]+))\.([\w-]{43})(?![\s\S])|/, STANDARD_HEADER = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
function decode(segment) {
    return JSON.parse(Buffer.from(segment, "base64url").toString());
}
function sign(key, input) {
    return crypto.createHmac("sha256", key).update(input).digest("base64url");
}
function same(expected, actual) {
    return digest(expected) === digest(actual);
}
function digest(text) {
    return crypto.createHash("sha256").update(text).digest("base64");
}
function handler(event) {
    var request = event.request, now = Date.now() / 1000, found, token, header, payload;
    try {
        checks: {
            if (found = request.querystring.jwt) delete request.querystring.jwt, token = TOKEN.exec(found.value);
            else break checks;
            if (!token[0] || found.multiValue && found.multiValue.length > 1) break checks;
            if (!same(sign(KEY, token[1]), token[4])) break checks;
            if (token[2] != STANDARD_HEADER && ((header = decode(token[2])).alg !== "HS256" || "crit" in header)) break checks;
            payload = decode(token[3]);
            if (typeof payload.exp != "number" || now >= payload.exp) break checks;
            if ("nbf" in payload && (typeof payload.nbf != "number" || now < payload.nbf)) break checks;
            return request;
        }
    } catch (e) {}
    return {
        statusCode: 401,
        statusDescription: "Unauthorized",
        headers: {
            "www-authenticate": {
                value: "Bearer"
            }
        }
    };
}
