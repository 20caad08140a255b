//! wasm-bindgen surface: the only module that knows about JS.
//! - `connection`: the engine (`WasmConnection`), used by js/engine.js.
//! - `inspector`: the offline frame decoder, used by www/ (cargo feature `inspector`).
mod connection;
#[cfg(feature = "inspector")]
mod inspector;

// Re-exported for the wasm-bindgen-test suite (tests/wasm_connection.rs).
pub use connection::{parse_config, WasmConnection};
