// The steps of a generated function, one labeled statement each; the plan picks them, in order.
// Each one either goes on, lets the request through (`return request`), or denies it
// (`break checks`, which ends in the deny response). `$NAME` placeholders are filled by the
// emitter with literal values or with other fragments; the variables are those of the handler
// in function.js.
//
// They are written inside a function shaped like the handler, so that `return`, `await` and
// `break checks` parse as they will run; only the labeled statements are used.
async function steps(request, now, found, token, header, payload, moved) {
  checks: {

    // Rule 1: URIs served without a token. `$MATCHES` is one public_exact or public_prefix per
    // pattern, joined by `||` (in parentheses when there are several): the patterns are known
    // when the function is generated, so they are compared directly. A URI with dot segments or
    // encoded separators (`$UNSAFE`) is not public, whatever it starts with.
    public_paths: if ($MATCHES && !$UNSAFE) return request;
    public_exact: request.uri == $PATH;
    public_prefix: request.uri.lastIndexOf($PREFIX, 0) == 0;
    // Whether the URI could walk out of the paths a pattern names (see UNSAFE in function.js):
    // written once, filled in by rule 1 and rule 9.
    unsafe: request.uri.search(UNSAFE) >= 0;
    preflight: if (request.method == 'OPTIONS' && request.headers.origin && request.headers['access-control-request-method']) return request;

    // Rules 2 and 3: the first present source is the only one read; `$SOURCE` is one of the three
    // source_ objects, `$NAME` the name in it, `$VALUE` the token in its value. The chain ends in
    // `break checks`. A token that is not three base64url segments is denied before any
    // cryptography, then split into [header, payload, signature]. A token is removed from the
    // request (`strip`) only once it passes that check: a denied request goes no further, so
    // removing its token would be wasted work.
    source_query: request.querystring;
    source_header: request.headers;
    source_cookie: request.cookies;
    // One source: its value as it is (checked by well_formed) or after `Bearer` (checked by
    // bearer(), which gives '' for anything else).
    bare: found.value;
    after_bearer: bearer(found.value);
    // Several sources: each value is checked as it is taken ('' when it is not a token), so that
    // the source it came from is known when it passes, by checked() where two or more sources
    // besides `Authorization` share the check.
    bare_checked: checked(found.value);
    take: if (found = $SOURCE[$NAME]) token = $VALUE;
    // Where one source besides `Authorization` is read, its check is written in place instead, in
    // take_here's block: a malformed value is denied on the spot (no call, nothing more to test),
    // a good one removed when `strip` says so.
    take_here: if (found = $SOURCE[$NAME]) {}
    check_here: if (token = found.value, $MALFORMED) break checks;
    // `$REMOVE` is strip, and with the cookie hand-off also moved for a query-string token (always
    // removed once checked, and remembered).
    take_remove: if (found = $SOURCE[$NAME]) (token = $VALUE) && $REMOVE;
    // Whether `token` is not three base64url segments with a 43-character signature (see TOKEN in
    // function.js): written once, filled in where a token is checked.
    malformed: token[token.length - 44] != '.' || token.search(TOKEN);
    well_formed: if ($MALFORMED || found.multiValue && found.multiValue.length > 1) break checks;
    // The value was checked as it was taken.
    well_formed_taken: if (!token || found.multiValue && found.multiValue.length > 1) break checks;
    strip: delete $SOURCE[$NAME];
    moved: moved = true;
    split: token = token.split('.');

    // Rule 4: the signature, under the key(s).
    header_decode: header = token[0] == STANDARD_HEADER ? STANDARD : decode(token[0]);
    signature_one: if (!signed(KEY, token)) break checks;
    signature_any: if (!verify(KEYS, void 0, token)) break checks;
    signature_kid: if (!verify(KEYS, header.kid, token)) break checks;
    // From the KeyValueStore: `$NAME` for a token without `kid`, `$PREFIX` + kid otherwise.
    store_kid: if (header.kid !== void 0 && (typeof header.kid != 'string' || header.kid.search(KEY_ID))) break checks;
    // njs, and so CloudFront, refuses `await` inside a call's arguments: the read is a statement.
    store_read: var secret = await store.get(header.kid === void 0 ? $NAME : $PREFIX + header.kid);
    // A value too short to be a secret denies: under `$MIN` UTF-8 bytes (32, RFC 7518 §3.2, the
    // rule `gen` applies to embedded keys). `length` counts UTF-16 units, never more than the
    // UTF-8 bytes, so only a value that looks short is measured in bytes.
    store_short: if (secret.length < $MIN && Buffer.byteLength(secret) < $MIN) break checks;
    // With `--allow-short-key`: only an empty value denies.
    store_empty: if (!secret) break checks;
    signature_store: if (!signed(secret, token)) break checks;

    // Rule 5: the header pins the algorithm and has no `crit`. The standard header needs no decoding.
    header: if (header.alg !== 'HS256' || 'crit' in header) break checks;
    header_fast: if (token[0] != STANDARD_HEADER && ((header = decode(token[0])).alg !== 'HS256' || 'crit' in header)) break checks;

    // The clock, read once, when the signature is known good: a denial before it never reads it.
    clock: now = Date.now() / 1000;

    // Rule 6: the payload is a JSON object. When a later step requires a claim, the object check is
    // implied (an array, string, number or boolean has no claims; null throws) and only decoding is left.
    payload: if (!(payload = decode(token[1])) || typeof payload != 'object' || Array.isArray(payload)) break checks;
    payload_decode: payload = decode(token[1]);

    // Rule 7: times are finite numbers (`finite`, see function.js: `1e400` parses as Infinity,
    // which would never expire); `$LEEWAY` seconds of skew are allowed.
    exp_required: if (!finite(payload.exp) || now >= payload.exp + $LEEWAY) break checks;
    exp_optional: if ('exp' in payload && (!finite(payload.exp) || now >= payload.exp + $LEEWAY)) break checks;
    nbf_required: if (!finite(payload.nbf) || now < payload.nbf - $LEEWAY) break checks;
    nbf_optional: if ('nbf' in payload && (!finite(payload.nbf) || now < payload.nbf - $LEEWAY)) break checks;
    // Without max_age, `iat` is still a time: present means a finite number.
    iat_type: if ('iat' in payload && !finite(payload.iat)) break checks;
    // `$OLDEST` is max_age + leeway.
    max_age: if (!finite(payload.iat) || now - payload.iat > $OLDEST || payload.iat > now + $LEEWAY) break checks;

    // Rule 8, and every claim rule of the same form: the claim `$CLAIM` equals one of the values
    // (`iss`), or is a string or a list of strings that contains one (`aud`). `$VALUES` is one
    // value, or the name of a list built at the top level.
    claim_equals_one: if (payload[$CLAIM] !== $VALUES) break checks;
    claim_equals_any: if ($VALUES.indexOf(payload[$CLAIM]) < 0) break checks;
    claim_contains_one: if (!some(payload[$CLAIM], function (a) { return a === $VALUES; })) break checks;
    claim_contains_any: if (!some(payload[$CLAIM], function (a) { return $VALUES.indexOf(a) >= 0; })) break checks;
    // A claim the token must not carry, whatever its value: `aud` when the policy names no
    // audience (RFC 7519 §4.1.3).
    claim_absent: if ($CLAIM in payload) break checks;

    // Rule 9: the claim `$CLAIM` lists the URI patterns the token opens.
    scope: if ($UNSAFE || !some(payload[$CLAIM], function (p) { return matches(request.uri, p); })) break checks;

    // The cookie hand-off: the last step, once the token is known good.
    handoff: if (moved && (request.method == 'GET' || request.method == 'HEAD')) return handoff(request, found.value, payload.exp, now, $COOKIE, $ATTRIBUTES);

    // The deny responses.
    unauthorized: ({ statusCode: 401, statusDescription: 'Unauthorized', headers: { 'www-authenticate': { value: 'Bearer' } } });
    status: ({ statusCode: $STATUS, statusDescription: $DESCRIPTION });
    redirect: ({ statusCode: 302, statusDescription: 'Found', headers: { location: { value: $LOCATION } } });
    encoded_uri: encodeURIComponent(request.uri);
    denied: DENIED;

    // Ends the source chain when no source is present.
    no_token: break checks;
  }
}
