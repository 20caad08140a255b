// Generated from src/wasm/boundary.rs by src/wasm/codegen.rs: do not edit.
// Regenerate with `H2WASM_BLESS=1 cargo test boundary`.

export declare const RECORD: Readonly<{ BYTES: 24; KIND: 0; STREAM: 4; A: 8; B: 12; C: 16; D: 20 }>;

export declare const SERVER_EVENT: Readonly<{
  REQUEST: 1;
  TRAILERS: 2;
  DATA: 3;
  END: 4;
  RESET: 5;
  SEND_READY: 6;
  SEND_BLOCKED: 7;
  STREAM_CLOSED: 8;
  REJECTED: 9;
  SETTINGS: 10;
  PING_ACK: 11;
  GOAWAY: 12;
  ERROR: 13;
  CLOSED: 14;
  EXPIRED: 15;
}>;
export declare const SERVER_EVENT_FIELDS: Readonly<{
  REQUEST: Readonly<{ fieldStart: 8; fieldEnd: 12; endStream: 16 }>;
  TRAILERS: Readonly<{ fieldStart: 8; fieldEnd: 12 }>;
  DATA: Readonly<{ start: 8; end: 12 }>;
  END: Readonly<{}>;
  RESET: Readonly<{ code: 8; remote: 12; unsentLow: 16; unsentHigh: 20 }>;
  SEND_READY: Readonly<{}>;
  SEND_BLOCKED: Readonly<{}>;
  STREAM_CLOSED: Readonly<{}>;
  REJECTED: Readonly<{ status: 8; textOffset: 12; textLen: 16 }>;
  SETTINGS: Readonly<{}>;
  PING_ACK: Readonly<{ dataHigh: 8; dataLow: 12 }>;
  GOAWAY: Readonly<{ lastStreamId: 8; code: 12 }>;
  ERROR: Readonly<{ code: 8; remote: 12; textOffset: 16; textLen: 20 }>;
  CLOSED: Readonly<{}>;
  EXPIRED: Readonly<{ textOffset: 8; textLen: 12 }>;
}>;
/** A decoded server event record. */
export type ServerEvent =
  | { kind: 'REQUEST'; kindNumber: 1; stream: number; fieldStart: number; fieldEnd: number; endStream: number }
  | { kind: 'TRAILERS'; kindNumber: 2; stream: number; fieldStart: number; fieldEnd: number }
  | { kind: 'DATA'; kindNumber: 3; stream: number; start: number; end: number }
  | { kind: 'END'; kindNumber: 4; stream: number }
  | { kind: 'RESET'; kindNumber: 5; stream: number; code: number; remote: number; unsentLow: number; unsentHigh: number }
  | { kind: 'SEND_READY'; kindNumber: 6; stream: number }
  | { kind: 'SEND_BLOCKED'; kindNumber: 7; stream: number }
  | { kind: 'STREAM_CLOSED'; kindNumber: 8; stream: number }
  | { kind: 'REJECTED'; kindNumber: 9; stream: number; status: number; textOffset: number; textLen: number }
  | { kind: 'SETTINGS'; kindNumber: 10; stream: number }
  | { kind: 'PING_ACK'; kindNumber: 11; stream: number; dataHigh: number; dataLow: number }
  | { kind: 'GOAWAY'; kindNumber: 12; stream: number; lastStreamId: number; code: number }
  | { kind: 'ERROR'; kindNumber: 13; stream: number; code: number; remote: number; textOffset: number; textLen: number }
  | { kind: 'CLOSED'; kindNumber: 14; stream: number }
  | { kind: 'EXPIRED'; kindNumber: 15; stream: number; textOffset: number; textLen: number }
  | { kind: 'UNKNOWN'; kindNumber: number; stream: number };
export declare function decodeServerEvent(dv: DataView, at?: number): ServerEvent;

export declare const CLIENT_EVENT: Readonly<{
  INFORMATIONAL: 1;
  RESPONSE: 2;
  TRAILERS: 3;
  DATA: 4;
  END: 5;
  MALFORMED: 6;
  RESET: 7;
  SEND_READY: 8;
  SEND_BLOCKED: 9;
  STREAM_CLOSED: 10;
  SETTINGS: 11;
  PING_ACK: 12;
  GOAWAY: 13;
  ERROR: 14;
  CLOSED: 15;
  TIMED_OUT: 16;
  TOO_LARGE: 17;
}>;
export declare const CLIENT_EVENT_FIELDS: Readonly<{
  INFORMATIONAL: Readonly<{ status: 8; fieldStart: 12; fieldEnd: 16 }>;
  RESPONSE: Readonly<{ status: 8; fieldStart: 12; fieldEnd: 16; endStream: 20 }>;
  TRAILERS: Readonly<{ fieldStart: 8; fieldEnd: 12 }>;
  DATA: Readonly<{ start: 8; end: 12 }>;
  END: Readonly<{}>;
  MALFORMED: Readonly<{ textOffset: 8; textLen: 12 }>;
  RESET: Readonly<{ code: 8; flags: 12; unsentLow: 16; unsentHigh: 20 }>;
  SEND_READY: Readonly<{}>;
  SEND_BLOCKED: Readonly<{}>;
  STREAM_CLOSED: Readonly<{}>;
  SETTINGS: Readonly<{ maxConcurrentStreams: 8 }>;
  PING_ACK: Readonly<{ dataHigh: 8; dataLow: 12; rttMs: 16 }>;
  GOAWAY: Readonly<{ lastStreamId: 8; code: 12 }>;
  ERROR: Readonly<{ code: 8; remote: 12; textOffset: 16; textLen: 20 }>;
  CLOSED: Readonly<{}>;
  TIMED_OUT: Readonly<{ textOffset: 8; textLen: 12 }>;
  TOO_LARGE: Readonly<{}>;
}>;
/** A decoded client event record. */
export type ClientEvent =
  | { kind: 'INFORMATIONAL'; kindNumber: 1; stream: number; status: number; fieldStart: number; fieldEnd: number }
  | { kind: 'RESPONSE'; kindNumber: 2; stream: number; status: number; fieldStart: number; fieldEnd: number; endStream: number }
  | { kind: 'TRAILERS'; kindNumber: 3; stream: number; fieldStart: number; fieldEnd: number }
  | { kind: 'DATA'; kindNumber: 4; stream: number; start: number; end: number }
  | { kind: 'END'; kindNumber: 5; stream: number }
  | { kind: 'MALFORMED'; kindNumber: 6; stream: number; textOffset: number; textLen: number }
  | { kind: 'RESET'; kindNumber: 7; stream: number; code: number; flags: number; unsentLow: number; unsentHigh: number }
  | { kind: 'SEND_READY'; kindNumber: 8; stream: number }
  | { kind: 'SEND_BLOCKED'; kindNumber: 9; stream: number }
  | { kind: 'STREAM_CLOSED'; kindNumber: 10; stream: number }
  | { kind: 'SETTINGS'; kindNumber: 11; stream: number; maxConcurrentStreams: number }
  | { kind: 'PING_ACK'; kindNumber: 12; stream: number; dataHigh: number; dataLow: number; rttMs: number }
  | { kind: 'GOAWAY'; kindNumber: 13; stream: number; lastStreamId: number; code: number }
  | { kind: 'ERROR'; kindNumber: 14; stream: number; code: number; remote: number; textOffset: number; textLen: number }
  | { kind: 'CLOSED'; kindNumber: 15; stream: number }
  | { kind: 'TIMED_OUT'; kindNumber: 16; stream: number; textOffset: number; textLen: number }
  | { kind: 'TOO_LARGE'; kindNumber: 17; stream: number }
  | { kind: 'UNKNOWN'; kindNumber: number; stream: number };
export declare function decodeClientEvent(dv: DataView, at?: number): ClientEvent;

export declare const CLIENT_RESET_FLAG: Readonly<{ REMOTE: 1; NOT_PROCESSED: 2 }>;
export declare const USER_ERROR: Readonly<{ STREAM_CLOSED: 1; INVALID_STATE: 2; INVALID_HEADER: 3; INVALID_STATUS: 4; CONNECTION_CLOSED: 5; BUFFER_FULL: 6 }>;
export declare const REQUEST_ERROR: 2147483648;
export declare const UPGRADE_RESULT: Readonly<{ OK: 0; NOT_FRESH: 1; BAD_SETTINGS: 2; BAD_REQUEST: 3; BAD_PACKING: 4 }>;
export declare const CALM_RULES: readonly string[];
export declare const PEER_COUNT_BITS: 17;
export declare const PACKED_FIELD: Readonly<{ HEADER_BYTES: 8; NAME_LEN_AT: 0; VALUE_LEN_AT: 4 }>;

export type LimitName =
  | 'maxHeaderFields'
  | 'maxHeaderBlockBytes'
  | 'continuationFramesBase'
  | 'maxControlBytes'
  | 'maxPendingPingAcks'
  | 'maxOutstandingPings'
  | 'closedStreamMemory'
  | 'idlePriorityMemory'
  | 'streamSendBuffer'
  | 'connectionSendBuffer'
  | 'streamSendBufferHard'
  | 'connectionSendBufferHard'
  | 'resetBurst'
  | 'resetRatePerS'
  | 'glitchBurst'
  | 'glitchRatePerS'
  | 'settingsBurst'
  | 'settingsRatePerS'
  | 'pingBurst'
  | 'pingRatePerS'
  | 'noopFrameBurst'
  | 'noopFrameRatePerS'
  | 'minWindowUpdate'
  | 'prefaceTimeoutMs'
  | 'headerBlockTimeoutMs'
  | 'idleTimeoutMs'
  | 'settingsAckTimeoutMs'
  | 'shutdownPingTimeoutMs'
  | 'drainTimeoutMs'
  | 'closeTimeoutMs'
  | 'stallTimeoutMs'
  | 'requestBodyTimeoutMs'
  | 'minRequestBodyRate';
export declare const LIMIT_NAMES: Readonly<Record<LimitName, [number, number]>>;

export type SettingsName =
  | 'headerTableSize'
  | 'maxConcurrentStreams'
  | 'initialWindowSize'
  | 'maxFrameSize'
  | 'maxHeaderListSize';
export declare const SETTINGS_NAMES: Readonly<Record<SettingsName, [number, number]>>;

export type ConnectionName =
  | 'connectionWindow';
export declare const CONNECTION_NAMES: Readonly<Record<ConnectionName, [number, number]>>;

export type ClientName =
  | 'keepaliveMs'
  | 'pingTimeoutMs'
  | 'maxWaitingRequests'
  | 'responseTimeoutMs'
  | 'responseBodyTimeoutMs'
  | 'maxResponseBodyBytes';
export declare const CLIENT_NAMES: Readonly<Record<ClientName, [number, number]>>;
