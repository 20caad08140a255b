// The frame-list filter: a small subset of Wireshark's display filters.
//
//   stream == 3            type == HEADERS          dir == c2s
//   header[":path"] contains "/api"                 flags has END_STREAM
//   len > 1000             violation                not (type == DATA or type == PING)
//
// Fields: stream, type, dir, len, flags, header["name"], violation, frame (the
// record index), time (ms). Wireshark's http2.streamid / http2.type /
// http2.length / http2.flags are accepted as aliases. Operators: == != < <= > >=,
// contains (substring, case-insensitive), has (flag names), matches (regexp);
// and/or/not (also && || !) and parentheses. A bare number means `stream == N`
// and a bare frame-type name means `type == NAME`.
//
// compileFilter(text) returns a predicate over frame records, or throws a
// FilterError whose `pos`/`end` point at the offending token.

export class FilterError extends Error {
  constructor(message, pos, end) {
    super(message);
    this.name = 'FilterError';
    this.pos = pos;
    this.end = Math.max(end, pos + 1);
  }
}

const FRAME_TYPES = ['DATA', 'HEADERS', 'PRIORITY', 'RST_STREAM', 'SETTINGS', 'PUSH_PROMISE', 'PING', 'GOAWAY',
  'WINDOW_UPDATE', 'CONTINUATION', 'PRIORITY_UPDATE', 'UNKNOWN', 'PREFACE', 'HTTP/1.1'];
const ALIASES = {
  'http2.streamid': 'stream', 'http2.stream': 'stream', 'http2.type': 'type', 'http2.length': 'len',
  'http2.flags': 'flags', length: 'len', direction: 'dir', violations: 'violation', 'frame.number': 'frame',
};
const FIELDS = new Set(['stream', 'type', 'dir', 'len', 'flags', 'header', 'violation', 'frame', 'time']);
const COMPARE = new Set(['==', '!=', '<', '<=', '>', '>=', 'contains', 'has', 'matches']);

function tokenize(text) {
  const out = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) { i++; continue; }
    const start = i;
    if (c === '"' || c === "'") {
      let v = '';
      i++;
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        v += text[i++];
      }
      if (i >= text.length) throw new FilterError('unterminated string', start, text.length);
      i++;
      out.push({ t: 'str', v, pos: start, end: i });
      continue;
    }
    const two = text.slice(i, i + 2);
    if (['==', '!=', '<=', '>=', '&&', '||'].includes(two)) { out.push({ t: 'op', v: two, pos: i, end: i + 2 }); i += 2; continue; }
    if ('<>()[]!'.includes(c)) { out.push({ t: 'op', v: c, pos: i, end: i + 1 }); i++; continue; }
    if (c === '=') { out.push({ t: 'op', v: '==', pos: i, end: i + 1 }); i++; continue; }
    const m = /^[A-Za-z0-9_.:/\-+]+/.exec(text.slice(i));
    if (!m) throw new FilterError(`unexpected character "${c}"`, i, i + 1);
    i += m[0].length;
    out.push({ t: /^(0x[0-9a-f]+|\d+(\.\d+)?)$/i.test(m[0]) ? 'num' : 'word', v: m[0], pos: start, end: i });
  }
  return out;
}

/** Parse into a tree: {op:'and'|'or'|'not', …} | {cmp, field, name?, value} | {test: field, name?}. */
export function parseFilter(text) {
  const toks = tokenize(text);
  let k = 0;
  const peek = () => toks[k];
  const word = (tok, ...ws) => tok && (tok.t === 'word' || tok.t === 'op') && ws.includes(tok.v.toLowerCase());
  const fail = (msg, tok) => {
    const at = tok ?? { pos: text.length, end: text.length + 1 };
    throw new FilterError(msg, at.pos, at.end);
  };

  function orExpr() {
    let left = andExpr();
    while (word(peek(), 'or', '||')) { k++; left = { op: 'or', a: left, b: andExpr() }; }
    return left;
  }
  function andExpr() {
    let left = notExpr();
    while (word(peek(), 'and', '&&')) { k++; left = { op: 'and', a: left, b: notExpr() }; }
    return left;
  }
  function notExpr() {
    if (word(peek(), 'not', '!')) { k++; return { op: 'not', a: notExpr() }; }
    return primary();
  }
  function primary() {
    const tok = peek();
    if (!tok) fail('expected a condition');
    if (tok.t === 'op' && tok.v === '(') {
      k++;
      const e = orExpr();
      if (!(peek()?.t === 'op' && peek().v === ')')) fail('expected ")"', peek());
      k++;
      return e;
    }
    if (tok.t === 'num' && !COMPARE.has(toks[k + 1]?.v)) { k++; return { cmp: '==', field: 'stream', value: tok.v, tok }; }
    if (tok.t !== 'word') fail(`expected a field name, got "${tok.v}"`, tok);
    const lower = tok.v.toLowerCase();
    const field = ALIASES[lower] ?? lower;
    if (!FIELDS.has(field)) {
      if (FRAME_TYPES.includes(tok.v.toUpperCase()) && !COMPARE.has(toks[k + 1]?.v)) { k++; return { cmp: '==', field: 'type', value: tok.v, tok }; }
      fail(`unknown field "${tok.v}" (fields: stream, type, dir, len, flags, header["name"], violation, frame, time)`, tok);
    }
    k++;
    let name;
    if (field === 'header') {
      if (!(peek()?.t === 'op' && peek().v === '[')) fail('expected [ after header, as in header[":path"]', peek());
      k++;
      const n = peek();
      if (!n || (n.t !== 'str' && n.t !== 'word')) fail('expected a header name in quotes', n);
      name = n.v.toLowerCase();
      k++;
      if (!(peek()?.t === 'op' && peek().v === ']')) fail('expected ]', peek());
      k++;
    }
    const op = peek();
    if (!op || !COMPARE.has(op.v.toLowerCase?.() ?? op.v)) return { test: field, name, tok };
    k++;
    const val = peek();
    if (!val || !['str', 'word', 'num'].includes(val.t)) fail(`expected a value after ${op.v}`, val);
    k++;
    const cmp = op.v.toLowerCase();
    checkValue(field, cmp, val, fail);
    return { cmp, field, name, value: val.v, tok: val };
  }

  if (!toks.length) return null;
  const tree = orExpr();
  if (k < toks.length) fail(`unexpected "${toks[k].v}"`, toks[k]);
  return tree;
}

function checkValue(field, cmp, val, fail) {
  const numeric = field === 'stream' || field === 'len' || field === 'frame' || field === 'time';
  if (numeric && cmp !== 'contains' && cmp !== 'matches' && val.t !== 'num') fail(`${field} compares with a number, not "${val.v}"`, val);
  if (field === 'dir' && !['c2s', 's2c'].includes(val.v.toLowerCase())) fail('dir is c2s or s2c', val);
  if (field === 'type' && (cmp === '==' || cmp === '!=') && val.t !== 'num' && !FRAME_TYPES.includes(val.v.toUpperCase())) {
    fail(`unknown frame type "${val.v}"`, val);
  }
  if (cmp === 'has' && field !== 'flags') fail('"has" applies to flags', val);
  if (cmp === 'matches') {
    try { new RegExp(val.v, 'i'); } catch (e) { fail(`bad regular expression: ${e.message}`, val); }
  }
}

const TYPE_CODES = { DATA: 0, HEADERS: 1, PRIORITY: 2, RST_STREAM: 3, SETTINGS: 4, PUSH_PROMISE: 5, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9, PRIORITY_UPDATE: 16 };

function valueOf(r, field, name) {
  switch (field) {
    case 'stream': return r.type === 'PREFACE' ? null : r.stream;
    case 'type': return r.type;
    case 'dir': return r.dir;
    case 'len': return r.len;
    case 'frame': return r.i;
    case 'time': return r.t;
    case 'flags': return r.flags;
    case 'violation': return r.violations.length > 0;
    case 'header': {
      const f = r.headers?.fields;
      if (!f) return null;
      const vs = f.filter(([n]) => n === name).map(([, v]) => v);
      return vs.length ? vs : null;
    }
    default: return null;
  }
}

function compare(v, cmp, want) {
  if (v == null) return cmp === '!=';
  if (Array.isArray(v)) return cmp === '!=' ? v.every((x) => compare(x, cmp, want)) : v.some((x) => compare(x, cmp, want));
  if (typeof v === 'number') {
    const w = Number(want);
    switch (cmp) {
      case '==': return v === w; case '!=': return v !== w;
      case '<': return v < w; case '<=': return v <= w; case '>': return v > w; case '>=': return v >= w;
      case 'contains': return String(v).includes(want);
      case 'matches': return new RegExp(want, 'i').test(String(v));
      default: return false;
    }
  }
  const s = String(v).toLowerCase();
  const w = String(want).toLowerCase();
  switch (cmp) {
    case '==': return s === w; case '!=': return s !== w;
    case '<': return s < w; case '<=': return s <= w; case '>': return s > w; case '>=': return s >= w;
    case 'contains': return s.includes(w);
    case 'matches': return new RegExp(want, 'i').test(String(v));
    default: return false;
  }
}

function evaluate(node, r) {
  if (node.op === 'and') return evaluate(node.a, r) && evaluate(node.b, r);
  if (node.op === 'or') return evaluate(node.a, r) || evaluate(node.b, r);
  if (node.op === 'not') return !evaluate(node.a, r);
  if (node.test) {
    const v = valueOf(r, node.test, node.name);
    return Array.isArray(v) ? v.length > 0 : v != null && v !== false && v !== 0 && v !== '';
  }
  if (node.field === 'flags') {
    const flags = r.flags.map((f) => f.toUpperCase());
    const w = node.value.toUpperCase();
    if (node.cmp === 'has' || node.cmp === 'contains') return flags.includes(w);
    if (node.cmp === '==') return /^\d+$|^0x/i.test(node.value) ? (r.flagBits ?? 0) === Number(node.value) : flags.join(' ') === w;
    if (node.cmp === '!=') return !flags.includes(w);
    return false;
  }
  if (node.field === 'type' && /^\d+$|^0x/i.test(node.value)) {
    const code = r.code ?? TYPE_CODES[r.type];
    return compare(code, node.cmp, Number(node.value));
  }
  if (node.field === 'type' && node.cmp === '==') return r.type.toUpperCase() === node.value.toUpperCase();
  return compare(valueOf(r, node.field, node.name), node.cmp, node.value);
}

/** Filter text → predicate (null for an empty filter). Throws FilterError. */
export function compileFilter(text) {
  const tree = parseFilter(text);
  if (!tree) return null;
  return (r) => evaluate(tree, r);
}
