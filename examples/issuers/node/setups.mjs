// What each example policy (examples/NAME.json) asks of a token, shared by the Node examples.

// For each setup: the token's lifetime in seconds (its `exp` is `iat` + ttl), and the claims it
// needs beside `sub`, `iat` and `exp`.
export const SETUPS = {
  'seed': { ttl: 900, claims: {} },
  'seed-js1': { ttl: 900, claims: {} },
  'video-cookie': { ttl: 7200, claims: { paths: ['/courses/c1/*'] } },
  'api-bearer': { ttl: 900, claims: { iss: 'https://auth.example.com', aud: 'api' } },
  'full': { ttl: 3600, claims: { iss: 'https://lms.example.com', aud: 'videos', paths: ['/courses/c1/*'] } },
  'kvs-rotation': { ttl: 3600, claims: {} },
};
