// The steps of a generated function, one labeled statement each; the plan picks them, in order.
// Each one either goes on, lets the request through (`return request`), or denies it
// (`break checks`, which ends in the deny response). `$NAME` placeholders are filled by the
// emitter with literal values or with other fragments; the variables are those of the handler
// in function.js.
//
// They are written inside a function shaped like the handler, so that `return`, `await` and
// `break checks` parse as they will run; only the labeled statements are used.
//
// Reason codes (the policy's `log`; the list is src/reason.rs) are written where their check is,
// with three markers the emitter replaces. Without `log` each marker is only what it wraps, so
// the function is what it would be without them:
// - `because(CODE, TEST)`: TEST denies; with `log`, `TEST && (why = CODE)`, evaluated only on
//   the way to a denial. CODE is a string, or an expression that picks one.
// - `reason_only(CODE, TEST)`, an operand of `||`: a test that only names a denial the tests
//   after it would make anyway; without `log` it is left out.
// - `pass(CODE, VALUE)`: an answer the function makes itself, VALUE what is returned; with
//   `log`, the one log line, then VALUE.
// - `allow(CODE, REQUEST)`: a request let through, the same as `pass`; with `then`, it goes on to
//   the team's handler (see `then`).
async function steps(request, now, found, token, header, payload, moved, why, secret) {
  checks: {

    // With `forward`, before anything else: the headers that carry claims to the origin are
    // removed from every request, so that no viewer can supply them. `$NAME` is one of them.
    forward_clear: delete request.headers[$NAME];

    // Rule 1: URIs served without a token. `$MATCHES` is one public_exact or public_prefix per
    // pattern, joined by `||` (in parentheses when there are several): the patterns are known
    // when the function is generated, so they are compared directly. A URI with dot segments or
    // encoded separators (`$UNSAFE`) is not public, whatever it starts with.
    public_paths: if ($MATCHES && !$UNSAFE) return allow('public', $REQUEST);
    public_exact: request.uri == $PATH;
    public_prefix: request.uri.lastIndexOf($PREFIX, 0) == 0;
    // Whether the URI could walk out of the paths a pattern names (see UNSAFE in function.js):
    // written once, filled in by rule 1 and rule 9.
    unsafe: request.uri.search(UNSAFE) >= 0;
    preflight: if (request.method == 'OPTIONS' && request.headers.origin && request.headers['access-control-request-method']) return allow('preflight', $REQUEST);

    // With `cors`: a preflight from a listed origin is answered here (`preflighted`, function.js);
    // one from any other origin is denied.
    cors_preflight: if (request.method == 'OPTIONS' && request.headers.origin && request.headers['access-control-request-method'] && ORIGINS.indexOf(request.headers.origin.value) >= 0) return pass('preflight', preflighted(request));
    cors_refused: if (because('origin', request.method == 'OPTIONS' && request.headers.origin && request.headers['access-control-request-method'])) break checks;
    // A response the function makes, with the CORS headers for the request's origin.
    with_cors: cors(request, $RESPONSE);

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
    check_here: if (token = found.value, because('malformed', $MALFORMED)) break checks;
    // `$REMOVE` is strip, and with the cookie hand-off also moved for a query-string token (always
    // removed once checked, and remembered).
    take_remove: if (found = $SOURCE[$NAME]) (token = $VALUE) && $REMOVE;
    // Whether `token` is not three base64url segments with a 43-character signature (see TOKEN in
    // function.js): written once, filled in where a token is checked.
    malformed: token[token.length - 44] != '.' || token.search(TOKEN);
    well_formed: if (because('malformed', $MALFORMED) || because('multiple-values', found.multiValue && found.multiValue.length > 1)) break checks;
    // The value was checked as it was taken.
    well_formed_taken: if (because('malformed', !token) || because('multiple-values', found.multiValue && found.multiValue.length > 1)) break checks;
    strip: delete $SOURCE[$NAME];
    // With `token.strip`, where requests are let through in more than one place: every source
    // removed by strip() (function.js). `$REQUEST` of public_paths and preflight is this call, or
    // `request` without `token.strip`.
    strip_all: strip(request);
    moved: moved = true;
    split: token = token.split('.');

    // Rule 4: the signature, under the key(s).
    header_decode: header = token[0] == STANDARD_HEADER ? STANDARD : decode(token[0]);
    signature_one: if (because('signature', !signed(KEY, token))) break checks;
    signature_any: if (because('signature', !verify(KEYS, void 0, token))) break checks;
    signature_kid: if (reason_only('unknown-kid', header.kid !== void 0 && !known(KEYS, header.kid)) || because('signature', !verify(KEYS, header.kid, token))) break checks;
    // From the KeyValueStore: `$NAME` for a token without `kid`, `$PREFIX` + kid otherwise.
    store_kid: if (because('unknown-kid', header.kid !== void 0 && (typeof header.kid != 'string' || header.kid.search(KEY_ID)))) break checks;
    // njs, and so CloudFront, refuses `await` inside a call's arguments: the read is a statement.
    store_read: var secret = await store.get(header.kid === void 0 ? $NAME : $PREFIX + header.kid);
    // The stored text less one line break at its end: the store holds the key file's text, which
    // the AWS CLI's `file://` carries as it is.
    store_line_end: secret = secret.replace(LINE_END, '');
    // With `key.encoding`: text that is not `$FORM` (BASE64, BASE64URL or HEX) denies; the rest is
    // decoded to the key's bytes, as `gen --key-encoding $ENCODING` decodes a key file.
    store_decode: if (because('key-unavailable', secret.search($FORM))) break checks;
    store_bytes: secret = Buffer.from(secret, $ENCODING);
    // Decoded: under `$MIN` bytes denies (or, with `--allow-short-key`, none at all).
    store_short_bytes: if (because('key-unavailable', secret.length < $MIN)) break checks;
    // A value too short to be a secret denies: under `$MIN` UTF-8 bytes (32, RFC 7518 §3.2, the
    // rule `gen` applies to embedded keys). `length` counts UTF-16 units, never more than the
    // UTF-8 bytes, so only a value that looks short is measured in bytes.
    store_short: if (because('key-unavailable', secret.length < $MIN && Buffer.byteLength(secret) < $MIN)) break checks;
    // With `--allow-short-key`: only an empty value denies.
    store_empty: if (because('key-unavailable', !secret)) break checks;
    signature_store: if (because('signature', !signed(secret, token))) break checks;

    // Rule 5: the header pins the algorithm and has no `crit`. The standard header needs no decoding.
    header: if (because('alg', header.alg !== 'HS256') || because('crit', 'crit' in header)) break checks;
    header_fast: if (token[0] != STANDARD_HEADER && (because('alg', (header = decode(token[0])).alg !== 'HS256') || because('crit', 'crit' in header))) break checks;

    // The clock, read once, when the signature is known good: a denial before it never reads it.
    clock: now = Date.now() / 1000;

    // Rule 6: the payload is a JSON object. When a later step requires a claim, the object check is
    // implied (an array, string, number or boolean has no claims; null throws) and only decoding is left.
    payload: if (because('payload', !(payload = decode(token[1])) || typeof payload != 'object' || Array.isArray(payload))) break checks;
    payload_decode: payload = decode(token[1]);

    // Rule 7: times are finite numbers (`finite`, see function.js: `1e400` parses as Infinity,
    // which would never expire); `$LEEWAY` seconds of skew are allowed.
    exp_required: if (because('exp' in payload ? 'exp-type' : 'exp-missing', !finite(payload.exp)) || because('expired', now >= payload.exp + $LEEWAY)) break checks;
    exp_optional: if ('exp' in payload && (because('exp-type', !finite(payload.exp)) || because('expired', now >= payload.exp + $LEEWAY))) break checks;
    nbf_required: if (because('nbf' in payload ? 'nbf-type' : 'nbf-missing', !finite(payload.nbf)) || because('not-yet-valid', now < payload.nbf - $LEEWAY)) break checks;
    nbf_optional: if ('nbf' in payload && (because('nbf-type', !finite(payload.nbf)) || because('not-yet-valid', now < payload.nbf - $LEEWAY))) break checks;
    // Without max_age, `iat` is still a time: present means a finite number.
    iat_type: if ('iat' in payload && because('iat-type', !finite(payload.iat))) break checks;
    // `$OLDEST` is max_age + leeway.
    max_age: if (because('iat' in payload ? 'iat-type' : 'iat-missing', !finite(payload.iat)) || because('too-old', now - payload.iat > $OLDEST) || because('iat-future', payload.iat > now + $LEEWAY)) break checks;

    // Rule 8, and every claim rule of the same form: the claim `$CLAIM` equals one of the values
    // (`iss`), or is a string or a list of strings that contains one (`aud`). `$VALUES` is one
    // value, or the name of a list built at the top level; `$REASON` the code of a denial.
    claim_equals_one: if (because($REASON, payload[$CLAIM] !== $VALUES)) break checks;
    claim_equals_any: if (because($REASON, $VALUES.indexOf(payload[$CLAIM]) < 0)) break checks;
    claim_contains_one: if (because($REASON, !some(payload[$CLAIM], function (a) { return a === $VALUES; }))) break checks;
    claim_contains_any: if (because($REASON, !some(payload[$CLAIM], function (a) { return $VALUES.indexOf(a) >= 0; }))) break checks;
    // `claims.require`: the claim equals the value, or is a list that holds it; with several values,
    // `among` (function.js) against the list built at the top level.
    claim_is_one: if (because($REASON, payload[$CLAIM] !== $VALUES && !(Array.isArray(payload[$CLAIM]) && payload[$CLAIM].indexOf($VALUES) >= 0))) break checks;
    claim_is_any: if (because($REASON, !among(payload[$CLAIM], $VALUES))) break checks;
    // A claim the token must not carry, whatever its value: `aud` when the policy names no
    // audience (RFC 7519 §4.1.3).
    claim_absent: if (because($REASON, $CLAIM in payload)) break checks;

    // Rule 9: the claim `$CLAIM` lists the URI patterns the token opens. `some(claim, Object)` (a
    // truthy object for any string) tells a claim that lists nothing from one that misses the URI.
    scope: if (because('unsafe-uri', $UNSAFE) || because(some(payload[$CLAIM], Object) ? 'scope' : 'scope-claim', !some(payload[$CLAIM], function (p) { return matches(request.uri, p); }))) break checks;

    // With `revocation` (runtime 2.0), once every other check has passed, so that a request
    // without a good token costs no read: the claim `$CLAIM` is a non-empty string, and `$PREFIX` +
    // it a name the store can hold (512 bytes). `exists` is one read; only an entry that exists is
    // read again (`get`). Its value revokes the token when it is empty, or when it is a Unix time
    // the token's `iat` is before (no `iat`: revoked); any other value revokes too. A read that
    // fails throws, and the `catch` denies: revocation fails closed.
    revocation_claim: if (because('revoked', typeof payload[$CLAIM] != 'string' || !payload[$CLAIM] || Buffer.byteLength($PREFIX + payload[$CLAIM]) > 512)) break checks;
    revocation_exists: var revoked = await store.exists($PREFIX + payload[$CLAIM]);
    revocation_get: if (revoked) revoked = await store.get($PREFIX + payload[$CLAIM]);
    revocation_check: if (because('revoked', revoked !== false && (!revoked || revoked.search(DIGITS) || !(payload.iat >= +revoked)))) break checks;

    // The cookie hand-off: the last step, once the token is known good.
    handoff: if (moved && (request.method == 'GET' || request.method == 'HEAD')) return pass('ok', $RESPONSE);
    handoff_response: handoff(request, found.value, payload.exp, now, $COOKIE, $ATTRIBUTES);
    // With `forward`, once the token is verified: the claim `$CLAIM` set as the header `$HEADER`.
    forward_set: forward(request, $HEADER, payload[$CLAIM]);

    // With `then`, the handler's checks and denial go into this block, and every request let
    // through (`return allow(...)`) leaves it with the `break`, for the team's handler after it.
    // That call is outside the `try`: what the team's code throws is not taken for a bad token,
    // and CloudFront answers it with a 503, as it would without cfjwt. `$THEN` is the team's
    // handler, given the request as the checks left it and the verified claims (null for a
    // request let through without a token).
    then_allowed: allowed: { break allowed; }
    then_call: return $THEN(event, payload || null);

    // With `cors` and `credentials`, in cors() (function.js).
    cors_credentials: headers['access-control-allow-credentials'] = { value: 'true' };

    // The deny responses.
    unauthorized: ({ statusCode: 401, statusDescription: 'Unauthorized', headers: { 'www-authenticate': { value: 'Bearer' } } });
    status: ({ statusCode: $STATUS, statusDescription: $DESCRIPTION });
    redirect: ({ statusCode: 302, statusDescription: 'Found', headers: { location: { value: $LOCATION } } });
    encoded_uri: encodeURIComponent(request.uri);
    denied: DENIED;

    // Ends the source chain when no source is present. It names no reason: a denial that none
    // of the checks named is `no-token` (see `denied_because`).
    no_token: break checks;

    // With `log`: what a thrown exception means, from how far the checks got. Only decoding (the
    // header, the payload) and the KeyValueStore throw. `$BEFORE_CLOCK` is `'header'`, or with the
    // store `caught_store`: the store read threw when the header was decoded and no secret came.
    caught: why = now === void 0 ? $BEFORE_CLOCK : 'payload';
    caught_store: secret === void 0 && header != null ? 'key-unavailable' : 'header';
    // With `revocation`, after the clock: the payload did not decode, or the revocation read threw.
    caught_revocation: payload === void 0 ? 'payload' : 'revoked';
    // The code of a denial: the one a check set, else `no-token`.
    denied_because: why || 'no-token';
    // The log line: `$LINE` is its text.
    log_console: console.log($LINE);
    log_access: cf.logCustomData($LINE);
  }
}
