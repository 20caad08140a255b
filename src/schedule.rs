//! Outbound scheduler: which stream's DATA goes next (RFC 9218 §4, §10).
//!
//! Eight urgency levels (0 most urgent, default 3). Within a level,
//! non-incremental streams are served one after another in stream-ID order
//! (each keeps the head until it has nothing more to send), then incremental
//! streams round robin, one frame each. Only streams that can send now are
//! queued: a stream with zero window is removed by the connection and put
//! back when a WINDOW_UPDATE or SETTINGS opens it, so nothing spins.
//! RFC 7540 priority trees are not kept (CVE-2019-9513).

use std::collections::VecDeque;

pub const URGENCY_LEVELS: usize = 8;
pub const DEFAULT_URGENCY: u8 = 3;

/// RFC 9218 priority parameters of a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Priority {
    pub urgency: u8,
    pub incremental: bool,
}

impl Default for Priority {
    fn default() -> Self {
        Priority { urgency: DEFAULT_URGENCY, incremental: false }
    }
}

impl Priority {
    /// Parse a `priority` field value / PRIORITY_UPDATE payload (RFC 9218 §4,
    /// a Structured Fields dictionary) on top of `self`. Unknown keys and
    /// out-of-range values are ignored, as §4 requires; a value that does not
    /// parse leaves the priority unchanged.
    pub fn parse_update(mut self, value: &[u8]) -> Self {
        for member in value.split(|&b| b == b',') {
            let member = trim(member);
            // drop parameters (";...") of a member
            let member = member.split(|&b| b == b';').next().unwrap_or(&[]);
            let (key, val) = match member.iter().position(|&b| b == b'=') {
                Some(i) => {
                    (trim(member.get(..i).unwrap_or(&[])), Some(trim(member.get(i.saturating_add(1)..).unwrap_or(&[]))))
                }
                None => (trim(member), None),
            };
            match key {
                b"u" => {
                    if let Some([d]) = val {
                        if d.is_ascii_digit() && *d <= b'7' {
                            self.urgency = d.saturating_sub(b'0');
                        }
                    }
                }
                b"i" => match val {
                    None | Some(b"?1") => self.incremental = true,
                    Some(b"?0") => self.incremental = false,
                    _ => {}
                },
                _ => {}
            }
        }
        self
    }
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|b| !matches!(b, b' ' | b'\t')).unwrap_or(s.len());
    let end = s.iter().rposition(|b| !matches!(b, b' ' | b'\t')).map_or(start, |i| i.saturating_add(1));
    s.get(start..end).unwrap_or(&[])
}

#[derive(Debug, Default)]
struct Level {
    /// Non-incremental, sorted by stream id.
    sequential: VecDeque<u32>,
    /// Incremental, round robin.
    incremental: VecDeque<u32>,
}

/// Ready streams by urgency. Entries are unique: the connection keeps a
/// `scheduled` flag per stream and calls `remove` before changing priority.
#[derive(Debug, Default)]
pub struct Scheduler {
    levels: [Level; URGENCY_LEVELS],
    len: usize,
}

impl Scheduler {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn len(&self) -> usize {
        self.len
    }

    fn level(&mut self, urgency: u8) -> Option<&mut Level> {
        self.levels.get_mut(usize::from(urgency.min(7)))
    }

    /// Make a stream ready to send.
    pub fn push(&mut self, id: u32, prio: Priority) {
        let Some(level) = self.level(prio.urgency) else { return };
        if prio.incremental {
            level.incremental.push_back(id);
        } else {
            let at = level.sequential.partition_point(|&x| x < id);
            level.sequential.insert(at, id);
        }
        self.len = self.len.saturating_add(1);
    }

    /// Take the next stream to serve one frame from. The connection pushes it
    /// back with `push` if it still has something to send: a sequential
    /// stream then returns to the head (its id is still the lowest), an
    /// incremental one goes to the back of its round.
    pub fn pop(&mut self) -> Option<u32> {
        for level in self.levels.iter_mut() {
            if let Some(id) = level.sequential.pop_front().or_else(|| level.incremental.pop_front()) {
                self.len = self.len.saturating_sub(1);
                return Some(id);
            }
        }
        None
    }

    /// Forget a stream (reset, closed, blocked or re-prioritised). O(n), n ≤ open streams.
    pub fn remove(&mut self, id: u32) -> bool {
        for level in self.levels.iter_mut() {
            for q in [&mut level.sequential, &mut level.incremental] {
                if let Some(i) = q.iter().position(|&x| x == id) {
                    q.remove(i);
                    self.len = self.len.saturating_sub(1);
                    return true;
                }
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(u: u8, i: bool) -> Priority {
        Priority { urgency: u, incremental: i }
    }

    #[test]
    fn parse_priority_values() {
        let d = Priority::default();
        assert_eq!(d.parse_update(b"u=1"), p(1, false));
        assert_eq!(d.parse_update(b"u=5, i"), p(5, true));
        assert_eq!(d.parse_update(b"i=?1"), p(3, true));
        assert_eq!(p(3, true).parse_update(b"i=?0"), p(3, false));
        assert_eq!(d.parse_update(b"u=9"), d); // out of range ignored
        assert_eq!(d.parse_update(b"u=x, foo=bar"), d);
        assert_eq!(d.parse_update(b"u=0;x=1 , i"), p(0, true));
        assert_eq!(d.parse_update(b""), d);
    }

    #[test]
    fn urgency_order() {
        let mut s = Scheduler::new();
        s.push(1, p(5, false));
        s.push(3, p(0, false));
        s.push(5, p(3, false));
        assert_eq!(s.pop(), Some(3));
        assert_eq!(s.pop(), Some(5));
        assert_eq!(s.pop(), Some(1));
        assert_eq!(s.pop(), None);
    }

    #[test]
    fn incremental_round_robin() {
        let mut s = Scheduler::new();
        for id in [1, 3, 5] {
            s.push(id, p(3, true));
        }
        let mut order = vec![];
        for _ in 0..6 {
            let id = s.pop().unwrap();
            order.push(id);
            s.push(id, p(3, true));
        }
        assert_eq!(order, [1, 3, 5, 1, 3, 5]);
    }

    #[test]
    fn sequential_one_after_another() {
        let mut s = Scheduler::new();
        s.push(5, p(3, false));
        s.push(1, p(3, false));
        let mut order = vec![];
        let mut left = [(1u32, 2), (5u32, 2)];
        while let Some(id) = s.pop() {
            order.push(id);
            let e = left.iter_mut().find(|e| e.0 == id).unwrap();
            e.1 -= 1;
            if e.1 > 0 {
                s.push(id, p(3, false));
            }
        }
        assert_eq!(order, [1, 1, 5, 5]);
    }

    #[test]
    fn remove_works() {
        let mut s = Scheduler::new();
        s.push(1, p(3, false));
        s.push(3, p(2, true));
        assert!(s.remove(3));
        assert!(!s.remove(3));
        assert_eq!(s.len(), 1);
        assert_eq!(s.pop(), Some(1));
        assert!(s.is_empty());
    }
}
