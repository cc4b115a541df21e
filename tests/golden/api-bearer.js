// cloudfront-js-2.0
import crypto from "crypto";
var KEY = "cfjwt-demo-key-PUBLIC-never-use-in-production-0123456789", BEARER = /^bearer +[\w-]+\.[\w-]+\.[\w-]{43}(?![\s\S])/i, STANDARD_HEADER = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", finite = Number.isFinite, DENIED = {
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
function bearer(value) {
    return value[value.length - 44] != "." || value.search(BEARER) ? "" : value.slice(value.lastIndexOf(" ") + 1);
}
function signed(key, token) {
    return digest(crypto.createHmac("sha256", key).update(token[0] + "." + token[1]).digest("base64url")) === digest(token[2]);
}
function digest(text) {
    return crypto.createHash("sha256").update(text).digest("base64");
}
function some(value, test) {
    if (typeof value == "string") return test(value);
    if (!Array.isArray(value)) return false;
    for(var j = 0, hit = false; j < value.length; j++){
        if (typeof value[j] != "string") return false;
        if (test(value[j])) hit = true;
    }
    return hit;
}
function strip(request) {
    delete request.headers.authorization;
    return request;
}
function handler(event) {
    var request = event.request, now, found, token, header, payload;
    try {
        checks: {
            if (request.method == "OPTIONS" && request.headers.origin && request.headers["access-control-request-method"]) return strip(request);
            if (found = request.headers.authorization) token = bearer(found.value);
            else break checks;
            if (!token || found.multiValue && found.multiValue.length > 1) break checks;
            strip(request);
            token = token.split(".");
            if (!signed(KEY, token)) break checks;
            if (token[0] != STANDARD_HEADER && ((header = decode(token[0])).alg !== "HS256" || "crit" in header)) break checks;
            now = Date.now() / 1000;
            payload = decode(token[1]);
            if (!finite(payload.exp) || now >= payload.exp + 10) break checks;
            if ("nbf" in payload && (!finite(payload.nbf) || now < payload.nbf - 10)) break checks;
            if (!finite(payload.iat) || now - payload.iat > 3610 || payload.iat > now + 10) break checks;
            if (payload.iss !== "https://auth.example.com") break checks;
            if (!some(payload.aud, function(a) {
                return a === "api";
            })) break checks;
            return request;
        }
    } catch (e) {}
    return DENIED;
}
