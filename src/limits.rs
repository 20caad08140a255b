//! Every bound on peer-controlled resources, with its default, and the token
//! bucket used for rate limits. docs/SECURITY.md lists each limit beside
//! nghttp2's and h2's defaults and names the attack it defends against.

/// All limits of one connection. Times are milliseconds; `0` disables a timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Decoded header fields per block (CVE-2019-9516, 2026 "HTTP/2 bomb").
    pub max_header_fields: usize,
    /// Raw (compressed) bytes of one header block, HEADERS + CONTINUATIONs.
    pub max_header_block_bytes: usize,
    /// CONTINUATION frames allowed per block on top of the size-based count
    /// ⌈max_header_block_bytes / max_frame_size⌉ (CONTINUATION flood; counts
    /// frames, so zero-length CONTINUATIONs are bounded too).
    pub continuation_frames_base: u32,
    /// Control bytes (ACKs, RST_STREAM, WINDOW_UPDATE, GOAWAY) queued by peer
    /// input and not yet taken by write_output (PING/SETTINGS flood, peer not reading).
    pub max_control_bytes: usize,
    /// PING ACKs queued and not yet written.
    pub max_pending_ping_acks: usize,
    /// Our own PINGs awaiting ACK (app pings beyond this are refused).
    pub max_outstanding_pings: usize,
    /// Streams we reset or that closed, remembered to tell "closed" from "idle".
    pub closed_stream_memory: usize,
    /// PRIORITY_UPDATEs kept for streams not yet opened.
    pub idle_priority_memory: usize,
    /// Per-stream queued-but-unsent response bytes above which SendBlocked fires.
    pub stream_send_buffer: u64,
    /// Per-connection queued bytes above which every stream is SendBlocked.
    pub connection_send_buffer: u64,
    /// Per-stream hard cap: send_data beyond it fails with BufferFull.
    pub stream_send_buffer_hard: u64,
    /// Per-connection hard cap: send_data beyond it fails with BufferFull.
    pub connection_send_buffer_hard: u64,
    /// Peer RST_STREAM frames (Rapid Reset, CVE-2023-44487).
    pub reset_burst: u32,
    pub reset_rate_per_s: u32,
    /// Peer-provoked errors ("glitches", MadeYouReset CVE-2025-8671 and floods).
    pub glitch_burst: u32,
    pub glitch_rate_per_s: u32,
    /// SETTINGS frames (SETTINGS flood, CVE-2019-9515).
    pub settings_burst: u32,
    pub settings_rate_per_s: u32,
    /// PING frames (PING flood, CVE-2019-9512).
    pub ping_burst: u32,
    pub ping_rate_per_s: u32,
    /// Frames that cost CPU but do no work: WINDOW_UPDATEs that unblock
    /// nothing and are not paid for by DATA we sent, tiny increments, late
    /// frames on streams we reset, unsolicited PING ACKs, repeated GOAWAYs.
    pub noop_frame_burst: u32,
    pub noop_frame_rate_per_s: u32,
    /// A WINDOW_UPDATE smaller than this that does not cover everything
    /// waiting on the window is a no-op frame even when it unblocks data
    /// (1-byte increments: CPU per frame for a byte of work, data dribble).
    pub min_window_update: u32,
    /// Connection preface + first SETTINGS must arrive within this (slowloris).
    pub preface_timeout_ms: u64,
    /// A header block (HEADERS..END_HEADERS) must complete within this.
    pub header_block_timeout_ms: u64,
    /// No valid frame in and no DATA out for this long → GOAWAY (Twisted: 60 s).
    pub idle_timeout_ms: u64,
    /// Our SETTINGS must be ACKed within this → GOAWAY(SETTINGS_TIMEOUT).
    pub settings_ack_timeout_ms: u64,
    /// Graceful shutdown: wait this long for the PING ACK after GOAWAY(2^31-1).
    pub shutdown_ping_timeout_ms: u64,
    /// Graceful shutdown: after the final GOAWAY, streams have this long to finish.
    pub drain_timeout_ms: u64,
    /// After our GOAWAY on idle timeout, wait this long for the peer to close
    /// before reporting Closed (Twisted's abortTimeout, 15 s).
    pub close_timeout_ms: u64,
    /// A stream with queued data and no window for this long is reset
    /// (zero-window stall: memory pinned by a peer that never opens its window).
    pub stall_timeout_ms: u64,
    /// Slow request bodies (Apache mod_reqtimeout `body=20,MinRate=500`): an
    /// open request body must be complete by `request_body_timeout_ms +
    /// received bytes / min_request_body_rate`, counted from the request
    /// HEADERS and not counting time the peer was held back by our receive
    /// windows. Past it the stream is reset (CANCEL). 0 disables the check.
    pub request_body_timeout_ms: u64,
    /// Bytes per second that extend the body deadline (0: a fixed deadline).
    pub min_request_body_rate: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_header_fields: 128,
            max_header_block_bytes: 80 * 1024,
            continuation_frames_base: 8,
            max_control_bytes: 17 * 1024,
            max_pending_ping_acks: 100,
            max_outstanding_pings: 10,
            closed_stream_memory: 256,
            idle_priority_memory: 32,
            stream_send_buffer: 256 * 1024,
            connection_send_buffer: 4 * 1024 * 1024,
            stream_send_buffer_hard: 16 * 1024 * 1024,
            connection_send_buffer_hard: 64 * 1024 * 1024,
            reset_burst: 1000,
            reset_rate_per_s: 33,
            glitch_burst: 1000,
            glitch_rate_per_s: 33,
            settings_burst: 100,
            settings_rate_per_s: 10,
            ping_burst: 100,
            ping_rate_per_s: 10,
            noop_frame_burst: 1000,
            noop_frame_rate_per_s: 100,
            min_window_update: 1024,
            preface_timeout_ms: 10_000,
            header_block_timeout_ms: 10_000,
            idle_timeout_ms: 60_000,
            settings_ack_timeout_ms: 10_000,
            shutdown_ping_timeout_ms: 5_000,
            drain_timeout_ms: 30_000,
            close_timeout_ms: 15_000,
            stall_timeout_ms: 60_000,
            request_body_timeout_ms: 20_000,
            min_request_body_rate: 500,
        }
    }
}

impl Limits {
    /// CONTINUATION frames allowed in one header block, given our max frame size.
    pub fn max_continuation_frames(&self, max_frame_size: u32) -> u32 {
        let frame = usize::try_from(max_frame_size.max(1)).unwrap_or(usize::MAX);
        let by_size = self.max_header_block_bytes.div_ceil(frame);
        self.continuation_frames_base.saturating_add(u32::try_from(by_size).unwrap_or(u32::MAX))
    }
}

/// A token bucket: `burst` tokens, refilled at `rate_per_s`, time from the
/// caller in milliseconds. A clock that goes backwards refills nothing and
/// drains nothing (Twisted's `test_backwardClockDoesNotDrainBucket`).
#[derive(Clone, Copy, Debug)]
pub struct TokenBucket {
    burst: u32,
    rate_per_s: u32,
    /// Tokens × 1000, so refills at sub-token precision need no floats.
    milli_tokens: u64,
    last_ms: u64,
}

impl TokenBucket {
    pub fn new(burst: u32, rate_per_s: u32, now_ms: u64) -> Self {
        TokenBucket { burst, rate_per_s, milli_tokens: u64::from(burst).saturating_mul(1000), last_ms: now_ms }
    }

    fn refill(&mut self, now_ms: u64) {
        if now_ms <= self.last_ms {
            return; // backwards (or unchanged) clock: clamp elapsed to 0
        }
        let elapsed = now_ms.saturating_sub(self.last_ms);
        self.last_ms = now_ms;
        // rate tokens/s = rate milli-tokens/ms
        let add = elapsed.saturating_mul(u64::from(self.rate_per_s));
        let cap = u64::from(self.burst).saturating_mul(1000);
        self.milli_tokens = self.milli_tokens.saturating_add(add).min(cap);
    }

    /// Spend one token. `false`: the bucket is empty (the caller cuts the peer off).
    pub fn take(&mut self, now_ms: u64) -> bool {
        self.refill(now_ms);
        if self.milli_tokens >= 1000 {
            self.milli_tokens = self.milli_tokens.saturating_sub(1000);
            true
        } else {
            false
        }
    }

    /// Give back up to `n` tokens (never above the burst): work done earns
    /// the peer room for the frames that normally follow it.
    pub fn earn(&mut self, n: u32) {
        let cap = u64::from(self.burst).saturating_mul(1000);
        self.milli_tokens = self.milli_tokens.saturating_add(u64::from(n).saturating_mul(1000)).min(cap);
    }

    /// Whole tokens left (for tests and inspection).
    pub fn tokens(&self) -> u64 {
        self.milli_tokens / 1000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_burst_allowed_then_refused() {
        let mut b = TokenBucket::new(1000, 33, 0);
        for _ in 0..1000 {
            assert!(b.take(0));
        }
        assert!(!b.take(0));
    }

    #[test]
    fn refills_over_time() {
        let mut b = TokenBucket::new(10, 2, 0);
        for _ in 0..10 {
            assert!(b.take(0));
        }
        assert!(!b.take(0));
        assert!(!b.take(499)); // 0.998 token
        assert!(b.take(500)); // 1 token after 0.5 s at 2/s
        assert!(!b.take(500));
        assert!(b.take(10_000_000));
        assert_eq!(b.tokens(), 9); // capped at burst, minus one
    }

    #[test]
    fn sustained_rate_is_fine() {
        let mut b = TokenBucket::new(5, 33, 0);
        // one reset every 31 ms (< 33/s) for a long time
        for i in 0..10_000u64 {
            assert!(b.take(i * 31), "at {i}");
        }
    }

    #[test]
    fn backwards_clock_does_not_drain_or_refill() {
        let mut b = TokenBucket::new(2, 1, 10_000);
        assert!(b.take(10_000));
        assert!(b.take(5_000)); // clock went back: no refill, but the token was there
        assert!(!b.take(5_000));
        assert!(!b.take(9_999));
        assert!(b.take(11_000)); // 1 s after the latest time seen
    }

    #[test]
    fn continuation_cap() {
        let l = Limits::default();
        assert_eq!(l.max_continuation_frames(16_384), 8 + 5);
        assert_eq!(l.max_continuation_frames(1 << 24), 8 + 1);
    }
}
