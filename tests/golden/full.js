// cloudfront-js-2.0
import crypto from "crypto";
var KEY = "cfjwt-demo-key-PUBLIC-never-use-in-production-0123456789", TOKEN = /^[\w-]+\.[\w-]+\.[\w-]{43}(?![\s\S])/, BEARER = /^bearer +[\w-]+\.[\w-]+\.[\w-]{43}(?![\s\S])/i, UNSAFE = /(^|\/)\.\.?(\/|(?![\s\S]))|\\|%(2e|2f|5c)/i, STANDARD_HEADER = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", ISSUERS = [
    "https://lms.example.com",
    "https://auth.example.com"
], finite = Number.isFinite, DENIED = {
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
function checked(token) {
    return token[token.length - 44] != "." || token.search(TOKEN) ? "" : token;
}
function signed(key, token) {
    return digest(crypto.createHmac("sha256", key).update(token[0] + "." + token[1]).digest("base64url")) === digest(token[2]);
}
function digest(text) {
    return crypto.createHash("sha256").update(text).digest("base64");
}
function matches(uri, pattern) {
    return pattern.slice(-1) == "*" ? uri.lastIndexOf(pattern.slice(0, -1), 0) == 0 : uri === pattern;
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
    delete request.cookies.token;
    delete request.querystring.jwt;
    return request;
}
function handler(event) {
    var request = event.request, now, found, token, header, payload;
    try {
        checks: {
            if ((request.uri == "/favicon.ico" || request.uri.lastIndexOf("/public/", 0) == 0) && !(request.uri.search(UNSAFE) >= 0)) return strip(request);
            if (request.method == "OPTIONS" && request.headers.origin && request.headers["access-control-request-method"]) return strip(request);
            if (found = request.headers.authorization) token = bearer(found.value);
            else if (found = request.cookies.token) token = checked(found.value);
            else if (found = request.querystring.jwt) token = checked(found.value);
            else break checks;
            if (!token || found.multiValue && found.multiValue.length > 1) break checks;
            strip(request);
            token = token.split(".");
            if (!signed(KEY, token)) break checks;
            if (token[0] != STANDARD_HEADER && ((header = decode(token[0])).alg !== "HS256" || "crit" in header)) break checks;
            now = Date.now() / 1000;
            payload = decode(token[1]);
            if (!finite(payload.exp) || now >= payload.exp + 30) break checks;
            if ("nbf" in payload && (!finite(payload.nbf) || now < payload.nbf - 30)) break checks;
            if (!finite(payload.iat) || now - payload.iat > 3630 || payload.iat > now + 30) break checks;
            if (ISSUERS.indexOf(payload.iss) < 0) break checks;
            if (!some(payload.aud, function(a) {
                return a === "videos";
            })) break checks;
            if (request.uri.search(UNSAFE) >= 0 || !some(payload.paths, function(p) {
                return matches(request.uri, p);
            })) break checks;
            return request;
        }
    } catch (e) {}
    return DENIED;
}
