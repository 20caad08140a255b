//! DATA both ways, for either role: the inbound frame being streamed to the
//! application, and on the way out the application's queued bytes, one
//! scheduler turn at a time, with the producer back-pressure rule.
//!
//! Body bytes never enter the engine: inbound DATA is reported as ranges of
//! the caller's input, outbound DATA as "take N bytes of stream S"
//! ([`Segment::Data`](super::outbound::Segment::Data)).

use crate::error::UserError;
use crate::frame;
use crate::hpack::{self, HeaderField};
use crate::limits::Limits;
use crate::schedule::Scheduler;
use crate::stream::{SendState, Stream};

use super::conn_flow::ConnFlow;
use super::outbound::Output;
use super::streams::LiveStream;

/// The inbound DATA frame being streamed in (its payload may span several
/// `receive` calls).
#[derive(Clone, Copy, Debug)]
pub struct DataIn {
    pub stream_id: u32,
    length: u32,
    delivered: u32,
    /// Not delivered to the application (stream gone or in error).
    pub discard: bool,
}

impl DataIn {
    /// A frame to be discarded unless the caller accepts it.
    pub fn new(stream_id: u32, length: u32) -> Self {
        DataIn { stream_id, length, delivered: 0, discard: true }
    }

    /// `n` payload bytes of stream `id` arrived: true when they go to the application.
    pub fn on_payload(&mut self, id: u32, n: usize) -> bool {
        if self.discard || self.stream_id != id {
            return false;
        }
        self.delivered = self.delivered.saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
        true
    }

    /// The frame ended: its padding (never handed to the application, so
    /// credited at once), or None when the frame was discarded.
    pub fn padding(&self, id: u32) -> Option<u64> {
        if self.discard || self.stream_id != id {
            return None;
        }
        Some(u64::from(self.length.saturating_sub(self.delivered)))
    }
}

/// Which limit a body ran past.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overrun {
    No,
    /// The declared content-length (the peer's error; it wins when both are passed).
    ContentLength,
    /// The application's cap on a body's size.
    Cap,
}

/// Body bytes `input[start..end]` arrived on `s`: the range to hand to the
/// application, and which limit they ran past: the declared content-length,
/// or `cap` (the largest body the application takes; None: no cap). Past a
/// limit, exactly the bytes up to it are delivered, then the caller's error,
/// so the events do not depend on how the input was split.
pub fn accept_body(s: &mut Stream, start: usize, end: usize, cap: Option<u64>) -> (Option<(u32, u32)>, Overrun) {
    let n = end.saturating_sub(start);
    let before = s.body_received;
    s.body_received = before.saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
    let limit = match (s.content_length, cap) {
        (Some(cl), Some(cap)) => Some(cl.min(cap)),
        (cl, cap) => cl.or(cap),
    };
    let allowed = limit.map_or(n, |l| usize::try_from(l.saturating_sub(before)).unwrap_or(usize::MAX).min(n));
    let range = if allowed > 0 {
        let end = start.saturating_add(allowed);
        match (u32::try_from(start), u32::try_from(end)) {
            (Ok(start), Ok(end)) => Some((start, end)),
            _ => None,
        }
    } else {
        None
    };
    let overrun = if allowed == n {
        Overrun::No
    } else if s.content_length.is_some_and(|cl| s.body_received > cl) {
        Overrun::ContentLength
    } else {
        Overrun::Cap
    };
    (range, overrun)
}

/// WINDOW_UPDATEs owed after the application consumed body bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reopened {
    /// For the stream (None while the peer may send no more on it).
    pub stream: Option<u32>,
    pub connection: Option<u32>,
}

/// The application took `n` body bytes of `s` (at most what it holds):
/// both receive windows reopen, each with a WINDOW_UPDATE once half of it
/// has been consumed.
pub fn consume(s: &mut Stream, flow: &mut ConnFlow, n: u32, now: u64) -> Reopened {
    let n = u64::from(n).min(s.recv.unconsumed());
    let stream_inc = s.recv.credit(n);
    s.note_recv_window(now);
    let connection = flow.recv.credit(n);
    if connection.is_some() {
        flow.recv_opened_ms = now;
    }
    flow.note_recv_window(now);
    Reopened { stream: stream_inc.filter(|_| !s.recv_closed), connection }
}

/// The body matches its declared content-length, if any (§8.1.1).
pub fn body_complete(s: &Stream) -> bool {
    s.content_length.map_or(true, |cl| cl == s.body_received)
}

/// Queue `len` body bytes of the application on `s` (the caller keeps
/// them). Returns whether the connection's send buffer just crossed its
/// soft limit (every stream's back-pressure must be re-evaluated).
pub fn queue_data(
    s: &mut Stream,
    flow: &mut ConnFlow,
    limits: &Limits,
    len: u32,
    end_stream: bool,
) -> Result<bool, UserError> {
    if s.send != SendState::Headers {
        return Err(UserError::InvalidState);
    }
    let len64 = u64::from(len);
    if s.queued.saturating_add(len64) > limits.stream_send_buffer_hard
        || flow.queued.saturating_add(len64) > limits.connection_send_buffer_hard
    {
        return Err(UserError::BufferFull);
    }
    s.queued = s.queued.saturating_add(len64);
    if end_stream {
        s.send = SendState::Ending;
    }
    let was_full = flow.queued >= limits.connection_send_buffer;
    flow.queued = flow.queued.saturating_add(len64);
    Ok(!was_full && flow.queued >= limits.connection_send_buffer)
}

/// Pack header fields as `[name_len u32 LE][value_len u32 LE][name][value]...`
/// (trailers and waiting requests keep their fields this way until they are
/// HPACK-encoded in wire order).
pub fn pack_fields(fields: &[(&[u8], &[u8])]) -> Result<Vec<u8>, UserError> {
    let mut out = Vec::new();
    for (n, v) in fields {
        let (Ok(nl), Ok(vl)) = (u32::try_from(n.len()), u32::try_from(v.len())) else {
            return Err(UserError::InvalidHeader);
        };
        out.extend_from_slice(&nl.to_le_bytes());
        out.extend_from_slice(&vl.to_le_bytes());
        out.extend_from_slice(n);
        out.extend_from_slice(v);
    }
    Ok(out)
}

/// Iterate fields packed with [`pack_fields`].
pub fn unpack_fields(mut p: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    core::iter::from_fn(move || {
        let (nl, rest) = p.split_first_chunk::<4>()?;
        let (vl, rest) = rest.split_first_chunk::<4>()?;
        let (n, rest) = rest.split_at_checked(u32::from_le_bytes(*nl) as usize)?;
        let (v, rest) = rest.split_at_checked(u32::from_le_bytes(*vl) as usize)?;
        p = rest;
        Some((n, v))
    })
}

/// Put a stream in the scheduler if it can send now.
pub fn schedule<S: LiveStream>(s: &mut S, id: u32, sched: &mut Scheduler, conn_avail: u64) {
    let on_wire = s.on_wire();
    let st = s.stream_mut();
    if on_wire && !st.scheduled && st.has_sendable(conn_avail) {
        st.scheduled = true;
        sched.push(id, st.priority);
    }
}

/// What the outbound step needs besides the stream.
pub struct SendCtx<'a> {
    pub flow: &'a mut ConnFlow,
    pub sched: &'a mut Scheduler,
    pub encoder: &'a mut hpack::Encoder,
    pub scratch: &'a mut Vec<u8>,
    /// Reused frame-header buffer.
    pub header: &'a mut Vec<u8>,
    pub out: &'a mut Output,
    pub peer_max_frame_size: u32,
    /// Fields never added to the HPACK table (role-specific list).
    pub sensitive: fn(&[u8]) -> bool,
}

/// What one scheduler turn did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Turn {
    /// Nothing to send on this stream now.
    Skip,
    /// A frame larger than 4 GiB cannot be described: stop for this call.
    Stop,
    /// `data` payload bytes went out; `ended`: END_STREAM went with them (or
    /// with trailers or an empty DATA frame) and the stream's send side is done.
    Sent { data: u64, ended: bool },
}

/// One scheduler turn for stream `id`: a DATA frame of at most
/// min(stream window, connection window, peer MAX_FRAME_SIZE, `budget`),
/// then trailers (HPACK-encoded now, right after the last DATA) or an empty
/// END_STREAM when the queue is drained. A stream that can still send is
/// put back in the scheduler.
pub fn send_turn<S: LiveStream>(cs: &mut S, id: u32, budget: u64, cx: &mut SendCtx<'_>) -> Turn {
    let conn_avail = cx.flow.send.available();
    let on_wire = cs.on_wire();
    let s = cs.stream_mut();
    s.scheduled = false;
    if !on_wire || !s.has_sendable(conn_avail) {
        return Turn::Skip;
    }
    let mut end = false;
    let mut trailers = None;
    let mut data = 0;
    if s.queued > 0 {
        let n =
            s.queued.min(s.send_window.available()).min(conn_avail).min(u64::from(cx.peer_max_frame_size)).min(budget);
        let Ok(n32) = u32::try_from(n) else { return Turn::Stop };
        // Cannot fail: n ≤ both windows.
        let _ = s.send_window.consume(n);
        let _ = cx.flow.send.consume(n);
        s.queued = s.queued.saturating_sub(n);
        cx.flow.queued = cx.flow.queued.saturating_sub(n);
        if s.queued == 0 && s.send == SendState::Ending {
            if s.trailers.is_some() {
                trailers = s.trailers.take();
            } else {
                end = true;
            }
        }
        cx.header.clear();
        frame::write_data_header(cx.header, id, n32, end);
        cx.out.push_bytes(cx.header);
        cx.out.push_data(id, n32);
        // The peer credits these bytes back with WINDOW_UPDATEs: work, not no-ops.
        s.uncredited = s.uncredited.saturating_add(n);
        cx.flow.uncredited = cx.flow.uncredited.saturating_add(n);
        data = n;
    } else {
        // Nothing queued and the stream is ending: trailers or an empty END_STREAM.
        trailers = s.trailers.take();
        if trailers.is_none() {
            cx.header.clear();
            frame::write_data_header(cx.header, id, 0, true);
            cx.out.push_bytes(cx.header);
            end = true;
        }
    }
    if let Some(packed) = trailers {
        let sensitive = cx.sensitive;
        let list = unpack_fields(&packed).map(|(n, v)| HeaderField { name: n, value: v, sensitive: sensitive(n) });
        cx.scratch.clear();
        cx.encoder.encode(list, cx.scratch);
        cx.header.clear();
        frame::write_headers(cx.header, id, cx.scratch, true, cx.peer_max_frame_size);
        cx.out.push_bytes(cx.header);
        end = true;
    }
    if end {
        s.send = SendState::Done;
    } else if s.has_sendable(cx.flow.send.available()) {
        s.scheduled = true;
        cx.sched.push(id, s.priority);
    }
    Turn::Sent { data, ended: end }
}

/// What a role must still do once a stream's state is dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Released {
    /// Connection WINDOW_UPDATE for the bytes the application will never
    /// consume (sent unless the connection is closing).
    pub window_update: Option<u32>,
    /// The connection's send buffer fell below its soft limit: every
    /// stream's back-pressure must be re-evaluated.
    pub unfull: bool,
}

/// Drop stream `id`'s share of the connection: out of the scheduler, its
/// unconsumed bytes back to the connection window, its queued bytes off the
/// connection's send buffer, its DATA frame in progress discarded.
pub fn release(
    s: &Stream,
    id: u32,
    flow: &mut ConnFlow,
    sched: &mut Scheduler,
    data: &mut Option<DataIn>,
    limits: &Limits,
    now: u64,
) -> Released {
    if s.scheduled {
        sched.remove(id);
    }
    let window_update = flow.recv.credit(s.recv.unconsumed());
    flow.note_recv_window(now);
    let was_full = flow.queued >= limits.connection_send_buffer;
    flow.queued = flow.queued.saturating_sub(s.queued);
    if let Some(d) = data.as_mut() {
        if d.stream_id == id {
            d.discard = true;
        }
    }
    Released { window_update, unfull: was_full && flow.queued < limits.connection_send_buffer }
}

/// Connection-wide inputs to the per-stream back-pressure rule.
pub struct SendView {
    pub now: u64,
    pub conn_window: i64,
    pub conn_avail: u64,
    pub conn_full: bool,
    pub stream_limit: u64,
}

impl SendView {
    pub fn new(flow: &ConnFlow, limits: &Limits, now: u64) -> Self {
        SendView {
            now,
            conn_window: flow.send.get(),
            conn_avail: flow.send.available(),
            conn_full: flow.queued >= limits.connection_send_buffer,
            stream_limit: limits.stream_send_buffer,
        }
    }
}

/// Twisted's rule: blocked when min(stream, connection window) − queued ≤ 0;
/// also when a send buffer reaches its soft limit. Only reported while the
/// producer may still write (final headers sent, stream not ending). Also
/// tracks zero-window stalls (a stream not on the wire yet has no window to
/// wait for). Returns the new blocked state when it changed.
pub fn back_pressure<S: LiveStream>(cs: &mut S, v: &SendView) -> Option<bool> {
    let on_wire = cs.on_wire();
    let s = cs.stream_mut();
    if on_wire && s.is_stalled(v.conn_avail) {
        s.stalled_since.get_or_insert(v.now);
    } else {
        s.stalled_since = None;
    }
    if s.send != SendState::Headers {
        return None;
    }
    let window = s.send_window.get().min(v.conn_window);
    let room = i128::from(window).saturating_sub(i128::from(s.queued));
    let blocked = room <= 0 || s.queued >= v.stream_limit || v.conn_full;
    if blocked == s.blocked {
        return None;
    }
    s.blocked = blocked;
    Some(blocked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_fields_roundtrip() {
        let p = pack_fields(&[(b"a", b"1"), (b"grpc-status", b"")]).unwrap();
        let v: Vec<_> = unpack_fields(&p).collect();
        assert_eq!(v, [(&b"a"[..], &b"1"[..]), (b"grpc-status", b"")]);
    }

    #[test]
    fn body_past_content_length_is_cut_at_it() {
        let mut s = Stream::new(1, 10, 10, 10);
        s.content_length = Some(5);
        assert_eq!(accept_body(&mut s, 10, 13, None), (Some((10, 13)), Overrun::No));
        assert_eq!(accept_body(&mut s, 13, 17, None), (Some((13, 15)), Overrun::ContentLength));
        assert!(!body_complete(&s));
    }

    #[test]
    fn body_past_the_cap_is_cut_at_it_and_content_length_wins_when_both_are_passed() {
        let mut s = Stream::new(1, 10, 10, 10);
        assert_eq!(accept_body(&mut s, 0, 4, Some(6)), (Some((0, 4)), Overrun::No));
        assert_eq!(accept_body(&mut s, 4, 9, Some(6)), (Some((4, 6)), Overrun::Cap));
        let mut s = Stream::new(1, 10, 10, 10);
        s.content_length = Some(3);
        assert_eq!(accept_body(&mut s, 0, 9, Some(6)), (Some((0, 3)), Overrun::ContentLength));
        let mut s = Stream::new(1, 10, 10, 10);
        s.content_length = Some(8);
        assert_eq!(accept_body(&mut s, 0, 7, Some(6)), (Some((0, 6)), Overrun::Cap));
        let mut s = Stream::new(1, 10, 10, 10);
        s.content_length = Some(8);
        assert_eq!(accept_body(&mut s, 0, 9, Some(6)), (Some((0, 6)), Overrun::ContentLength));
    }

    #[test]
    fn padding_is_what_was_not_delivered() {
        let mut d = DataIn::new(3, 10);
        assert!(!d.on_payload(3, 4)); // discarded until accepted
        d.discard = false;
        assert!(d.on_payload(3, 4));
        assert!(!d.on_payload(5, 1));
        assert_eq!(d.padding(3), Some(6));
        assert_eq!(d.padding(5), None);
    }
}
