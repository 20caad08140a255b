// Generated from src/wasm/boundary.rs by src/wasm/codegen.rs: do not edit.
// Regenerate with `H2WASM_BLESS=1 cargo test boundary`.
//
// The JS↔wasm boundary: event records, result codes, the packed header-field
// format and the option names with their ranges (docs/ARCHITECTURE.md, "Boundary format").

/** Event records: six little-endian u32 words; BYTES per record and the byte offset of each word. */
export const RECORD = Object.freeze({ BYTES: 24, KIND: 0, STREAM: 4, A: 8, B: 12, C: 16, D: 20 });

/** Server event kinds (word `kind` of a record). */
export const SERVER_EVENT = Object.freeze({
  /** A request head. Fields `fieldStart..fieldEnd` of the header arena (read with `pack_fields`); `endStream`: no body follows. */
  REQUEST: 1,
  /** Request trailers (arena fields); an END follows. */
  TRAILERS: 2,
  /** Body bytes `chunk[start..end]` of the chunk JS passed to `receive` (a view, no copy); report them with `consumed`. */
  DATA: 3,
  /** The request body is complete. */
  END: 4,
  /** The stream is gone (peer reset if `remote` is 1; also after our own reset and for every stream when the connection closes); `unsentLow`/`unsentHigh`: queued body bytes dropped. */
  RESET: 5,
  /** The stream may take more body bytes (window open, buffers below their soft limits). */
  SEND_READY: 6,
  /** Pause the stream's producer (window closed or a send buffer at its soft limit). */
  SEND_BLOCKED: 7,
  /** Both sides are done; the stream's state is freed. */
  STREAM_CLOSED: 8,
  /** We answered the request ourselves (`status` 400/431) and reset it; the reason text is at `textOffset`, `textLen`. */
  REJECTED: 9,
  /** The peer's SETTINGS were applied. */
  SETTINGS: 10,
  /** The ACK of our PING; its 8 data bytes as two big-endian halves. */
  PING_ACK: 11,
  /** The peer's GOAWAY. */
  GOAWAY: 12,
  /** Connection error (GOAWAY sent or received; `remote` 1: the peer's); reason text at `textOffset`, `textLen`. */
  ERROR: 13,
  /** Flush the output, then close the socket; always the last event. */
  CLOSED: 14,
  /** A timer of ours (slow request body) ends the stream, for the reason at `textOffset`, `textLen`; its RESET follows. */
  EXPIRED: 15,
});

/** Byte offset in a record of each named word, per server event kind. */
export const SERVER_EVENT_FIELDS = Object.freeze({
  REQUEST: Object.freeze({ fieldStart: 8, fieldEnd: 12, endStream: 16 }),
  TRAILERS: Object.freeze({ fieldStart: 8, fieldEnd: 12 }),
  DATA: Object.freeze({ start: 8, end: 12 }),
  END: Object.freeze({}),
  RESET: Object.freeze({ code: 8, remote: 12, unsentLow: 16, unsentHigh: 20 }),
  SEND_READY: Object.freeze({}),
  SEND_BLOCKED: Object.freeze({}),
  STREAM_CLOSED: Object.freeze({}),
  REJECTED: Object.freeze({ status: 8, textOffset: 12, textLen: 16 }),
  SETTINGS: Object.freeze({}),
  PING_ACK: Object.freeze({ dataHigh: 8, dataLow: 12 }),
  GOAWAY: Object.freeze({ lastStreamId: 8, code: 12 }),
  ERROR: Object.freeze({ code: 8, remote: 12, textOffset: 16, textLen: 20 }),
  CLOSED: Object.freeze({}),
  EXPIRED: Object.freeze({ textOffset: 8, textLen: 12 }),
});

/** The server record at byte `at` of `dv` as an object with its kind's named fields (logs, traces, tests). */
export function decodeServerEvent(dv, at = 0) {
  return decodeRecord(SERVER_EVENT, SERVER_EVENT_FIELDS, dv, at);
}

/** Client event kinds (word `kind` of a record). */
export const CLIENT_EVENT = Object.freeze({
  /** A 1xx response head (not 101); fields `fieldStart..fieldEnd` of the arena. */
  INFORMATIONAL: 1,
  /** The final response head (fields exclude `:status`); `endStream`: no body follows. */
  RESPONSE: 2,
  /** Response trailers (arena fields); an END follows. */
  TRAILERS: 3,
  /** Body bytes `chunk[start..end]` of the chunk JS passed to `receive`; report them with `consumed`. */
  DATA: 4,
  /** The response is complete. */
  END: 5,
  /** The response broke RFC 9113 §8 or a limit (reason at `textOffset`, `textLen`); a RESET follows. */
  MALFORMED: 6,
  /** The stream is gone. `flags` bit 0 (REMOTE): the server reset it, bit 1 (NOT_PROCESSED): not processed (safe to retry); `unsentLow`/`unsentHigh`: request body bytes dropped. */
  RESET: 7,
  /** The stream may take more request body bytes. */
  SEND_READY: 8,
  /** Pause the stream's request body producer. */
  SEND_BLOCKED: 9,
  /** Both sides are done; the stream's state is freed. */
  STREAM_CLOSED: 10,
  /** The server's SETTINGS were applied; its MAX_CONCURRENT_STREAMS (0xffffffff: none). */
  SETTINGS: 11,
  /** The ACK of our PING: data as two big-endian halves, round trip in ms. */
  PING_ACK: 12,
  /** The server's GOAWAY (debug data: `pack_debug_data`). */
  GOAWAY: 13,
  /** Connection error (`remote` 1: the server's); reason at `textOffset`, `textLen`. */
  ERROR: 14,
  /** Flush the output, then close the socket; always the last event. */
  CLOSED: 15,
  /** The server was silent too long on this stream (reason at `textOffset`, `textLen`); a RESET (CANCEL) follows. */
  TIMED_OUT: 16,
  /** The response body is above `maxResponseBodyBytes` (its content-length, or the bytes that came); a RESET (CANCEL) follows. */
  TOO_LARGE: 17,
});

/** Byte offset in a record of each named word, per client event kind. */
export const CLIENT_EVENT_FIELDS = Object.freeze({
  INFORMATIONAL: Object.freeze({ status: 8, fieldStart: 12, fieldEnd: 16 }),
  RESPONSE: Object.freeze({ status: 8, fieldStart: 12, fieldEnd: 16, endStream: 20 }),
  TRAILERS: Object.freeze({ fieldStart: 8, fieldEnd: 12 }),
  DATA: Object.freeze({ start: 8, end: 12 }),
  END: Object.freeze({}),
  MALFORMED: Object.freeze({ textOffset: 8, textLen: 12 }),
  RESET: Object.freeze({ code: 8, flags: 12, unsentLow: 16, unsentHigh: 20 }),
  SEND_READY: Object.freeze({}),
  SEND_BLOCKED: Object.freeze({}),
  STREAM_CLOSED: Object.freeze({}),
  SETTINGS: Object.freeze({ maxConcurrentStreams: 8 }),
  PING_ACK: Object.freeze({ dataHigh: 8, dataLow: 12, rttMs: 16 }),
  GOAWAY: Object.freeze({ lastStreamId: 8, code: 12 }),
  ERROR: Object.freeze({ code: 8, remote: 12, textOffset: 16, textLen: 20 }),
  CLOSED: Object.freeze({}),
  TIMED_OUT: Object.freeze({ textOffset: 8, textLen: 12 }),
  TOO_LARGE: Object.freeze({}),
});

/** The client record at byte `at` of `dv` as an object with its kind's named fields (logs, traces, tests). */
export function decodeClientEvent(dv, at = 0) {
  return decodeRecord(CLIENT_EVENT, CLIENT_EVENT_FIELDS, dv, at);
}

function decodeRecord(kinds, fields, dv, at) {
  const code = dv.getUint32(at + RECORD.KIND, true);
  const kind = Object.keys(kinds).find((k) => kinds[k] === code) ?? 'UNKNOWN';
  const ev = { kind, kindNumber: code, stream: dv.getUint32(at + RECORD.STREAM, true) };
  for (const [name, off] of Object.entries(fields[kind] ?? {})) ev[name] = dv.getUint32(at + off, true);
  return ev;
}

/** Bits of the `flags` word of the client's RESET. */
export const CLIENT_RESET_FLAG = Object.freeze({ REMOTE: 1, NOT_PROCESSED: 2 });

/** Non-zero results of commands (0 is success). */
export const USER_ERROR = Object.freeze({
  /** No such stream, or it is already closed or reset. */
  STREAM_CLOSED: 1,
  /** Headers already sent (or not yet sent, for data or trailers). */
  INVALID_STATE: 2,
  /** A header name or value the protocol forbids, or a bad packing. */
  INVALID_HEADER: 3,
  /** A status code outside 100..=999, or 101. */
  INVALID_STATUS: 4,
  /** The connection is closing or closed. */
  CONNECTION_CLOSED: 5,
  /** A send buffer (per stream or per connection) is full. */
  BUFFER_FULL: 6,
});

/** The client's `request` returns a stream id, or this bit | a USER_ERROR number. */
export const REQUEST_ERROR = 0x80000000;

/** Results of the server's h2c `upgrade`. */
export const UPGRADE_RESULT = Object.freeze({ OK: 0, NOT_FRESH: 1, BAD_SETTINGS: 2, BAD_REQUEST: 3, BAD_PACKING: 4 });

/** GOAWAY(ENHANCE_YOUR_CALM) reasons of `calm(rule)`, by index: kind × 2 (resets, refused, errors) + 1 per address. */
export const CALM_RULES = Object.freeze([
  'too many RST_STREAM across this server',
  'too many RST_STREAM from this peer address',
  'too many refused streams across this server',
  'too many refused streams from this peer address',
  'too many protocol errors across this server',
  'too many protocol errors from this peer address',
]);

/** `take_peer_counts` packs [resets, refused, errors] as `r + f·2^BITS + e·2^(2·BITS)` in one number. */
export const PEER_COUNT_BITS = 17;

/** A packed header field: `[u32 name_len][u32 value_len][name][value]`, lengths little-endian. */
export const PACKED_FIELD = Object.freeze({ HEADER_BYTES: 8, NAME_LEN_AT: 0, VALUE_LEN_AT: 4 });

/** Engine limits (fields of `Limits`, src/limits.rs): name → [min, max]. */
export const LIMIT_NAMES = Object.freeze({
  maxHeaderFields: [0, 4294967295],
  maxHeaderBlockBytes: [0, 4294967295],
  continuationFramesBase: [0, 4294967295],
  maxControlBytes: [0, 4294967295],
  maxPendingPingAcks: [0, 4294967295],
  maxOutstandingPings: [0, 4294967295],
  closedStreamMemory: [0, 4294967295],
  idlePriorityMemory: [0, 4294967295],
  streamSendBuffer: [0, 9007199254740991],
  connectionSendBuffer: [0, 9007199254740991],
  streamSendBufferHard: [0, 9007199254740991],
  connectionSendBufferHard: [0, 9007199254740991],
  resetBurst: [0, 4294967295],
  resetRatePerS: [0, 4294967295],
  glitchBurst: [0, 4294967295],
  glitchRatePerS: [0, 4294967295],
  settingsBurst: [0, 4294967295],
  settingsRatePerS: [0, 4294967295],
  pingBurst: [0, 4294967295],
  pingRatePerS: [0, 4294967295],
  noopFrameBurst: [0, 4294967295],
  noopFrameRatePerS: [0, 4294967295],
  minWindowUpdate: [0, 4294967295],
  prefaceTimeoutMs: [0, 9007199254740991],
  headerBlockTimeoutMs: [0, 9007199254740991],
  idleTimeoutMs: [0, 9007199254740991],
  settingsAckTimeoutMs: [0, 9007199254740991],
  shutdownPingTimeoutMs: [0, 9007199254740991],
  drainTimeoutMs: [0, 9007199254740991],
  closeTimeoutMs: [0, 9007199254740991],
  stallTimeoutMs: [0, 9007199254740991],
  requestBodyTimeoutMs: [0, 9007199254740991],
  minRequestBodyRate: [0, 4294967295],
});

/** Our SETTINGS (fields of `LocalSettings`, RFC 9113 §6.5.2 ranges): name → [min, max]. */
export const SETTINGS_NAMES = Object.freeze({
  headerTableSize: [0, 4294967295],
  maxConcurrentStreams: [0, 4294967295],
  initialWindowSize: [0, 2147483647],
  maxFrameSize: [16384, 16777215],
  maxHeaderListSize: [0, 4294967295],
});

/** The connection receive window opened at start: name → [min, max]. */
export const CONNECTION_NAMES = Object.freeze({
  connectionWindow: [65535, 2147483647],
});

/** Client-only options (fields of `ClientConfig`): name → [min, max]. */
export const CLIENT_NAMES = Object.freeze({
  keepaliveMs: [0, 9007199254740991],
  pingTimeoutMs: [0, 9007199254740991],
  maxWaitingRequests: [0, 4294967295],
  responseTimeoutMs: [0, 9007199254740991],
  responseBodyTimeoutMs: [0, 9007199254740991],
  maxResponseBodyBytes: [0, 9007199254740991],
});
