# Prints a token for an example setup, minted with PyJWT: python3 mint.py KEY_FILE ENCODING SETUP [KID]
import base64
import sys
import time

import jwt

# For each example policy (examples/NAME.json): the token's lifetime in seconds (its `exp` is
# `iat` + ttl), and the claims it needs beside `sub`, `iat` and `exp`.
SETUPS = {
    "seed": (900, {}),
    "seed-js1": (900, {}),
    "video-cookie": (7200, {"paths": ["/courses/c1/*"]}),
    "api-bearer": (900, {"iss": "https://auth.example.com", "aud": "api"}),
    "full": (3600, {"iss": "https://lms.example.com", "aud": "videos", "paths": ["/courses/c1/*"]}),
    "kvs-rotation": (3600, {}),
}


def read_key(path, encoding):
    """The key as `cfjwt gen --key-file PATH --key-encoding ENCODING` reads it: the file's bytes
    less one trailing "\\n" or "\\r\\n", then decoded (utf8: as they are; base64, base64url, hex).
    The HMAC key is the decoded bytes, never the text."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw.endswith(b"\n"):
        raw = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1]
    if encoding == "utf8":
        return raw
    if encoding == "hex":
        return bytes.fromhex(raw.decode("ascii"))
    altchars = {"base64": b"+/", "base64url": b"-_"}[encoding]
    return base64.b64decode(raw + b"=" * (-len(raw) % 4), altchars, validate=True)


def mint(key, setup, kid=None):
    ttl, claims = SETUPS[setup]
    now = int(time.time())
    payload = {"sub": "user-42", "iat": now, "exp": now + ttl, **claims}
    return jwt.encode(payload, key, algorithm="HS256", headers={"kid": kid} if kid else None)


if __name__ == "__main__":
    path, encoding, setup, *kid = sys.argv[1:]
    print(mint(read_key(path, encoding), setup, *kid))
