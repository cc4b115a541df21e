// The HMAC key as cfjwt reads it, shared by the jsonwebtoken and jose examples.
import { readFileSync } from 'node:fs';

// The key as `cfjwt gen --key-file PATH --key-encoding ENCODING` reads it: the file's bytes less
// one trailing "\n" or "\r\n", then decoded (utf8: as they are; base64, base64url, hex). The HMAC
// key is the decoded bytes, never the text.
export function readKey(path, encoding) {
  let raw = readFileSync(path);
  if (raw.at(-1) === 0x0a) raw = raw.subarray(0, raw.at(-2) === 0x0d ? -2 : -1);
  return encoding === 'utf8' ? raw : Buffer.from(raw.toString('latin1'), encoding);
}
