//! WasmInspector (stub: being written)
