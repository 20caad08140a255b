// Typed errors. Every class has a stable string `code` (Node's ERR_* convention) that
// says which failure it is; HTTP/2 failures also carry the RFC 9113 §7 error code as the
// number `errorCode` (and its name as `codeName`), since one failure can arrive with
// several wire codes (a reset is CANCEL, PROTOCOL_ERROR, …) and one wire code can mean
// several failures (INTERNAL_ERROR from a peer, from a trap, from a bug).

import { USER_ERROR } from './boundary.js';

export const ERROR_CODES = Object.freeze({
  NO_ERROR: 0x0, PROTOCOL_ERROR: 0x1, INTERNAL_ERROR: 0x2, FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4, STREAM_CLOSED: 0x5, FRAME_SIZE_ERROR: 0x6, REFUSED_STREAM: 0x7,
  CANCEL: 0x8, COMPRESSION_ERROR: 0x9, CONNECT_ERROR: 0xa, ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc, HTTP_1_1_REQUIRED: 0xd,
});

const NAMES = Object.fromEntries(Object.entries(ERROR_CODES).map(([k, v]) => [v, k]));

export function codeName(code) {
  return NAMES[code] ?? `UNKNOWN_0x${(code >>> 0).toString(16)}`;
}

/** The `code` of each H2Error class. */
export const H2_ERROR_CODES = Object.freeze({
  /** An HTTP/2 connection error (ours or the peer's GOAWAY), or a failure with no more specific class. */
  HTTP2: 'ERR_H2WASM_HTTP2',
  /** The stream was reset (RST_STREAM by either side, or by one of our timers). */
  STREAM_RESET: 'ERR_H2WASM_STREAM_RESET',
  /** The connection or session ended (transport closed, close/destroy) before the stream finished. */
  CONNECTION_CLOSED: 'ERR_H2WASM_CONNECTION_CLOSED',
  /** The application asked for something the stream's state does not allow (write after end, bad header, …). */
  INVALID_COMMAND: 'ERR_H2WASM_INVALID_COMMAND',
  /** The wasm instance trapped (a bug in the engine): every connection on it failed. */
  WASM_TRAP: 'ERR_H2WASM_WASM_TRAP',
});

export class H2Error extends Error {
  /**
   * @param errorCode HTTP/2 error code (RFC 9113 §7)
   * @param options `cause`, and `remote` (the peer sent it)
   */
  constructor(errorCode, message, options) {
    super(message ?? codeName(errorCode), options);
    this.name = 'H2Error';
    /** Which failure this is: one of H2_ERROR_CODES. */
    this.code = H2_ERROR_CODES.HTTP2;
    /** HTTP/2 error code (RFC 9113 §7). */
    this.errorCode = errorCode >>> 0;
    /** Its name, e.g. 'PROTOCOL_ERROR'. */
    this.codeName = codeName(this.errorCode);
    /** The peer sent it (RST_STREAM or GOAWAY from the other side). */
    this.remote = options?.remote === true;
  }
}

/**
 * A stream ended by RST_STREAM, sent or received. `unsent`: bytes queued on the stream
 * that were never sent; `expired`: one of the server's timers ended it (slow request body);
 * `timedOut`: the client's response timers ended it; `tooLarge`: the response body went past
 * the client's maxResponseBodyBytes; `notProcessed`: the server said it did
 * not process the request (GOAWAY above its id, or REFUSED_STREAM), so it is safe to retry.
 */
export class StreamResetError extends H2Error {
  constructor(errorCode, message, options) {
    super(errorCode, message, options);
    this.name = 'StreamResetError';
    this.code = H2_ERROR_CODES.STREAM_RESET;
    this.unsent = options?.unsent ?? 0;
    this.expired = options?.expired === true;
    this.timedOut = options?.timedOut === true;
    this.tooLarge = options?.tooLarge === true;
    this.notProcessed = options?.notProcessed === true;
  }
}

/** The connection or session ended before the stream finished. */
export class ConnectionClosedError extends H2Error {
  constructor(errorCode, message, options) {
    super(errorCode, message, options);
    this.name = 'ConnectionClosedError';
    this.code = H2_ERROR_CODES.CONNECTION_CLOSED;
  }
}

/** A command the stream's state does not allow. `userError`: the engine's result number (USER_ERROR), 0 when JS refused it. */
export class InvalidCommandError extends H2Error {
  constructor(errorCode, message, options) {
    super(errorCode, message, options);
    this.name = 'InvalidCommandError';
    this.code = H2_ERROR_CODES.INVALID_COMMAND;
    this.userError = options?.userError ?? 0;
  }
}

/** The wasm instance trapped, or a call reached an instance that had. Recognise it with `instanceof` or `code`. */
export class WasmTrapError extends H2Error {
  constructor(message, options) {
    super(ERROR_CODES.INTERNAL_ERROR, message, options);
    this.name = 'WasmTrapError';
    this.code = H2_ERROR_CODES.WASM_TRAP;
  }
}

// Result codes of engine commands: generated from src/wasm/boundary.rs.
export { USER_ERROR };

const USER_ERRORS = {
  [USER_ERROR.STREAM_CLOSED]: [ERROR_CODES.STREAM_CLOSED, 'stream is closed'],
  [USER_ERROR.INVALID_STATE]: [ERROR_CODES.INTERNAL_ERROR, 'command not valid in the stream\'s state'],
  [USER_ERROR.INVALID_HEADER]: [ERROR_CODES.PROTOCOL_ERROR, 'invalid header field'],
  [USER_ERROR.INVALID_STATUS]: [ERROR_CODES.PROTOCOL_ERROR, 'invalid status code'],
  [USER_ERROR.CONNECTION_CLOSED]: [ERROR_CODES.STREAM_CLOSED, 'connection is closed'],
  [USER_ERROR.BUFFER_FULL]: [ERROR_CODES.ENHANCE_YOUR_CALM, 'send buffer is full'],
};

/** Throw an InvalidCommandError for a non-zero command result. */
export function check(rc) {
  if (rc === 0) return;
  const [code, msg] = USER_ERRORS[rc] ?? [ERROR_CODES.INTERNAL_ERROR, `error ${rc}`];
  throw new InvalidCommandError(code, msg, { userError: rc });
}

// Codes of InitError: stable strings that callers can switch on.
export const INIT_ERROR_CODES = Object.freeze({
  /** serveConnection/listen before the engine was loaded (no `await init()` where it is needed). */
  NOT_READY: 'ERR_H2WASM_NOT_READY',
  /** `init()` without an argument could neither read nor fetch the .wasm file. */
  WASM_UNAVAILABLE: 'ERR_H2WASM_WASM_UNAVAILABLE',
  /** The runtime forbids compiling wasm from bytes (workerd): pass a WebAssembly.Module. */
  COMPILE_BLOCKED: 'ERR_H2WASM_COMPILE_BLOCKED',
});

/** The wasm engine could not be loaded, or was used before it was. `code` is one of INIT_ERROR_CODES. */
export class InitError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = 'InitError';
    this.code = code;
  }
}
