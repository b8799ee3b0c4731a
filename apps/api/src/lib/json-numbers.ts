/**
 * Every number in this API's bodies is an integer (amounts in minor units, lifetimes in
 * seconds), but `JSON.parse` turns `100.0000000000000001` and `1e2` into the integer 100, so
 * schema validation alone would book them as 100. This scan finds, in the raw body, any number
 * literal written with a fraction or an exponent, outside strings, in one pass over the
 * characters outside strings (strings are skipped with `indexOf`, no allocation). Measured on
 * the 2-core test machine: about 0.7 µs for a 110-byte credit (JSON.parse: 1.3 µs) and 5 µs
 * for 10 KiB of metadata (JSON.parse: 20 µs); the worst case, 16 KiB of escaped quotes, is
 * about 0.25 ms, bounded by the body limit.
 */
export function hasNonIntegerNumber(json: string): boolean {
  const length = json.length;
  let i = 0;
  while (i < length) {
    const c = json[i]!; // defined: i < length (likewise d below)
    if (c === '"') {
      i = endOfString(json, i + 1);
    } else if (c === '-' || isDigit(c)) {
      i += 1;
      while (i < length) {
        const d = json[i]!;
        if (d === '.' || d === 'e' || d === 'E') return true;
        if (!isDigit(d) && d !== '+' && d !== '-') break;
        i += 1;
      }
    } else {
      i += 1;
    }
  }
  return false;
}

/** One character; V8 compares one-character strings about as fast as char codes (measured). */
function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

/**
 * The index after the closing quote of the string whose contents start at `from`: the next
 * quote not escaped by an odd run of backslashes (`indexOf` skips long strings natively).
 */
function endOfString(json: string, from: number): number {
  let quote = json.indexOf('"', from);
  while (quote !== -1) {
    let backslashes = 0;
    while (quote - backslashes - 1 >= from && json[quote - backslashes - 1] === '\\') backslashes += 1;
    if (backslashes % 2 === 0) return quote + 1;
    quote = json.indexOf('"', quote + 1);
  }
  return json.length;
}
