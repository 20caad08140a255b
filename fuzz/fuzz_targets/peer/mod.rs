//! The other end of the connection, for the two engine targets (`connection`
//! fuzzes the server with a client here, `client` the client with a server):
//! what the peer sends (frames, header blocks with bodies, input cut at
//! arbitrary points) and what it checks in the engine's output (segments add
//! up, no stream writes more DATA than was queued, every frame parses and every
//! header block decodes). Included by both targets with `mod peer;`.

use h2wasm::connection::{Output, Segment};
use h2wasm::frame::{self, Frame, FrameDecoder, FrameHeader, Item};
use h2wasm::hpack::{DecodeLimits, Decoder, Encoder, HeaderField};
use std::collections::HashMap;

/// `data` cut at the `cuts` points (each taken modulo its length + 1): the
/// pieces to feed one `receive` each, in order.
pub fn pieces<'a>(data: &'a [u8], cuts: &[u16]) -> Vec<&'a [u8]> {
    let mut at: Vec<usize> = cuts.iter().map(|&c| c as usize % (data.len() + 1)).collect();
    at.sort_unstable();
    let mut out = Vec::with_capacity(at.len() + 1);
    let mut from = 0;
    for to in at.into_iter().chain(std::iter::once(data.len())) {
        out.push(&data[from..to]);
        from = to;
    }
    out
}

/// One frame with an arbitrary type, flags and payload.
pub fn raw_frame(kind: u8, flags: u8, stream_id: u32, payload: &[u8]) -> Vec<u8> {
    let mut wire = Vec::new();
    FrameHeader { length: payload.len() as u32, kind, flags, stream_id }.write(&mut wire);
    wire.extend_from_slice(payload);
    wire
}

/// A HEADERS block of `fields` (HPACK-encoded with the peer's `encoder`), then
/// the body, if any, as 16 KiB DATA frames; END_STREAM on the last frame when
/// `end_stream`.
pub fn message(
    encoder: &mut Encoder,
    stream_id: u32,
    fields: Vec<HeaderField<'_>>,
    end_stream: bool,
    body: Option<&[u8]>,
) -> Vec<u8> {
    let mut block = Vec::new();
    encoder.encode(fields, &mut block);
    let mut wire = Vec::new();
    frame::write_headers(&mut wire, stream_id, &block, end_stream && body.is_none(), 16_384);
    if let Some(b) = body {
        for (i, chunk) in b.chunks(16_384).enumerate() {
            let last = (i + 1) * 16_384 >= b.len();
            frame::write_data(&mut wire, stream_id, chunk, end_stream && last, None);
        }
        if b.is_empty() {
            frame::write_data(&mut wire, stream_id, b"", end_stream, None);
        }
    }
    wire
}

/// The peer reading the engine's output.
pub struct Reader {
    /// DATA bytes the application queued, and the engine wrote, per stream.
    pub queued: HashMap<u32, u64>,
    sent: HashMap<u32, u64>,
    /// Bytes of a fixed prefix (the client preface) still to see first.
    prefix: &'static [u8],
    frames: FrameDecoder,
    hpack: Decoder,
    block: Vec<u8>,
    who: &'static str,
}

impl Reader {
    /// `who` names the engine in assertion messages; `prefix` is what its output must start with.
    pub fn new(who: &'static str, prefix: &'static [u8]) -> Reader {
        Reader {
            queued: HashMap::new(),
            sent: HashMap::new(),
            prefix,
            frames: FrameDecoder::new(frame::MAX_MAX_FRAME_SIZE),
            hpack: Decoder::new(4096),
            block: Vec::new(),
            who,
        }
    }

    /// The wire bytes of one `write_output` (DATA payloads are the
    /// application's: zeros here), checking the segments on the way.
    pub fn wire(&mut self, out: &Output) -> Vec<u8> {
        let mut wire = Vec::with_capacity(out.bytes.len());
        let mut at = 0usize;
        for seg in &out.segments {
            match *seg {
                Segment::Bytes { len } => {
                    let end = at + len as usize;
                    assert!(end <= out.bytes.len(), "Bytes segments exceed Output::bytes");
                    wire.extend_from_slice(&out.bytes[at..end]);
                    at = end;
                }
                Segment::Data { stream_id, len } => {
                    let sent = self.sent.entry(stream_id).or_default();
                    *sent += u64::from(len);
                    let queued = self.queued.get(&stream_id).copied().unwrap_or(0);
                    assert!(*sent <= queued, "stream {stream_id}: {sent} DATA bytes written, {queued} queued");
                    wire.resize(wire.len() + len as usize, 0);
                }
            }
        }
        assert_eq!(at, out.bytes.len(), "Bytes segments do not cover Output::bytes");
        wire
    }

    /// Parse `wire` as the peer would: the prefix first, then frames whose
    /// header blocks decode; `frame` sees each frame too.
    pub fn read(&mut self, mut wire: &[u8], mut frame: impl FnMut(&Frame<'_>)) {
        if !self.prefix.is_empty() && !wire.is_empty() {
            let n = self.prefix.len().min(wire.len());
            assert_eq!(&wire[..n], &self.prefix[..n], "the {} did not start with the preface", self.who);
            self.prefix = &self.prefix[n..];
            wire = &wire[n..];
        }
        let mut pos = 0;
        loop {
            match self.frames.decode(wire, &mut pos) {
                Ok(None) => break,
                Ok(Some(Item::Frame(f))) => {
                    frame(&f);
                    if let Frame::Headers { fragment, end_headers, .. }
                    | Frame::Continuation { fragment, end_headers, .. } = f
                    {
                        self.block.extend_from_slice(fragment);
                        if end_headers {
                            let limits = DecodeLimits { max_list_size: usize::MAX, max_fields: usize::MAX };
                            let r = self.hpack.decode(&self.block, &limits, &mut |_| {});
                            assert!(r.is_ok(), "{} header block does not decode: {r:?} {:02x?}", self.who, self.block);
                            self.block.clear();
                        }
                    }
                }
                Ok(Some(_)) => {}
                Err(e) => panic!("{} output is not valid HTTP/2: {e}", self.who),
            }
        }
    }
}
