//! Flow-control windows (RFC 9113 §5.2, §6.9).
//!
//! Windows are `i64` so that a SETTINGS_INITIAL_WINDOW_SIZE decrease can
//! legally drive a send window negative (§6.9.2) without wrapping, and every
//! operation is checked against the 2^31-1 ceiling.

/// Largest legal window (2^31-1).
pub const MAX_WINDOW: i64 = 0x7fff_ffff;

/// Returned when a window would exceed 2^31-1 (FLOW_CONTROL_ERROR) or a
/// receiver's window would go below zero (peer sent more than allowed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowError;

/// A send or receive window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window(i64);

impl Window {
    pub fn new(initial: u32) -> Self {
        Window(i64::from(initial).min(MAX_WINDOW))
    }

    /// Current size; may be negative after an INITIAL_WINDOW_SIZE decrease.
    pub fn get(self) -> i64 {
        self.0
    }

    /// Bytes that may be sent now (0 when the window is zero or negative).
    pub fn available(self) -> u64 {
        u64::try_from(self.0).unwrap_or(0)
    }

    /// WINDOW_UPDATE or an INITIAL_WINDOW_SIZE delta (may be negative).
    pub fn adjust(&mut self, delta: i64) -> Result<(), WindowError> {
        let next = self.0.checked_add(delta).ok_or(WindowError)?;
        if next > MAX_WINDOW {
            return Err(WindowError);
        }
        self.0 = next;
        Ok(())
    }

    /// Take `n` bytes. Fails (and changes nothing) if fewer are available.
    pub fn consume(&mut self, n: u64) -> Result<(), WindowError> {
        let n = i64::try_from(n).map_err(|_| WindowError)?;
        if n > self.0 {
            return Err(WindowError);
        }
        self.0 = self.0.saturating_sub(n);
        Ok(())
    }
}

/// The receive side of one flow-control level (a stream or the connection).
///
/// Inbound windows are reopened only as the application reports consumed
/// bytes (plus padding, credited automatically), and a WINDOW_UPDATE goes out
/// once half of the target window has been consumed, like h2 and Twisted
/// (a WINDOW_UPDATE per DATA frame would double the frames on the wire).
#[derive(Clone, Copy, Debug)]
pub struct RecvFlow {
    /// What the peer may still send.
    window: Window,
    /// The window size we aim to keep open.
    target: u32,
    /// Received bytes the application has not yet consumed.
    unconsumed: u64,
    /// Consumed bytes not yet announced in a WINDOW_UPDATE.
    pending: u64,
}

impl RecvFlow {
    /// `initial`: the window the peer currently believes in; `target`: the
    /// window we want to keep open (raised to by WINDOW_UPDATE as data is consumed).
    pub fn new(initial: u32, target: u32) -> Self {
        RecvFlow { window: Window::new(initial), target, unconsumed: 0, pending: 0 }
    }

    pub fn window(&self) -> i64 {
        self.window.get()
    }

    pub fn unconsumed(&self) -> u64 {
        self.unconsumed
    }

    pub fn set_target(&mut self, target: u32) {
        self.target = target;
    }

    /// The peer sent `n` flow-controlled bytes. Err: more than the window allows.
    pub fn receive(&mut self, n: u32) -> Result<(), WindowError> {
        self.window.consume(u64::from(n))?;
        self.unconsumed = self.unconsumed.saturating_add(u64::from(n));
        Ok(())
    }

    /// Apply a change of our INITIAL_WINDOW_SIZE (once the peer ACKed it).
    pub fn adjust(&mut self, delta: i64) -> Result<(), WindowError> {
        self.window.adjust(delta)
    }

    /// The application (or the padding rule) consumed `n` bytes. Returns the
    /// increment to announce in a WINDOW_UPDATE, if one is due now. `n` is
    /// clamped to what was actually received, so an application bug cannot
    /// open the window beyond what the peer sent.
    pub fn credit(&mut self, n: u64) -> Option<u32> {
        let n = n.min(self.unconsumed);
        self.unconsumed = self.unconsumed.saturating_sub(n);
        self.pending = self.pending.saturating_add(n);
        self.take_update(false)
    }

    /// The increment due now (≥ half the target consumed), or with `force`
    /// any pending amount. Never lets the window exceed the target or 2^31-1.
    pub fn take_update(&mut self, force: bool) -> Option<u32> {
        let room = i64::from(self.target).saturating_sub(self.window.get());
        let room = u64::try_from(room).unwrap_or(0);
        let inc = self.pending.min(room).min(MAX_WINDOW as u64);
        let half = u64::from(self.target / 2).max(1);
        if inc == 0 || (!force && self.pending < half) {
            return None;
        }
        let inc32 = u32::try_from(inc).ok()?;
        self.window.adjust(i64::from(inc32)).ok()?;
        self.pending = self.pending.saturating_sub(inc);
        Some(inc32)
    }

    /// Raise the window towards `target` without anything consumed (used
    /// once at start for the connection window). Returns the increment.
    pub fn open_to_target(&mut self) -> Option<u32> {
        let room = i64::from(self.target).saturating_sub(self.window.get());
        let inc = u32::try_from(room.clamp(0, MAX_WINDOW)).ok()?;
        if inc == 0 {
            return None;
        }
        self.window.adjust(i64::from(inc)).ok()?;
        Some(inc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_ceiling() {
        let mut w = Window::new(65_535);
        assert!(w.adjust(MAX_WINDOW - 65_535).is_ok());
        assert_eq!(w.get(), MAX_WINDOW);
        assert_eq!(w.adjust(1), Err(WindowError));
        assert_eq!(w.get(), MAX_WINDOW);
    }

    #[test]
    fn window_negative_after_settings() {
        let mut w = Window::new(100);
        w.consume(80).unwrap();
        w.adjust(-100).unwrap();
        assert_eq!(w.get(), -80);
        assert_eq!(w.available(), 0);
        w.adjust(100).unwrap();
        assert_eq!(w.available(), 20);
    }

    #[test]
    fn consume_beyond_window_fails() {
        let mut w = Window::new(10);
        assert_eq!(w.consume(11), Err(WindowError));
        assert_eq!(w.get(), 10);
        w.consume(10).unwrap();
        assert_eq!(w.get(), 0);
    }

    #[test]
    fn recv_update_at_half_window() {
        let mut f = RecvFlow::new(65_535, 65_535);
        f.receive(40_000).unwrap();
        assert_eq!(f.credit(10_000), None);
        assert_eq!(f.credit(30_000), Some(40_000));
        assert_eq!(f.window(), 65_535);
    }

    #[test]
    fn recv_credit_clamped_to_received() {
        let mut f = RecvFlow::new(65_535, 65_535);
        f.receive(100).unwrap();
        assert_eq!(f.credit(1_000_000), None);
        assert_eq!(f.take_update(true), Some(100));
        assert_eq!(f.window(), 65_535);
    }

    #[test]
    fn recv_overflow_is_error() {
        let mut f = RecvFlow::new(10, 10);
        assert_eq!(f.receive(11), Err(WindowError));
        f.receive(10).unwrap();
        assert_eq!(f.receive(1), Err(WindowError));
    }

    #[test]
    fn open_to_target_once() {
        let mut f = RecvFlow::new(65_535, 1 << 20);
        assert_eq!(f.open_to_target(), Some((1 << 20) - 65_535));
        assert_eq!(f.open_to_target(), None);
        assert_eq!(f.window(), 1 << 20);
    }
}
