//! The streams store: live streams, the bounded record of closed ones, the
//! priorities the peer sent for streams it has not opened yet, and the ids
//! each side has used. Its [`lookup`](StreamStore::lookup) is the one place a
//! stream id is classified for the §5.1 table ([`crate::stream_rules`]).
//!
//! Role-neutral: the store is told which parity the peer opens and whether
//! it may open streams at all (a client that sent ENABLE_PUSH 0 accepts none).

use std::collections::btree_map::{Keys, Range, Values, ValuesMut};
use std::collections::{BTreeMap, VecDeque};

use crate::schedule::Priority;
use crate::stream::{CloseKind, ClosedStreams, Stream};
use crate::stream_rules::{ClosedCause, Lookup};

/// A live stream of either role: the shared per-stream state, plus what
/// the role keeps beside it.
pub trait LiveStream {
    fn stream(&self) -> &Stream;
    fn stream_mut(&mut self) -> &mut Stream;
    /// The peer ended its side (END_STREAM received).
    fn recv_closed(&self) -> bool {
        self.stream().recv_closed
    }
    /// Its HEADERS went out or came in (false for a client request still
    /// waiting for a concurrency slot: the peer cannot know the id yet).
    fn on_wire(&self) -> bool {
        true
    }
}

impl From<CloseKind> for ClosedCause {
    fn from(k: CloseKind) -> Self {
        match k {
            CloseKind::Ended => ClosedCause::Ended,
            CloseKind::ResetLocal => ClosedCause::ResetLocal,
            CloseKind::ResetRemote => ClosedCause::ResetRemote,
        }
    }
}

#[derive(Debug)]
pub struct StreamStore<S> {
    live: BTreeMap<u32, S>,
    closed: ClosedStreams,
    /// Priorities (RFC 9218 PRIORITY_UPDATE) for streams the peer has not opened yet, oldest first.
    idle_priorities: VecDeque<(u32, Priority)>,
    idle_priority_cap: usize,
    /// Parity of the ids the peer opens (1: the peer is a client).
    peer_parity: u32,
    peer_may_open: bool,
    /// Highest stream id the peer opened (§5.1.1).
    pub last_peer_id: u32,
    /// The next id we open; every id of our parity at or above it is unopened.
    pub next_local_id: u32,
}

impl<S: LiveStream> StreamStore<S> {
    /// The server's store: the peer opens odd ids; we open none.
    pub fn server(closed_memory: usize, idle_priority_memory: usize) -> Self {
        Self::new(1, true, 0, closed_memory, idle_priority_memory)
    }

    /// The client's store: we open odd ids from 1; the peer opens none (no push).
    pub fn client(closed_memory: usize) -> Self {
        Self::new(0, false, 1, closed_memory, 0)
    }

    fn new(
        peer_parity: u32,
        peer_may_open: bool,
        next_local_id: u32,
        closed_memory: usize,
        idle_priority_memory: usize,
    ) -> Self {
        StreamStore {
            live: BTreeMap::new(),
            closed: ClosedStreams::new(closed_memory),
            idle_priorities: VecDeque::new(),
            idle_priority_cap: idle_priority_memory,
            peer_parity,
            peer_may_open,
            last_peer_id: 0,
            next_local_id,
        }
    }

    /// Where stream `id` is, from our (the receiver's) point of view.
    pub fn lookup(&self, id: u32) -> Lookup {
        match self.live.get(&id) {
            Some(s) => Self::live_lookup(s),
            None => self.ids().absent_lookup(&self.closed, id),
        }
    }

    /// [`lookup`](Self::lookup) and the live stream it found, in one search
    /// (for frames that go on to update the stream, once per DATA frame).
    pub fn lookup_mut(&mut self, id: u32) -> (Lookup, Option<&mut S>) {
        // The ids are copied out first: the borrow checker does not let a
        // `&self` call follow a `get_mut` whose result is returned.
        let ids = self.ids();
        match self.live.get_mut(&id) {
            Some(s) => (Self::live_lookup(s), Some(s)),
            None => (ids.absent_lookup(&self.closed, id), None),
        }
    }

    #[inline]
    fn ids(&self) -> IdSpace {
        IdSpace {
            peer_parity: self.peer_parity,
            peer_may_open: self.peer_may_open,
            last_peer_id: self.last_peer_id,
            next_local_id: self.next_local_id,
        }
    }

    #[inline]
    fn live_lookup(s: &S) -> Lookup {
        if !s.on_wire() {
            Lookup::Unopened
        } else if s.recv_closed() {
            Lookup::HalfClosedRemote
        } else {
            Lookup::Open
        }
    }

    pub fn get(&self, id: &u32) -> Option<&S> {
        self.live.get(id)
    }

    pub fn get_mut(&mut self, id: &u32) -> Option<&mut S> {
        self.live.get_mut(id)
    }

    pub fn contains_key(&self, id: &u32) -> bool {
        self.live.contains_key(id)
    }

    pub fn insert(&mut self, id: u32, s: S) {
        self.live.insert(id, s);
    }

    /// Drop a live stream, remembering how it ended if the peer knows it.
    pub fn close(&mut self, id: u32, kind: CloseKind) -> Option<S> {
        let s = self.live.remove(&id)?;
        if s.on_wire() {
            self.closed.insert(id, kind);
        }
        Some(s)
    }

    /// Remember how a stream that never became live ended (refused,
    /// rejected, or above our final GOAWAY).
    pub fn record_closed(&mut self, id: u32, kind: CloseKind) {
        self.closed.insert(id, kind);
    }

    pub fn len(&self) -> usize {
        self.live.len()
    }

    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }

    pub fn keys(&self) -> Keys<'_, u32, S> {
        self.live.keys()
    }

    pub fn values(&self) -> Values<'_, u32, S> {
        self.live.values()
    }

    pub fn values_mut(&mut self) -> ValuesMut<'_, u32, S> {
        self.live.values_mut()
    }

    pub fn range(&self, from: u32) -> Range<'_, u32, S> {
        self.live.range(from..)
    }

    /// The priority the peer gave an idle stream before opening it.
    pub fn take_idle_priority(&mut self, id: u32) -> Option<Priority> {
        let i = self.idle_priorities.iter().position(|e| e.0 == id)?;
        self.idle_priorities.remove(i).map(|e| e.1)
    }

    /// A PRIORITY_UPDATE for an idle stream: applied on top of any earlier
    /// one; the oldest is forgotten beyond `idle_priority_memory`.
    pub fn update_idle_priority(&mut self, id: u32, field_value: &[u8]) {
        let base = self.take_idle_priority(id).unwrap_or_default();
        if self.idle_priority_cap == 0 {
            return;
        }
        if self.idle_priorities.len() >= self.idle_priority_cap {
            self.idle_priorities.pop_front();
        }
        self.idle_priorities.push_back((id, base.parse_update(field_value)));
    }
}

/// Which ids each side opens and has opened: what classifies an id that
/// is not live.
#[derive(Clone, Copy)]
struct IdSpace {
    peer_parity: u32,
    peer_may_open: bool,
    last_peer_id: u32,
    next_local_id: u32,
}

impl IdSpace {
    /// Where a stream that is not live is.
    #[inline]
    fn absent_lookup(self, closed: &ClosedStreams, id: u32) -> Lookup {
        if id == 0 {
            return Lookup::Unopened; // the connection, never a stream
        }
        if id % 2 == self.peer_parity {
            if id > self.last_peer_id {
                return if self.peer_may_open { Lookup::Idle } else { Lookup::Unopened };
            }
            // Not remembered: maybe closed long ago, maybe skipped (§5.1.1).
            return Lookup::Closed(closed.get(id).map_or(ClosedCause::Unknown, ClosedCause::from));
        }
        if id >= self.next_local_id {
            return Lookup::Unopened;
        }
        Lookup::Closed(closed.get(id).map_or(ClosedCause::Forgotten, ClosedCause::from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct S {
        s: Stream,
        on_wire: bool,
    }

    impl LiveStream for S {
        fn stream(&self) -> &Stream {
            &self.s
        }
        fn stream_mut(&mut self) -> &mut Stream {
            &mut self.s
        }
        fn on_wire(&self) -> bool {
            self.on_wire
        }
    }

    fn s(recv_closed: bool, on_wire: bool) -> S {
        let mut st = Stream::new(1, 10, 10, 10);
        st.recv_closed = recv_closed;
        S { s: st, on_wire }
    }

    #[test]
    fn server_lookup() {
        let mut st: StreamStore<S> = StreamStore::server(8, 4);
        st.last_peer_id = 7;
        st.insert(5, s(false, true));
        st.insert(7, s(true, true));
        st.record_closed(3, CloseKind::ResetLocal);
        assert_eq!(st.lookup(9), Lookup::Idle);
        assert_eq!(st.lookup(5), Lookup::Open);
        assert_eq!(st.lookup(7), Lookup::HalfClosedRemote);
        assert_eq!(st.lookup(3), Lookup::Closed(ClosedCause::ResetLocal));
        assert_eq!(st.lookup(1), Lookup::Closed(ClosedCause::Unknown));
        assert_eq!(st.lookup(2), Lookup::Unopened); // a server never opens streams
        assert_eq!(st.lookup(0), Lookup::Unopened);
        assert!(st.close(5, CloseKind::Ended).is_some());
        assert_eq!(st.lookup(5), Lookup::Closed(ClosedCause::Ended));
    }

    #[test]
    fn client_lookup() {
        let mut st: StreamStore<S> = StreamStore::client(8);
        st.next_local_id = 9;
        st.insert(5, s(false, true));
        st.insert(7, s(false, false));
        assert_eq!(st.lookup(5), Lookup::Open);
        assert_eq!(st.lookup(7), Lookup::Unopened); // waiting for a slot
        assert_eq!(st.lookup(9), Lookup::Unopened);
        assert_eq!(st.lookup(2), Lookup::Unopened); // no push
        assert_eq!(st.lookup(1), Lookup::Closed(ClosedCause::Forgotten));
        assert!(st.close(7, CloseKind::ResetLocal).is_some());
        assert_eq!(st.lookup(7), Lookup::Closed(ClosedCause::Forgotten)); // never on the wire: not recorded
    }

    #[test]
    fn idle_priorities_are_bounded() {
        let mut st: StreamStore<S> = StreamStore::server(8, 2);
        st.update_idle_priority(1, b"u=1");
        st.update_idle_priority(3, b"u=2");
        st.update_idle_priority(5, b"u=3");
        assert_eq!(st.take_idle_priority(1), None);
        assert!(st.take_idle_priority(3).is_some());
        assert!(st.take_idle_priority(3).is_none());
    }
}
