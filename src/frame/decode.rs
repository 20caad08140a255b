//! The incremental frame decoder: a small state machine fed arbitrary chunks.
//!
//! Non-DATA frames are yielded whole. When a frame lies wholly inside the
//! current input it borrows from the input (no copy); otherwise its payload
//! is gathered in one internal buffer that is reused from frame to frame
//! (no allocation per frame in steady state), bounded by the max frame size.
//! The 9 header bytes are gathered in a fixed array, so at most
//! `max_frame_size + 9` bytes are ever held.
//!
//! DATA is never buffered (see [`Item`]). Unknown frame types are yielded as
//! `Frame::Unknown` at their header and their payload is skipped unread.
//!
//! Errors: a `ProtoError::Stream` (only PRIORITY with a bad length) leaves
//! the decoder usable — the offending payload is skipped. After a
//! `ProtoError::Connection` the decoder is unusable: every later call
//! returns the same error, as the connection is going away anyway.

use super::header::{flags, kind, FrameHeader};
use super::parse::{check_header, data_padding, parse_payload};
use super::types::{Frame, Item};
use super::{DEFAULT_MAX_FRAME_SIZE, FRAME_HEADER_LEN, MAX_MAX_FRAME_SIZE};
use crate::error::ProtoError;

#[derive(Clone, Copy, Debug)]
enum State {
    /// Gathering the 9 header bytes (`head_len` so far).
    Head,
    /// Gathering a non-DATA payload into `buf`.
    Payload(FrameHeader),
    /// A PADDED DATA frame whose pad-length byte has not arrived.
    DataPadLen(FrameHeader),
    /// Inside a DATA frame: payload bytes left, then padding bytes left.
    Data { stream_id: u32, end_stream: bool, data_left: u32, pad_left: u32 },
    /// Discarding the payload of an unknown frame (or one with a stream error).
    Skip { left: u32 },
    /// A connection error happened; it is returned again on every call.
    Failed(ProtoError),
}

/// What one step of the state machine produced. Whole frames are described
/// by where their payload is, so the borrow is taken only at the end of
/// [`FrameDecoder::decode`] (either the input or the buffer).
enum Step {
    NeedMore,
    Ready(Item<'static>),
    WholeInInput(FrameHeader, usize, usize),
    WholeInBuf(FrameHeader),
}

/// Incremental HTTP/2 frame decoder (server side: the preface is not its business).
#[derive(Debug)]
pub struct FrameDecoder {
    max_frame_size: u32,
    state: State,
    head: [u8; FRAME_HEADER_LEN],
    head_len: usize,
    buf: Vec<u8>,
}

fn clamp_frame_size(n: u32) -> u32 {
    n.clamp(DEFAULT_MAX_FRAME_SIZE, MAX_MAX_FRAME_SIZE)
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl FrameDecoder {
    /// `max_frame_size` is clamped to the legal range 16,384..=16,777,215.
    pub fn new(max_frame_size: u32) -> Self {
        FrameDecoder {
            max_frame_size: clamp_frame_size(max_frame_size),
            state: State::Head,
            head: [0; FRAME_HEADER_LEN],
            head_len: 0,
            buf: Vec::new(),
        }
    }

    /// Our own SETTINGS_MAX_FRAME_SIZE, to be applied once the peer ACKed it.
    /// Applies to frames whose header arrives afterwards.
    pub fn set_max_frame_size(&mut self, n: u32) {
        self.max_frame_size = clamp_frame_size(n);
        let cap = usize::try_from(self.max_frame_size).unwrap_or(usize::MAX);
        if self.buf.capacity() > cap {
            self.buf.shrink_to(cap);
        }
    }

    pub fn max_frame_size(&self) -> u32 {
        self.max_frame_size
    }

    /// Bytes held inside right now (partial header + partial payload).
    /// Never above `max_frame_size + 9`.
    pub fn buffered(&self) -> usize {
        self.head_len.saturating_add(self.buf.len())
    }

    /// Capacity of the payload buffer (for the memory-bound tests).
    pub fn buffer_capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// True between frames (no partial frame held): where a connection may
    /// stop reading cleanly.
    pub fn at_frame_boundary(&self) -> bool {
        matches!(self.state, State::Head) && self.head_len == 0
    }

    /// Decode the next item from `input[*pos..]`, advancing `*pos`.
    /// `Ok(None)`: input used up (a partial frame is kept inside).
    /// `DataPayload` offsets index `input`.
    pub fn decode<'a>(&'a mut self, input: &'a [u8], pos: &mut usize) -> Result<Option<Item<'a>>, ProtoError> {
        let step = match self.step(input, pos) {
            Ok(s) => s,
            Err(e) => {
                if let ProtoError::Connection { .. } = e {
                    self.state = State::Failed(e);
                }
                return Err(e);
            }
        };
        // The payload was validated by `step`, so these parses cannot fail;
        // if one did, the error is still returned rather than a panic.
        match step {
            Step::NeedMore => Ok(None),
            Step::Ready(item) => Ok(Some(item)),
            Step::WholeInInput(h, start, end) => {
                let p = input.get(start..end).unwrap_or(&[]);
                parse_payload(&h, p).map(|f| Some(Item::Frame(f))).map_err(ProtoError::from)
            }
            Step::WholeInBuf(h) => parse_payload(&h, &self.buf).map(|f| Some(Item::Frame(f))).map_err(ProtoError::from),
        }
    }

    fn step(&mut self, input: &[u8], pos: &mut usize) -> Result<Step, ProtoError> {
        loop {
            let rest = input.get(*pos..).unwrap_or(&[]);
            match self.state {
                State::Failed(e) => return Err(e),
                State::Head => {
                    // A frame handed out from `buf` last time is done with now.
                    self.buf.clear();
                    let Some(h) = self.read_head(rest, pos) else {
                        return Ok(Step::NeedMore);
                    };
                    if let Some(step) = self.start_frame(h)? {
                        return Ok(step);
                    }
                }
                State::Payload(h) => return self.payload(h, rest, pos),
                State::DataPadLen(h) => {
                    let Some(&pad) = rest.first() else {
                        return Ok(Step::NeedMore);
                    };
                    advance(pos, 1);
                    let data_left = data_padding(&h, pad)?;
                    self.state = State::Data {
                        stream_id: h.stream_id,
                        end_stream: h.has(flags::END_STREAM),
                        data_left,
                        pad_left: u32::from(pad),
                    };
                    return Ok(Step::Ready(data_start(&h)));
                }
                State::Data { stream_id, end_stream, data_left, pad_left } => {
                    if data_left == 0 && pad_left == 0 {
                        self.state = State::Head;
                        return Ok(Step::Ready(Item::DataEnd { stream_id, end_stream }));
                    }
                    if rest.is_empty() {
                        return Ok(Step::NeedMore);
                    }
                    let left = if data_left > 0 { data_left } else { pad_left };
                    let n = to_u32(rest.len()).min(left);
                    let start = *pos;
                    advance(pos, n);
                    let left = left.saturating_sub(n);
                    if data_left > 0 {
                        self.state = State::Data { stream_id, end_stream, data_left: left, pad_left };
                        return Ok(Step::Ready(Item::DataPayload { stream_id, start, end: *pos }));
                    }
                    self.state = State::Data { stream_id, end_stream, data_left, pad_left: left };
                }
                State::Skip { left } => {
                    if left == 0 {
                        self.state = State::Head;
                        continue;
                    }
                    if rest.is_empty() {
                        return Ok(Step::NeedMore);
                    }
                    let n = to_u32(rest.len()).min(left);
                    advance(pos, n);
                    self.state = State::Skip { left: left.saturating_sub(n) };
                }
            }
        }
    }

    /// Gather the header; `None` until all 9 bytes are there.
    fn read_head(&mut self, rest: &[u8], pos: &mut usize) -> Option<FrameHeader> {
        if self.head_len == 0 {
            // Fast path: the whole header is in this input.
            if let Some(h) = rest.first_chunk::<FRAME_HEADER_LEN>() {
                advance(pos, to_u32(FRAME_HEADER_LEN));
                return Some(FrameHeader::parse(h));
            }
        }
        let have = self.head_len;
        let dst = self.head.get_mut(have..).unwrap_or(&mut []);
        let n = dst.len().min(rest.len());
        if let (Some(d), Some(s)) = (dst.get_mut(..n), rest.get(..n)) {
            d.copy_from_slice(s);
        }
        self.head_len = have.saturating_add(n);
        *pos = pos.saturating_add(n);
        if self.head_len < FRAME_HEADER_LEN {
            return None;
        }
        self.head_len = 0;
        Some(FrameHeader::parse(&self.head))
    }

    /// Check a new header and set the state for its payload. `Some(step)`
    /// when there is something to yield right away.
    fn start_frame(&mut self, h: FrameHeader) -> Result<Option<Step>, ProtoError> {
        if let Err(e) = check_header(&h, self.max_frame_size).map_err(ProtoError::from) {
            if let ProtoError::Stream { .. } = e {
                self.state = State::Skip { left: h.length };
            }
            return Err(e);
        }
        match h.kind {
            kind::DATA if h.has(flags::PADDED) => {
                self.state = State::DataPadLen(h);
                Ok(None)
            }
            kind::DATA => {
                self.state = State::Data {
                    stream_id: h.stream_id,
                    end_stream: h.has(flags::END_STREAM),
                    data_left: h.length,
                    pad_left: 0,
                };
                Ok(Some(Step::Ready(data_start(&h))))
            }
            kind::HEADERS
            | kind::PRIORITY
            | kind::RST_STREAM
            | kind::SETTINGS
            | kind::PUSH_PROMISE
            | kind::PING
            | kind::GOAWAY
            | kind::WINDOW_UPDATE
            | kind::CONTINUATION
            | kind::PRIORITY_UPDATE => {
                self.state = State::Payload(h);
                Ok(None)
            }
            _ => {
                // Never buffered: the payload is skipped as it arrives.
                self.state = State::Skip { left: h.length };
                Ok(Some(Step::Ready(Item::Frame(Frame::Unknown { header: h }))))
            }
        }
    }

    /// Gather a non-DATA payload; borrow the input when the frame is wholly in it.
    fn payload(&mut self, h: FrameHeader, rest: &[u8], pos: &mut usize) -> Result<Step, ProtoError> {
        let len = usize::try_from(h.length).unwrap_or(usize::MAX);
        if self.buf.is_empty() {
            if let Some(p) = rest.get(..len) {
                // Validate now (padding) so `decode` only has to borrow.
                parse_payload(&h, p)?;
                let start = *pos;
                *pos = pos.saturating_add(len);
                self.state = State::Head;
                return Ok(Step::WholeInInput(h, start, *pos));
            }
            // Reserve the frame's size once; the buffer is reused afterwards.
            self.buf.reserve_exact(len);
        }
        let need = len.saturating_sub(self.buf.len());
        let n = need.min(rest.len());
        self.buf.extend_from_slice(rest.get(..n).unwrap_or(&[]));
        *pos = pos.saturating_add(n);
        if self.buf.len() < len {
            return Ok(Step::NeedMore);
        }
        parse_payload(&h, &self.buf)?;
        self.state = State::Head;
        Ok(Step::WholeInBuf(h))
    }
}

fn advance(pos: &mut usize, n: u32) {
    *pos = pos.saturating_add(usize::try_from(n).unwrap_or(usize::MAX));
}

fn data_start(h: &FrameHeader) -> Item<'static> {
    Item::DataStart { stream_id: h.stream_id, flags: h.flags, length: h.length }
}
