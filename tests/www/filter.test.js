// www/filter.js in Node: the display-filter subset, and errors that point at the bad token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilter, FilterError } from '../../www/filter.js';

const rec = (o) => ({ i: 0, t: 0, dir: 'c2s', type: 'DATA', code: 0, flags: [], flagBits: 0, stream: 1, len: 10, violations: [], headers: null, ...o });
const RECS = [
  rec({ i: 0, type: 'PREFACE', code: null, stream: 0, len: 24 }),
  rec({ i: 1, type: 'SETTINGS', code: 4, stream: 0, len: 12 }),
  rec({ i: 2, type: 'HEADERS', code: 1, stream: 1, flags: ['END_STREAM', 'END_HEADERS'], flagBits: 5, len: 30,
    headers: { kind: 'request', fields: [[':method', 'GET'], [':path', '/api/users?id=3'], ['user-agent', 'curl']] } }),
  rec({ i: 3, type: 'HEADERS', code: 1, dir: 's2c', stream: 1, flags: ['END_HEADERS'], flagBits: 4, len: 8,
    headers: { kind: 'response', fields: [[':status', '200'], ['content-type', 'text/html']] } }),
  rec({ i: 4, type: 'DATA', dir: 's2c', stream: 1, flags: ['END_STREAM'], flagBits: 1, len: 5000 }),
  rec({ i: 5, type: 'HEADERS', code: 1, stream: 3, flags: ['END_HEADERS'], flagBits: 4, len: 20,
    headers: { kind: 'request', fields: [[':method', 'POST'], [':path', '/upload']] } }),
  rec({ i: 6, type: 'DATA', stream: 3, len: 2000, violations: [{ sec: '§6.9.1', msg: 'window' }] }),
  rec({ i: 7, type: 'WINDOW_UPDATE', code: 8, dir: 's2c', stream: 0, len: 4 }),
];
const pick = (text) => RECS.filter(compileFilter(text)).map((r) => r.i);

test('fields and comparisons', () => {
  assert.deepEqual(pick('stream == 3'), [5, 6]);
  assert.deepEqual(pick('stream != 1'), [0, 1, 5, 6, 7]);
  assert.deepEqual(pick('type == HEADERS'), [2, 3, 5]);
  assert.deepEqual(pick('type == headers'), [2, 3, 5]);
  assert.deepEqual(pick('type == 8'), [7]);
  assert.deepEqual(pick('dir == s2c'), [3, 4, 7]);
  assert.deepEqual(pick('header[":path"] contains "/api"'), [2]);
  assert.deepEqual(pick('header["content-type"] == "text/html"'), [3]);
  assert.deepEqual(pick('header[":path"]'), [2, 5]);
  assert.deepEqual(pick('header[":path"] matches "^/(api|upload)"'), [2, 5]);
  assert.deepEqual(pick('flags has END_STREAM'), [2, 4]);
  assert.deepEqual(pick('len > 1000'), [4, 6]);
  assert.deepEqual(pick('len <= 8'), [3, 7]);
  assert.deepEqual(pick('violation'), [6]);
  assert.deepEqual(pick('frame >= 6'), [6, 7]);
});

test('and, or, not, parentheses, and the shorthands', () => {
  assert.deepEqual(pick('stream == 1 and type == DATA'), [4]);
  assert.deepEqual(pick('type == DATA or type == WINDOW_UPDATE'), [4, 6, 7]);
  assert.deepEqual(pick('not violation and type == DATA'), [4]);
  assert.deepEqual(pick('!(stream == 1 || stream == 0) && dir == c2s'), [0, 5, 6]); // the preface has no stream
  assert.deepEqual(pick('(type == DATA or type == HEADERS) and not (dir == s2c)'), [2, 5, 6]);
  assert.deepEqual(pick('3'), [5, 6]);
  assert.deepEqual(pick('settings'), [1]);
  assert.deepEqual(pick('http2.streamid==3'), [5, 6]);
  assert.deepEqual(pick('http2.type == 1 && http2.length > 25'), [2]);
  assert.equal(compileFilter('   '), null);
});

test('errors point at the bad token', () => {
  const err = (text) => {
    try { compileFilter(text); } catch (e) { assert.ok(e instanceof FilterError, String(e)); return [e.pos, text.slice(e.pos, e.end), e.message]; }
    assert.fail(`no error for ${text}`);
  };
  assert.deepEqual(err('stream == 3 and strem == 4').slice(0, 2), [16, 'strem']);
  assert.match(err('stream == 3 and strem == 4')[2], /unknown field "strem"/);
  assert.deepEqual(err('type == HEADRS').slice(0, 2), [8, 'HEADRS']);
  assert.deepEqual(err('stream == abc').slice(0, 2), [10, 'abc']);
  assert.deepEqual(err('dir == up').slice(0, 2), [7, 'up']);
  assert.deepEqual(err('(stream == 1').slice(0, 1), [12]);
  assert.match(err('(stream == 1')[2], /expected "\)"/);
  assert.deepEqual(err('stream == 1 stream').slice(0, 2), [12, 'stream']);
  assert.deepEqual(err('header[":path" contains "x"').slice(0, 2), [15, 'contains']);
  assert.deepEqual(err('len > ').slice(0, 1), [6]);
  assert.deepEqual(err('stream == 1 and').slice(0, 1), [15]);
  assert.match(err('header["x"] contains "unterminated')[2], /unterminated string/);
  assert.deepEqual(err('len has END_STREAM').slice(0, 2), [8, 'END_STREAM']);
  assert.deepEqual(err('stream # 3').slice(0, 2), [7, '#']);
});
