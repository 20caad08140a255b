//! PING (§6.7): the ones we sent, waiting for their ACK, and the ACKs we owe.

use std::collections::VecDeque;

#[derive(Debug, Default)]
pub struct Pings {
    /// PINGs we sent: data and when, oldest first.
    outstanding: VecDeque<([u8; 8], u64)>,
    /// ACKs queued since the output was last flushed.
    owed_acks: usize,
}

/// Too many of our PINGs are unanswered (`max_outstanding_pings`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooManyPings;

impl Pings {
    /// Record a PING we are about to send.
    pub fn send(&mut self, data: [u8; 8], now_ms: u64, max_outstanding: usize) -> Result<(), TooManyPings> {
        if self.outstanding.len() >= max_outstanding {
            return Err(TooManyPings);
        }
        self.outstanding.push_back((data, now_ms));
        Ok(())
    }

    /// An ACK: when the matching PING was sent, or None for an ACK of nothing.
    pub fn acked(&mut self, data: [u8; 8]) -> Option<u64> {
        let i = self.outstanding.iter().position(|p| p.0 == data)?;
        self.outstanding.remove(i).map(|p| p.1)
    }

    /// When the oldest unanswered PING was sent.
    pub fn oldest_sent(&self) -> Option<u64> {
        self.outstanding.front().map(|p| p.1)
    }

    pub fn none_outstanding(&self) -> bool {
        self.outstanding.is_empty()
    }

    /// We owe the peer one more ACK. False beyond `max_pending_ping_acks`
    /// unflushed ACKs: a peer that pings without reading is cut off.
    pub fn owe_ack(&mut self, max_owed: usize) -> bool {
        self.owed_acks = self.owed_acks.saturating_add(1);
        self.owed_acks <= max_owed
    }

    /// The output was flushed: the ACKs owed went out.
    pub fn flushed(&mut self) {
        self.owed_acks = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acks_match_by_data_and_report_when_sent() {
        let mut p = Pings::default();
        p.send([1; 8], 10, 2).unwrap();
        p.send([2; 8], 20, 2).unwrap();
        assert_eq!(p.send([3; 8], 30, 2), Err(TooManyPings));
        assert_eq!(p.oldest_sent(), Some(10));
        assert_eq!(p.acked([2; 8]), Some(20));
        assert_eq!(p.acked([2; 8]), None);
        assert_eq!(p.acked([1; 8]), Some(10));
        assert!(p.none_outstanding());
    }

    #[test]
    fn owed_acks_are_bounded_until_flushed() {
        let mut p = Pings::default();
        assert!(p.owe_ack(1));
        assert!(!p.owe_ack(1));
        p.flushed();
        assert!(p.owe_ack(1));
    }
}
