//! The glue both roles run on top of the sub-machines: what the server's
//! and the client's `Core` do the same way, written once as the provided
//! methods of [`Role`]. A role implements the few required methods (how it
//! ends the connection, drops a stream, acts on a header block, and
//! [`Role::machines`], one borrow of every shared machine at once) and gets
//! event queueing, the abuse budget, the frame-decoding loop, header-block
//! progress and decoding, DATA's window and padding accounting, RST_STREAM,
//! SETTINGS, PING answers, the commands both roles have (`consumed`, body,
//! trailers, PING, reset), back-pressure, the DATA loop of `write_output`
//! and the shared timers. Dispatch is static: each role's `Core` gets its
//! own copy, so the hot paths stay monomorphic.
//!
//! Both roles track how long our receive windows hold the peer back
//! (`note_recv_window`); only the server's request-body timer reads it.
//!
//! What differs in meaning stays in the roles: inbound DATA and HEADERS
//! (requests vs responses), WINDOW_UPDATE accounting (the server budgets
//! useless ones per frame, the client wakes streams once per input chunk),
//! GOAWAY and stream teardown events, PING ACKs, idle and role timers.

use std::collections::VecDeque;

use crate::error::{ErrorCode, ProtoError, UserError};
use crate::frame::{self, Item};
use crate::hpack::{self, DecodeLimits};
use crate::limits::Limits;
use crate::proto::abuse::{AbuseLimiter, Budget, Exhausted};
use crate::proto::conn_flow::ConnFlow;
use crate::proto::data::{
    back_pressure, consume, pack_fields, queue_data, schedule, send_turn, DataIn, SendCtx, SendView, Turn,
};
use crate::proto::header_block::{Block, BlockError, Decoded, FieldArena, HeaderBlockAssembler, Progress};
use crate::proto::outbound::{Cause, Control, Outbound, Output, QUEUE_FULL_REASON};
use crate::proto::ping::Pings;
use crate::proto::settings_sync::SettingsSync;
use crate::proto::streams::{LiveStream, StreamStore};
use crate::schedule::Scheduler;
use crate::semantics;
use crate::stream::{CloseKind, SendState};
use crate::stream_rules::{rule, StreamFrame, Verdict};

/// The events both roles report the same way.
pub trait RoleEvent: Sized {
    fn is_closed(&self) -> bool;
    /// SendBlocked (`blocked`) or SendReady.
    fn send_state(stream_id: u32, blocked: bool) -> Self;
    fn stream_closed(stream_id: u32) -> Self;
    fn settings() -> Self;
    /// The peer reset the stream (RST_STREAM(code)); `unsent`: bytes the
    /// application queued that will never be sent.
    fn reset_by_peer(stream_id: u32, code: ErrorCode, unsent: u64) -> Self;
}

/// One borrow of each machine the shared glue uses (split from the role's
/// `Core`, so several can be used at once).
pub struct Machines<'a, S, E> {
    pub now: u64,
    pub limits: &'a Limits,
    pub out: &'a mut Outbound,
    pub abuse: &'a mut AbuseLimiter,
    pub events: &'a mut VecDeque<E>,
    /// `Closed` was queued: nothing more is.
    pub closed_emitted: &'a mut bool,
    pub settings: &'a mut SettingsSync,
    pub streams: &'a mut StreamStore<S>,
    pub decoder: &'a mut hpack::Decoder,
    pub encoder: &'a mut hpack::Encoder,
    pub assembler: &'a mut HeaderBlockAssembler,
    /// The decoded fields of the current `receive`.
    pub arena: &'a mut FieldArena,
    pub pings: &'a mut Pings,
    pub flow: &'a mut ConnFlow,
    /// The DATA frame being streamed in.
    pub data: &'a mut Option<DataIn>,
    pub sched: &'a mut Scheduler,
    /// Scratch for HPACK encoding.
    pub scratch: &'a mut Vec<u8>,
}

/// `Machines` of a role's `Core`, whose fields carry the machines' names
/// (both roles' `Core`s do).
macro_rules! machines_of {
    ($core:expr) => {
        $crate::proto::role::Machines {
            now: $core.now,
            limits: &$core.limits,
            out: &mut $core.out,
            abuse: &mut $core.abuse,
            events: &mut $core.events,
            closed_emitted: &mut $core.closed_emitted,
            settings: &mut $core.settings,
            streams: &mut $core.streams,
            decoder: &mut $core.decoder,
            encoder: &mut $core.encoder,
            assembler: &mut $core.assembler,
            arena: &mut $core.arena,
            pings: &mut $core.pings,
            flow: &mut $core.flow,
            data: &mut $core.data,
            sched: &mut $core.sched,
            scratch: &mut $core.scratch,
        }
    };
}
pub(crate) use machines_of;

impl<S, E: RoleEvent> Machines<'_, S, E> {
    /// Queue an event; nothing follows `Closed`.
    #[inline]
    fn emit(&mut self, e: E) {
        if *self.closed_emitted {
            return;
        }
        *self.closed_emitted = e.is_closed();
        self.events.push_back(e);
    }
}

/// A role's connection core (server or client).
pub trait Role {
    type Stream: LiveStream;
    type Event: RoleEvent;
    /// What `tick` says when the peer's first SETTINGS do not come in time.
    const PREFACE_TIMEOUT_REASON: &'static str;
    /// The connection error when the peer's first frame is not SETTINGS.
    const FIRST_FRAME_NOT_SETTINGS: &'static str;

    fn machines(&mut self) -> Machines<'_, Self::Stream, Self::Event>;
    /// End the connection: GOAWAY(code, reason) where the role sends one,
    /// every stream reset, Error (for real errors) and Closed.
    fn close_with(&mut self, code: ErrorCode, reason: &'static str, remote: bool);
    /// Decode a complete header block and act on it.
    fn complete_block(&mut self, b: Block, block: &[u8]);
    /// Drop a live stream's state, remembering how it ended.
    fn drop_stream(&mut self, id: u32, kind: CloseKind) -> Option<Self::Stream>;
    /// RST_STREAM(code) from us and a `Reset { remote: false }` event.
    fn reset_local(&mut self, id: u32, code: ErrorCode, cause: Cause);
    /// Close once no stream is left, if a GOAWAY or a close asked for it.
    fn check_drained(&mut self);
    /// DATA may be written (not after our closing GOAWAY).
    fn data_may_flow(&self) -> bool;
    /// Fields never added to the HPACK table (RFC 7541 §7.1.3; the roles send different ones).
    fn is_sensitive(name: &[u8]) -> bool;
    /// A stream's DATA and trailers all went out in `write_output`.
    fn on_send_complete(s: &mut Self::Stream, abuse: &mut AbuseLimiter, now: u64);
    /// Outbound DATA of `write_output` (a role may count it as activity).
    fn on_data_sent(&mut self) {}
    /// The peer's SETTINGS were applied and acknowledged.
    fn on_settings_applied(&mut self) {}
    /// The connection is over (commands that only reopen windows are ignored).
    fn is_closed(&self) -> bool;
    /// The application took bytes of this stream (before its windows reopen).
    fn on_consumed(_: &mut Self::Stream, _: u64) {}
    /// Input is still read (not after the connection ended, nor, on the
    /// server, while it waits for the peer to close after an idle GOAWAY).
    fn reads_input(&self) -> bool;

    /// Queue an event; nothing follows `Closed`.
    fn emit(&mut self, e: Self::Event) {
        self.machines().emit(e);
    }

    /// Queue a frame. A peer that fills its share of the queue (it sends
    /// faster than it reads) is cut off.
    fn queue(&mut self, cause: Cause, c: Control<'_>) {
        if self.machines().out.push(cause, c).is_err() {
            self.close_with(ErrorCode::ENHANCE_YOUR_CALM, QUEUE_FULL_REASON, false);
        }
    }

    /// Spend a token of `budget`; on exhaustion the connection is closed.
    /// Returns false when it was closed.
    fn spend(&mut self, budget: Budget) -> bool {
        let m = self.machines();
        match m.abuse.spend(budget, m.now) {
            Ok(()) => true,
            Err(Exhausted(b)) => {
                self.close_with(ErrorCode::ENHANCE_YOUR_CALM, b.reason(), false);
                false
            }
        }
    }

    /// Invalid input: costs a protocol-error token. Returns false when the
    /// connection was closed.
    fn spend_protocol_error(&mut self) -> bool {
        self.spend(Budget::ProtocolErrors)
    }

    /// A peer-provoked error (counted for the application, and against the
    /// protocol-error budget). Returns false when the connection was closed.
    fn peer_error(&mut self) -> bool {
        let counts = &mut self.machines().abuse.counts;
        counts.errors = counts.errors.saturating_add(1);
        self.spend_protocol_error()
    }

    fn protocol_error(&mut self, reason: &'static str) {
        self.close_with(ErrorCode::PROTOCOL_ERROR, reason, false);
    }

    // ---- inbound ----

    /// Decode `input` from `pos`, handing each item to `on_item` while the
    /// connection reads input. A frame the decoder skipped as a stream error
    /// goes to `on_stream_error`, unless it came inside a header block or
    /// before the peer's SETTINGS (a connection error then). Returns whether
    /// any item came.
    #[inline]
    fn read_items(
        &mut self,
        frames: &mut frame::FrameDecoder,
        input: &[u8],
        mut pos: usize,
        on_item: impl Fn(&mut Self, Item<'_>),
        on_stream_error: impl Fn(&mut Self, u32, ErrorCode, &'static str),
    ) -> bool {
        let mut any = false;
        while self.reads_input() {
            match frames.decode(input, &mut pos) {
                Ok(None) => break,
                Ok(Some(item)) => {
                    any = true;
                    on_item(self, item);
                }
                Err(ProtoError::Connection { code, reason }) => {
                    self.close_with(code, reason, false);
                    break;
                }
                Err(ProtoError::Stream { stream_id, code, reason }) => {
                    let m = self.machines();
                    if m.assembler.in_progress().is_some() || !m.settings.got_peer {
                        self.protocol_error("frame inside a header block or before SETTINGS");
                        break;
                    }
                    on_stream_error(self, stream_id, code, reason);
                }
            }
        }
        any
    }

    /// The rules every decoded item passes first: SETTINGS comes first
    /// (§3.4), nothing comes between the frames of a header block (§6.10).
    /// Returns false when the connection was closed.
    fn admits(&mut self, item: &Item<'_>) -> bool {
        let m = self.machines();
        if !m.settings.admits(item) {
            self.protocol_error(Self::FIRST_FRAME_NOT_SETTINGS);
            return false;
        }
        if !m.assembler.admits(item) {
            self.protocol_error("frame inside a header block");
            return false;
        }
        true
    }

    /// HEADERS: a whole block, or the start of a split one.
    fn on_headers(&mut self, block: Block, end_headers: bool, fragment: &[u8]) {
        if end_headers {
            self.complete_block(block, fragment);
        } else {
            let m = self.machines();
            let progress = m.assembler.start(block, fragment, m.limits);
            self.on_block_progress(progress);
        }
    }

    fn on_continuation(&mut self, end_headers: bool, fragment: &[u8]) {
        let m = self.machines();
        let progress = m.assembler.continuation(fragment, end_headers, m.limits, m.settings.local.max_frame_size);
        self.on_block_progress(progress);
    }

    /// After a HEADERS or CONTINUATION of a split block.
    fn on_block_progress(&mut self, progress: Result<Progress, BlockError>) {
        match progress {
            Err(e) => {
                let (code, reason) = e.code_and_reason();
                self.close_with(code, reason, false);
            }
            Ok(Progress::Pending { empty }) => {
                if empty {
                    self.peer_error();
                }
            }
            Ok(Progress::Complete(b)) => {
                let buf = self.machines().assembler.take_buf();
                self.complete_block(b, &buf);
                self.machines().assembler.restore_buf(buf);
            }
        }
    }

    /// DATA's connection-level checks: the connection window, and empty
    /// frames without END_STREAM (they do nothing: the CVE-2019-9518 flood
    /// costs protocol-error tokens). Returns false when the frame goes no
    /// further.
    fn admit_data(&mut self, end_stream: bool, length: u32) -> bool {
        let m = self.machines();
        if m.flow.recv.receive(length).is_err() {
            self.close_with(ErrorCode::FLOW_CONTROL_ERROR, "connection window exceeded", false);
            return false;
        }
        m.flow.note_recv_window(m.now);
        !(length == 0 && !end_stream && !self.peer_error())
    }

    /// Credit DATA the application will never consume (ignored frames,
    /// padding) back to the connection window.
    fn credit_conn(&mut self, n: u64) {
        if let Some(inc) = self.machines().flow.recv.credit(n) {
            self.queue(Cause::Peer, Control::WindowUpdate { stream_id: 0, increment: inc });
        }
        let m = self.machines();
        m.flow.note_recv_window(m.now);
    }

    /// A chunk of DATA payload: the live stream it is for, unless the frame
    /// is being dropped.
    #[inline]
    fn payload_stream(&mut self, id: u32, start: usize, end: usize) -> Option<&mut Self::Stream> {
        let Machines { data, streams, .. } = self.machines();
        if !data.as_mut()?.on_payload(id, end.saturating_sub(start)) {
            return None;
        }
        streams.get_mut(&id)
    }

    /// The end of a DATA frame: its padding carries nothing to consume, so
    /// both windows get it back at once. Returns false when the frame was
    /// dropped or its stream is gone (nothing more to do).
    fn end_data_in(&mut self, id: u32, end_stream: bool) -> bool {
        let m = self.machines();
        let Some(padding) = m.data.take().and_then(|d| d.padding(id)) else { return false };
        let Some(s) = m.streams.get_mut(&id) else { return false };
        if padding > 0 {
            let s = s.stream_mut();
            let stream_inc = s.recv.credit(padding);
            s.note_recv_window(m.now);
            if let (Some(inc), false) = (stream_inc, end_stream) {
                self.queue(Cause::Peer, Control::WindowUpdate { stream_id: id, increment: inc });
            }
            self.credit_conn(padding);
        }
        true
    }

    /// Decode a complete header block into the arena, within our
    /// MAX_HEADER_LIST_SIZE and field-count limits. None when it could not
    /// be decoded (the connection is closed: COMPRESSION_ERROR).
    fn decode_block(&mut self, block: &[u8]) -> Option<Decoded> {
        let m = self.machines();
        let limits = DecodeLimits {
            max_list_size: usize::try_from(m.settings.local.max_header_list_size).unwrap_or(usize::MAX),
            max_fields: m.limits.max_header_fields,
        };
        let decoded = m.arena.decode(m.decoder, block, &limits).ok();
        if decoded.is_none() {
            self.close_with(ErrorCode::COMPRESSION_ERROR, "header block decoding failed", false);
        }
        decoded
    }

    /// RST_STREAM: judged by the §5.1 table, within the reset budget; a
    /// live stream is dropped and reported.
    fn on_rst(&mut self, id: u32, code: ErrorCode) {
        let m = self.machines();
        let rule = rule(StreamFrame::RstStream, m.streams.lookup(id));
        if let Verdict::ConnectionError(code) = rule.verdict {
            self.close_with(code, rule.reason, false);
            return;
        }
        let counts = &mut m.abuse.counts;
        counts.resets = counts.resets.saturating_add(1);
        if !self.spend(Budget::Resets) {
            return;
        }
        if let Some(s) = self.drop_stream(id, CloseKind::ResetRemote) {
            self.emit(Self::Event::reset_by_peer(id, code, s.stream().queued));
            self.check_drained();
        }
    }

    /// A connection-level WINDOW_UPDATE: an increment of 0, or one that takes
    /// the window past 2^31-1, is a connection error (§6.9, §6.9.1).
    /// Returns false when the connection was closed.
    fn grow_send_window(&mut self, inc: u32) -> bool {
        if inc == 0 {
            self.protocol_error("WINDOW_UPDATE of 0 on the connection");
            return false;
        }
        if self.machines().flow.send.adjust(i64::from(inc)).is_err() {
            self.close_with(ErrorCode::FLOW_CONTROL_ERROR, "connection window above 2^31-1", false);
            return false;
        }
        true
    }

    fn on_settings(&mut self, ack: bool, params: &[u8]) {
        if !self.spend(Budget::Settings) {
            return;
        }
        let m = self.machines();
        if ack {
            m.settings.on_ack(m.streams, m.decoder);
            return;
        }
        match m.settings.apply_peer(params, m.streams, m.encoder) {
            Err((code, reason)) => self.close_with(code, reason, false),
            Ok(applied) => {
                // §6.5.3: ACK once applied. h2 "always ACKs before reading more".
                self.queue(Cause::Peer, Control::SettingsAck);
                self.emit(Self::Event::settings());
                self.on_settings_applied();
                if applied.window_changed {
                    self.wake_all();
                }
            }
        }
    }

    /// A PING (not an ACK): answered, within the PING budget and the cap on
    /// ACKs we owe.
    fn on_ping_request(&mut self, data: [u8; 8]) {
        if !self.spend(Budget::Pings) {
            return;
        }
        let m = self.machines();
        if !m.pings.owe_ack(m.limits.max_pending_ping_acks) {
            self.close_with(ErrorCode::ENHANCE_YOUR_CALM, "too many unanswered PINGs", false);
            return;
        }
        self.queue(Cause::Peer, Control::PingAck(data));
    }

    // ---- streams ----

    /// The application took `n` body bytes of the stream: reopen windows
    /// (WINDOW_UPDATE once half a window has been consumed). Unknown or
    /// finished streams are ignored (their bytes were credited when they ended).
    fn consumed(&mut self, id: u32, n: u32) {
        if self.is_closed() {
            return;
        }
        let m = self.machines();
        let Some(s) = m.streams.get_mut(&id) else { return };
        Self::on_consumed(s, m.now);
        let reopened = consume(s.stream_mut(), m.flow, n, m.now);
        if let Some(inc) = reopened.stream {
            m.out.local(Control::WindowUpdate { stream_id: id, increment: inc });
        }
        if let Some(inc) = reopened.connection {
            m.out.local(Control::WindowUpdate { stream_id: 0, increment: inc });
        }
    }

    /// Queue `len` body bytes of the stream (the role has checked that the
    /// connection takes commands).
    fn queue_body(&mut self, id: u32, len: u32, end_stream: bool) -> Result<(), UserError> {
        let mut m = self.machines();
        // One store lookup for the whole call (this runs once per body write):
        // queue, schedule and back-pressure on the same stream.
        let s = m.streams.get_mut(&id).ok_or(UserError::StreamClosed)?;
        let now_full = queue_data(s.stream_mut(), m.flow, m.limits, len, end_stream)?;
        schedule(s, id, m.sched, m.flow.send.available());
        if now_full {
            self.refresh_all();
        } else {
            let view = SendView::new(m.flow, m.limits, m.now);
            if let Some(blocked) = back_pressure(s, &view) {
                m.emit(Self::Event::send_state(id, blocked));
            }
        }
        Ok(())
    }

    /// The application resets a live stream (the role has checked that the
    /// connection takes commands).
    fn reset_by_app(&mut self, id: u32, code: ErrorCode) -> Result<(), UserError> {
        if !self.machines().streams.contains_key(&id) {
            return Err(UserError::StreamClosed);
        }
        self.reset_local(id, code, Cause::Local);
        Ok(())
    }

    /// Trailers end the stream after its queued DATA (the role has checked
    /// that the connection takes commands).
    fn queue_trailers(&mut self, id: u32, fields: &[(&[u8], &[u8])]) -> Result<(), UserError> {
        semantics::check_response_fields(fields)?;
        let s = self.machines().streams.get_mut(&id).ok_or(UserError::StreamClosed)?.stream_mut();
        if s.send != SendState::Headers {
            return Err(UserError::InvalidState);
        }
        s.trailers = Some(pack_fields(fields)?);
        s.send = SendState::Ending;
        self.schedule(id);
        self.refresh(id);
        Ok(())
    }

    /// The application's PING (the role has checked that the connection
    /// takes commands).
    fn send_ping(&mut self, data: [u8; 8]) -> Result<(), UserError> {
        let m = self.machines();
        m.pings.send(data, m.now, m.limits.max_outstanding_pings).map_err(|_| UserError::BufferFull)?;
        m.out.local(Control::Ping(data));
        Ok(())
    }

    /// Both sides finished normally.
    fn finish_stream(&mut self, id: u32) {
        if self.drop_stream(id, CloseKind::Ended).is_some() {
            self.emit(Self::Event::stream_closed(id));
        }
        self.check_drained();
    }

    // ---- outbound ----

    /// Append the queued frames, then DATA by priority, at most `max_bytes`
    /// of DATA payload.
    fn write_output(&mut self, out: &mut Output, max_bytes: usize) {
        let m = self.machines();
        m.out.flush_into(out);
        m.pings.flushed();
        if !self.data_may_flow() {
            return;
        }
        let mut budget = u64::try_from(max_bytes).unwrap_or(u64::MAX);
        let mut header = Vec::with_capacity(frame::FRAME_HEADER_LEN);
        // The budget is checked before popping so a stream's turn is never
        // spent without sending: round robin continues across calls.
        while budget > 0 {
            let m = self.machines();
            let Some(id) = m.sched.pop() else { break };
            let Some(s) = m.streams.get_mut(&id) else { continue };
            let mut cx = SendCtx {
                flow: m.flow,
                sched: m.sched,
                encoder: m.encoder,
                scratch: m.scratch,
                header: &mut header,
                out,
                peer_max_frame_size: m.settings.peer.max_frame_size,
                sensitive: Self::is_sensitive,
            };
            match send_turn(s, id, budget, &mut cx) {
                Turn::Skip => continue,
                Turn::Stop => break,
                Turn::Sent { data, ended } => {
                    budget = budget.saturating_sub(data);
                    let finished = ended && {
                        Self::on_send_complete(s, m.abuse, m.now);
                        s.stream().is_finished()
                    };
                    if data > 0 {
                        self.on_data_sent();
                    }
                    if finished {
                        self.finish_stream(id);
                        continue;
                    }
                }
            }
            self.refresh(id);
        }
        // Windows and buffers changed: ready/blocked and stall state of every stream.
        self.refresh_all();
    }

    /// Put a stream in the scheduler if it can send now.
    fn schedule(&mut self, id: u32) {
        let m = self.machines();
        let conn_avail = m.flow.send.available();
        if let Some(s) = m.streams.get_mut(&id) {
            schedule(s, id, m.sched, conn_avail);
        }
    }

    /// Windows opened (connection WINDOW_UPDATE or SETTINGS): reschedule and
    /// re-evaluate every stream.
    fn wake_all(&mut self) {
        let m = self.machines();
        let conn_avail = m.flow.send.available();
        for s in m.streams.values_mut() {
            let id = s.stream().id;
            schedule(s, id, m.sched, conn_avail);
        }
        self.refresh_all();
    }

    /// SendBlocked/SendReady transitions and zero-window stalls of every stream.
    fn refresh_all(&mut self) {
        let m = self.machines();
        let view = SendView::new(m.flow, m.limits, m.now);
        for s in m.streams.values_mut() {
            if let Some(blocked) = back_pressure(s, &view) {
                if !*m.closed_emitted {
                    m.events.push_back(Self::Event::send_state(s.stream().id, blocked));
                }
            }
        }
    }

    /// Report SendBlocked/SendReady transitions and track zero-window stalls for one stream.
    fn refresh(&mut self, id: u32) {
        let mut m = self.machines();
        let view = SendView::new(m.flow, m.limits, m.now);
        let Some(s) = m.streams.get_mut(&id) else { return };
        if let Some(blocked) = back_pressure(s, &view) {
            m.emit(Self::Event::send_state(id, blocked));
        }
    }

    // ---- timers ----

    /// The timers of the connection's start and of header blocks. Returns
    /// false when one fired (the connection is closed).
    fn tick_handshake(&mut self) -> bool {
        let m = self.machines();
        let (now, l) = (m.now, m.limits);
        let due = |t: Option<u64>| t.is_some_and(|t| now >= t);
        if due(m.settings.peer_deadline(l.preface_timeout_ms)) {
            self.close_with(ErrorCode::PROTOCOL_ERROR, Self::PREFACE_TIMEOUT_REASON, false);
            return false;
        }
        if due(m.settings.ack_deadline(l.settings_ack_timeout_ms)) {
            self.close_with(ErrorCode::SETTINGS_TIMEOUT, "SETTINGS not acknowledged", false);
            return false;
        }
        if due(m.assembler.deadline(l.header_block_timeout_ms)) {
            self.close_with(ErrorCode::PROTOCOL_ERROR, "header block timeout", false);
            return false;
        }
        true
    }

    /// Streams stalled on a zero window longer than `stall_timeout_ms`: RST_STREAM(CANCEL).
    fn reset_stalled(&mut self) {
        let m = self.machines();
        let (now, limit) = (m.now, m.limits.stall_timeout_ms);
        if limit == 0 {
            return;
        }
        let stalled: Vec<u32> = m
            .streams
            .values()
            .filter(|s| s.stream().stalled_since.is_some_and(|t| after(t, limit).is_some_and(|t| now >= t)))
            .map(|s| s.stream().id)
            .collect();
        for id in stalled {
            self.reset_local(id, ErrorCode::CANCEL, Cause::Local);
        }
    }
}

/// `limit` after `start`; None when the limit is 0 (the timer is off).
pub fn after(start: u64, limit: u64) -> Option<u64> {
    (limit > 0).then(|| start.saturating_add(limit))
}

/// The earliest of several optional deadlines.
#[derive(Clone, Copy, Debug, Default)]
pub struct Earliest(pub Option<u64>);

impl Earliest {
    pub fn add(&mut self, t: Option<u64>) {
        if let Some(t) = t {
            self.0 = Some(self.0.map_or(t, |d| d.min(t)));
        }
    }

    /// The deadlines both roles share: the peer's first SETTINGS, the ACK
    /// of ours, an unfinished header block, and zero-window stalls.
    pub fn add_shared<S: LiveStream>(
        &mut self,
        settings: &SettingsSync,
        assembler: &HeaderBlockAssembler,
        streams: &StreamStore<S>,
        l: &Limits,
    ) {
        self.add(settings.peer_deadline(l.preface_timeout_ms));
        self.add(settings.ack_deadline(l.settings_ack_timeout_ms));
        self.add(assembler.deadline(l.header_block_timeout_ms));
        if l.stall_timeout_ms > 0 {
            for s in streams.values() {
                if let Some(since) = s.stream().stalled_since {
                    self.add(after(since, l.stall_timeout_ms));
                }
            }
        }
    }
}
