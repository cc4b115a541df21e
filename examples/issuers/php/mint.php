<?php
// Prints a token for an example setup, minted with firebase/php-jwt: php mint.php KEY_FILE ENCODING SETUP [KID]

require __DIR__ . '/vendor/autoload.php';

use Firebase\JWT\JWT;

// For each example policy (examples/NAME.json): the token's lifetime in seconds (its `exp` is
// `iat` + ttl), and the claims it needs beside `sub`, `iat` and `exp`.
const SETUPS = [
    'seed' => [900, []],
    'seed-js1' => [900, []],
    'video-cookie' => [7200, ['paths' => ['/courses/c1/*']]],
    'api-bearer' => [900, ['iss' => 'https://auth.example.com', 'aud' => 'api']],
    'full' => [3600, ['iss' => 'https://lms.example.com', 'aud' => 'videos', 'paths' => ['/courses/c1/*']]],
    'kvs-rotation' => [3600, []],
];

// The key as `cfjwt gen --key-file PATH --key-encoding ENCODING` reads it: the file's bytes less
// one trailing "\n" or "\r\n", then decoded (utf8: as they are; base64, base64url, hex). The HMAC
// key is the decoded bytes, never the text.
function readKey(string $path, string $encoding): string
{
    $raw = file_get_contents($path);
    if (str_ends_with($raw, "\n")) {
        $raw = substr($raw, 0, str_ends_with($raw, "\r\n") ? -2 : -1);
    }
    $key = match ($encoding) {
        'utf8' => $raw,
        'base64' => base64_decode($raw, true),
        'base64url' => base64_decode(strtr($raw, '-_', '+/'), true),
        'hex' => hex2bin($raw),
    };
    if ($key === false) {
        throw new InvalidArgumentException("the key does not decode as $encoding");
    }
    return $key;
}

function mint(string $key, string $setup, ?string $kid = null): string
{
    [$ttl, $claims] = SETUPS[$setup];
    $now = time();
    $payload = ['sub' => 'user-42', 'iat' => $now, 'exp' => $now + $ttl] + $claims;
    return JWT::encode($payload, $key, 'HS256', $kid);
}

echo mint(readKey($argv[1], $argv[2]), $argv[3], $argv[4] ?? null), "\n";
