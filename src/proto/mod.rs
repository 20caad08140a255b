//! The connection's owned sub-machines, one concern each, shared by the
//! server ([`crate::connection`]) and the client ([`crate::client`]) roles.
//! Each is role-neutral where RFC 9113 is; what differs between the roles
//! (who opens streams, what a request or a response head must look like)
//! stays in the role.
//!
//! - [`outbound`]: the one typed queue of frames written before any DATA,
//!   with the cap on what peer input may make us queue.
//! - [`abuse`]: the abuse limiter (token buckets for resets, protocol
//!   errors, SETTINGS, PINGs and frames that do no work).
//! - [`header_block`]: HEADERS + CONTINUATION assembly (§6.2, §6.10) and
//!   the arena the decoded fields live in until the next `receive`.
//! - [`ping`]: PINGs we sent and ACKs we owe.
//! - [`settings_sync`]: our SETTINGS and their ACK timer, the peer's SETTINGS.
//! - [`goaway`]: GOAWAY sent and received, graceful shutdown phases.
//! - [`conn_flow`]: connection-level flow control, both directions.
//! - [`streams`]: the streams store (live streams, the closed-stream
//!   record, idle priorities) and the §5.1 lookup of a stream id.
//! - [`role`]: the glue both roles run on these machines (the [`role::Role`]
//!   trait's provided methods: events, budgets, header-block progress,
//!   SETTINGS, PING answers, back-pressure, the DATA loop, shared timers).

pub mod abuse;
pub mod conn_flow;
pub mod data;
pub mod goaway;

pub mod header_block;
pub mod outbound;
pub mod ping;
pub mod role;
pub mod settings_sync;
pub mod streams;
