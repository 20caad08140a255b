//! wasm-bindgen surface (stub: being written)
