//! GOAWAY both ways (§6.8) and the server's two-phase graceful shutdown.

/// Stream id used in the first GOAWAY of a graceful shutdown (§6.8).
pub const MAX_STREAM_ID: u32 = 0x7fff_ffff;
/// Opaque data of the PING that ends phase 1 of a graceful shutdown.
pub const SHUTDOWN_PING: [u8; 8] = *b"h2wasm\x00\x01";
/// Debug data kept from the peer's GOAWAY.
const MAX_DEBUG_DATA: usize = 1024;

/// Graceful shutdown phases (§6.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shutdown {
    None,
    /// GOAWAY(2^31-1) + PING sent; waiting for the ACK or `deadline`.
    AwaitPing {
        deadline: u64,
    },
    /// Final GOAWAY(last) sent; waiting for open streams or `deadline`.
    Draining {
        deadline: u64,
    },
}

#[derive(Debug)]
pub struct GoAway {
    /// last_stream_id of our final GOAWAY, once sent: streams the peer opens
    /// above it are ignored.
    pub sent_last: Option<u32>,
    /// The lowest last_stream_id the peer sent (a later GOAWAY may only lower it).
    pub received_last: Option<u32>,
    debug: Vec<u8>,
    pub shutdown: Shutdown,
}

impl Default for GoAway {
    fn default() -> Self {
        GoAway { sent_last: None, received_last: None, debug: Vec::new(), shutdown: Shutdown::None }
    }
}

impl GoAway {
    /// The peer's GOAWAY: returns the last stream id in force.
    pub fn on_received(&mut self, last_stream_id: u32, debug: &[u8]) -> u32 {
        self.debug.clear();
        self.debug.extend_from_slice(debug.get(..MAX_DEBUG_DATA).unwrap_or(debug));
        let last = self.received_last.map_or(last_stream_id, |g| g.min(last_stream_id));
        self.received_last = Some(last);
        last
    }

    pub fn peer_sent(&self) -> bool {
        self.received_last.is_some()
    }

    /// Debug data of the last GOAWAY received (at most 1 KiB kept).
    pub fn debug_data(&self) -> &[u8] {
        &self.debug
    }

    /// When the current shutdown phase times out.
    pub fn shutdown_deadline(&self) -> Option<u64> {
        match self.shutdown {
            Shutdown::None => None,
            Shutdown::AwaitPing { deadline } | Shutdown::Draining { deadline } => Some(deadline),
        }
    }

    pub fn draining(&self) -> bool {
        matches!(self.shutdown, Shutdown::Draining { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_later_goaway_may_only_lower_the_last_stream_id() {
        let mut g = GoAway::default();
        assert!(!g.peer_sent());
        assert_eq!(g.on_received(7, b"bye"), 7);
        assert_eq!(g.on_received(9, &[0; 2000]), 7);
        assert_eq!(g.debug_data().len(), 1024);
        assert_eq!(g.on_received(3, b""), 3);
    }
}
