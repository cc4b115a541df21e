//! `JSON.parse` as njs 0.7.9 reads text, in front of QuickJS's own JSON parser.
//!
//! njs's parser (`src/njs_json.c`) differs from the standard one QuickJS implements: it takes
//! loose numbers (`01`, `.5`, `1.`, `1.e5`, `-00`) and computes every number with its own
//! `strtod` (`src/njs_strtod.c`: V8's without the bignum fallback, so an exact tie between two
//! doubles rounds down, `9007199254740995` reading as `9007199254740994`, and only the first 128
//! digits count); it refuses a 32nd level of nested arrays and objects, turns a surrogate escape
//! that is not half of a pair into U+FFFD, and words its errors `Unexpected token at position N`
//! (N in characters).
//!
//! [`scan`] reads a text once with njs's grammar, following njs's code branch for branch so that
//! the same inputs fail with the same message at the same position, and either finds it standard
//! JSON that QuickJS reads to njs's values (the common case: nothing is copied), or rewrites the
//! parts that are not: a loose or differently rounded number becomes the shortest spelling of
//! njs's value; a string literal with an unpaired surrogate (or, for a byte string, octets that
//! are not UTF-8) is spelt out again with what njs decodes. QuickJS's parser then builds the
//! values (`natives` has the JSON.parse that calls both).

use std::fmt::Write as _;

/// njs refuses the 32nd level of nesting (`NJS_JSON_MAX_DEPTH`).
const MAX_DEPTH: u32 = 32;

/// What [`scan`] found.
#[derive(Debug, PartialEq)]
pub enum Scan {
    /// The text is standard JSON and QuickJS reads it to the values njs gives: parse it as is.
    AsIs,
    /// Standard JSON that QuickJS reads to the values njs gives for the text, and the strings in
    /// it that njs makes byte strings (only for byte-string input whose octets are not UTF-8).
    Rewritten { text: String, byte_strings: Vec<String> },
}

/// Reads `input` as njs's `JSON.parse` does. `input` is the text in UTF-8 (lone surrogates in
/// QuickJS's WTF-8 form, read as U+FFFD as njs's strings would hold them), or with `octets` the
/// bytes of a runtime 1.0 byte string that are not UTF-8. Errors are njs's SyntaxError messages.
pub fn scan(input: &[u8], octets: bool) -> Result<Scan, String> {
    let mut scanner = Scanner {
        s: input,
        octets,
        depth: MAX_DEPTH,
        out: Vec::new(),
        copied: 0,
        rewritten: octets,
        byte_strings: Vec::new(),
    };
    if let Err(fail) = scanner.text() {
        return Err(format!("{} at position {}", fail.message, scanner.position(fail.at)));
    }
    if !scanner.rewritten {
        return Ok(Scan::AsIs);
    }
    let mut out = scanner.out;
    out.extend_from_slice(&input[scanner.copied..]);
    // Everything outside string literals is ASCII once the scan succeeded, and every literal
    // that was not UTF-8 has been spelled out again, so this does not replace anything.
    let text = String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Ok(Scan::Rewritten { text, byte_strings: scanner.byte_strings })
}

struct Fail {
    message: &'static str,
    /// Byte offset into the input.
    at: usize,
}

fn fail<T>(message: &'static str, at: usize) -> Result<T, Fail> {
    Err(Fail { message, at })
}

struct Scanner<'a> {
    s: &'a [u8],
    octets: bool,
    /// Levels of nesting left, counting down to 0 as njs does.
    depth: u32,
    /// The rewritten text up to `copied` (in the input); unused until something is rewritten.
    out: Vec<u8>,
    copied: usize,
    rewritten: bool,
    byte_strings: Vec<String>,
}

/// The bytes in a string literal the scan stops at: the quote, the backslash, control
/// characters, and the first byte of a lone surrogate in WTF-8 (text) or every octet from 0x80
/// (byte strings). Any other byte is taken as it is.
const fn special_bytes(octets: bool) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = b < 0x20 || b == b'"' as usize || b == b'\\' as usize || if octets { b >= 0x80 } else { b == 0xed };
        b += 1;
    }
    table
}
const TEXT_SPECIAL: [bool; 256] = special_bytes(false);
const OCTETS_SPECIAL: [bool; 256] = special_bytes(true);

/// Skips whole 8-byte words with no byte [`TEXT_SPECIAL`] stops at (the common case inside
/// string literals), from `p`; stops at the word that has one, or near the end.
fn skip_plain_text(s: &[u8], mut p: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // Whether any byte of `x` is 0; or (with `below`) is below `n` (n <= 0x80).
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS != 0;
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGHS != 0;
    while let Some(word) = s.get(p..p + 8) {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(word);
        let v = u64::from_le_bytes(bytes);
        if below(v, 0x20)
            || zero(v ^ (ONES * u64::from(b'"')))
            || zero(v ^ (ONES * u64::from(b'\\')))
            || zero(v ^ (ONES * 0xed))
        {
            break;
        }
        p += 8;
    }
    p
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

impl Scanner<'_> {
    /// njs's error position: characters before the byte offset (`njs_utf8_length`, which gives
    /// 0 when those bytes are not UTF-8).
    fn position(&self, at: usize) -> usize {
        let prefix = &self.s[..at];
        if self.octets {
            std::str::from_utf8(prefix).map_or(0, |text| text.chars().count())
        } else {
            prefix.iter().filter(|&&b| !(0x80..0xc0).contains(&b)).count()
        }
    }

    fn skip_space(&self, mut p: usize) -> usize {
        while p < self.s.len() && is_space(self.s[p]) {
            p += 1;
        }
        p
    }

    /// Replaces input bytes `from..to` by what `write` appends.
    fn replace(&mut self, from: usize, to: usize, write: impl FnOnce(&mut Vec<u8>)) {
        if self.out.capacity() == 0 {
            self.out.reserve(self.s.len() + 16);
        }
        self.out.extend_from_slice(&self.s[self.copied..from]);
        write(&mut self.out);
        self.copied = to;
        self.rewritten = true;
    }

    /// `njs_json_parse`.
    fn text(&mut self) -> Result<(), Fail> {
        let mut p = self.skip_space(0);
        if p == self.s.len() {
            return fail("Unexpected end of input", p);
        }
        p = self.value(p)?;
        p = self.skip_space(p);
        if p != self.s.len() {
            return fail("Unexpected token", p);
        }
        Ok(())
    }

    /// `njs_json_parse_value`; `p` is before the end.
    fn value(&mut self, p: usize) -> Result<usize, Fail> {
        let rest = &self.s[p..];
        match rest[0] {
            b'{' => return self.object(p),
            b'[' => return self.array(p),
            b'"' => return self.string(p),
            b't' if rest.starts_with(b"true") => return Ok(p + 4),
            b'f' if rest.starts_with(b"false") => return Ok(p + 5),
            b'n' if rest.starts_with(b"null") => return Ok(p + 4),
            b't' | b'f' | b'n' => {}
            // njs tests `*p - '0' <= 9` on an int: every byte up to '9' starts a number.
            c if c <= b'9' => return self.number(p),
            _ => {}
        }
        fail("Unexpected token", p)
    }

    /// `njs_json_parse_object`; `p` is at the `{`.
    fn object(&mut self, mut p: usize) -> Result<usize, Fail> {
        self.depth -= 1;
        if self.depth == 0 {
            return fail("Nested too deep", p);
        }
        let end = self.s.len();
        let mut members = false;
        loop {
            p = self.skip_space(p + 1);
            if p == end {
                return fail("Unexpected end of input", p);
            }
            if self.s[p] != b'"' {
                if self.s[p] == b'}' {
                    if members {
                        return fail("Trailing comma", p - 1);
                    }
                    break;
                }
                return fail("Unexpected token", p);
            }
            p = self.string(p)?;
            p = self.skip_space(p);
            if p == end || self.s[p] != b':' {
                return fail("Unexpected token", p);
            }
            p = self.skip_space(p + 1);
            if p == end {
                return fail("Unexpected end of input", p);
            }
            p = self.value(p)?;
            members = true;
            p = self.skip_space(p);
            if p == end {
                return fail("Unexpected end of input", p);
            }
            if self.s[p] != b',' {
                if self.s[p] == b'}' {
                    break;
                }
                return fail("Unexpected token", p);
            }
        }
        self.depth += 1;
        Ok(p + 1)
    }

    /// `njs_json_parse_array`; `p` is at the `[`.
    fn array(&mut self, mut p: usize) -> Result<usize, Fail> {
        self.depth -= 1;
        if self.depth == 0 {
            return fail("Nested too deep", p);
        }
        let end = self.s.len();
        let mut empty = true;
        loop {
            p = self.skip_space(p + 1);
            if p == end {
                return fail("Unexpected end of input", p);
            }
            if self.s[p] == b']' {
                if !empty {
                    return fail("Trailing comma", p - 1);
                }
                break;
            }
            p = self.value(p)?;
            empty = false;
            p = self.skip_space(p);
            if p == end {
                return fail("Unexpected end of input", p);
            }
            if self.s[p] != b',' {
                if self.s[p] == b']' {
                    break;
                }
                return fail("Unexpected token", p);
            }
        }
        self.depth += 1;
        Ok(p + 1)
    }

    /// `njs_json_parse_string`'s checking pass; `p` is at the opening quote. A literal njs reads
    /// differently from QuickJS is spelled out again from what njs decodes.
    fn string(&mut self, open: usize) -> Result<usize, Fail> {
        let s = self.s;
        let mut p = open + 1;
        // A `\u` escape of a surrogate, a raw lone surrogate (WTF-8), or (byte strings) an octet
        // above 0x7F: njs and QuickJS may disagree, so the literal is decoded as njs does.
        let mut differs = false;
        // Where the `u` of a low-surrogate escape that completes a pair is: that one is fine.
        let mut paired_low = 0;
        let special = if self.octets { &OCTETS_SPECIAL } else { &TEXT_SPECIAL };
        loop {
            if !self.octets {
                p = skip_plain_text(s, p);
            }
            while p < s.len() && !special[usize::from(s[p])] {
                p += 1;
            }
            let Some(&c) = s.get(p) else {
                return fail("Unexpected end of input", p);
            };
            match c {
                b'"' => break,
                b'\\' => {
                    p += 1;
                    let Some(&e) = s.get(p) else {
                        return fail("Unexpected end of input", p);
                    };
                    match e {
                        b'"' | b'\\' | b'/' | b'n' | b'r' | b't' | b'b' | b'f' => p += 1,
                        b'u' => {
                            for i in 1..=4 {
                                match s.get(p + i) {
                                    Some(h) if h.is_ascii_hexdigit() => {}
                                    Some(_) => return fail("Invalid Unicode escape sequence", p + i),
                                    None => return fail("Unexpected end of input", p + i),
                                }
                            }
                            match surrogate(&s[p + 1..]) {
                                Some(Surrogate::High)
                                    if s.get(p + 5..p + 7) == Some(&b"\\u"[..])
                                        && surrogate(&s[p + 7..]) == Some(Surrogate::Low) =>
                                {
                                    paired_low = p + 6;
                                }
                                Some(Surrogate::Low) if p == paired_low => {}
                                Some(_) => differs = true,
                                None => {}
                            }
                            p += 5;
                        }
                        _ => return fail("Unknown escape char", p),
                    }
                }
                c if c < b' ' => return fail("Forbidden source char", p),
                c if c >= 0x80 => {
                    differs |= self.octets || (c == 0xed && s.get(p + 1).is_some_and(|&b| b >= 0xa0));
                    p += 1;
                }
                _ => p += 1,
            }
        }
        if differs {
            self.respell_string(open, p);
        }
        Ok(p + 1)
    }

    /// Writes the literal between the quotes at `open` and `close` as standard JSON with njs's
    /// decoded contents.
    fn respell_string(&mut self, open: usize, close: usize) {
        let decoded = self.decode(open + 1, close);
        match String::from_utf8(decoded) {
            Ok(text) => self.replace(open, close + 1, |out| quote(out, text.chars())),
            Err(e) => {
                // Octets that are not UTF-8: njs makes a byte string, which the prelude models
                // as one character (0-255) per octet, registered as a byte string.
                let bytes: String = e.as_bytes().iter().map(|&b| char::from(b)).collect();
                self.replace(open, close + 1, |out| quote(out, bytes.chars()));
                self.byte_strings.push(bytes);
            }
        }
    }

    /// `njs_json_parse_string`'s decoding pass over a checked literal's contents.
    fn decode(&self, mut p: usize, end: usize) -> Vec<u8> {
        let s = self.s;
        let mut dst = Vec::with_capacity(end - p);
        let hex4 = |at: usize| -> u32 {
            s[at..at + 4].iter().fold(0, |acc, &h| (acc << 4) | char::from(h).to_digit(16).unwrap_or(0))
        };
        let push = |dst: &mut Vec<u8>, cp: u32| {
            let c = char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER);
            dst.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        };
        while p < end {
            let c = s[p];
            p += 1;
            if c != b'\\' {
                if !self.octets && c == 0xed && s[p] >= 0xa0 {
                    // A lone surrogate in QuickJS's string; njs's strings hold U+FFFD there.
                    push(&mut dst, 0xfffd);
                    p += 2;
                } else {
                    dst.push(c);
                }
                continue;
            }
            let e = s[p];
            p += 1;
            match e {
                b'n' => dst.push(b'\n'),
                b'r' => dst.push(b'\r'),
                b't' => dst.push(b'\t'),
                b'b' => dst.push(0x08),
                b'f' => dst.push(0x0c),
                b'u' => {
                    let mut cp = hex4(p);
                    p += 4;
                    if (0xd800..=0xdfff).contains(&cp) {
                        if cp > 0xdbff || s[p] != b'\\' || s[p + 1] != b'u' {
                            push(&mut dst, 0xfffd);
                            continue;
                        }
                        let low = hex4(p + 2);
                        p += 6;
                        if (0xdc00..=0xdfff).contains(&low) {
                            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
                        } else if (0xd800..=0xdbff).contains(&low) {
                            push(&mut dst, 0xfffd);
                            cp = 0xfffd;
                        } else {
                            push(&mut dst, 0xfffd);
                            cp = low;
                        }
                    }
                    push(&mut dst, cp);
                }
                other => dst.push(other),
            }
        }
        dst
    }

    /// `njs_json_parse_number`; `p` is at a byte up to '9'.
    fn number(&mut self, p: usize) -> Result<usize, Fail> {
        let s = self.s;
        let mut start = p;
        let negative = s[p] == b'-';
        if negative {
            if p + 1 == s.len() {
                return fail("Unexpected number", p);
            }
            start += 1;
        }
        let Some(number) = number_syntax(s, start) else {
            return fail("Unexpected number", start);
        };
        if !number.exact {
            let value = if negative { -strtod(s, start) } else { strtod(s, start) };
            if !number.standard || !reads_the_same(&s[p..number.end], value) {
                self.replace(p, number.end, |out| spell(out, value));
            }
        }
        Ok(number.end)
    }
}

#[derive(PartialEq)]
enum Surrogate {
    High,
    Low,
}

/// Which surrogate the four hex digits at the start of `hex` (checked or not) encode, if any.
fn surrogate(hex: &[u8]) -> Option<Surrogate> {
    match hex {
        [d, x, _, _, ..] if d | 0x20 == b'd' => match x | 0x20 {
            b'8' | b'9' | b'a' | b'b' => Some(Surrogate::High),
            b'c' | b'd' | b'e' | b'f' => Some(Surrogate::Low),
            _ => None,
        },
        _ => None,
    }
}

/// Whether QuickJS (correctly rounded, as glibc's strtod) reads the standard spelling `token`
/// to `value`.
fn reads_the_same(token: &[u8], value: f64) -> bool {
    std::str::from_utf8(token)
        .ok()
        .and_then(|t| t.parse::<f64>().ok())
        .is_some_and(|read| read.to_bits() == value.to_bits())
}

/// Appends `chars` as a JSON string literal.
fn quote(out: &mut Vec<u8>, chars: impl Iterator<Item = char>) {
    out.push(b'"');
    for c in chars {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            c if c < ' ' => out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes()),
            c => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    out.push(b'"');
}

/// Appends the shortest standard spelling QuickJS reads back to exactly `value`.
fn spell(out: &mut Vec<u8>, value: f64) {
    let mut text = String::new();
    if value.is_infinite() {
        text.push_str(if value < 0.0 { "-1e999" } else { "1e999" });
    } else if value == 0.0 {
        text.push_str(if value.is_sign_negative() { "-0" } else { "0" });
    } else {
        let _ = write!(text, "{value:e}");
    }
    out.extend_from_slice(text.as_bytes());
}

// ------------------------------------------------------------------------------------------------
// njs_strtod: V8's strtod without the bignum fallback.

/// How a number njs reads is spelt.
struct Number {
    /// Where the number ends.
    end: usize,
    /// Spelt as standard JSON allows.
    standard: bool,
    /// A standard integer of at most 15 digits: njs reads it exactly, as QuickJS does.
    exact: bool,
}

/// The extent of the number `njs_strtod(&p, end, 0)` reads from `start` (after any minus sign),
/// or `None` where it reads no digits: `digits [. digits?] | . digits`, then an exponent only
/// when it has digits (njs looks at a sign only when a character follows it).
fn number_syntax(s: &[u8], start: usize) -> Option<Number> {
    let end = s.len();
    let digits = |mut p: usize| {
        while p < end && s[p].is_ascii_digit() {
            p += 1;
        }
        p
    };
    let mut p = digits(start);
    let int_digits = p - start;
    let mut fraction = None;
    if p < end && s[p] == b'.' {
        let from = p + 1;
        p = digits(from);
        fraction = Some(p - from);
    }
    if int_digits == 0 && fraction.unwrap_or(0) == 0 {
        return None;
    }
    let mut exponent = false;
    let mut e = p + 1;
    if e < end && (s[p] == b'e' || s[p] == b'E') {
        if e + 1 < end && (s[e] == b'-' || s[e] == b'+') {
            e += 1;
        }
        if s[e].is_ascii_digit() {
            exponent = true;
            p = digits(e + 1);
        }
    }
    let standard = int_digits > 0 && (int_digits == 1 || s[start] != b'0') && fraction != Some(0);
    Some(Number { end: p, standard, exact: standard && fraction.is_none() && !exponent && int_digits <= 15 })
}

/// `njs_strtod(&p, end, 0)`'s value from `start`, where [`number_syntax`] found a number. Keeps
/// njs's limits: 128 significant digits (leading zeros count), an exponent read up to
/// 2147483629.
fn strtod(s: &[u8], start: usize) -> f64 {
    const DIGITS: usize = 128;
    let end = s.len();
    let mut data = [0u8; DIGITS];
    let mut n = 0;
    let mut exponent: i32 = 0;
    let mut insignificant: i32 = 0;
    let mut p = start;
    while p < end && s[p].is_ascii_digit() {
        if n < DIGITS {
            data[n] = s[p];
            n += 1;
        } else {
            insignificant = insignificant.wrapping_add(1);
        }
        p += 1;
    }
    if p < end && s[p] == b'.' {
        p += 1;
        while p < end && s[p].is_ascii_digit() {
            if n < DIGITS {
                data[n] = s[p];
                n += 1;
                exponent -= 1;
            }
            p += 1;
        }
    }
    let e = p + 1;
    if e < end && (s[p] == b'e' || s[p] == b'E') {
        let mut e = e;
        let mut minus = false;
        if e + 1 < end {
            if s[e] == b'-' {
                e += 1;
                minus = true;
            } else if s[e] == b'+' {
                e += 1;
            }
        }
        if s[e].is_ascii_digit() {
            let mut exp = i32::from(s[e] - b'0');
            p = e + 1;
            while p < end && s[p].is_ascii_digit() {
                if exp < (i32::MAX - 9) / 10 {
                    exp = exp * 10 + i32::from(s[p] - b'0');
                }
                p += 1;
            }
            exponent = exponent.wrapping_add(if minus { -exp } else { exp });
        }
    }
    // C's int arithmetic, which wraps in practice.
    exponent = exponent.wrapping_add(insignificant);
    strtod_internal(&data[..n], exponent)
}

const DECIMAL_POWER_MAX: i32 = 309;
const DECIMAL_POWER_MIN: i32 = -324;

/// `njs_strtod_internal`: `digits` × 10^`exp`.
fn strtod_internal(digits: &[u8], exp: i32) -> f64 {
    let Some(first) = digits.iter().position(|&d| d != b'0') else {
        return 0.0;
    };
    let last = digits.iter().rposition(|&d| d != b'0').unwrap_or(first);
    let left = digits.len() - first;
    let right = last - first + 1;
    let length = right as i32;
    let shift = (left - right) as i32;
    if exp > DECIMAL_POWER_MAX - shift - length {
        return f64::INFINITY;
    }
    if exp <= DECIMAL_POWER_MIN - shift - length {
        return 0.0;
    }
    diyfp_strtod(&digits[first..=last], exp + shift)
}

/// A "do-it-yourself floating point" number: `f` × 2^`e`.
#[derive(Clone, Copy)]
struct DiyFp {
    f: u64,
    e: i32,
}

impl DiyFp {
    fn normalize(self) -> Self {
        let z = self.f.leading_zeros();
        DiyFp { f: self.f << z, e: self.e - z as i32 }
    }

    fn shift_right(self, by: u32) -> Self {
        DiyFp { f: self.f >> by, e: self.e + by as i32 }
    }

    /// The product, rounded half up to 64 bits.
    fn mul(self, other: Self) -> Self {
        let product = u128::from(self.f) * u128::from(other.f);
        let mut high = (product >> 64) as u64;
        if product as u64 & (1 << 63) != 0 {
            high += 1;
        }
        DiyFp { f: high, e: self.e + other.e + 64 }
    }
}

const SIGNIFICAND_SIZE: i32 = 53;
const DIYFP_SIGNIFICAND_SIZE: i32 = 64;
const DBL_SIGNIFICAND_SIZE: u32 = 52;
const DBL_EXPONENT_BIAS: i32 = 0x3ff + 52;
const DBL_EXPONENT_MAX: i32 = 0x7ff - DBL_EXPONENT_BIAS;
const DBL_EXPONENT_DENORMAL: i32 = -DBL_EXPONENT_BIAS + 1;
const DBL_SIGNIFICAND_MASK: u64 = 0x000f_ffff_ffff_ffff;
const DBL_HIDDEN_BIT: u64 = 0x0010_0000_0000_0000;
const DECIMAL_EXPONENT_OFF: i32 = 348;
const DECIMAL_EXPONENT_MIN: i32 = -348;
const DECIMAL_EXPONENT_DIST: i32 = 8;
const DENOM_LOG: i32 = 3;
const DENOM: i64 = 1 << DENOM_LOG;
const UINT64_DECIMAL_DIGITS_MAX: i32 = 19;

/// `njs_diyfp_strtod`: the correct double or the one just below it.
fn diyfp_strtod(digits: &[u8], mut exp: i32) -> f64 {
    // njs_diyfp_read
    let mut significand: u64 = 0;
    let mut read = 0;
    // njs: `value <= UINT64_MAX / 10 - 1`.
    while read < digits.len() && significand < u64::MAX / 10 {
        significand = 10 * significand + u64::from(digits[read] - b'0');
        read += 1;
    }
    if read != digits.len() && digits[read] >= b'5' {
        significand += 1;
    }
    let remaining = (digits.len() - read) as i32;
    let mut value = DiyFp { f: significand, e: 0 };

    exp += remaining;
    let mut error: i64 = if remaining == 0 { 0 } else { DENOM / 2 };
    let orig_e = value.e;
    value = value.normalize();
    error <<= orig_e - value.e;

    if exp < DECIMAL_EXPONENT_MIN {
        return 0.0;
    }
    let (pow, dec_exp) = cached_power_dec(exp);
    if dec_exp != exp {
        let adj_exp = exp - dec_exp;
        value = value.mul(adjust_pow10(adj_exp));
        if UINT64_DECIMAL_DIGITS_MAX - (digits.len() as i32) < adj_exp {
            error += DENOM / 2;
        }
    }
    value = value.mul(pow);
    error += DENOM + i64::from(error != 0);
    let orig_e = value.e;
    value = value.normalize();
    error <<= orig_e - value.e;

    let magnitude = DIYFP_SIGNIFICAND_SIZE + value.e;
    let mut prec_digits = DIYFP_SIGNIFICAND_SIZE - significand_size(magnitude);
    if prec_digits + DENOM_LOG >= DIYFP_SIGNIFICAND_SIZE {
        let shift = prec_digits + DENOM_LOG - DIYFP_SIGNIFICAND_SIZE + 1;
        value = value.shift_right(shift as u32);
        error = (error >> shift) + 1 + DENOM;
        prec_digits -= shift;
    }
    let prec_bits = (value.f & ((1u64 << prec_digits) - 1)) * DENOM as u64;
    let half_way = (1u64 << (prec_digits - 1)) * DENOM as u64;
    let mut rounded = value.shift_right(prec_digits as u32);
    if prec_bits >= half_way.wrapping_add(error as u64) {
        rounded.f += 1;
    }
    diyfp_to_double(rounded)
}

/// `njs_diyfp_sgnd_size`: the significant bits a double of this order of magnitude has.
fn significand_size(order: i32) -> i32 {
    if order >= DBL_EXPONENT_DENORMAL + SIGNIFICAND_SIZE {
        SIGNIFICAND_SIZE
    } else if order <= DBL_EXPONENT_DENORMAL {
        0
    } else {
        order - DBL_EXPONENT_DENORMAL
    }
}

/// `njs_diyfp2d`.
fn diyfp_to_double(v: DiyFp) -> f64 {
    let mut exp = v.e;
    let mut significand = v.f;
    while significand > DBL_HIDDEN_BIT + DBL_SIGNIFICAND_MASK {
        significand >>= 1;
        exp += 1;
    }
    if exp >= DBL_EXPONENT_MAX {
        return f64::INFINITY;
    }
    if exp < DBL_EXPONENT_DENORMAL {
        return 0.0;
    }
    while exp > DBL_EXPONENT_DENORMAL && significand & DBL_HIDDEN_BIT == 0 {
        significand <<= 1;
        exp -= 1;
    }
    let biased = if exp == DBL_EXPONENT_DENORMAL && significand & DBL_HIDDEN_BIT == 0 {
        0
    } else {
        (exp + DBL_EXPONENT_BIAS) as u64
    };
    f64::from_bits((significand & DBL_SIGNIFICAND_MASK) | (biased << DBL_SIGNIFICAND_SIZE))
}

/// `njs_adjust_pow10`: 10^`exp` exactly, for `exp` in 1..8.
fn adjust_pow10(exp: i32) -> DiyFp {
    let (f, e) = match exp {
        1 => (0xa000_0000_0000_0000, -60),
        2 => (0xc800_0000_0000_0000, -57),
        3 => (0xfa00_0000_0000_0000, -54),
        4 => (0x9c40_0000_0000_0000, -50),
        5 => (0xc350_0000_0000_0000, -47),
        6 => (0xf424_0000_0000_0000, -44),
        _ => (0x9896_8000_0000_0000, -40),
    };
    DiyFp { f, e }
}

/// `njs_cached_power_dec`: the cached power of ten at or below 10^`exp`, and its exponent.
fn cached_power_dec(exp: i32) -> (DiyFp, i32) {
    let index = ((exp + DECIMAL_EXPONENT_OFF) / DECIMAL_EXPONENT_DIST) as usize;
    let (f, e, dec_exp) = CACHED_POWERS[index];
    (DiyFp { f, e: i32::from(e) }, i32::from(dec_exp))
}

/// njs's `njs_cached_powers`: (significand, binary exponent, decimal exponent).
#[rustfmt::skip]
const CACHED_POWERS: [(u64, i16, i16); 87] = [
    (0xfa8fd5a0_081c0288, -1220, -348),
    (0xbaaee17f_a23ebf76, -1193, -340),
    (0x8b16fb20_3055ac76, -1166, -332),
    (0xcf42894a_5dce35ea, -1140, -324),
    (0x9a6bb0aa_55653b2d, -1113, -316),
    (0xe61acf03_3d1a45df, -1087, -308),
    (0xab70fe17_c79ac6ca, -1060, -300),
    (0xff77b1fc_bebcdc4f, -1034, -292),
    (0xbe5691ef_416bd60c, -1007, -284),
    (0x8dd01fad_907ffc3c, -980, -276),
    (0xd3515c28_31559a83, -954, -268),
    (0x9d71ac8f_ada6c9b5, -927, -260),
    (0xea9c2277_23ee8bcb, -901, -252),
    (0xaecc4991_4078536d, -874, -244),
    (0x823c1279_5db6ce57, -847, -236),
    (0xc2109436_4dfb5637, -821, -228),
    (0x9096ea6f_3848984f, -794, -220),
    (0xd77485cb_25823ac7, -768, -212),
    (0xa086cfcd_97bf97f4, -741, -204),
    (0xef340a98_172aace5, -715, -196),
    (0xb23867fb_2a35b28e, -688, -188),
    (0x84c8d4df_d2c63f3b, -661, -180),
    (0xc5dd4427_1ad3cdba, -635, -172),
    (0x936b9fce_bb25c996, -608, -164),
    (0xdbac6c24_7d62a584, -582, -156),
    (0xa3ab6658_0d5fdaf6, -555, -148),
    (0xf3e2f893_dec3f126, -529, -140),
    (0xb5b5ada8_aaff80b8, -502, -132),
    (0x87625f05_6c7c4a8b, -475, -124),
    (0xc9bcff60_34c13053, -449, -116),
    (0x964e858c_91ba2655, -422, -108),
    (0xdff97724_70297ebd, -396, -100),
    (0xa6dfbd9f_b8e5b88f, -369, -92),
    (0xf8a95fcf_88747d94, -343, -84),
    (0xb9447093_8fa89bcf, -316, -76),
    (0x8a08f0f8_bf0f156b, -289, -68),
    (0xcdb02555_653131b6, -263, -60),
    (0x993fe2c6_d07b7fac, -236, -52),
    (0xe45c10c4_2a2b3b06, -210, -44),
    (0xaa242499_697392d3, -183, -36),
    (0xfd87b5f2_8300ca0e, -157, -28),
    (0xbce50864_92111aeb, -130, -20),
    (0x8cbccc09_6f5088cc, -103, -12),
    (0xd1b71758_e219652c, -77, -4),
    (0x9c400000_00000000, -50, 4),
    (0xe8d4a510_00000000, -24, 12),
    (0xad78ebc5_ac620000, 3, 20),
    (0x813f3978_f8940984, 30, 28),
    (0xc097ce7b_c90715b3, 56, 36),
    (0x8f7e32ce_7bea5c70, 83, 44),
    (0xd5d238a4_abe98068, 109, 52),
    (0x9f4f2726_179a2245, 136, 60),
    (0xed63a231_d4c4fb27, 162, 68),
    (0xb0de6538_8cc8ada8, 189, 76),
    (0x83c7088e_1aab65db, 216, 84),
    (0xc45d1df9_42711d9a, 242, 92),
    (0x924d692c_a61be758, 269, 100),
    (0xda01ee64_1a708dea, 295, 108),
    (0xa26da399_9aef774a, 322, 116),
    (0xf209787b_b47d6b85, 348, 124),
    (0xb454e4a1_79dd1877, 375, 132),
    (0x865b8692_5b9bc5c2, 402, 140),
    (0xc83553c5_c8965d3d, 428, 148),
    (0x952ab45c_fa97a0b3, 455, 156),
    (0xde469fbd_99a05fe3, 481, 164),
    (0xa59bc234_db398c25, 508, 172),
    (0xf6c69a72_a3989f5c, 534, 180),
    (0xb7dcbf53_54e9bece, 561, 188),
    (0x88fcf317_f22241e2, 588, 196),
    (0xcc20ce9b_d35c78a5, 614, 204),
    (0x98165af3_7b2153df, 641, 212),
    (0xe2a0b5dc_971f303a, 667, 220),
    (0xa8d9d153_5ce3b396, 694, 228),
    (0xfb9b7cd9_a4a7443c, 720, 236),
    (0xbb764c4c_a7a44410, 747, 244),
    (0x8bab8eef_b6409c1a, 774, 252),
    (0xd01fef10_a657842c, 800, 260),
    (0x9b10a4e5_e9913129, 827, 268),
    (0xe7109bfb_a19c0c9d, 853, 276),
    (0xac2820d9_623bf429, 880, 284),
    (0x80444b5e_7aa7cf85, 907, 292),
    (0xbf21e440_03acdd2d, 933, 300),
    (0x8e679c2f_5e44ff8f, 960, 308),
    (0xd433179d_9c8cb841, 986, 316),
    (0x9e19db92_b4e31ba9, 1013, 324),
    (0xeb96bf6e_badf77d9, 1039, 332),
    (0xaf87023b_9bf0ee6b, 1066, 340),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<Scan, String> {
        scan(text.as_bytes(), false)
    }

    fn rewritten(text: &str) -> String {
        match parsed(text) {
            Ok(Scan::Rewritten { text, .. }) => text,
            other => panic!("{text:?}: {other:?}"),
        }
    }

    #[test]
    fn standard_json_is_left_alone() {
        for text in [
            "{\"a\":[1,2.5,-0,1e5,-1.5E-3,true,false,null,\"x\\u00e9\\ud83d\\ude00\"]}",
            " 0 ",
            "\"é😀\"",
            "123456789012345",
        ] {
            assert_eq!(parsed(text), Ok(Scan::AsIs), "{text}");
        }
    }

    #[test]
    fn loose_numbers_are_respelt_with_njs_values() {
        assert_eq!(rewritten("[01,.5,-.5,1.,1.e5,-00,00.5]"), "[1e0,5e-1,-5e-1,1e0,1e5,-0,5e-1]");
        assert_eq!(parsed("1e23"), Ok(Scan::AsIs));
        assert_eq!(rewritten("9007199254740995"), "9.007199254740994e15");
        assert_eq!(parsed("9007199254740993"), Ok(Scan::AsIs));
        assert_eq!(rewritten(&format!("0.{}1", "0".repeat(127))), "0");
    }

    #[test]
    fn errors_carry_njs_messages_and_positions() {
        let cases = [
            ("", "Unexpected end of input at position 0"),
            ("+1", "Unexpected number at position 0"),
            ("-Infinity", "Unexpected number at position 1"),
            ("1e", "Unexpected token at position 1"),
            ("[1 , ]", "Trailing comma at position 4"),
            ("\"é😀\"x", "Unexpected token at position 4"),
            ("\"\\uD83D\\uDE0\"", "Invalid Unicode escape sequence at position 12"),
            ("{\"a\"", "Unexpected token at position 4"),
        ];
        for (text, message) in cases {
            assert_eq!(parsed(text), Err(message.to_owned()), "{text}");
        }
        let deep = format!("{}{}", "[".repeat(32), "]".repeat(32));
        assert_eq!(parsed(&deep), Err("Nested too deep at position 31".to_owned()));
        assert!(parsed(&deep[1..deep.len() - 1]).is_ok());
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        assert_eq!(rewritten("\"\\uD83D\\u0041\""), "\"\u{fffd}A\"");
        assert_eq!(rewritten("\"\\uD83D\\uD83D\\uDE00\""), "\"\u{fffd}\u{fffd}\u{fffd}\"");
        assert_eq!(rewritten("[\"\\uDC00\\n\"]"), "[\"\u{fffd}\\u000a\"]");
    }

    #[test]
    fn word_skipping_stops_at_every_special_byte() {
        for special in (0u8..0x20).chain([b'"', b'\\', 0xed]) {
            for at in 0..20 {
                let mut text = vec![b'a'; 24];
                text[at] = special;
                let stop = skip_plain_text(&text, 0);
                assert!(stop <= at && at < stop + 8, "{special:#x} at {at}: stopped at {stop}");
            }
        }
        let plain: Vec<u8> = (0x20u8..=0xff).filter(|b| !TEXT_SPECIAL[usize::from(*b)]).collect();
        assert_eq!(skip_plain_text(&plain, 0), plain.len() / 8 * 8);
    }

    #[test]
    fn byte_strings_decode_their_octets() {
        match scan(b"{\"a\":\"\xe9\",\"b\":\"\xc3\xa9\"}", true) {
            Ok(Scan::Rewritten { text, byte_strings }) => {
                assert_eq!(text, "{\"a\":\"\u{e9}\",\"b\":\"\u{e9}\"}");
                assert_eq!(byte_strings, vec!["\u{e9}".to_owned()]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(scan(b"\"a\xe9\"x", true), Err("Unexpected token at position 0".to_owned()));
    }
}
