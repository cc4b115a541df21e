//! cfjwt: the CloudFront Functions built-ins, emulated on QuickJS. Evaluated once per engine,
// before the user's code, as a function expression called with the Rust primitives (`native`) and
// the run's configuration (`cfg`, which carries what the runtime profile in src/cloudfront/ says
// the runtime has). It installs the runtime's globals, removes every global the profile does not
// list, and returns a control object the Rust side uses between events. Nothing here is
// reachable from user code except through the globals and modules CloudFront itself offers.
//
// Error texts follow njs (nginx's engine, which CloudFront Functions is built on), so that a
// function's error messages and `catch` branches behave as they would at the edge.
(function (native, cfg) {
  'use strict';

  // Runtime 1.0 holds bytes in njs's byte strings; 2.0 in Buffers.
  var byteStringMode = cfg.byteStrings;
  var g = globalThis;

  // Intrinsics captured before the globals CloudFront lacks are removed below.
  var RealDate = Date;
  var RealFunction = Function;
  var JsSet = Set;
  var JsReflect = Reflect;
  var JsPromise = Promise;
  var JsObject = Object;
  var JsArray = Array;
  var JsString = String;
  var JsError = Error;
  var JsTypeError = TypeError;
  var JsRangeError = RangeError;
  var JsInternalError = typeof InternalError === 'function' ? InternalError : Error;
  var JsUint8Array = Uint8Array;
  var JsArrayBuffer = ArrayBuffer;
  var JsJSON = JSON;
  var isView = ArrayBuffer.isView;
  var stringToString = String.prototype.toString;
  var hasOwn = function (o, k) { return JsObject.prototype.hasOwnProperty.call(o, k); };

  var utf8Encode = native.utf8Encode;
  var utf8Decode = native.utf8Decode;
  var latin1Encode = native.latin1Encode;
  var latin1Decode = native.latin1Decode;
  var nativeDecode = native.decode;
  var nativeEncode = native.encode;
  var nativeDigest = native.digest;
  var jsonScanOctets = native.jsonScanOctets;
  var nativeJsonParse = JSON.parse;

  function define(target, name, value) {
    JsObject.defineProperty(target, name, { value: value, writable: true, configurable: true, enumerable: false });
  }

  function typeName(v) {
    return v === null ? 'null' : typeof v;
  }

  // ---------------------------------------------------------------------------------------------
  // Per-event state: the frozen clock, the log lines, the byte-string registry.

  var nowMs = cfg.nowMs;
  var logs = [];

  // ---------------------------------------------------------------------------------------------
  // Byte strings (runtime 1.0).
  //
  // njs keeps two kinds of strings: text (UTF-8) and "byte strings" (raw octets), which the
  // crypto and byte-string methods treat differently. QuickJS has one kind, so a byte string is
  // modelled as a JS string with one character (0-255) per byte, and the built-ins that make byte
  // strings register the value in a per-event set. A string that is in the set is read as its
  // bytes; any other string as its UTF-8 encoding. Pure-ASCII strings mean the same either way
  // and are never registered. A byte string made by ordinary string operations (slicing or
  // concatenating a registered value) reads as text, as it does in njs 0.7 for concatenation.
  var byteStrings = new JsSet();
  var topLevelBytes = null;
  var highByte = /[\x80-\xff]/;

  function markBytes(s) {
    if (highByte.test(s)) byteStrings.add(s);
    return s;
  }

  function bytesToByteString(u8) {
    return markBytes(latin1Decode(u8));
  }

  // Whether a string argument stands for its octets (a 1.0 byte string) rather than its UTF-8 text.
  function isByteString(s) {
    return byteStringMode && byteStrings.has(s);
  }

  // The octets njs would see for a string argument.
  function stringBytes(s) {
    return isByteString(s) ? latin1Encode(s) : utf8Encode(s);
  }

  // ---------------------------------------------------------------------------------------------
  // console.log, formatted like njs: strings as they are, other values in njs's compact notation.

  function quote(s) {
    return "'" + s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') + "'";
  }

  function inspect(v, seen) {
    switch (typeof v) {
      case 'string': return quote(v);
      case 'number': return JsObject.is(v, -0) ? '-0' : JsString(v);
      case 'bigint': return JsString(v) + 'n';
      case 'symbol': return v.toString();
      case 'undefined': return 'undefined';
      case 'boolean': return JsString(v);
      case 'function': return v.name ? '[Function: ' + v.name + ']' : '[Function]';
    }
    if (v === null) return 'null';
    if (seen.indexOf(v) >= 0) return '[Circular]';
    if (v instanceof JsError) return JsString(v);
    if (v instanceof RealDate) return isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
    if (v instanceof RegExp) return JsString(v);
    seen.push(v);
    var out;
    if (isView(v)) {
      var name = (typeof Buffer === 'function' && v instanceof Buffer) ? 'Buffer' : v.constructor.name;
      out = name + ' [' + Array.prototype.join.call(v, ',') + ']';
    } else if (Array.isArray(v)) {
      var items = [];
      for (var i = 0; i < v.length; i++) items.push(i in v ? inspect(v[i], seen) : '<empty>');
      out = '[' + items.join(',') + ']';
    } else {
      var keys = JsObject.keys(v);
      var parts = [];
      for (var k = 0; k < keys.length; k++) parts.push(keys[k] + ':' + inspect(v[keys[k]], seen));
      out = '{' + parts.join(',') + '}';
    }
    seen.pop();
    return out;
  }

  function logText(v) {
    return typeof v === 'string' ? v : inspect(v, []);
  }

  var consoleObject = {};
  define(consoleObject, 'log', function log() {
    var parts = [];
    for (var i = 0; i < arguments.length; i++) parts.push(logText(arguments[i]));
    logs.push(parts.join(' '));
  });

  // ---------------------------------------------------------------------------------------------
  // Date: every way of reading the current time gives the event's start time.

  var FrozenDate = function Date(year, month, day, hours, minutes, seconds, ms) {
    if (new.target === undefined) return new RealDate(nowMs).toString();
    if (arguments.length === 0) return JsReflect.construct(RealDate, [nowMs], new.target);
    return JsReflect.construct(RealDate, arguments, new.target);
  };
  define(FrozenDate, 'now', function now() { return nowMs; });
  define(FrozenDate, 'parse', RealDate.parse);
  define(FrozenDate, 'UTC', RealDate.UTC);
  JsObject.defineProperty(FrozenDate, 'prototype', { value: RealDate.prototype, writable: false });
  define(RealDate.prototype, 'constructor', FrozenDate);

  // ---------------------------------------------------------------------------------------------
  // No dynamic code: eval and every Function constructor throw.

  var noEval = function () {
    throw new JsInternalError('Not implemented');
  };
  JsObject.defineProperty(noEval, 'name', { value: 'eval' });
  function noConstructor(name) {
    var f = function () {
      throw new JsInternalError(name + ' constructor is not supported');
    };
    JsObject.defineProperty(f, 'name', { value: name });
    return f;
  }
  var NoFunction = noConstructor('Function');
  JsObject.defineProperty(NoFunction, 'prototype', { value: RealFunction.prototype, writable: false });
  define(RealFunction.prototype, 'constructor', NoFunction);
  [
    [(async function () {}).constructor, 'AsyncFunction'],
    [(function* () {}).constructor, 'GeneratorFunction'],
    [(async function* () {}).constructor, 'AsyncGeneratorFunction'],
  ].forEach(function (pair) {
    define(pair[0].prototype, 'constructor', noConstructor(pair[1]));
  });

  // ---------------------------------------------------------------------------------------------
  // JSON.parse reads text as njs does (loose numbers and njs's rounding of them, at most 31
  // levels of nesting, U+FFFD for unpaired surrogate escapes, njs's SyntaxError texts). It is a
  // Rust function (`natives.rs`, `json.rs`) that checks the text with njs's grammar and has
  // QuickJS's parser read it, or the standard JSON that reads as njs reads the text, and calls
  // QuickJS's own JSON.parse when there is a reviver.

  // Runtime 1.0: njs reads a byte string's octets, as UTF-8 text when they are UTF-8; when not,
  // its strings whose octets are not UTF-8 become byte strings. Called with text whose
  // characters are all below U+0100: undefined for text, the text a byte string stands for, or
  // [value] when parsed here.
  function byteStringJson(s, reviver) {
    if (!byteStrings.has(s)) return undefined;
    var bytes = latin1Encode(s);
    var text = utf8Decode(bytes, true);
    if (text !== null) return text;
    var scanned = jsonScanOctets(bytes);
    for (var i = 1; i < scanned.length; i++) markBytes(scanned[i]);
    return [nativeJsonParse(scanned[0], reviver)];
  }

  var jsonParse = native.jsonParse(nativeJsonParse, byteStringJson, byteStringMode ? 1 : 2);

  // ---------------------------------------------------------------------------------------------
  // crypto: createHash / createHmac with md5, sha1, sha256; digests hashed in Rust.

  // Name tables: `TABLE[name] === true` is an own-property test, as nothing inherited is `true`.
  var ALGORITHMS = { md5: true, sha1: true, sha256: true };
  var DIGEST_ENCODINGS = { hex: true, base64: true, base64url: true };
  var STRING_ENCODINGS = { utf8: true, hex: true, base64: true, base64url: true };

  function checkAlgorithm(alg) {
    if (typeof alg !== 'string') throw new JsTypeError('algorithm must be a string');
    if (ALGORITHMS[alg] !== true) throw new JsTypeError('not supported algorithm: "' + alg + '"');
  }

  // The bytes of a data or key argument, copied (later changes to a Buffer do not leak in). A
  // string that means its UTF-8 encoding (text, or ASCII) stays a string: the digest encodes it
  // in Rust, which spares a typed array per argument.
  function argumentBytes(what, v, encoding) {
    if (typeof v === 'string') {
      if (encoding === undefined || encoding === 'utf8') return isByteString(v) ? latin1Encode(v) : v;
      if (STRING_ENCODINGS[encoding] !== true) throw new JsTypeError('"' + encoding + '" encoding is not supported');
      return nativeDecode(v, encoding);
    }
    if (v instanceof JsArrayBuffer) return new JsUint8Array(v.slice(0));
    if (isView(v)) return new JsUint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
    throw new JsTypeError(what + ' argument "' + typeName(v) + '" is not a string or Buffer-like object');
  }

  // A digester keeps what `update` was given (one chunk, or a list of them) until `digest` hands it
  // to Rust in one call.
  function makeDigester(name) {
    var Digester = function (alg, key) {
      this._alg = alg;
      this._key = key;
      this._chunks = null;
      this._done = false;
    };
    JsObject.defineProperty(Digester, 'name', { value: name });
    define(Digester.prototype, 'update', function update(data, encoding) {
      if (this._done) throw new JsError('Digest already called');
      var chunk = argumentBytes('data', data, encoding);
      var chunks = this._chunks;
      if (chunks === null) this._chunks = chunk;
      else if (JsArray.isArray(chunks)) chunks.push(chunk);
      else this._chunks = [chunks, chunk];
      return this;
    });
    define(Digester.prototype, 'digest', function digest(encoding) {
      if (this._done) throw new JsError('Digest already called');
      if (encoding !== undefined && DIGEST_ENCODINGS[encoding] !== true) {
        throw new JsTypeError('Unknown digest encoding: "' + encoding + '"');
      }
      this._done = true;
      var chunks = this._chunks;
      this._chunks = null;
      var out = nativeDigest(this._alg, this._key, chunks === null ? '' : chunks, encoding);
      if (encoding !== undefined) return out;
      return byteStringMode ? bytesToByteString(out) : toBuffer(out);
    });
    return Digester;
  }
  var Hash = makeDigester('Hash');
  var Hmac = makeDigester('Hmac');

  var cryptoModule = {};
  define(cryptoModule, 'createHash', function createHash(alg) {
    checkAlgorithm(alg);
    return new Hash(alg, null);
  });
  define(cryptoModule, 'createHmac', function createHmac(alg, key) {
    checkAlgorithm(alg);
    return new Hmac(alg, argumentBytes('key', key));
  });

  // ---------------------------------------------------------------------------------------------
  // querystring, as njs implements Node's module.

  // Percent-decoding to UTF-8 with U+FFFD for invalid sequences; a malformed escape is kept and
  // '+' is a space, as in njs.
  function unescape(s) {
    s = JsString(s).replace(/\+/g, ' ');
    if (s.indexOf('%') < 0) return s;
    var bytes = [];
    var out = '';
    function flush() {
      if (bytes.length) {
        out += utf8Decode(new JsUint8Array(bytes), false);
        bytes = [];
      }
    }
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c === 0x25 && i + 2 < s.length && /^[0-9a-fA-F]{2}$/.test(s.substr(i + 1, 2))) {
        bytes.push(parseInt(s.substr(i + 1, 2), 16));
        i += 2;
      } else {
        flush();
        out += s.charAt(i);
      }
    }
    flush();
    return out;
  }

  function escape(s) {
    return encodeURIComponent(JsString(s));
  }

  function parse(s, sep, eq, options) {
    var result = {};
    if (typeof s !== 'string' || s.length === 0) return result;
    sep = typeof sep === 'string' && sep.length ? sep : '&';
    eq = typeof eq === 'string' && eq.length ? eq : '=';
    var maxKeys = options && typeof options.maxKeys === 'number' ? options.maxKeys : 1000;
    var decode = options && typeof options.decodeURIComponent === 'function' ? options.decodeURIComponent : unescape;
    var pieces = s.split(sep);
    if (maxKeys > 0 && pieces.length > maxKeys) pieces = pieces.slice(0, maxKeys);
    for (var i = 0; i < pieces.length; i++) {
      var piece = pieces[i];
      if (piece.length === 0) continue;
      var at = piece.indexOf(eq);
      var rawKey = at >= 0 ? piece.substring(0, at) : piece;
      var rawValue = at >= 0 ? piece.substring(at + eq.length) : '';
      var key = decode(rawKey.replace(/\+/g, ' '));
      var value = decode(rawValue.replace(/\+/g, ' '));
      if (!hasOwn(result, key)) {
        JsObject.defineProperty(result, key, { value: value, writable: true, enumerable: true, configurable: true });
      } else if (Array.isArray(result[key])) {
        result[key].push(value);
      } else {
        result[key] = [result[key], value];
      }
    }
    return result;
  }

  function stringifyPrimitive(v) {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' && isFinite(v)) return JsString(v);
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    return '';
  }

  function stringify(obj, sep, eq, options) {
    if (obj === null || typeof obj !== 'object') return '';
    sep = typeof sep === 'string' && sep.length ? sep : '&';
    eq = typeof eq === 'string' && eq.length ? eq : '=';
    var encode = options && typeof options.encodeURIComponent === 'function' ? options.encodeURIComponent : escape;
    var parts = [];
    var keys = JsObject.keys(obj);
    for (var i = 0; i < keys.length; i++) {
      var key = encode(keys[i]);
      var value = obj[keys[i]];
      if (Array.isArray(value)) {
        for (var j = 0; j < value.length; j++) parts.push(key + eq + encode(stringifyPrimitive(value[j])));
      } else {
        parts.push(key + eq + encode(stringifyPrimitive(value)));
      }
    }
    return parts.join(sep);
  }

  var querystringModule = {};
  define(querystringModule, 'parse', parse);
  define(querystringModule, 'decode', parse);
  define(querystringModule, 'stringify', stringify);
  define(querystringModule, 'encode', stringify);
  define(querystringModule, 'escape', escape);
  define(querystringModule, 'unescape', unescape);

  // ---------------------------------------------------------------------------------------------
  // require: only the built-in modules CloudFront offers.

  var builtinModules = { crypto: cryptoModule, querystring: querystringModule };
  var requirable = {};
  cfg.require.forEach(function (name) { requirable[name] = builtinModules[name]; });
  var requireFunction = function require(name) {
    if (typeof name === 'string' && hasOwn(requirable, name)) return requirable[name];
    throw new JsError('Cannot find module "' + JsString(name) + '"');
  };

  // ---------------------------------------------------------------------------------------------
  // Runtime 2.0: Buffer, TextEncoder/TextDecoder, atob/btoa, the cloudfront module.

  var BUFFER_ENCODINGS = { utf8: true, 'utf-8': true, hex: true, base64: true, base64url: true, latin1: true, binary: true };
  var Buffer;

  function checkBufferEncoding(encoding) {
    if (BUFFER_ENCODINGS[encoding] !== true) throw new JsTypeError('"' + encoding + '" encoding is not supported');
  }

  function toBuffer(u8) {
    return new Buffer(u8.buffer, u8.byteOffset, u8.byteLength);
  }

  function checkBounds(buf, offset, size) {
    if (offset === undefined) offset = 0;
    if (typeof offset !== 'number' || offset < 0 || offset + size > buf.length || offset % 1 !== 0) {
      throw new JsRangeError('index ' + offset + ' is outside the bound of the buffer');
    }
    return offset;
  }

  function compareBytes(a, b) {
    var n = Math.min(a.length, b.length);
    for (var i = 0; i < n; i++) {
      if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
    }
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
  }

  {
    Buffer = class Buffer extends JsUint8Array {
      static from(value, encodingOrOffset, length) {
        if (typeof value === 'string') {
          var encoding = encodingOrOffset === undefined ? 'utf8' : encodingOrOffset;
          checkBufferEncoding(encoding);
          return toBuffer(encoding === 'utf8' || encoding === 'utf-8' ? utf8Encode(value) : nativeDecode(value, encoding));
        }
        if (value instanceof JsArrayBuffer) {
          var offset = encodingOrOffset === undefined ? 0 : encodingOrOffset;
          var size = length === undefined ? value.byteLength - offset : length;
          return new Buffer(value, offset, size);
        }
        if (isView(value)) {
          var copy = new Buffer(value.byteLength);
          copy.set(new JsUint8Array(value.buffer, value.byteOffset, value.byteLength));
          return copy;
        }
        if (Array.isArray(value) || (value !== null && typeof value === 'object' && typeof value.length === 'number')) {
          var out = new Buffer(value.length);
          for (var i = 0; i < value.length; i++) out[i] = Number(value[i]) & 0xff;
          return out;
        }
        throw new JsTypeError('first argument ' + typeName(value) + ' is not a string or Buffer-like object');
      }
      static alloc(size, fill, encoding) {
        if (typeof size !== 'number') throw new JsTypeError('"size" argument must be of type number');
        var buf = new Buffer(size);
        if (fill !== undefined && fill !== 0) buf.fill(fill, 0, size, encoding);
        return buf;
      }
      static allocUnsafe(size) {
        return Buffer.alloc(size);
      }
      static byteLength(value, encoding) {
        if (typeof value === 'string') return Buffer.from(value, encoding).length;
        if (isView(value) || value instanceof JsArrayBuffer) return value.byteLength;
        throw new JsTypeError('first argument ' + typeName(value) + ' is not a string or Buffer-like object');
      }
      static compare(a, b) {
        return compareBytes(a, b);
      }
      static concat(list, totalLength) {
        var total = 0;
        for (var i = 0; i < list.length; i++) total += list[i].length;
        if (totalLength !== undefined) total = totalLength;
        var out = new Buffer(total);
        var at = 0;
        for (var j = 0; j < list.length && at < total; j++) {
          var part = list[j].length > total - at ? list[j].subarray(0, total - at) : list[j];
          out.set(part, at);
          at += part.length;
        }
        return out;
      }
      static isBuffer(v) {
        return v instanceof Buffer;
      }
      static isEncoding(encoding) {
        return typeof encoding === 'string' && BUFFER_ENCODINGS[encoding] === true;
      }
      toString(encoding, start, end) {
        if (encoding === undefined) encoding = 'utf8';
        checkBufferEncoding(encoding);
        var view = start === undefined && end === undefined ? this : this.subarray(start || 0, end === undefined ? this.length : end);
        if (encoding === 'utf8' || encoding === 'utf-8') return utf8Decode(view, false);
        return nativeEncode(view, encoding);
      }
      toJSON() {
        return { type: 'Buffer', data: Array.prototype.slice.call(this) };
      }
      equals(other) {
        if (!isView(other)) throw new JsTypeError('argument must be a Buffer or Uint8Array');
        return compareBytes(this, other) === 0;
      }
      compare(other) {
        return compareBytes(this, other);
      }
      slice(start, end) {
        return this.subarray(start, end);
      }
      fill(value, offset, end, encoding) {
        if (typeof value === 'string') {
          var pattern = Buffer.from(value, encoding);
          var from = offset === undefined ? 0 : offset;
          var to = end === undefined ? this.length : end;
          for (var i = from, j = 0; i < to && pattern.length; i++, j = (j + 1) % pattern.length) this[i] = pattern[j];
          return this;
        }
        return super.fill(value, offset, end);
      }
      indexOf(value, byteOffset, encoding) {
        if (typeof value === 'number') return super.indexOf(value & 0xff, byteOffset);
        var needle = typeof value === 'string' ? Buffer.from(value, encoding) : value;
        var from = byteOffset === undefined ? 0 : byteOffset < 0 ? Math.max(this.length + byteOffset, 0) : byteOffset;
        outer: for (var i = from; i + needle.length <= this.length; i++) {
          for (var j = 0; j < needle.length; j++) {
            if (this[i + j] !== needle[j]) continue outer;
          }
          return i;
        }
        return -1;
      }
      includes(value, byteOffset, encoding) {
        return this.indexOf(value, byteOffset, encoding) !== -1;
      }
      readUInt8(offset) { offset = checkBounds(this, offset, 1); return this[offset]; }
      readInt8(offset) { offset = checkBounds(this, offset, 1); return (this[offset] << 24) >> 24; }
      readUInt16BE(offset) { offset = checkBounds(this, offset, 2); return (this[offset] << 8) | this[offset + 1]; }
      readUInt16LE(offset) { offset = checkBounds(this, offset, 2); return this[offset] | (this[offset + 1] << 8); }
      readInt16BE(offset) { return (this.readUInt16BE(offset) << 16) >> 16; }
      readInt16LE(offset) { return (this.readUInt16LE(offset) << 16) >> 16; }
      readUInt32BE(offset) {
        offset = checkBounds(this, offset, 4);
        return ((this[offset] << 24) | (this[offset + 1] << 16) | (this[offset + 2] << 8) | this[offset + 3]) >>> 0;
      }
      readUInt32LE(offset) {
        offset = checkBounds(this, offset, 4);
        return ((this[offset + 3] << 24) | (this[offset + 2] << 16) | (this[offset + 1] << 8) | this[offset]) >>> 0;
      }
      readInt32BE(offset) { return this.readUInt32BE(offset) | 0; }
      readInt32LE(offset) { return this.readUInt32LE(offset) | 0; }
    };
    // Aliases Node and njs also offer.
    ['readUInt8', 'readUInt16BE', 'readUInt16LE', 'readUInt32BE', 'readUInt32LE'].forEach(function (name) {
      define(Buffer.prototype, name.replace('UInt', 'Uint'), Buffer.prototype[name]);
    });
  }

  function TextEncoder() {
    if (new.target === undefined) throw new JsTypeError("Constructor TextEncoder requires 'new'");
  }
  JsObject.defineProperty(TextEncoder.prototype, 'encoding', { get: function () { return 'utf-8'; } });
  define(TextEncoder.prototype, 'encode', function encode(input) {
    return utf8Encode(input === undefined ? '' : JsString(input));
  });
  define(TextEncoder.prototype, 'encodeInto', function encodeInto(input, dest) {
    var bytes = utf8Encode(JsString(input));
    // Copy whole characters only: back off to a UTF-8 sequence boundary.
    var n = Math.min(bytes.length, dest.length);
    while (n < bytes.length && n > 0 && (bytes[n] & 0xc0) === 0x80) n--;
    dest.set(bytes.subarray(0, n));
    var read = utf8Decode(bytes.subarray(0, n), false).length;
    return { read: read, written: n };
  });

  var UTF8_LABELS = { 'utf-8': true, utf8: true, 'unicode-1-1-utf-8': true };
  function TextDecoder(label, options) {
    if (new.target === undefined) throw new JsTypeError("Constructor TextDecoder requires 'new'");
    var name = label === undefined ? 'utf-8' : JsString(label).trim().toLowerCase();
    if (UTF8_LABELS[name] !== true) throw new JsRangeError('The "' + JsString(label) + '" encoding is not supported');
    this._fatal = !!(options && options.fatal);
    this._ignoreBOM = !!(options && options.ignoreBOM);
  }
  JsObject.defineProperty(TextDecoder.prototype, 'encoding', { get: function () { return 'utf-8'; } });
  JsObject.defineProperty(TextDecoder.prototype, 'fatal', { get: function () { return this._fatal; } });
  JsObject.defineProperty(TextDecoder.prototype, 'ignoreBOM', { get: function () { return this._ignoreBOM; } });
  define(TextDecoder.prototype, 'decode', function decode(input) {
    if (input === undefined) return '';
    var bytes;
    if (input instanceof JsArrayBuffer) bytes = new JsUint8Array(input);
    else if (isView(input)) bytes = new JsUint8Array(input.buffer, input.byteOffset, input.byteLength);
    else throw new JsTypeError('The "input" argument must be an instance of TypedArray');
    if (!this._ignoreBOM && bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      bytes = bytes.subarray(3);
    }
    var text = utf8Decode(bytes, this._fatal);
    if (text === null) throw new JsTypeError('The encoded data was not valid');
    return text;
  });

  function btoa(input) {
    var s = JsString(input);
    for (var i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) > 0xff) throw new JsTypeError('invalid character (>= U+00FF)');
    }
    return nativeEncode(latin1Encode(s), 'base64');
  }

  // The HTML "forgiving-base64 decode": ASCII whitespace ignored, padding optional but exact.
  function atob(input) {
    var s = JsString(input).replace(/[\t\n\f\r ]/g, '');
    if (s.length % 4 === 0 && /==?$/.test(s)) s = s.replace(/==?$/, '');
    if (s.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(s)) {
      throw new JsTypeError('the string to be decoded is not correctly encoded');
    }
    return latin1Decode(nativeDecode(s, 'base64'));
  }

  // The cloudfront module: cf.kvs() over the --kvs file.
  var kvsData = cfg.kvs;
  var KVS_FORMATS = { string: true, json: true, bytes: true };

  function kvsUnavailable() {
    return JsPromise.reject(new JsError('No KeyValueStore is associated with this function (pass --kvs FILE to cfjwt test)'));
  }

  function checkKey(key) {
    if (typeof key !== 'string') throw new JsTypeError('key must be a string');
  }

  function makeKvsHandle() {
    var handle = {};
    define(handle, 'get', function get(key, options) {
      try {
        checkKey(key);
        var format = options && options.format !== undefined ? options.format : 'string';
        if (KVS_FORMATS[format] !== true) throw new JsTypeError('Unknown format: "' + JsString(format) + '"');
        if (kvsData === null) return kvsUnavailable();
        if (!hasOwn(kvsData, key)) return JsPromise.reject(new JsError('Key not found: "' + key + '"'));
        var value = kvsData[key];
        if (format === 'json') return JsPromise.resolve(jsonParse(value));
        if (format === 'bytes') return JsPromise.resolve(toBuffer(utf8Encode(value)));
        return JsPromise.resolve(value);
      } catch (e) {
        return JsPromise.reject(e);
      }
    });
    define(handle, 'exists', function exists(key) {
      try {
        checkKey(key);
        if (kvsData === null) return kvsUnavailable();
        return JsPromise.resolve(hasOwn(kvsData, key));
      } catch (e) {
        return JsPromise.reject(e);
      }
    });
    define(handle, 'meta', function meta() {
      if (kvsData === null) return kvsUnavailable();
      var stamp = new RealDate(cfg.nowMs).toISOString();
      return JsPromise.resolve({
        creationDateTime: stamp,
        lastUpdatedDateTime: stamp,
        keyCount: JsObject.keys(kvsData).length,
      });
    });
    return handle;
  }

  var cloudfrontModule = {};
  define(cloudfrontModule, 'kvs', function kvs(id) {
    if (id !== undefined && typeof id !== 'string') throw new JsTypeError('KeyValueStore id must be a string');
    return makeKvsHandle();
  });

  // cf.logCustomData(text): the text CloudFront writes into the access logs'
  // `viewer-request-log-data` field (the General helper methods page: one string argument, at
  // most 800 bytes once URL-encoded, the rest cut; the last call of an invocation counts). The
  // Rust side (engine.rs) cuts it and keeps it per event. A non-string is refused rather than
  // converted, so that a function does not come to rely on a conversion CloudFront may not make.
  var recordLogData = native.logCustomData;
  define(cloudfrontModule, 'logCustomData', function logCustomData(text) {
    if (typeof text !== 'string') throw new JsTypeError('logCustomData takes one string');
    recordLogData(utf8Encode(text));
  });

  // ---------------------------------------------------------------------------------------------
  // Runtime 1.0: njs's byte-string methods.

  var BYTES_FROM_ENCODINGS = { hex: true, base64: true, base64url: true };

  function bytesFrom(value, encoding) {
    if (typeof value === 'string') {
      if (typeof encoding !== 'string') throw new JsTypeError('"encoding" must be a string');
      if (BYTES_FROM_ENCODINGS[encoding] !== true) throw new JsTypeError('Unknown encoding: "' + encoding + '"');
      return bytesToByteString(nativeDecode(value, encoding));
    }
    if (value !== null && typeof value === 'object' && typeof value.length === 'number') {
      var bytes = new JsUint8Array(value.length);
      for (var i = 0; i < value.length; i++) bytes[i] = Number(value[i]) & 0xff;
      return bytesToByteString(bytes);
    }
    throw new JsTypeError('value must be a string or an array of octets');
  }

  function thisString(self) {
    return stringToString.call(self);
  }

  var byteStringMethods = {
    // toUTF8(start, end): the UTF-8 encoding, sliced by byte offsets.
    toUTF8: function toUTF8(start, end) {
      return bytesToByteString(stringBytes(thisString(this)).subarray(start, end));
    },
    // fromUTF8(start, end): the text the bytes encode, or null when they are not UTF-8.
    fromUTF8: function fromUTF8(start, end) {
      return utf8Decode(stringBytes(thisString(this)).subarray(start, end), true);
    },
    // toBytes(start, end): a byte string of the characters, or null if one is above 255.
    toBytes: function toBytes(start, end) {
      var s = thisString(this).slice(start, end);
      for (var i = 0; i < s.length; i++) {
        if (s.charCodeAt(i) > 0xff) return null;
      }
      return markBytes(s);
    },
    // fromBytes(start, end): each byte as the character with that code point.
    fromBytes: function fromBytes(start, end) {
      return thisString(this).slice(start, end);
    },
    // toString(encoding): njs's encoding form for 'hex', 'base64' and 'base64url'.
    toString: function toString(encoding) {
      var s = thisString(this);
      if (encoding === undefined) return s;
      if (BYTES_FROM_ENCODINGS[encoding] !== true) throw new JsTypeError('Unknown encoding: "' + encoding + '"');
      return nativeEncode(stringBytes(s), encoding);
    },
  };

  // ---------------------------------------------------------------------------------------------
  // Install the globals, remove what CloudFront lacks.

  // njs's error for running out of memory, which runtime 1.0 lists among its error types.
  var MemoryError = class MemoryError extends JsError {};
  define(MemoryError.prototype, 'name', 'MemoryError');

  // The CloudFront globals made here; every other global the profile lists is QuickJS's own.
  var provided = {
    console: consoleObject, Date: FrozenDate, eval: noEval, Function: NoFunction, require: requireFunction,
    Buffer: Buffer, TextEncoder: TextEncoder, TextDecoder: TextDecoder, atob: atob, btoa: btoa,
    MemoryError: MemoryError,
  };
  var listed = {};
  cfg.globals.forEach(function (name) { listed[name] = true; });
  // Everything the profile does not list goes, whatever this version of QuickJS adds.
  JsObject.getOwnPropertyNames(g).forEach(function (name) {
    var d = JsObject.getOwnPropertyDescriptor(g, name);
    if (listed[name] !== true && d.configurable) delete g[name];
  });
  cfg.globals.forEach(function (name) {
    if (hasOwn(provided, name)) define(g, name, provided[name]);
    else if (!hasOwn(g, name)) throw new JsError('the runtime profile lists `' + name + '`, which the engine lacks');
  });
  define(JsJSON, 'parse', jsonParse);

  // Methods only some runtimes have: the byte-string methods are made here, the others are
  // QuickJS's own; where the profile says a runtime lacks one, it goes.
  var ownersOf = { String: JsString, 'String.prototype': JsString.prototype, Promise: JsPromise, Symbol: Symbol };
  var methodsMade = { 'String.bytesFrom': bytesFrom };
  JsObject.keys(byteStringMethods).forEach(function (name) { methodsMade['String.prototype.' + name] = byteStringMethods[name]; });
  cfg.methods.forEach(function (m) {
    var owner = ownersOf[m.owner], path = m.owner + '.' + m.name;
    if (!m.has) delete owner[m.name];
    else if (hasOwn(methodsMade, path)) define(owner, m.name, methodsMade[path]);
    else if (typeof owner[m.name] !== 'function') throw new JsError('the runtime profile lists `' + path + '`, which the engine lacks');
  });
  // With byte strings, `toString(encoding)` also encodes a string's bytes, as in njs.
  if (byteStringMode) define(JsString.prototype, 'toString', byteStringMethods.toString);

  // ---------------------------------------------------------------------------------------------
  // The control object for the Rust side.

  function errorText(e) {
    try {
      if (e instanceof JsError) {
        var name = e.name === undefined ? 'Error' : JsString(e.name);
        var message = e.message === undefined ? '' : JsString(e.message);
        return message ? name + ': ' + message : name;
      }
      return JsString(e);
    } catch (inner) {
      return 'uncaught exception (could not be converted to a string)';
    }
  }

  return {
    modules: (function () {
      var all = { crypto: cryptoModule, querystring: querystringModule, cloudfront: cloudfrontModule }, out = {};
      cfg.import.forEach(function (name) { out[name] = all[name]; });
      return out;
    })(),
    beginEvent: function (ms) {
      nowMs = ms;
      logs = [];
      // Byte strings made by the top-level code (which runs once here, and would run again
      // before every event in CloudFront) stay byte strings in every event.
      byteStrings = topLevelBytes === null ? new JsSet() : new JsSet(topLevelBytes);
    },
    sealTopLevel: function () {
      topLevelBytes = new JsSet(byteStrings);
    },
    takeLogs: function () {
      var out = logs;
      logs = [];
      return out;
    },
    errorText: errorText,
    // A handler's result as a promise when it is a thenable (async handlers), else null.
    settle: function (v) {
      var thenable = v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function';
      return thenable ? JsPromise.resolve(v) : null;
    },
  };
})
