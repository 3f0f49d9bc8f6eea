/**
 * A small, strict fast path for the YAML subset rosters are written in.
 *
 * `parseSimpleYaml(text)` returns exactly what `yaml`'s `parseDocument(text, { uniqueKeys: true }).toJS()`
 * returns, or `undefined` meaning "not sure: use the full parser". It exists because a cold parse of a
 * 500-agent roster with `yaml` costs 150–250 ms, most of the `fleet top` first-frame budget; this one is
 * plain string scanning in a few small functions, so it is cheap before the JIT has warmed up.
 *
 * The subset: block mappings and sequences indented with spaces, one-line scalars (plain, "double" and
 * 'single' quoted), one-line flow collections of scalars, full-line and trailing comments. Anything else —
 * tabs, document markers, directives, anchors, aliases, tags, block scalars, complex keys, multi-line
 * scalars or flow collections, duplicate keys, control characters — returns undefined. Returning undefined
 * is always safe; returning a value that differs from `yaml`'s is a bug (test/unit/yaml-fast.test.ts
 * checks that differentially).
 */

/** Thrown (and caught in parseSimpleYaml) to give up on the fast path. */
const BAIL = { bail: true };
function bail(): never {
  throw BAIL;
}

interface Lines {
  /** Text of each non-blank, non-comment line, without its indentation and line break. */
  t: string[];
  /** Indentation (spaces) of each line. */
  n: number[];
  /** The current line. */
  i: number;
}

export function parseSimpleYaml(text: string): unknown | undefined {
  try {
    const p = split(text);
    if (p.t.length === 0) return undefined;
    const v = block(p, p.n[0]!);
    return p.i === p.t.length ? v : undefined;
  } catch (e) {
    if (e === BAIL) return undefined;
    throw e;
  }
}

/**
 * Characters the fast path refuses anywhere: tabs and other controls, C1 controls (NEL included), a CR
 * not before LF, BOMs after the first character, line/paragraph separators, non-characters and broken
 * surrogate pairs. One native scan of single characters (no backtracking).
 */
const BAD_CHAR = /[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff\u2028\u2029\ufffe\uffff]|\r(?!\n)|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Splits the text into content lines (blank and comment-only lines are dropped); bails on refused characters. */
function split(text: string): Lines {
  const t: string[] = [];
  const n: number[] = [];
  const len = text.length;
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (BAD_CHAR.test(start ? text.slice(1) : text)) bail();
  while (start < len) {
    let next = text.indexOf('\n', start);
    if (next < 0) next = len;
    const end = text.charCodeAt(next - 1) === 13 ? next - 1 : next;
    let ind = start;
    while (ind < end && text.charCodeAt(ind) === 32) ind++;
    if (ind < end && text.charCodeAt(ind) !== 35 /* # */) {
      if (ind === start) {
        const c = text.charCodeAt(start);
        // directives and document markers
        if (c === 37 /* % */ || text.startsWith('---', start) || text.startsWith('...', start)) bail();
      }
      t.push(text.slice(ind, end));
      n.push(ind - start);
    }
    start = next + 1;
  }
  return { t, n, i: 0 };
}

const isSeqItem = (s: string): boolean => s.charCodeAt(0) === 45 /* - */ && (s.length === 1 || s.charCodeAt(1) === 32);

/** The block (mapping or sequence) whose first line is the current one, at indentation `ind`. */
function block(p: Lines, ind: number): unknown {
  return isSeqItem(p.t[p.i]!) ? seq(p, ind) : map(p, ind);
}

/** After a block's entry: the next line may not be more indented than the block. */
function endEntry(p: Lines, ind: number): void {
  if (p.i < p.t.length && p.n[p.i]! > ind) bail();
}

function map(p: Lines, ind: number): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  while (p.i < p.t.length && p.n[p.i] === ind) {
    const s = p.t[p.i]!;
    const colon = keyEnd(s, 0);
    if (colon < 0) bail();
    const key = keyText(s, 0, colon);
    let j = colon + 1;
    while (s.charCodeAt(j) === 32) j++;
    let v: unknown;
    if (j >= s.length || s.charCodeAt(j) === 35 /* # */) {
      p.i++;
      if (p.i < p.t.length && p.n[p.i]! > ind) v = block(p, p.n[p.i]!);
      else if (p.i < p.t.length && p.n[p.i] === ind && isSeqItem(p.t[p.i]!)) v = seq(p, ind);
      else v = null;
    } else {
      v = inline(s, j);
      p.i++;
    }
    put(obj, key, v);
    endEntry(p, ind);
  }
  return obj;
}

function seq(p: Lines, ind: number): unknown[] {
  const arr: unknown[] = [];
  while (p.i < p.t.length && p.n[p.i] === ind && isSeqItem(p.t[p.i]!)) {
    const s = p.t[p.i]!;
    let j = 1;
    while (s.charCodeAt(j) === 32) j++;
    if (j >= s.length || s.charCodeAt(j) === 35 /* # */) {
      p.i++;
      arr.push(p.i < p.t.length && p.n[p.i]! > ind ? block(p, p.n[p.i]!) : null);
    } else if (s.charCodeAt(j) === 45 && (j + 1 === s.length || s.charCodeAt(j + 1) === 32)) {
      bail(); // "- - x": a sequence in a sequence on one line
    } else if (keyEnd(s, j) >= 0) {
      // "- key: value": a mapping that starts on the dash line and continues at the key's column
      p.t[p.i] = s.slice(j);
      p.n[p.i] = ind + j;
      arr.push(map(p, ind + j));
    } else {
      arr.push(inline(s, j));
      p.i++;
    }
    endEntry(p, ind);
  }
  return arr;
}

/**
 * If `s` from `j` starts with a mapping key (`key:` followed by a space or the end of the line), the index
 * of that colon; -1 if it is some other value. Bails on what looks like a key but is outside the subset.
 */
function keyEnd(s: string, j: number): number {
  const c = s.charCodeAt(j);
  if (c === 34 /* " */ || c === 39 /* ' */) {
    const q = c === 34 ? dqEnd(s, j) : sqEnd(s, j);
    if (q - j > 128) bail();
    return s.charCodeAt(q + 1) === 58 /* : */ && (q + 2 === s.length || s.charCodeAt(q + 2) === 32) ? q + 1 : -1;
  }
  if (c === 91 /* [ */ || c === 123 /* { */) return -1;
  const stop = plainEnd(s, j);
  let k = s.indexOf(': ', j);
  if (k < 0 || k >= stop) k = s.charCodeAt(stop - 1) === 58 ? stop - 1 : -1;
  if (k >= 0 && !isPlainKey(s, j, k)) bail();
  return k;
}

/** End of the plain text starting at s[j] on this line: before a " #" comment and trailing spaces. */
function plainEnd(s: string, j: number): number {
  let e = s.indexOf(' #', j);
  if (e < 0) e = s.length;
  while (e > j && s.charCodeAt(e - 1) === 32) e--;
  return e;
}

/** /^[A-Za-z_][A-Za-z0-9_.-]*$/ on s[from, to), at most 128 characters. */
function isPlainKey(s: string, from: number, to: number): boolean {
  if (to <= from || to - from > 128) return false;
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
    if (!letter && (k === from || !((c >= 48 && c <= 57) || c === 46 || c === 45))) return false;
  }
  return true;
}

/** The key that ends at the colon `colon` (plain or quoted); bails on keys YAML would not read as text. */
function keyText(s: string, j: number, colon: number): string {
  const c = s.charCodeAt(j);
  if (c === 34) return dq(s, j, colon - 1);
  if (c === 39) return sq(s, j, colon - 1);
  const k = s.slice(j, colon);
  if (typeof plain(k) !== 'string') bail(); // null: / true: are not text keys
  return k;
}

/** Adds a pair the way `yaml`'s toJS does; a duplicate key bails (yaml reports it as an error). */
function put(obj: Record<string, unknown>, key: string, v: unknown): void {
  if (Object.prototype.hasOwnProperty.call(obj, key) || key === '<<') bail();
  if (key in obj) Object.defineProperty(obj, key, { value: v, writable: true, enumerable: true, configurable: true });
  else obj[key] = v;
}

/** A one-line value starting at s[j] (not a space): a scalar or a flow collection, then only a comment. */
function inline(s: string, j: number): unknown {
  const c = s.charCodeAt(j);
  let v: unknown;
  let k: number;
  if (c === 34 /* " */) {
    k = dqEnd(s, j) + 1;
    v = dq(s, j, k - 1);
  } else if (c === 39 /* ' */) {
    k = sqEnd(s, j) + 1;
    v = sq(s, j, k - 1);
  } else if (c === 91 /* [ */ || c === 123 /* { */) {
    const r = flow(s, j);
    v = r.v;
    k = r.end;
  } else {
    plainStart(s, j);
    const end = plainEnd(s, j);
    const colon = s.indexOf(': ', j);
    if ((colon >= 0 && colon < end) || s.charCodeAt(end - 1) === 58) bail(); // "a: b" or "a:" in a value
    return plain(s.slice(j, end));
  }
  lineEnd(s, k);
  return v;
}

/** After a value ending before s[k]: spaces, then the end of the line or a comment. */
function lineEnd(s: string, k: number): void {
  const from = k;
  while (s.charCodeAt(k) === 32) k++;
  if (k < s.length && !(k > from && s.charCodeAt(k) === 35)) bail();
}

/** Characters that may not start a plain scalar ("-" is handled on its own). */
const INDICATOR = new Uint8Array(128);
for (const ch of '?:,[]{}#&*!|>\'"%@`') INDICATOR[ch.charCodeAt(0)] = 1;

/** A plain scalar may not start with an indicator (nor "- ", "? ", ": "); bails if this one does. */
function plainStart(s: string, j: number): void {
  const c = s.charCodeAt(j);
  if (c === 45 /* - */) {
    const n = s.charCodeAt(j + 1); // "-x" is text; "- ", "-" and "-," (in a flow) are not
    if (j + 1 >= s.length || n === 32 || n === 44 || n === 91 || n === 93 || n === 123 || n === 125) bail();
  } else if (c < 128 && INDICATOR[c] === 1) {
    bail();
  }
}

/** Index of the closing quote of the "double-quoted" scalar opening at s[j]; bails if it is not on this line. */
function dqEnd(s: string, j: number): number {
  for (let k = s.indexOf('"', j + 1); k >= 0; k = s.indexOf('"', k + 1)) {
    let b = k;
    while (s.charCodeAt(b - 1) === 92 /* \ */) b--;
    if ((k - b) % 2 === 0) return k; // not escaped
  }
  return bail();
}

/** Index of the closing quote of the 'single-quoted' scalar opening at s[j]; bails if it is not on this line. */
function sqEnd(s: string, j: number): number {
  for (let k = s.indexOf("'", j + 1); k >= 0; k = s.indexOf("'", k + 2)) {
    if (s.charCodeAt(k + 1) !== 39) return k;
  }
  return bail();
}

const ESCAPES: Record<string, string> = {
  '\\': '\\', '"': '"', '/': '/', n: '\n', t: '\t', r: '\r', '0': '\0', b: '\b', f: '\f', e: '\x1b', a: '\x07', v: '\v',
};

/** The value of the "double-quoted" scalar s[j..q] (quotes included). */
function dq(s: string, j: number, q: number): string {
  let out = '';
  let from = j + 1;
  for (let k = s.indexOf('\\', from); k >= 0 && k < q; k = s.indexOf('\\', from)) {
    out += s.slice(from, k);
    const e = s[k + 1]!;
    const simple = ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      k += 1;
    } else {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : bail();
      if (k + 2 + n > q) bail();
      let code = 0;
      for (let h = k + 2; h < k + 2 + n; h++) {
        const c = s.charCodeAt(h);
        const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : bail();
        code = code * 16 + d;
      }
      if (code > 0x10ffff) bail();
      out += String.fromCodePoint(code);
      k += 1 + n;
    }
    from = k + 1;
  }
  return out + s.slice(from, q);
}

/** The value of the 'single-quoted' scalar s[j..q] (quotes included). */
function sq(s: string, j: number, q: number): string {
  const body = s.slice(j + 1, q);
  return body.includes("''") ? body.split("''").join("'") : body;
}

/** A one-line flow collection of scalars, `[a, "b"]` or `{ k: v }`, opening at s[j]. */
function flow(s: string, j: number): { v: unknown; end: number } {
  const isMap = s.charCodeAt(j) === 123;
  const close = isMap ? 125 : 93;
  const arr: unknown[] = [];
  const obj: Record<string, unknown> = {};
  let k = j + 1;
  while (s.charCodeAt(k) === 32) k++;
  if (s.charCodeAt(k) === close) return { v: isMap ? obj : arr, end: k + 1 };
  for (;;) {
    let key = '';
    if (isMap) {
      const c = s.charCodeAt(k);
      let colon: number;
      if (c === 34 || c === 39) {
        colon = (c === 34 ? dqEnd(s, k) : sqEnd(s, k)) + 1;
        key = c === 34 ? dq(s, k, colon - 1) : sq(s, k, colon - 1);
      } else {
        colon = k;
        while (colon < s.length && s.charCodeAt(colon) !== 58) colon++;
        if (!isPlainKey(s, k, colon)) bail();
        key = keyText(s, k, colon);
      }
      if (s.charCodeAt(colon) !== 58 || s.charCodeAt(colon + 1) !== 32) bail();
      k = colon + 2;
      while (s.charCodeAt(k) === 32) k++;
    }
    const r = flowScalar(s, k);
    if (isMap) put(obj, key, r.v);
    else arr.push(r.v);
    k = r.end;
    while (s.charCodeAt(k) === 32) k++;
    const c = s.charCodeAt(k);
    if (c === close) return { v: isMap ? obj : arr, end: k + 1 };
    if (c !== 44 /* , */) bail();
    k++;
    while (s.charCodeAt(k) === 32) k++;
  }
}

/** A scalar inside a flow collection, starting at s[k]. */
function flowScalar(s: string, k: number): { v: unknown; end: number } {
  const c = s.charCodeAt(k);
  if (c === 34) {
    const q = dqEnd(s, k);
    return { v: dq(s, k, q), end: q + 1 };
  }
  if (c === 39) {
    const q = sqEnd(s, k);
    return { v: sq(s, k, q), end: q + 1 };
  }
  if (k >= s.length) bail();
  plainStart(s, k);
  let e = k;
  let end = k;
  for (; e < s.length; e++) {
    const d = s.charCodeAt(e);
    if (d === 44 || d === 93 || d === 125) break; // , ] }
    if (d === 91 || d === 123) bail(); // [ {
    if (d === 32) {
      if (s.charCodeAt(e + 1) === 35) bail(); // a comment inside a flow collection: it goes on
      continue;
    }
    if (d === 58) {
      const n = s.charCodeAt(e + 1);
      if (e + 1 === s.length || n === 32 || n === 44 || n === 91 || n === 93 || n === 123 || n === 125) bail(); // an implicit pair
    }
    end = e + 1;
  }
  return { v: plain(s.slice(k, end)), end: e };
}

const INT = /^[-+]?[0-9]+$/;
const OCT = /^0o[0-7]+$/;
const HEX = /^0x[0-9a-fA-F]+$/;
const NAN_INF = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** A plain scalar's value under the YAML 1.2 core schema, resolved exactly as `yaml` (v2) does. */
function plain(v: string): unknown {
  const c = v.charCodeAt(0);
  // only these can start a null, bool or number: the rest are text
  if (!((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 126 || c === 110 || c === 78 || c === 116 || c === 84 || c === 102 || c === 70) || v.length === 0) {
    return v.length === 0 ? null : v;
  }
  switch (v) {
    case '~': case 'null': case 'Null': case 'NULL': return null;
    case 'true': case 'True': case 'TRUE': return true;
    case 'false': case 'False': case 'FALSE': return false;
  }
  if (OCT.test(v)) return parseInt(v.substring(2), 8);
  if (INT.test(v)) return parseInt(v, 10);
  if (HEX.test(v)) return parseInt(v.substring(2), 16);
  if (NAN_INF.test(v)) return v.slice(-3).toLowerCase() === 'nan' ? NaN : v[0] === '-' ? -Infinity : Infinity;
  if (EXP.test(v) || FLOAT.test(v)) return parseFloat(v);
  return v;
}
