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
