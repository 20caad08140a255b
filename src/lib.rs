//! h2wasm: a sans-IO HTTP/2 server engine.
//!
//! Bytes in → events out; commands in → bytes out. No sockets, no clocks, no
//! global state: the caller passes the current time in milliseconds. See
//! `docs/ARCHITECTURE.md` for how bytes flow through the modules.
//!
//! Module map (one job each):
//! - [`error`]: HTTP/2 error codes and the engine's error types.
//! - [`frame`]: frame codec (typed frames, incremental decoder, serializers).
//! - [`hpack`]: HPACK (RFC 7541) decoder and encoder.
//! - [`settings`], [`flow`], [`stream`], [`schedule`], [`semantics`], [`limits`]:
//!   the pieces of protocol state the connection is built from.
//! - [`stream_rules`]: RFC 9113 §5.1 as a table over (frame type × stream
//!   lookup), shared by both roles and the inspector.
//! - [`connection`]: the state machine that ties them together.
//! - [`client`]: the client role on the same pieces.
//! - [`inspect`]: an offline decoder of captured traffic for the inspector page.
//! - `wasm` (wasm32 only): the wasm-bindgen surface; the only module that knows about JS.

// No panic may be reachable from peer input: these lints are denied crate-wide
// outside tests, and `cargo clippy` must stay clean.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

pub mod client;
pub mod connection;
pub mod error;
pub mod flow;
pub mod frame;
pub mod hpack;
pub mod inspect;
pub mod limits;
pub mod schedule;
pub mod semantics;
pub mod settings;
pub mod stream;
pub mod stream_rules;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::ErrorCode;
