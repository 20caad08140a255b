//! WasmConnection (stub: being written)
