// cloudfront-js-2.0
import crypto from "crypto";
var KEY = "cfjwt-demo-key-PUBLIC-never-use-in-production-0123456789", TOKEN = /^[\w-]+\.[\w-]+\.[\w-]{43}(?![\s\S])/, STANDARD_HEADER = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", finite = Number.isFinite, DENIED = {
    statusCode: 401,
    statusDescription: "Unauthorized",
    headers: {
        "www-authenticate": {
            value: "Bearer"
        }
    }
};
function decode(segment) {
    return JSON.parse(Buffer.from(segment, "base64url").toString());
}
function signed(key, token) {
    return digest(crypto.createHmac("sha256", key).update(token[0] + "." + token[1]).digest("base64url")) === digest(token[2]);
}
function digest(text) {
    return crypto.createHash("sha256").update(text).digest("base64");
}
function handler(event) {
    var request = event.request, now, found, token, header, payload;
    try {
        checks: {
            if (found = request.querystring.jwt) token = found.value;
            else break checks;
            if (token[token.length - 44] != "." || token.search(TOKEN) || found.multiValue && found.multiValue.length > 1) break checks;
            delete request.querystring.jwt;
            token = token.split(".");
            if (!signed(KEY, token)) break checks;
            if (token[0] != STANDARD_HEADER && ((header = decode(token[0])).alg !== "HS256" || "crit" in header)) break checks;
            now = Date.now() / 1000;
            payload = decode(token[1]);
            if (!finite(payload.exp) || now >= payload.exp) break checks;
            if ("nbf" in payload && (!finite(payload.nbf) || now < payload.nbf)) break checks;
            if ("iat" in payload && !finite(payload.iat)) break checks;
            if ("aud" in payload) break checks;
            return request;
        }
    } catch (e) {}
    return DENIED;
}
