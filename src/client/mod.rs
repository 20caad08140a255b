//! `ClientConnection`: the HTTP/2 client role on the same sans-IO pieces as
//! the server ([`crate::connection`]): frame codec, HPACK, and the owned
//! sub-machines of [`crate::proto`] (outbound queue, abuse limiter, header
//! blocks, SETTINGS, PING, GOAWAY, connection flow control, streams store
//! with the §5.1 table, DATA in and out). Bytes in ([`ClientConnection::receive`])
//! → events out ([`ClientConnection::poll_event`]); commands in (`request`,
//! `send_data`, …) → bytes out ([`ClientConnection::write_output`]).
//!
//! Split by job:
//! - `mod.rs`: public types, the command API, stream teardown, errors.
//! - `recv.rs`: every inbound frame and the response checks (§8.3.2).
//! - `send.rs`: timers (`write_output`, the DATA scheduler and
//!   back-pressure are the glue shared with the server: [`crate::proto::role::Role`]).
//!
//! Request bodies never enter the engine, as on the server: the application
//! keeps them and `write_output` says "take N bytes of stream S".
//!
//! Requests above the peer's MAX_CONCURRENT_STREAMS wait in a FIFO queue with
//! their stream id already assigned (ids are handed out in order and opened in
//! the same order, so §5.1.1's increasing-id rule holds). Their header fields
//! are HPACK-encoded only when they leave the queue: encoder state follows wire
//! order.

mod recv;
mod send;

use std::collections::VecDeque;
use std::ops::Range;

use crate::error::{ErrorCode, UserError};
use crate::frame;
use crate::hpack::{self, HeaderField};
use crate::limits::Limits;
use crate::proto::abuse::AbuseLimiter;
use crate::proto::conn_flow::ConnFlow;
use crate::proto::data::{pack_fields, release, unpack_fields, DataIn};
use crate::proto::goaway::GoAway;
use crate::proto::header_block::{Block, FieldArena, HeaderBlockAssembler};
use crate::proto::outbound::{Cause, Control, Outbound, Output};
use crate::proto::ping::Pings;
use crate::proto::role::{machines_of, Machines, Role, RoleEvent};
use crate::proto::settings_sync::SettingsSync;
use crate::proto::streams::{LiveStream, StreamStore};
use crate::schedule::Scheduler;
use crate::semantics;
use crate::settings::{LocalSettings, PeerSettings};
use crate::stream::{CloseKind, SendState, Stream};

pub use recv::check_response;
pub use send::{RESPONSE_BODY_TIMEOUT_REASON, RESPONSE_TIMEOUT_REASON};

/// RFC 9113 §3.4: what a client sends first.
pub use crate::frame::CONNECTION_PREFACE as CLIENT_PREFACE;

/// Highest client stream id (odd, ≤ 2^31-1).
const LAST_CLIENT_STREAM_ID: u32 = 0x7fff_ffff;
/// How many streams we assume the server allows before its SETTINGS arrive
/// (RFC 9113 §5.1.2 says "unlimited"; 100 is what servers commonly advertise
/// and what h2/nghttp2 clients assume, so a first burst is not refused).
const ASSUMED_CONCURRENT_STREAMS: u32 = 100;
/// Informational (1xx) responses accepted per stream before it is reset: a
/// server cannot keep a request alive forever with 103s.
pub const MAX_INFORMATIONAL: u32 = 16;

/// Client configuration. `limits` bounds what the server can make us hold
/// (the same `Limits` the server role uses); `settings` is what we advertise
/// (ENABLE_PUSH is always 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientConfig {
    pub limits: Limits,
    pub settings: LocalSettings,
    /// Connection-level receive window opened at start (WINDOW_UPDATE after our SETTINGS).
    pub connection_window: u32,
    /// Send a PING when nothing arrived for this long (0: no keepalive).
    pub keepalive_ms: u64,
    /// A PING (keepalive or the application's) unanswered this long closes the connection (0: never).
    pub ping_timeout_ms: u64,
    /// Requests waiting for a stream slot; `request` fails with BufferFull beyond.
    pub max_waiting_requests: usize,
    /// The final response head must arrive within this long of the request's
    /// END_STREAM going out (0: wait for ever). A request whose body is still
    /// being sent is not timed: the server may answer only at its end.
    pub response_timeout_ms: u64,
    /// Longest silence on a response body (between the head, DATA frames and
    /// trailers) while the server may send: not counted while the application
    /// holds unread bytes of that stream or our connection window is closed,
    /// nor before the request's END_STREAM went out (0: wait for ever).
    pub response_body_timeout_ms: u64,
    /// Largest response body we take on one stream (0: no cap, as in undici and
    /// browsers). A content-length above it fails the stream before its head is
    /// reported; a body that grows past it is delivered up to the cap, then
    /// TooLarge and RST_STREAM(CANCEL). The flow-control windows bound what we
    /// hold at once either way; this bounds what an application that gathers a
    /// whole body (`arrayBuffer()`) can be made to keep.
    pub max_response_body_bytes: u64,
}

impl ClientConfig {
    /// `max_response_body_bytes` as a cap (0: none).
    pub fn response_body_cap(&self) -> Option<u64> {
        (self.max_response_body_bytes > 0).then_some(self.max_response_body_bytes)
    }
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            limits: Limits::default(),
            // 256 KiB per stream: downloads are not capped at 64 KiB per round trip; the
            // 1 MiB connection window still bounds what all streams together can make us hold.
            settings: LocalSettings { initial_window_size: 256 * 1024, ..LocalSettings::default() },
            connection_window: 1 << 20,
            keepalive_ms: 0,
            ping_timeout_ms: 20_000,
            max_waiting_requests: 65_536,
            response_timeout_ms: 300_000,
            response_body_timeout_ms: 300_000,
            max_response_body_bytes: 0,
        }
    }
}

/// What happened. Field ranges index [`ClientConnection::field`] (valid until
/// the next `receive`); Data ranges point into the current `receive` input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientEvent {
    /// A 1xx response (not 101); the final response is still to come.
    Informational {
        stream_id: u32,
        status: u16,
        fields: Range<u32>,
    },
    /// The final response head; `fields` excludes `:status`. With `end_stream` no End follows.
    Response {
        stream_id: u32,
        status: u16,
        fields: Range<u32>,
        end_stream: bool,
    },
    /// Response trailers; an End follows.
    Trailers {
        stream_id: u32,
        fields: Range<u32>,
    },
    /// Response body bytes `input[start..end]`. Report them with `consumed()`.
    Data {
        stream_id: u32,
        start: u32,
        end: u32,
    },
    /// The response is complete.
    End {
        stream_id: u32,
    },
    /// The server's response broke §8 (reason), or a limit was crossed; a Reset follows.
    Malformed {
        stream_id: u32,
        reason: &'static str,
    },
    /// The server was silent too long on this stream (`response_timeout_ms` or
    /// `response_body_timeout_ms`, named in `reason`); a Reset (CANCEL) follows.
    TimedOut {
        stream_id: u32,
        reason: &'static str,
    },
    /// The response body is larger than `max_response_body_bytes` (by its
    /// content-length, or by the bytes that came); a Reset (CANCEL) follows.
    TooLarge {
        stream_id: u32,
    },
    /// The stream is gone. `not_processed`: the server said it did not process the
    /// request (GOAWAY below its id, or REFUSED_STREAM): it is safe to send again.
    Reset {
        stream_id: u32,
        code: ErrorCode,
        remote: bool,
        unsent: u64,
        not_processed: bool,
    },
    SendReady {
        stream_id: u32,
    },
    SendBlocked {
        stream_id: u32,
    },
    /// Both sides finished; the stream's state is freed.
    StreamClosed {
        stream_id: u32,
    },
    /// The server's SETTINGS were applied.
    Settings,
    /// ACK of a PING sent with `ping`; `rtt_ms` since it was queued.
    PingAck {
        data: [u8; 8],
        rtt_ms: u64,
    },
    GoAway {
        last_stream_id: u32,
        code: ErrorCode,
    },
    Error {
        code: ErrorCode,
        reason: &'static str,
        remote: bool,
    },
    /// Flush the output, then close the socket. Always the last event.
    Closed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Open,
    /// `close()` was called: no new requests; GOAWAY and Closed once streams finish.
    Draining,
    Closed,
}

/// Where the response of a stream is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resp {
    /// No final response yet (1xx may have come).
    Head { informational: u32 },
    /// Final response received; body and trailers may follow.
    Body,
}

/// One request stream: the shared per-stream bookkeeping plus the client's own.
#[derive(Debug)]
struct CStream {
    s: Stream,
    /// HEADERS went out (counts toward the server's MAX_CONCURRENT_STREAMS).
    opened: bool,
    /// Packed request fields while waiting for a slot, and END_STREAM on HEADERS.
    head: Option<(Vec<u8>, bool)>,
    resp: Resp,
    /// HEAD request: a response body must be empty whatever content-length says.
    head_method: bool,
    /// When END_STREAM went out: the response-head timer runs from here.
    request_sent_ms: Option<u64>,
    /// Last sign of life on the response body (head, DATA, the application reading).
    body_active_ms: u64,
}

impl LiveStream for CStream {
    fn stream(&self) -> &Stream {
        &self.s
    }
    fn stream_mut(&mut self) -> &mut Stream {
        &mut self.s
    }
    fn on_wire(&self) -> bool {
        self.opened
    }
}

/// The HTTP/2 client connection.
pub struct ClientConnection {
    frames: frame::FrameDecoder,
    core: Core,
}

struct Core {
    cfg: ClientConfig,
    limits: Limits,
    settings: SettingsSync,
    now: u64,
    state: State,
    decoder: hpack::Decoder,
    encoder: hpack::Encoder,
    streams: StreamStore<CStream>,
    /// Ids waiting for a slot, in order.
    waiting: VecDeque<u32>,
    opened_count: usize,
    /// The server's GOAWAY: nothing above its last_stream_id will be processed.
    goaway: GoAway,
    sched: Scheduler,
    flow: ConnFlow,
    /// Frames to write, in order, before any DATA.
    out: Outbound,
    pings: Pings,
    keepalive_seq: u64,
    events: VecDeque<ClientEvent>,
    arena: FieldArena,
    assembler: HeaderBlockAssembler,
    /// The DATA frame being streamed in.
    data: Option<DataIn>,
    abuse: AbuseLimiter,
    /// Last valid frame in (idle timer, keepalive).
    active_ms: u64,
    scratch: Vec<u8>,
    closed_emitted: bool,
    /// The connection send window grew during this input chunk: wake streams at its end.
    wake_pending: bool,
}

impl ClientConnection {
    /// A new client connection: the preface, our SETTINGS (ENABLE_PUSH 0) and
    /// the connection WINDOW_UPDATE are queued.
    pub fn new(config: ClientConfig, now_ms: u64) -> Self {
        let local = config.settings.sanitized();
        let l = config.limits;
        let mut out = Outbound::new(l.max_control_bytes);
        out.local(Control::Preface(CLIENT_PREFACE));
        out.local(Control::Settings(&local.params()));
        let mut flow = ConnFlow::new(config.connection_window, now_ms);
        if let Some(inc) = flow.recv.open_to_target() {
            out.local(Control::WindowUpdate { stream_id: 0, increment: inc });
        }
        let core = Core {
            cfg: config,
            limits: l,
            settings: SettingsSync::new(local, true, now_ms),
            now: now_ms,
            state: State::Open,
            decoder: hpack::Decoder::new(usize::try_from(local.header_table_size).unwrap_or(usize::MAX)),
            encoder: hpack::Encoder::new(),
            streams: StreamStore::client(l.closed_stream_memory),
            waiting: VecDeque::new(),
            opened_count: 0,
            goaway: GoAway::default(),
            sched: Scheduler::new(),
            flow,
            out,
            pings: Pings::default(),
            keepalive_seq: 0,
            events: VecDeque::new(),
            arena: FieldArena::default(),
            assembler: HeaderBlockAssembler::default(),
            data: None,
            abuse: AbuseLimiter::new(&l, now_ms),
            active_ms: now_ms,
            scratch: Vec::new(),
            closed_emitted: false,
            wake_pending: false,
        };
        ClientConnection { frames: frame::FrameDecoder::new(local.max_frame_size), core }
    }

    /// Feed one socket chunk; read the events with `poll_event` before the next call.
    pub fn receive(&mut self, input: &[u8], now_ms: u64) {
        let c = &mut self.core;
        c.now = now_ms;
        c.arena.clear();
        c.receive(&mut self.frames, input);
    }

    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.core.events.pop_front()
    }

    /// Field `i` of the header arena: (name, value).
    pub fn field(&self, i: u32) -> (&[u8], &[u8]) {
        self.core.arena.field(i)
    }

    /// Debug data of the last GOAWAY received (≤ 1 KiB kept).
    pub fn debug_data(&self) -> &[u8] {
        self.core.goaway.debug_data()
    }

    pub fn peer_settings(&self) -> &PeerSettings {
        &self.core.settings.peer
    }

    /// Streams whose HEADERS went out and that are not finished.
    pub fn open_streams(&self) -> usize {
        self.core.opened_count
    }

    /// Requests waiting for a stream slot.
    pub fn waiting_requests(&self) -> usize {
        self.core.waiting.len()
    }

    /// Start a request. `fields` are the request's header fields, pseudo-headers
    /// first (`:method`, `:scheme`, `:authority`, `:path`), checked with the same
    /// §8 rules the server applies to requests. Returns the stream id; the
    /// HEADERS go out now or, when the server's MAX_CONCURRENT_STREAMS is
    /// reached, once a slot frees. Body bytes may be queued with `send_data`
    /// at once either way.
    pub fn request(&mut self, fields: &[(&[u8], &[u8])], end_stream: bool) -> Result<u32, UserError> {
        self.core.request(fields, end_stream)
    }

    /// Queue `len` request-body bytes (the caller keeps them).
    pub fn send_data(&mut self, stream_id: u32, len: u32, end_stream: bool) -> Result<(), UserError> {
        self.core.send_data(stream_id, len, end_stream)
    }

    /// Request trailers; they end the stream after the queued DATA.
    pub fn send_trailers(&mut self, stream_id: u32, fields: &[(&[u8], &[u8])]) -> Result<(), UserError> {
        self.core.send_trailers(stream_id, fields)
    }

    /// Cancel a stream (RST_STREAM(code), or nothing on the wire if it never left
    /// the waiting queue). A `Reset { remote: false }` follows.
    pub fn reset_stream(&mut self, stream_id: u32, code: ErrorCode) -> Result<(), UserError> {
        let c = &mut self.core;
        if c.state == State::Closed {
            return Err(UserError::ConnectionClosed);
        }
        c.reset_by_app(stream_id, code)
    }

    /// The application took `n` response-body bytes: windows reopen (WINDOW_UPDATE
    /// once half a window was consumed). Only consumption reopens them.
    pub fn consumed(&mut self, stream_id: u32, n: u32) -> Result<(), UserError> {
        self.core.consumed(stream_id, n);
        Ok(())
    }

    /// Send a PING; `PingAck` reports the round trip.
    pub fn ping(&mut self, data: [u8; 8]) -> Result<(), UserError> {
        self.core.ping(data)
    }

    /// Graceful close: no new requests; open and waiting ones finish; then
    /// GOAWAY(NO_ERROR) and Closed.
    pub fn close(&mut self) {
        let c = &mut self.core;
        if c.state == State::Open {
            c.state = State::Draining;
            c.check_drained();
        }
    }

    /// GOAWAY(code) now; every stream reset; Closed.
    pub fn abort(&mut self, code: ErrorCode) {
        self.core.close_with(code, "aborted by the application", false);
    }

    pub fn tick(&mut self, now_ms: u64) {
        self.core.now = now_ms;
        self.core.tick();
    }

    /// Tell the engine the time without running timers. Call it before
    /// `request`, `consumed`, `ping` and `write_output` when time has passed
    /// since the last `receive`/`tick`: the response timers start from it and
    /// PING round trips are measured from it. Time never goes backwards.
    pub fn set_now(&mut self, now_ms: u64) {
        self.core.now = self.core.now.max(now_ms);
    }

    pub fn next_deadline(&self) -> Option<u64> {
        self.core.next_deadline()
    }

    /// Append frames and DATA segments: control frames and HEADERS first, then
    /// request DATA by priority, at most `max_bytes` of DATA payload.
    pub fn write_output(&mut self, out: &mut Output, max_bytes: usize) {
        self.core.write_output(out, max_bytes);
    }

    pub fn wants_write(&self) -> bool {
        self.core.wants_write()
    }

    pub fn is_closed(&self) -> bool {
        self.core.state == State::Closed
    }

    /// No new request can be started (closing, closed, GOAWAY received, or stream ids used up).
    pub fn is_going_away(&self) -> bool {
        let c = &self.core;
        c.state != State::Open || c.goaway.received_last.is_some() || c.streams.next_local_id > LAST_CLIENT_STREAM_ID
    }
}

impl Core {
    fn max_concurrent(&self) -> usize {
        let n = self.settings.peer.max_concurrent_streams.unwrap_or(ASSUMED_CONCURRENT_STREAMS);
        usize::try_from(n).unwrap_or(usize::MAX)
    }

    fn request(&mut self, fields: &[(&[u8], &[u8])], end_stream: bool) -> Result<u32, UserError> {
        if self.state != State::Open || self.goaway.received_last.is_some() {
            return Err(UserError::ConnectionClosed);
        }
        let head = semantics::check_request(fields.iter().copied()).map_err(|_| UserError::InvalidHeader)?;
        if self.streams.next_local_id > LAST_CLIENT_STREAM_ID {
            return Err(UserError::ConnectionClosed);
        }
        let id = self.streams.next_local_id;
        self.streams.next_local_id = id.saturating_add(2);
        let mut s = self.settings.new_stream(id);
        s.send = if end_stream { SendState::Done } else { SendState::Headers };
        let packed = pack_fields(fields)?;
        let slot_free = self.waiting.is_empty() && self.opened_count < self.max_concurrent();
        if !slot_free && self.waiting.len() >= self.cfg.max_waiting_requests {
            return Err(UserError::BufferFull);
        }
        let cs = CStream {
            s,
            opened: false,
            head: Some((packed, end_stream)),
            resp: Resp::Head { informational: 0 },
            head_method: head.is_head,
            request_sent_ms: None,
            body_active_ms: self.now,
        };
        self.streams.insert(id, cs);
        self.waiting.push_back(id);
        self.open_waiting();
        if !end_stream {
            self.refresh(id);
        }
        Ok(id)
    }

    /// Move waiting requests onto the wire while slots are free.
    fn open_waiting(&mut self) {
        while self.opened_count < self.max_concurrent() && self.goaway.received_last.is_none() {
            let Some(id) = self.waiting.pop_front() else { return };
            let Some(cs) = self.streams.get_mut(&id) else { continue };
            let Some((packed, end_stream)) = cs.head.take() else { continue };
            cs.opened = true;
            if end_stream {
                cs.request_sent_ms = Some(self.now);
            }
            self.opened_count = self.opened_count.saturating_add(1);
            let list =
                unpack_fields(&packed).map(|(n, v)| HeaderField { name: n, value: v, sensitive: is_sensitive(n) });
            self.scratch.clear();
            self.encoder.encode(list, &mut self.scratch);
            self.out.local(Control::Headers {
                stream_id: id,
                block: &self.scratch,
                end_stream,
                max_frame_size: self.settings.peer.max_frame_size,
            });
            self.schedule(id);
        }
    }

    fn send_data(&mut self, id: u32, len: u32, end_stream: bool) -> Result<(), UserError> {
        if self.state == State::Closed {
            return Err(UserError::ConnectionClosed);
        }
        self.queue_body(id, len, end_stream)
    }

    fn send_trailers(&mut self, id: u32, fields: &[(&[u8], &[u8])]) -> Result<(), UserError> {
        if self.state == State::Closed {
            return Err(UserError::ConnectionClosed);
        }
        self.queue_trailers(id, fields)
    }

    fn ping(&mut self, data: [u8; 8]) -> Result<(), UserError> {
        if self.state == State::Closed {
            return Err(UserError::ConnectionClosed);
        }
        self.send_ping(data)
    }

    /// The server's response broke the rules: Malformed, RST_STREAM(PROTOCOL_ERROR), a protocol-error token.
    fn malformed(&mut self, id: u32, reason: &'static str) {
        if self.peer_error() {
            self.emit(ClientEvent::Malformed { stream_id: id, reason });
            self.reset_local(id, ErrorCode::PROTOCOL_ERROR, Cause::Peer);
        }
    }

    /// Our `max_response_body_bytes` was crossed: TooLarge, then RST_STREAM(CANCEL).
    fn too_large(&mut self, id: u32) {
        self.emit(ClientEvent::TooLarge { stream_id: id });
        self.reset_local(id, ErrorCode::CANCEL, Cause::Local);
    }

    fn stream_error(&mut self, id: u32, code: ErrorCode, reason: &'static str) {
        if self.peer_error() {
            self.emit(ClientEvent::Malformed { stream_id: id, reason });
            self.reset_local(id, code, Cause::Peer);
        }
    }
}

impl Role for Core {
    type Stream = CStream;
    type Event = ClientEvent;
    const PREFACE_TIMEOUT_REASON: &'static str = "no SETTINGS from the server";
    const FIRST_FRAME_NOT_SETTINGS: &'static str = "first frame from the server is not SETTINGS";

    #[inline]
    fn machines(&mut self) -> Machines<'_, CStream, ClientEvent> {
        machines_of!(self)
    }

    #[inline]
    fn complete_block(&mut self, b: Block, block: &[u8]) {
        self.on_header_block(b, block);
    }

    fn close_with(&mut self, code: ErrorCode, reason: &'static str, remote: bool) {
        if self.state == State::Closed {
            return;
        }
        if !remote {
            // We have accepted no server-initiated streams: last_stream_id 0.
            self.out.local(Control::GoAway { last_stream_id: 0, code, debug: reason.as_bytes() });
        }
        self.state = State::Closed;
        let ids: Vec<u32> = self.streams.keys().copied().collect();
        for id in ids {
            if let Some(cs) = self.drop_stream(id, CloseKind::ResetLocal) {
                // A request that never left the queue was certainly not processed.
                let not_processed = !cs.opened;
                self.emit(ClientEvent::Reset { stream_id: id, code, remote, unsent: cs.s.queued, not_processed });
            }
        }
        if code != ErrorCode::NO_ERROR {
            self.emit(ClientEvent::Error { code, reason, remote });
        }
        self.emit(ClientEvent::Closed);
    }

    /// Also frees the stream's concurrency slot (or its place in the waiting queue).
    fn drop_stream(&mut self, id: u32, kind: CloseKind) -> Option<CStream> {
        let cs = self.streams.close(id, kind)?;
        let r = release(&cs.s, id, &mut self.flow, &mut self.sched, &mut self.data, &self.limits, self.now);
        if cs.opened {
            self.opened_count = self.opened_count.saturating_sub(1);
        } else if let Some(i) = self.waiting.iter().position(|&w| w == id) {
            self.waiting.remove(i);
        }
        if let Some(inc) = r.window_update {
            if self.state != State::Closed {
                self.out.local(Control::WindowUpdate { stream_id: 0, increment: inc });
                self.flow.recv_opened_ms = self.now;
            }
        }
        if r.unfull {
            self.refresh_all();
        }
        if self.state != State::Closed {
            self.open_waiting();
        }
        Some(cs)
    }

    /// RST_STREAM(code) from us (only for streams whose HEADERS went out).
    fn reset_local(&mut self, id: u32, code: ErrorCode, cause: Cause) {
        let Some(cs) = self.drop_stream(id, CloseKind::ResetLocal) else { return };
        self.emit(ClientEvent::Reset { stream_id: id, code, remote: false, unsent: cs.s.queued, not_processed: false });
        if cs.opened {
            self.queue(cause, Control::RstStream { stream_id: id, code });
        }
        self.check_drained();
    }

    /// After `close()` or the server's GOAWAY: close once no stream is left.
    fn check_drained(&mut self) {
        if self.state == State::Closed || !self.streams.is_empty() {
            return;
        }
        if self.state == State::Draining || self.goaway.received_last.is_some() {
            self.out.local(Control::GoAway { last_stream_id: 0, code: ErrorCode::NO_ERROR, debug: b"" });
            self.state = State::Closed;
            self.emit(ClientEvent::Closed);
        }
    }

    fn data_may_flow(&self) -> bool {
        self.state != State::Closed
    }

    fn on_send_complete(cs: &mut CStream, _: &mut AbuseLimiter, now: u64) {
        // The response timer runs from the request's END_STREAM.
        cs.request_sent_ms = Some(now);
    }

    fn on_settings_applied(&mut self) {
        // MAX_CONCURRENT_STREAMS may have grown.
        self.open_waiting();
    }

    fn is_sensitive(name: &[u8]) -> bool {
        is_sensitive(name)
    }

    fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    fn reads_input(&self) -> bool {
        self.state != State::Closed
    }

    fn on_consumed(cs: &mut CStream, now: u64) {
        // The application reading is a sign of life of the response body.
        cs.body_active_ms = now;
    }
}

impl RoleEvent for ClientEvent {
    #[inline]
    fn is_closed(&self) -> bool {
        matches!(self, ClientEvent::Closed)
    }
    #[inline]
    fn send_state(stream_id: u32, blocked: bool) -> Self {
        if blocked {
            ClientEvent::SendBlocked { stream_id }
        } else {
            ClientEvent::SendReady { stream_id }
        }
    }
    fn stream_closed(stream_id: u32) -> Self {
        ClientEvent::StreamClosed { stream_id }
    }
    fn settings() -> Self {
        ClientEvent::Settings
    }
    fn reset_by_peer(stream_id: u32, code: ErrorCode, unsent: u64) -> Self {
        // §8.7: REFUSED_STREAM means the request was not processed at all.
        let not_processed = code == ErrorCode::REFUSED_STREAM;
        ClientEvent::Reset { stream_id, code, remote: true, unsent, not_processed }
    }
}

/// Fields never added to the HPACK table (RFC 7541 §7.1.3).
fn is_sensitive(name: &[u8]) -> bool {
    matches!(name, b"authorization" | b"proxy-authorization" | b"cookie")
}
