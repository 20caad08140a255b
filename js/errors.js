// Typed errors: every failure the package reports carries the HTTP/2 error code.

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

export class H2Error extends Error {
  constructor(code, message, options) {
    super(message ?? codeName(code), options);
    this.name = 'H2Error';
    /** HTTP/2 error code (RFC 9113 §7). */
    this.code = code >>> 0;
    /** Its name, e.g. 'PROTOCOL_ERROR'. */
    this.codeName = codeName(this.code);
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

/** Throw an H2Error for a non-zero command result. */
export function check(rc) {
  if (rc === 0) return;
  const [code, msg] = USER_ERRORS[rc] ?? [ERROR_CODES.INTERNAL_ERROR, `error ${rc}`];
  const e = new H2Error(code, msg);
  e.userError = rc;
  throw e;
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
