//! `Connection`: the HTTP/2 server connection state machine (sans-IO).
//!
//! Bytes in ([`Connection::receive`]) → events out ([`Connection::poll_event`]);
//! commands in (`send_headers`, `send_data`, …) → bytes out
//! ([`Connection::write_output`]). Time comes in as `now_ms`.
//!
//! `Core` owns one sub-machine per concern ([`crate::proto`]: outbound
//! queue, abuse limiter, header blocks, SETTINGS, PING, GOAWAY, connection
//! flow control, streams store, DATA in and out), the same ones the client
//! role uses, and the glue on top of them is the client's too
//! ([`crate::proto::role::Role`]: events, budgets, SETTINGS, PING answers,
//! back-pressure, `write_output`'s DATA loop); what is left here is the
//! server's own part:
//! - `mod.rs`: public types, the command API, stream teardown, errors.
//! - `recv.rs`: the preface and every inbound frame, each stream frame
//!   judged by the §5.1 table ([`crate::stream_rules`]), requests (§8.1).
//! - `timers.rs`: `tick` and `next_deadline`.
//! - `upgrade.rs`: the HTTP/1.1 `Upgrade: h2c` start.
//!
//! Response bytes never enter the engine: the application keeps them and
//! the engine only counts lengths; `write_output` says "take N bytes of
//! stream S" ([`Segment::Data`]) where the body goes.

mod recv;
mod timers;
mod upgrade;

pub use upgrade::{UpgradeError, UPGRADE_STREAM_ID};

use std::collections::VecDeque;
use std::ops::Range;

use crate::error::{ErrorCode, UserError};
use crate::frame;
use crate::hpack::{self, HeaderField};
use crate::limits::Limits;
use crate::proto::abuse::{AbuseLimiter, Budget};
use crate::proto::conn_flow::ConnFlow;
use crate::proto::data::{back_pressure, release, DataIn, SendView};
use crate::proto::goaway::{GoAway, Shutdown, MAX_STREAM_ID, SHUTDOWN_PING};
use crate::proto::header_block::{Block, FieldArena, HeaderBlockAssembler};
use crate::proto::outbound::{Cause, Control, Outbound};
use crate::proto::ping::Pings;
use crate::proto::role::{machines_of, Machines, Role, RoleEvent};
use crate::proto::settings_sync::SettingsSync;
use crate::proto::streams::StreamStore;
use crate::schedule::Scheduler;
use crate::semantics;
use crate::settings::{LocalSettings, PeerSettings, DEFAULT_HEADER_TABLE_SIZE};
use crate::stream::{CloseKind, SendState, Stream};

/// Connection configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    pub limits: Limits,
    pub settings: LocalSettings,
    /// The connection-level receive window we open at start (default 1 MiB,
    /// with a WINDOW_UPDATE right after our SETTINGS). The protocol's 65,535
    /// bytes would cap uploads at 64 KiB per round trip for the whole
    /// connection (Twisted never raises it); 1 MiB lets ~16 streams upload at
    /// full per-stream window at once while bounding what one peer can make
    /// us buffer before the application consumes it.
    pub connection_window: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config { limits: Limits::default(), settings: LocalSettings::default(), connection_window: 1 << 20 }
    }
}

pub use crate::proto::outbound::{Output, Segment};

/// What happened. Ranges point into the current `receive()` input (Data) or
/// the header arena read with [`Connection::field`] (valid until the next
/// `receive()`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A new request. `fields` indexes [`Connection::field`]; pseudo-headers
    /// come first (they must, §8.3). With `end_stream` no `End` follows.
    Request { stream_id: u32, fields: Range<u32>, end_stream: bool },
    /// Request trailers; an `End` follows.
    Trailers { stream_id: u32, fields: Range<u32> },
    /// Request body bytes `input[start..end]`. Report them with `consumed()`.
    Data { stream_id: u32, start: u32, end: u32 },
    /// The request body is complete.
    End { stream_id: u32 },
    /// The stream is gone (reset by the peer, by us, or by the application's
    /// `reset_stream`). `unsent`: bytes the application queued that will never
    /// be sent; stop work on the stream.
    Reset { stream_id: u32, code: ErrorCode, remote: bool, unsent: u64 },
    /// The producer may write again (window − queued > 0 and buffers below the soft limits).
    SendReady { stream_id: u32 },
    /// Pause the producer (window − queued ≤ 0 or a send buffer is full).
    SendBlocked { stream_id: u32 },
    /// Both sides finished; the stream's state is freed.
    StreamClosed { stream_id: u32 },
    /// We answered a malformed request ourselves (`status`, then RST_STREAM).
    Rejected { stream_id: u32, status: u16, reason: &'static str },
    /// The peer's SETTINGS were applied (values: [`Connection::peer_settings`]).
    Settings,
    /// ACK of a PING sent with [`Connection::ping`].
    PingAck { data: [u8; 8] },
    /// The peer sent GOAWAY (debug data: [`Connection::debug_data`]).
    GoAway { last_stream_id: u32, code: ErrorCode },
    /// Connection error: a GOAWAY was sent (`remote: false`) or received with an error code.
    Error { code: ErrorCode, reason: &'static str, remote: bool },
    /// Flush the output, then close the socket. Nothing more will happen.
    Closed,
    /// A timer of ours ends the stream (`reason` says which); the `Reset`
    /// (remote: false) follows at once.
    Expired { stream_id: u32, reason: &'static str },
}

impl RoleEvent for Event {
    #[inline]
    fn is_closed(&self) -> bool {
        matches!(self, Event::Closed)
    }
    #[inline]
    fn send_state(stream_id: u32, blocked: bool) -> Self {
        if blocked {
            Event::SendBlocked { stream_id }
        } else {
            Event::SendReady { stream_id }
        }
    }
    fn stream_closed(stream_id: u32) -> Self {
        Event::StreamClosed { stream_id }
    }
    fn settings() -> Self {
        Event::Settings
    }
    fn reset_by_peer(stream_id: u32, code: ErrorCode, unsent: u64) -> Self {
        Event::Reset { stream_id, code, remote: true, unsent }
    }
}

pub use crate::proto::abuse::PeerCounts;

/// Where the connection is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Waiting for (the rest of) the 24-byte client preface.
    Preface {
        matched: usize,
    },
    /// Preface seen; frames flow (the first must be SETTINGS).
    Open,
    /// Our GOAWAY is out after an idle timeout; input is ignored and
    /// `Closed` follows at `until` unless the peer closes first.
    Closing {
        until: u64,
    },
    Closed,
}

/// The HTTP/2 server connection.
pub struct Connection {
    frames: frame::FrameDecoder,
    core: Core,
}

/// Everything but the frame decoder (whose items borrow it while the rest is mutated).
struct Core {
    limits: Limits,
    settings: SettingsSync,
    now: u64,
    state: State,
    decoder: hpack::Decoder,
    encoder: hpack::Encoder,
    streams: StreamStore<Stream>,
    goaway: GoAway,
    sched: Scheduler,
    flow: ConnFlow,
    /// Frames to write, in order, before any DATA.
    out: Outbound,
    pings: Pings,
    events: VecDeque<Event>,
    arena: FieldArena,
    assembler: HeaderBlockAssembler,
    /// The DATA frame being streamed in.
    data: Option<DataIn>,
    abuse: AbuseLimiter,
    /// Last activity for the idle timeout (valid frame in, DATA out).
    active_ms: u64,
    /// Scratch for HPACK encoding.
    scratch: Vec<u8>,
    /// Set when the current receive() hit an error: the idle timer is not reset.
    input_error: bool,
    input_frames: u32,
    /// Frames of the current receive() that did no work (they do not keep the connection alive).
    input_noops: u32,
    closed_emitted: bool,
}

impl Connection {
    /// A new server connection; our SETTINGS and the connection WINDOW_UPDATE are queued.
    pub fn new(config: Config, now_ms: u64) -> Self {
        let local = config.settings.sanitized();
        let l = config.limits;
        let mut core = Core {
            limits: l,
            settings: SettingsSync::new(local, false, now_ms),
            now: now_ms,
            state: State::Preface { matched: 0 },
            decoder: hpack::Decoder::new(
                usize::try_from(local.header_table_size.max(DEFAULT_HEADER_TABLE_SIZE)).unwrap_or(usize::MAX),
            ),
            encoder: hpack::Encoder::new(),
            streams: StreamStore::server(l.closed_stream_memory, l.idle_priority_memory),
            goaway: GoAway::default(),
            sched: Scheduler::new(),
            flow: ConnFlow::new(config.connection_window, now_ms),
            out: Outbound::new(l.max_control_bytes),
            pings: Pings::default(),
            events: VecDeque::new(),
            arena: FieldArena::default(),
            assembler: HeaderBlockAssembler::default(),
            data: None,
            abuse: AbuseLimiter::new(&l, now_ms),
            active_ms: now_ms,
            scratch: Vec::new(),
            input_error: false,
            input_frames: 0,
            input_noops: 0,
            closed_emitted: false,
        };
        core.queue(Cause::Local, Control::Settings(&local.params()));
        if let Some(inc) = core.flow.recv.open_to_target() {
            core.queue(Cause::Local, Control::WindowUpdate { stream_id: 0, increment: inc });
        }
        Connection { frames: frame::FrameDecoder::new(local.max_frame_size), core }
    }

    /// Feed one socket chunk. Events are queued; read them with
    /// `poll_event()` before the next `receive()`.
    pub fn receive(&mut self, input: &[u8], now_ms: u64) {
        self.core.now = now_ms;
        self.core.arena.clear();
        self.core.receive(&mut self.frames, input);
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.core.events.pop_front()
    }

    /// Header field `i` (name, value) from the arena; empty if out of range.
    pub fn field(&self, i: u32) -> (&[u8], &[u8]) {
        self.core.arena.field(i)
    }

    /// Debug data of the last GOAWAY received.
    pub fn debug_data(&self) -> &[u8] {
        self.core.goaway.debug_data()
    }

    /// The peer's settings as last received.
    pub fn peer_settings(&self) -> &PeerSettings {
        &self.core.settings.peer
    }

    /// Number of live streams (for tests and inspection).
    pub fn open_streams(&self) -> usize {
        self.core.streams.len()
    }

    /// Final response headers. `fields` must be lowercase, valid, and free of
    /// connection-specific fields: invalid fields are refused, not stripped.
    pub fn send_headers(
        &mut self,
        stream_id: u32,
        status: u16,
        fields: &[(&[u8], &[u8])],
        end_stream: bool,
    ) -> Result<(), UserError> {
        self.core.send_headers(stream_id, status, fields, end_stream, false)
    }

    /// A 1xx response (e.g. 100-continue); may be sent several times before the final one.
    pub fn send_informational(
        &mut self,
        stream_id: u32,
        status: u16,
        fields: &[(&[u8], &[u8])],
    ) -> Result<(), UserError> {
        self.core.send_headers(stream_id, status, fields, false, true)
    }

    /// Queue `len` body bytes (the caller keeps them). Accepted while the
    /// stream's and the connection's queues are below their hard caps
    /// (BufferFull beyond); SendBlocked tells the producer to pause long before that.
    pub fn send_data(&mut self, stream_id: u32, len: u32, end_stream: bool) -> Result<(), UserError> {
        self.core.send_data(stream_id, len, end_stream)
    }

    /// Response trailers; they end the stream after the queued DATA.
    pub fn send_trailers(&mut self, stream_id: u32, fields: &[(&[u8], &[u8])]) -> Result<(), UserError> {
        self.core.send_trailers(stream_id, fields)
    }

    /// Reset a stream (RST_STREAM). A `Reset { remote: false }` event follows
    /// with the bytes that will not be sent.
    pub fn reset_stream(&mut self, stream_id: u32, code: ErrorCode) -> Result<(), UserError> {
        let c = &mut self.core;
        c.check_open()?;
        c.reset_by_app(stream_id, code)
    }

    /// The application took `n` body bytes of the stream: reopen windows
    /// (WINDOW_UPDATE once half a window has been consumed). Unknown or
    /// finished streams are ignored (their bytes were credited when they ended).
    pub fn consumed(&mut self, stream_id: u32, n: u32) -> Result<(), UserError> {
        self.core.consumed(stream_id, n);
        Ok(())
    }

    /// Send a PING; its ACK is reported as `Event::PingAck`.
    pub fn ping(&mut self, data: [u8; 8]) -> Result<(), UserError> {
        let c = &mut self.core;
        c.check_open()?;
        c.send_ping(data)
    }

    /// Graceful shutdown: GOAWAY(2^31-1) + PING, then GOAWAY(last processed)
    /// after the PING ACK (or a timeout); `Closed` once open streams finish
    /// (or after the drain timeout).
    pub fn shutdown(&mut self) {
        self.core.start_shutdown();
    }

    /// GOAWAY(code) now, every stream reset, then `Closed`.
    pub fn abort(&mut self, code: ErrorCode) {
        self.core.close_with(code, "aborted by the application", false);
    }

    /// GOAWAY(ENHANCE_YOUR_CALM, `rule`) now, then `Closed`: for budgets the
    /// application keeps across connections (the `Error` event carries `rule`).
    pub fn calm(&mut self, rule: &'static str) {
        self.core.close_with(ErrorCode::ENHANCE_YOUR_CALM, rule, false);
    }

    /// Resets, refusals and peer-provoked errors since the last call.
    pub fn take_peer_counts(&mut self) -> PeerCounts {
        core::mem::take(&mut self.core.abuse.counts)
    }

    /// Advance timers (idle, preface, header block, SETTINGS ACK, shutdown, stall).
    pub fn tick(&mut self, now_ms: u64) {
        self.core.now = now_ms;
        self.core.tick();
    }

    /// The earliest time `tick` has something to do.
    pub fn next_deadline(&self) -> Option<u64> {
        self.core.next_deadline()
    }

    /// Append frames and DATA segments to `out`: control frames and headers
    /// first, then DATA by priority, at most `max_bytes` of DATA payload.
    pub fn write_output(&mut self, out: &mut Output, max_bytes: usize) {
        self.core.write_output(out, max_bytes);
    }

    /// Something is ready to be written now.
    pub fn wants_write(&self) -> bool {
        self.core.wants_write()
    }

    /// The connection is over: flush the output, then close the socket.
    pub fn is_closed(&self) -> bool {
        self.core.state == State::Closed
    }
}

impl Core {
    fn wants_write(&self) -> bool {
        !self.out.is_empty() || (self.state == State::Open && !self.sched.is_empty())
    }

    fn check_open(&self) -> Result<(), UserError> {
        match self.state {
            State::Closed | State::Closing { .. } => Err(UserError::ConnectionClosed),
            _ => Ok(()),
        }
    }

    /// A frame that costs CPU but does no work: spend a no-op token.
    /// No-op frames do not keep the connection alive (idle timer).
    fn noop_frame(&mut self) -> bool {
        self.input_noops = self.input_noops.saturating_add(1);
        self.spend(Budget::NoopFrames)
    }

    /// A stream error the peer provoked (§5.4.2): RST_STREAM, a Reset event
    /// if the stream was live, a protocol-error token.
    fn stream_error(&mut self, id: u32, code: ErrorCode) {
        if self.peer_error() {
            self.reset_local(id, code, Cause::Peer);
        }
    }

    /// Forget every stream, telling the application.
    fn reset_all(&mut self, code: ErrorCode) {
        let ids: Vec<u32> = self.streams.keys().copied().collect();
        for id in ids {
            if let Some(s) = self.drop_stream(id, CloseKind::ResetLocal) {
                self.emit(Event::Reset { stream_id: id, code, remote: false, unsent: s.queued });
            }
        }
    }

    fn start_shutdown(&mut self) {
        if self.state != State::Open && !matches!(self.state, State::Preface { .. }) {
            return;
        }
        if self.goaway.shutdown != Shutdown::None {
            return;
        }
        if !self.settings.got_peer {
            // Nothing was ever requested: say goodbye at once.
            self.final_goaway();
            return;
        }
        self.queue(
            Cause::Local,
            Control::GoAway { last_stream_id: MAX_STREAM_ID, code: ErrorCode::NO_ERROR, debug: b"" },
        );
        self.queue(Cause::Local, Control::Ping(SHUTDOWN_PING));
        self.goaway.shutdown =
            Shutdown::AwaitPing { deadline: self.now.saturating_add(self.limits.shutdown_ping_timeout_ms) };
    }

    /// Phase 2: GOAWAY(last processed). Streams above it will be ignored.
    fn final_goaway(&mut self) {
        let last = self.streams.last_peer_id;
        self.queue(Cause::Local, Control::GoAway { last_stream_id: last, code: ErrorCode::NO_ERROR, debug: b"" });
        self.goaway.sent_last = Some(last);
        self.goaway.shutdown = Shutdown::Draining { deadline: self.now.saturating_add(self.limits.drain_timeout_ms) };
        self.check_drained();
    }

    // ---- commands ----

    fn send_headers(
        &mut self,
        id: u32,
        status: u16,
        fields: &[(&[u8], &[u8])],
        end_stream: bool,
        informational: bool,
    ) -> Result<(), UserError> {
        self.check_open()?;
        semantics::check_status(status, informational)?;
        semantics::check_response_fields(fields)?;
        let s = self.streams.get_mut(&id).ok_or(UserError::StreamClosed)?;
        if s.send != SendState::Idle {
            return Err(UserError::InvalidState);
        }
        let mut digits = [0u8; 3];
        let status_bytes = status_digits(status, &mut digits);
        let status_field = HeaderField { name: b":status", value: status_bytes, sensitive: false };
        let list = core::iter::once(status_field).chain(fields.iter().map(|(n, v)| HeaderField {
            name: n,
            value: v,
            sensitive: is_sensitive(n),
        }));
        self.scratch.clear();
        self.encoder.encode(list, &mut self.scratch);
        let headers = Control::Headers {
            stream_id: id,
            block: &self.scratch,
            end_stream,
            max_frame_size: self.settings.peer.max_frame_size,
        };
        self.out.local(headers);
        if informational {
            return Ok(());
        }
        if end_stream {
            s.send = SendState::Done;
            if s.is_finished() {
                self.finish_stream(id);
            }
        } else {
            s.send = SendState::Headers;
            let view = SendView::new(&self.flow, &self.limits, self.now);
            if let Some(blocked) = back_pressure(s, &view) {
                self.emit(Event::send_state(id, blocked));
            }
        }
        Ok(())
    }

    fn send_data(&mut self, id: u32, len: u32, end_stream: bool) -> Result<(), UserError> {
        self.check_open()?;
        self.queue_body(id, len, end_stream)
    }

    fn send_trailers(&mut self, id: u32, fields: &[(&[u8], &[u8])]) -> Result<(), UserError> {
        self.check_open()?;
        self.queue_trailers(id, fields)
    }
}

impl Role for Core {
    type Stream = Stream;
    type Event = Event;
    const PREFACE_TIMEOUT_REASON: &'static str = "preface timeout";
    const FIRST_FRAME_NOT_SETTINGS: &'static str = "first frame is not SETTINGS";

    #[inline]
    fn complete_block(&mut self, b: Block, block: &[u8]) {
        self.on_header_block(b, block);
    }

    #[inline]
    fn machines(&mut self) -> Machines<'_, Stream, Event> {
        machines_of!(self)
    }

    fn close_with(&mut self, code: ErrorCode, reason: &'static str, remote: bool) {
        if self.state == State::Closed {
            return;
        }
        let last = self.goaway.sent_last.map_or(self.streams.last_peer_id, |g| g.min(self.streams.last_peer_id));
        if !matches!(self.state, State::Closing { .. }) {
            self.queue(Cause::Local, Control::GoAway { last_stream_id: last, code, debug: reason.as_bytes() });
        }
        self.state = State::Closed;
        self.goaway.shutdown = Shutdown::None;
        self.reset_all(code);
        if code != ErrorCode::NO_ERROR {
            self.emit(Event::Error { code, reason, remote });
        }
        self.emit(Event::Closed);
    }

    fn drop_stream(&mut self, id: u32, kind: CloseKind) -> Option<Stream> {
        let s = self.streams.close(id, kind)?;
        let r = release(&s, id, &mut self.flow, &mut self.sched, &mut self.data, &self.limits, self.now);
        if let (Some(inc), State::Open) = (r.window_update, self.state) {
            self.queue(Cause::Local, Control::WindowUpdate { stream_id: 0, increment: inc });
        }
        if r.unfull {
            self.refresh_all();
        }
        Some(s)
    }

    fn reset_local(&mut self, id: u32, code: ErrorCode, cause: Cause) {
        if let Some(s) = self.drop_stream(id, CloseKind::ResetLocal) {
            self.emit(Event::Reset { stream_id: id, code, remote: false, unsent: s.queued });
        }
        self.queue(cause, Control::RstStream { stream_id: id, code });
        self.check_drained();
    }

    /// After a GOAWAY (ours final, or the peer's).
    fn check_drained(&mut self) {
        if self.state == State::Closed || !self.streams.is_empty() {
            return;
        }
        let ours = matches!(self.goaway.shutdown, Shutdown::Draining { .. });
        if ours || self.goaway.peer_sent() {
            if !ours {
                let last = self.streams.last_peer_id;
                self.queue(
                    Cause::Local,
                    Control::GoAway { last_stream_id: last, code: ErrorCode::NO_ERROR, debug: b"" },
                );
            }
            self.state = State::Closed;
            self.emit(Event::Closed);
        }
    }

    fn data_may_flow(&self) -> bool {
        self.state == State::Open
    }

    fn on_send_complete(_: &mut Stream, abuse: &mut AbuseLimiter, _: u64) {
        // The peer's stream-level WINDOW_UPDATE for the last DATA arrives
        // after the stream is gone: that late frame is paid for.
        abuse.earn_noop(1);
    }

    fn on_data_sent(&mut self) {
        self.active_ms = self.now; // outbound DATA keeps the connection alive
    }

    fn is_sensitive(name: &[u8]) -> bool {
        is_sensitive(name)
    }

    fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    fn reads_input(&self) -> bool {
        self.state == State::Open
    }

    /// Invalid input: it does not keep the connection alive, and costs a
    /// protocol-error token.
    fn spend_protocol_error(&mut self) -> bool {
        self.input_error = true;
        self.spend(Budget::ProtocolErrors)
    }
}

/// Three ASCII digits of a status code in 100..=999.
fn status_digits(status: u16, buf: &mut [u8; 3]) -> &[u8] {
    let s = status.clamp(100, 999);
    let d = [s / 100, (s / 10) % 10, s % 10];
    for (b, x) in buf.iter_mut().zip(d) {
        *b = b'0'.saturating_add(u8::try_from(x).unwrap_or(0));
    }
    &buf[..]
}

/// Fields never added to the HPACK table (RFC 7541 §7.1.3).
fn is_sensitive(name: &[u8]) -> bool {
    matches!(name, b"authorization" | b"proxy-authorization" | b"set-cookie")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_digits_work() {
        let mut b = [0; 3];
        assert_eq!(status_digits(204, &mut b), b"204");
        assert_eq!(status_digits(100, &mut b), b"100");
        assert_eq!(status_digits(999, &mut b), b"999");
    }
}
