// Prints a token for an example setup, minted with jose:
// node jose.mjs KEY_FILE ENCODING SETUP [KID]
import { SignJWT } from 'jose';
import { readKey } from './key.mjs';
import { SETUPS } from './setups.mjs';

const [path, encoding, setup, kid] = process.argv.slice(2);
const { ttl, claims } = SETUPS[setup];
const token = await new SignJWT({ sub: 'user-42', ...claims })
  .setProtectedHeader(kid ? { alg: 'HS256', kid } : { alg: 'HS256' })
  .setIssuedAt()
  .setExpirationTime(`${ttl}s`)
  .sign(readKey(path, encoding));
console.log(token);
