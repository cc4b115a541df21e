// What differs in cloudfront-js-1.0: `require`, and byte strings instead of Buffer.
var crypto = require('crypto');

// The JSON value a base64url segment encodes; `fromUTF8` gives null for bytes that are not UTF-8.
function decode(segment) {
  return JSON.parse(String.bytesFrom(segment, 'base64url').fromUTF8());
}

// A key whose bytes are not UTF-8 text, from hex.
function bytes(hex) {
  return String.bytesFrom(hex, 'hex');
}

// The UTF-8 length of a string (see forward).
function utf8_length(text) {
  return text.toUTF8().length;
}
