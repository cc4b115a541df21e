// Prints a token for an example setup, minted with jsonwebtoken:
// node jsonwebtoken.mjs KEY_FILE ENCODING SETUP [KID]
import jwt from 'jsonwebtoken';
import { readKey } from './key.mjs';
import { SETUPS } from './setups.mjs';

const [path, encoding, setup, kid] = process.argv.slice(2);
const { ttl, claims } = SETUPS[setup];
const token = jwt.sign({ sub: 'user-42', ...claims }, readKey(path, encoding), {
  algorithm: 'HS256',
  expiresIn: ttl, // jsonwebtoken sets `iat` itself
  ...(kid && { keyid: kid }),
});
console.log(token);
