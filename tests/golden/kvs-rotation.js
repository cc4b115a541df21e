// cloudfront-js-2.0
import crypto from "crypto";
import cf from "cloudfront";
var store = cf.kvs(), TOKEN = /^[\w-]+\.[\w-]+\.[\w-]{43}(?![\s\S])/, BEARER = /^bearer +[\w-]+\.[\w-]+\.[\w-]{43}(?![\s\S])/i, KEY_ID = /^[\w.-]{1,64}(?![\s\S])/, LINE_END = /\r?\n(?![\s\S])/, STANDARD_HEADER = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", STANDARD = {
    alg: "HS256",
    typ: "JWT"
}, finite = Number.isFinite, DENIED = {
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
async function handler(event) {
    var request = event.request, now, found, token, header, payload;
    try {
        checks: {
            if (found = request.cookies.token) {
                if (token = found.value, token[token.length - 44] != "." || token.search(TOKEN)) break checks;
            } else if (found = request.headers.authorization) token = bearer(found.value);
            else break checks;
            if (!token || found.multiValue && found.multiValue.length > 1) break checks;
            delete request.cookies.token;
            delete request.headers.authorization;
            token = token.split(".");
            header = token[0] == STANDARD_HEADER ? STANDARD : decode(token[0]);
            if (header.kid !== void 0 && (typeof header.kid != "string" || header.kid.search(KEY_ID))) break checks;
            var secret = await store.get(header.kid === void 0 ? "jwt.secret" : "jwt.secret:" + header.kid);
            secret = secret.replace(LINE_END, "");
            if (secret.length < 32 && Buffer.byteLength(secret) < 32) break checks;
            if (!signed(secret, token)) break checks;
            if (header.alg !== "HS256" || "crit" in header) break checks;
            now = Date.now() / 1000;
            payload = decode(token[1]);
            if (!finite(payload.exp) || now >= payload.exp + 30) break checks;
            if ("nbf" in payload && (!finite(payload.nbf) || now < payload.nbf - 30)) break checks;
            if ("iat" in payload && !finite(payload.iat)) break checks;
            if ("aud" in payload) break checks;
            return request;
        }
    } catch (e) {}
    return DENIED;
}
