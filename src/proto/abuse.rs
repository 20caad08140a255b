//! The abuse limiter: token buckets for the kinds of peer input that cost us
//! work without being useful, so a peer that floods them is cut off with
//! GOAWAY(ENHANCE_YOUR_CALM) while an ordinary one never notices. Every
//! burst and rate is in [`Limits`]. It also counts what an application may
//! want to budget across connections ([`PeerCounts`]).

use crate::limits::{Limits, TokenBucket};

/// One kind of spendable peer behaviour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Budget {
    /// RST_STREAM received (rapid reset, CVE-2023-44487).
    Resets,
    /// Stream errors, malformed messages, empty or useless frames
    /// (CVE-2019-9513, CVE-2019-9518).
    ProtocolErrors,
    /// SETTINGS frames (CVE-2019-9515).
    Settings,
    /// PING frames (CVE-2019-9512).
    Pings,
    /// Frames that do no work: late WINDOW_UPDATEs, ACKs of nothing,
    /// repeated GOAWAYs, frames for streams we reset.
    NoopFrames,
}

impl Budget {
    /// GOAWAY debug data when this budget runs out.
    pub fn reason(self) -> &'static str {
        match self {
            Budget::Resets => "too many RST_STREAM (rapid reset)",
            Budget::ProtocolErrors => "too many protocol errors",
            Budget::Settings => "too many SETTINGS frames",
            Budget::Pings => "too many PING frames",
            Budget::NoopFrames => "too many frames that do no work",
        }
    }
}

/// The budget ran out: the caller ends the connection with ENHANCE_YOUR_CALM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exhausted(pub Budget);

/// Peer behaviour an application may budget across connections (one
/// server, one peer address): counted since the last `take_peer_counts`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeerCounts {
    /// RST_STREAM frames received.
    pub resets: u32,
    /// Streams refused with REFUSED_STREAM (over MAX_CONCURRENT_STREAMS).
    pub refused: u32,
    /// Other peer-provoked errors (stream errors, malformed requests, empty
    /// or useless frames).
    pub errors: u32,
}

impl PeerCounts {
    pub fn total(&self) -> u32 {
        self.resets.saturating_add(self.refused).saturating_add(self.errors)
    }
}

#[derive(Debug)]
pub struct AbuseLimiter {
    resets: TokenBucket,
    protocol_errors: TokenBucket,
    settings: TokenBucket,
    pings: TokenBucket,
    noop_frames: TokenBucket,
    pub counts: PeerCounts,
}

impl AbuseLimiter {
    pub fn new(l: &Limits, now_ms: u64) -> Self {
        AbuseLimiter {
            resets: TokenBucket::new(l.reset_burst, l.reset_rate_per_s, now_ms),
            protocol_errors: TokenBucket::new(l.glitch_burst, l.glitch_rate_per_s, now_ms),
            settings: TokenBucket::new(l.settings_burst, l.settings_rate_per_s, now_ms),
            pings: TokenBucket::new(l.ping_burst, l.ping_rate_per_s, now_ms),
            noop_frames: TokenBucket::new(l.noop_frame_burst, l.noop_frame_rate_per_s, now_ms),
            counts: PeerCounts::default(),
        }
    }

    /// Spend one token of `budget`.
    pub fn spend(&mut self, budget: Budget, now_ms: u64) -> Result<(), Exhausted> {
        let bucket = match budget {
            Budget::Resets => &mut self.resets,
            Budget::ProtocolErrors => &mut self.protocol_errors,
            Budget::Settings => &mut self.settings,
            Budget::Pings => &mut self.pings,
            Budget::NoopFrames => &mut self.noop_frames,
        };
        if bucket.take(now_ms) {
            Ok(())
        } else {
            Err(Exhausted(budget))
        }
    }

    /// Work done that normally draws a frame doing nothing (a stream's last
    /// DATA draws a late stream WINDOW_UPDATE): that frame is paid for.
    pub fn earn_noop(&mut self, n: u32) {
        self.noop_frames.earn(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_budget_runs_out_on_its_own() {
        let l = Limits { ping_burst: 2, ping_rate_per_s: 0, ..Limits::default() };
        let mut a = AbuseLimiter::new(&l, 0);
        assert_eq!(a.spend(Budget::Pings, 0), Ok(()));
        assert_eq!(a.spend(Budget::Pings, 0), Ok(()));
        assert_eq!(a.spend(Budget::Pings, 0), Err(Exhausted(Budget::Pings)));
        assert_eq!(a.spend(Budget::Settings, 0), Ok(()));
    }

    #[test]
    fn earned_noop_tokens_pay_for_late_frames() {
        let l = Limits { noop_frame_burst: 1, noop_frame_rate_per_s: 0, ..Limits::default() };
        let mut a = AbuseLimiter::new(&l, 0);
        assert!(a.spend(Budget::NoopFrames, 0).is_ok());
        assert!(a.spend(Budget::NoopFrames, 0).is_err());
        a.earn_noop(1);
        assert!(a.spend(Budget::NoopFrames, 0).is_ok());
    }
}
