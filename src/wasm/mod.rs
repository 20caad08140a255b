//! wasm-bindgen surface: the only module that knows about JS.
//! - `connection`: the engine (`WasmConnection`), used by js/engine.js.
//! - `boundary`: what both roles share at the boundary (result codes, packed fields, event records).
//! - `client`: the client engine (`WasmClient`), used by js/client.js.
//! - `inspector`: the offline frame decoder, used by www/ (cargo feature `inspector`).
mod boundary;
mod client;
mod connection;
#[cfg(feature = "inspector")]
mod inspector;

// Re-exported for the wasm-bindgen-test suite (tests/wasm_connection.rs).
pub use client::{parse_client_config, WasmClient};
pub use connection::{parse_config, WasmConnection};
