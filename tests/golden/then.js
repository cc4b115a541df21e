// cloudfront-js-2.0
import crypto from "crypto";
var KEY = "cfjwt-demo-key-PUBLIC-never-use-in-production-0123456789", TOKEN = /^[\w-]+\.[\w-]+\.[\w-]{43}(?![\s\S])/, UNSAFE = /(^|\/)\.\.?(\/|(?![\s\S]))|\\|%(2e|2f|5c)/i, CONTROL = /[\x00-\x1f\x7f]/, STANDARD_HEADER = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", REQUIRED1 = [
    "pro",
    "team"
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
function utf8_length(text) {
    return Buffer.byteLength(text);
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
    delete request.cookies.token;
    delete request.querystring.jwt;
    return request;
}
function forward(request, name, value) {
    if (typeof value != "string") value = finite(value) || typeof value == "boolean" ? JSON.stringify(value) : "";
    if (value && value.length <= 1024 && utf8_length(value) <= 1024 && value.search(CONTROL) < 0) request.headers[name] = {
        value: value
    };
}
function among(claim, values) {
    if (values.indexOf(claim) >= 0) return true;
    if (!Array.isArray(claim)) return false;
    for(var j = 0; j < claim.length; j++){
        if (values.indexOf(claim[j]) >= 0) return true;
    }
    return false;
}
function handler(event) {
    var request = event.request, now, found, token, header, payload;
    allowed: {
        try {
            checks: {
                delete request.headers["x-user-id"];
                delete request.headers["x-plan"];
                if ((request.uri == "/" || request.uri.lastIndexOf("/pricing/", 0) == 0 || request.uri.lastIndexOf("/assets/", 0) == 0) && !(request.uri.search(UNSAFE) >= 0)) {
                    strip(request);
                    break allowed;
                }
                if (found = request.cookies.token) token = checked(found.value);
                else if (found = request.querystring.jwt) token = checked(found.value);
                else break checks;
                if (!token || found.multiValue && found.multiValue.length > 1) break checks;
                strip(request);
                token = token.split(".");
                if (!signed(KEY, token)) break checks;
                if (token[0] != STANDARD_HEADER && ((header = decode(token[0])).alg !== "HS256" || "crit" in header)) break checks;
                now = Date.now() / 1000;
                payload = decode(token[1]);
                if (!finite(payload.exp) || now >= payload.exp) break checks;
                if ("nbf" in payload && (!finite(payload.nbf) || now < payload.nbf)) break checks;
                if ("iat" in payload && !finite(payload.iat)) break checks;
                if ("aud" in payload) break checks;
                if (!among(payload.plan, REQUIRED1)) break checks;
                if (payload.email_verified !== true && !(Array.isArray(payload.email_verified) && payload.email_verified.indexOf(true) >= 0)) break checks;
                if (request.uri.search(UNSAFE) >= 0 || !some(payload.paths, function(p) {
                    return matches(request.uri, p);
                })) break checks;
                forward(request, "x-user-id", payload.sub);
                forward(request, "x-plan", payload.plan);
                break allowed;
            }
        } catch (e) {}
        return DENIED;
    }
    return then_handler(event, payload || null);
}
function then_handler(event, claims) {
    var request = event.request;
    var uri = request.uri;
    if (uri.slice(-1) === '/') {
        request.uri = uri + 'index.html';
    } else if (uri.lastIndexOf('.') < uri.lastIndexOf('/')) {
        request.uri = uri + '/index.html';
    }
    request.headers['x-viewer'] = {
        value: claims ? 'member' : 'guest'
    };
    return request;
}
