// cloudfront-js-2.0
import crypto from "crypto";
import cf from "cloudfront";
var store = cf.kvs(), TOKEN = /^(([\w-]+)\.([\w-]+))\.([\w-]{43})(?![\s\S])|/, BEARER = /^bearer +(([\w-]+)\.([\w-]+))\.([\w-]{43})(?![\s\S])|/i;
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
async function handler(event) {
    var request = event.request, now = Date.now() / 1000, found, token, header, payload;
    try {
        checks: {
            if (found = request.cookies.token) delete request.cookies.token, token = TOKEN.exec(found.value);
            else if (found = request.headers.authorization) delete request.headers.authorization, token = BEARER.exec(found.value);
            else break checks;
            if (!token[0] || found.multiValue && found.multiValue.length > 1) break checks;
            header = decode(token[2]);
            if (header.kid !== void 0 && (typeof header.kid != "string" || !/^[\w.-]{1,64}(?![\s\S])/.test(header.kid))) break checks;
            var secret = await store.get(header.kid === void 0 ? "jwt.secret" : "jwt.secret:" + header.kid);
            if (!same(sign(secret, token[1]), token[4])) break checks;
            if (header.alg !== "HS256" || "crit" in header) break checks;
            payload = decode(token[3]);
            if (typeof payload.exp != "number" || now >= payload.exp + 30) break checks;
            if ("nbf" in payload && (typeof payload.nbf != "number" || now < payload.nbf - 30)) break checks;
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
