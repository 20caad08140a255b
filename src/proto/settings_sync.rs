//! SETTINGS both ways (§6.5): ours with the timer on its ACK, the peer's
//! as applied, and the receive-side initial window that changes only when
//! the peer acknowledges ours (§6.5.3: our values bind the peer from then on).

use crate::error::{ErrorCode, ProtoError};
use crate::frame;
use crate::hpack;
use crate::settings::{id as setting_id, LocalSettings, PeerChange, PeerSettings, DEFAULT_WINDOW_SIZE};
use crate::stream::Stream;

use super::streams::{LiveStream, StreamStore};

#[derive(Debug)]
pub struct SettingsSync {
    /// What we advertise.
    pub local: LocalSettings,
    /// The peer's values as last received.
    pub peer: PeerSettings,
    /// The peer's first SETTINGS arrived (its preface is complete, §3.4).
    pub got_peer: bool,
    created_ms: u64,
    /// When our unacknowledged SETTINGS went out (None: ACKed).
    sent_ms: Option<u64>,
    /// Initial window of new streams on the receive side: the protocol
    /// default until the peer ACKs our SETTINGS, then ours.
    pub recv_initial: u32,
    /// The peer is a server: it must not enable push (§6.5.2).
    peer_is_server: bool,
}

/// What applying the peer's SETTINGS changed that the connection acts on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// INITIAL_WINDOW_SIZE changed every stream's send window.
    pub window_changed: bool,
}

impl SettingsSync {
    /// Our SETTINGS are queued by the caller at `now_ms`.
    pub fn new(local: LocalSettings, peer_is_server: bool, now_ms: u64) -> Self {
        SettingsSync {
            local,
            peer: PeerSettings::default(),
            got_peer: false,
            created_ms: now_ms,
            sent_ms: Some(now_ms),
            recv_initial: DEFAULT_WINDOW_SIZE,
            peer_is_server,
        }
    }

    /// A new stream's state, its windows set by the SETTINGS in force now.
    pub fn new_stream(&self, id: u32) -> Stream {
        Stream::new(id, self.peer.initial_window_size, self.recv_initial, self.local.initial_window_size)
    }

    /// The peer's preface ends with a SETTINGS frame (§3.4): until it came,
    /// nothing else is admitted.
    pub fn admits(&self, item: &frame::Item<'_>) -> bool {
        self.got_peer || matches!(item, frame::Item::Frame(frame::Frame::Settings { ack: false, .. }))
    }

    /// When the peer's first SETTINGS is overdue (None once it came).
    pub fn peer_deadline(&self, limit_ms: u64) -> Option<u64> {
        (!self.got_peer && limit_ms > 0).then(|| self.created_ms.saturating_add(limit_ms))
    }

    /// When the ACK of our SETTINGS is overdue.
    pub fn ack_deadline(&self, limit_ms: u64) -> Option<u64> {
        let sent = self.sent_ms?;
        (limit_ms > 0).then(|| sent.saturating_add(limit_ms))
    }

    /// A SETTINGS ACK: our values now bind the peer. An ACK of nothing is ignored.
    pub fn on_ack<S: LiveStream>(&mut self, streams: &mut StreamStore<S>, decoder: &mut hpack::Decoder) {
        if self.sent_ms.take().is_none() {
            return;
        }
        let new = self.local.initial_window_size;
        let delta = i64::from(new).saturating_sub(i64::from(self.recv_initial));
        if delta != 0 {
            self.recv_initial = new;
            for s in streams.values_mut() {
                // Cannot overflow: both values are ≤ 2^31-1 and the window ≤ the old initial.
                let _ = s.stream_mut().recv.adjust(delta);
            }
        }
        decoder.set_max_allowed_table_size(usize::try_from(self.local.header_table_size).unwrap_or(usize::MAX));
    }

    /// The peer's SETTINGS (not an ACK): apply every value in order. The
    /// caller queues the ACK once this succeeds (§6.5.3).
    pub fn apply_peer<S: LiveStream>(
        &mut self,
        params: &[u8],
        streams: &mut StreamStore<S>,
        encoder: &mut hpack::Encoder,
    ) -> Result<Applied, (ErrorCode, &'static str)> {
        self.got_peer = true;
        let mut applied = Applied::default();
        for (ident, value) in frame::settings_iter(params) {
            if self.peer_is_server && ident == setting_id::ENABLE_PUSH && value != 0 {
                return Err((ErrorCode::PROTOCOL_ERROR, "server sent ENABLE_PUSH other than 0"));
            }
            match self.peer.apply(ident, value) {
                Err(ProtoError::Connection { code, reason }) | Err(ProtoError::Stream { code, reason, .. }) => {
                    return Err((code, reason));
                }
                Ok(PeerChange::HeaderTableSize(n)) => {
                    encoder.set_max_table_size(usize::try_from(n).unwrap_or(usize::MAX));
                }
                Ok(PeerChange::InitialWindow { delta }) => {
                    for s in streams.values_mut() {
                        if s.stream_mut().send_window.adjust(delta).is_err() {
                            return Err((
                                ErrorCode::FLOW_CONTROL_ERROR,
                                "INITIAL_WINDOW_SIZE change overflows a stream window",
                            ));
                        }
                    }
                    applied.window_changed = true;
                }
                Ok(PeerChange::MaxFrameSize(_)) | Ok(PeerChange::None) => {}
            }
        }
        Ok(applied)
    }
}
