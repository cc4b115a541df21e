// What differs in cloudfront-js-2.0: modules, Buffer and the KeyValueStore.
import crypto from 'crypto';
import cf from 'cloudfront';

var store = cf.kvs();

// The JSON value a base64url segment encodes.
function decode(segment) {
  return JSON.parse(Buffer.from(segment, 'base64url').toString());
}

// A key whose bytes are not UTF-8 text, from hex.
function bytes(hex) {
  return Buffer.from(hex, 'hex');
}

// The UTF-8 length of a string (see forward).
function utf8_length(text) {
  return Buffer.byteLength(text);
}
