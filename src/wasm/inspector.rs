//! `Inspector` for the inspector page (www/): the wasm-bindgen face of
//! [`crate::inspect::Inspector`]. One instance per observed connection.
//!
//! ```js
//! import init, { Inspector } from "./wasm/h2wasm.js";
//! await init();
//! const insp = new Inspector(true);            // true: c2s starts with the preface
//! const recs = JSON.parse(insp.feed(true, t_ms, bytesC2S));   // client → server chunk
//! recs.push(...JSON.parse(insp.feed(false, t_ms, bytesS2C))); // server → client chunk
//! recs.push(...JSON.parse(insp.finish(t_ms)));  // end of capture: incomplete frames
//! insp.free();
//! ```
//!
//! `feed` and `finish` return a JSON array of frame records (hand-built, no
//! serde: the format is small and fixed). Each record:
//!
//! ```text
//! { "i": 0,                       // index within this connection
//!   "t": 12.5,                    // caller's timestamp (ms) of the chunk that completed the frame
//!   "dir": "c2s" | "s2c",
//!   "off": 24,                    // byte offset of the frame in its direction
//!   "type": "HEADERS",            // RFC name, "PREFACE", or "UNKNOWN"
//!   "code": 1 | null,             // frame type code (null for the preface)
//!   "flagBits": 5, "flags": ["END_STREAM", "END_HEADERS"],
//!   "stream": 1, "len": 30,       // stream id, payload length
//!   "detail": { … },              // type-specific, see below
//!   "headers": { "stream": 1, "kind": "request"|"informational"|"response"|"trailers"|"push-request",
//!                "encodedLen": 30, "frames": 1,
//!                "fields": [[name, value], [name, value, true /* never indexed */], …] },
//!                                 // only on the frame that ends a header block
//!   "table": { "size": 57, "max": 4096, "inSync": true,
//!              "entries": [[name, value], …] },   // this direction's HPACK dynamic table, newest first
//!                                                 // (same frames as "headers")
//!   "state": "open" | "half-closed (remote)" | "half-closed (local)" | "closed" | "closed (reset)"
//!            | "reserved (local)",                // §5.1 state after the frame, server's view
//!   "win": { "conn": [c2s, s2c], "stream": [c2s, s2c] },  // windows after the frame: what the
//!                                 // sender of each direction may still send ("stream" absent on 0)
//!   "violations": [{ "sec": "§5.1.1", "msg": "…", "error": { "code": 1, "name": "PROTOCOL_ERROR" },
//!                    "scope": "connection" | "stream" }],
//!   "notes": ["…"] }
//! ```
//!
//! `detail` by type: DATA `{dataLen, padLen, endStream, preview: hex}`;
//! HEADERS `{endStream, endHeaders, fragmentLen, priority?: {exclusive, dependency, weight}}`;
//! PRIORITY `{priority}`; RST_STREAM `{error}`; SETTINGS `{ack, settings: [{id, name, value}]}`;
//! PUSH_PROMISE `{promisedId, endHeaders, fragmentLen}`; PING `{ack, data: hex}`;
//! GOAWAY `{lastStreamId, error, debug}`; WINDOW_UPDATE `{increment}`;
//! CONTINUATION `{endHeaders, fragmentLen}`; PRIORITY_UPDATE `{prioritizedId, value}`;
//! the preface `{preface: true}`; a frame that could not be decoded `{malformed: true}`.
//! Header names/values and debug data are UTF-8 decoded lossily.

use wasm_bindgen::prelude::*;

use crate::inspect::{self, Direction};

#[wasm_bindgen(js_name = Inspector)]
pub struct WasmInspector {
    inner: inspect::Inspector,
}

#[wasm_bindgen(js_class = Inspector)]
impl WasmInspector {
    /// `expect_preface`: the client→server bytes start with the connection preface.
    #[wasm_bindgen(constructor)]
    pub fn new(expect_preface: bool) -> WasmInspector {
        WasmInspector { inner: inspect::Inspector::new(expect_preface) }
    }

    /// Feed one chunk; `client_to_server` picks the direction. Returns the
    /// records of the frames it completed, as a JSON array.
    pub fn feed(&mut self, client_to_server: bool, time_ms: f64, bytes: &[u8]) -> String {
        let dir = if client_to_server { Direction::ClientToServer } else { Direction::ServerToClient };
        let mut out = Vec::new();
        self.inner.feed(dir, time_ms, bytes, &mut out);
        inspect::records_json(&out)
    }

    /// End of the capture: records for frames left incomplete, as a JSON array.
    pub fn finish(&mut self, time_ms: f64) -> String {
        let mut out = Vec::new();
        self.inner.finish(time_ms, &mut out);
        inspect::records_json(&out)
    }
}
