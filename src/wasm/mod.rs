//! The JS boundary: the only module that knows about JS.
//! - `boundary`: the boundary's single definition (event records, result codes, the packed
//!   field format, option names and ranges) and what both roles share at run time.
//! - `buffers`: the memory both engine wrappers share with JS (pointers, records, output).
//! - `connection`: the server engine (`WasmConnection`), used by js/engine.js.
//! - `client`: the client engine (`WasmClient`), used by js/client.js.
//! - `abi` (wasm32): the `extern "C"` exports JS calls, one per method.
//! - `codegen` (native): writes js/boundary.js, js/boundary.d.ts and the docs tables from `boundary`.
//! - `inspector` (wasm32, cargo feature `inspector`): the offline frame decoder for www/ (wasm-bindgen).
pub mod boundary;
mod buffers;
mod client;
mod connection;

#[cfg(target_arch = "wasm32")]
mod abi;
#[cfg(not(target_arch = "wasm32"))]
pub mod codegen;
#[cfg(all(target_arch = "wasm32", feature = "inspector"))]
mod inspector;

// For the tests (tests/wasm_*.rs call the engines' methods as the exports do).
pub use boundary::{parse_client_config, parse_config};
pub use buffers::Buffers;
pub use client::WasmClient;
pub use connection::WasmConnection;
