// cloudfront-js-2.0
import crypto from "crypto";
var KEY = "cfjwt-demo-key-PUBLIC-never-use-in-production-0123456789", TOKEN = /^[\w-]+\.[\w-]+\.[\w-]{43}(?![\s\S])/, UNSAFE = /(^|\/)\.\.?(\/|(?![\s\S]))|\\|%(2e|2f|5c)/i, SLASHES = /^[\/\\]+/, STANDARD_HEADER = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", finite = Number.isFinite, DENIED = {
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
function handoff(request, value, exp, now, name, attributes) {
    var cookies = {}, query = [], key, item, list, n;
    if (finite(exp)) attributes += "; Max-Age=" + Math.max(0, Math.floor(exp - now));
    cookies[name] = {
        value: value,
        attributes: attributes
    };
    for(key in request.querystring){
        item = request.querystring[key];
        list = item.multiValue || [
            item
        ];
        for(n = 0; n < list.length; n++)query.push(list[n].value === "" ? key : key + "=" + list[n].value);
    }
    return {
        statusCode: 302,
        statusDescription: "Found",
        headers: {
            location: {
                value: request.uri.replace(SLASHES, "/") + (query.length ? "?" + query.join("&") : "")
            }
        },
        cookies: cookies
    };
}
function strip(request) {
    delete request.querystring.jwt;
    delete request.cookies.token;
    return request;
}
function handler(event) {
    var request = event.request, now, found, token, header, payload, moved;
    try {
        checks: {
            if (request.uri == "/favicon.ico" && !(request.uri.search(UNSAFE) >= 0)) return strip(request);
            if (found = request.querystring.jwt) (token = checked(found.value)) && (moved = true);
            else if (found = request.cookies.token) token = checked(found.value);
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
            if ("iat" in payload && !finite(payload.iat)) break checks;
            if ("aud" in payload) break checks;
            if (request.uri.search(UNSAFE) >= 0 || !some(payload.paths, function(p) {
                return matches(request.uri, p);
            })) break checks;
            if (moved && (request.method == "GET" || request.method == "HEAD")) return handoff(request, found.value, payload.exp, now, "token", "Secure; HttpOnly; SameSite=Lax; Path=/courses/");
            return request;
        }
    } catch (e) {}
    return DENIED;
}
