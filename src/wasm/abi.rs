//! The engine's wasm exports: plain `extern "C"` functions, one per method of
//! `WasmConnection` (prefix `server_`) and `WasmClient` (prefix `client_`),
//! that JS calls with numbers only (docs/ARCHITECTURE.md, "ABI").
//!
//! Why not wasm-bindgen here: its generated JS keeps one module-global
//! instance, while fault containment throws a trapped instance away and makes
//! a fresh one synchronously; calling its exports raw instead tied js/engine.js
//! to its private names and start-up protocol. These exports need no imports
//! and no glue: `new WebAssembly.Instance(module, {})` is the whole loader.
//!
//! Conventions: `<role>_new(now_ms)` returns a handle (a pointer into wasm
//! memory, never 0) that every other call takes first; `<role>_free(handle)`
//! ends it. bool is an i32 (0/1), usize and pointers are i32 (read them with
//! `>>> 0`), time is an f64 of milliseconds. A 0 handle is ignored (commands
//! answer ConnectionClosed), so a JS bug cannot dereference null.

use super::boundary::user_error_number;
use super::client::WasmClient;
use super::connection::WasmConnection;
use crate::error::UserError;

/// What a command answers for a 0 handle.
const GONE: u32 = user_error_number(UserError::ConnectionClosed);

/// Exports `$new`, `$free` and one function per listed method of `$ty`
/// (`[io] method`: a method of its `Buffers`). Each method export answers
/// `$default` for a 0 handle.
macro_rules! exports {
    ($ty:ident, $new:ident, $free:ident; $( $export:ident => $([$field:ident])? $method:ident($($arg:ident: $t:ty),*) -> $ret:ty = $default:expr; )*) => {
        #[doc = concat!("A new `", stringify!($ty), "`; the handle the other exports take.")]
        #[no_mangle]
        pub extern "C" fn $new(now_ms: f64) -> *mut $ty {
            Box::into_raw(Box::new($ty::new(now_ms)))
        }

        #[doc = concat!("Drop a `", stringify!($ty), "`.")]
        ///
        /// # Safety
        /// `handle` is 0 or came from the matching `_new` and was not freed yet.
        #[no_mangle]
        pub unsafe extern "C" fn $free(handle: *mut $ty) {
            if !handle.is_null() {
                // SAFETY: per this function's contract, a live box from `_new`.
                drop(unsafe { Box::from_raw(handle) });
            }
        }

        $(
            #[doc = concat!("`", stringify!($ty), "::", stringify!($method), "`.")]
            ///
            /// # Safety
            /// `handle` is 0 or a live handle from the matching `_new`.
            #[no_mangle]
            pub unsafe extern "C" fn $export(handle: *mut $ty, $($arg: $t),*) -> $ret {
                // SAFETY: per this function's contract; JS runs one call at a time.
                match unsafe { handle.as_mut() } {
                    Some(engine) => engine$(.$field)?.$method($($arg),*),
                    None => $default,
                }
            }
        )*
    };
}

exports! { WasmConnection, server_new, server_free;
    server_configure => configure(len: usize, now_ms: f64) -> u32 = 1;
    server_input_ptr => [io] input_ptr(len: usize) -> *mut u8 = core::ptr::null_mut();
    server_args_ptr => [io] args_ptr(len: usize) -> *mut u8 = core::ptr::null_mut();
    server_receive => receive(len: usize, now_ms: f64) -> u32 = 0;
    server_upgrade => upgrade(len: usize) -> u32 = super::boundary::upgrade_result::BAD_PACKING;
    server_poll => poll() -> u32 = 0;
    server_events_ptr => [io] events_ptr() -> *const u8 = core::ptr::null();
    server_text_ptr => [io] text_ptr() -> *const u8 = core::ptr::null();
    server_pack_fields => pack_fields(start: u32, end: u32) -> usize = 0;
    server_scratch_ptr => [io] scratch_ptr() -> *const u8 = core::ptr::null();
    server_send_headers => send_headers(stream_id: u32, status: u16, args_len: usize, end_stream: bool) -> u32 = GONE;
    server_send_informational => send_informational(stream_id: u32, status: u16, args_len: usize) -> u32 = GONE;
    server_send_data => send_data(stream_id: u32, len: u32, end_stream: bool) -> u32 = GONE;
    server_send_trailers => send_trailers(stream_id: u32, args_len: usize) -> u32 = GONE;
    server_reset_stream => reset_stream(stream_id: u32, code: u32) -> u32 = GONE;
    server_consumed => consumed(stream_id: u32, n: u32) -> u32 = GONE;
    server_shutdown => shutdown() -> () = ();
    server_abort => abort(code: u32) -> () = ();
    server_calm => calm(rule: u32) -> () = ();
    server_take_peer_counts => take_peer_counts() -> f64 = 0.0;
    server_tick => tick(now_ms: f64) -> () = ();
    server_next_deadline => next_deadline() -> f64 = -1.0;
    server_write_output => write_output(max_bytes: usize) -> u32 = 0;
    server_out_ptr => [io] out_ptr() -> *const u8 = core::ptr::null();
    server_segs_ptr => [io] segs_ptr() -> *const u32 = core::ptr::null();
    server_wants_write => wants_write() -> bool = false;
    server_is_closed => is_closed() -> bool = true;
}

exports! { WasmClient, client_new, client_free;
    client_configure => configure(len: usize, now_ms: f64) -> u32 = 1;
    client_input_ptr => [io] input_ptr(len: usize) -> *mut u8 = core::ptr::null_mut();
    client_args_ptr => [io] args_ptr(len: usize) -> *mut u8 = core::ptr::null_mut();
    client_receive => receive(len: usize, now_ms: f64) -> u32 = 0;
    client_poll => poll() -> u32 = 0;
    client_events_ptr => [io] events_ptr() -> *const u8 = core::ptr::null();
    client_text_ptr => [io] text_ptr() -> *const u8 = core::ptr::null();
    client_pack_fields => pack_fields(start: u32, end: u32) -> usize = 0;
    client_scratch_ptr => [io] scratch_ptr() -> *const u8 = core::ptr::null();
    client_pack_debug_data => pack_debug_data() -> usize = 0;
    client_request => request(args_len: usize, end_stream: bool, now_ms: f64) -> u32 = super::boundary::REQUEST_ERROR | GONE;
    client_send_data => send_data(stream_id: u32, len: u32, end_stream: bool) -> u32 = GONE;
    client_send_trailers => send_trailers(stream_id: u32, args_len: usize) -> u32 = GONE;
    client_reset_stream => reset_stream(stream_id: u32, error_code: u32) -> u32 = GONE;
    client_consumed => consumed(stream_id: u32, n: u32, now_ms: f64) -> u32 = GONE;
    client_ping => ping(hi: u32, lo: u32, now_ms: f64) -> u32 = GONE;
    client_close => close() -> () = ();
    client_abort => abort(error_code: u32) -> () = ();
    client_tick => tick(now_ms: f64) -> () = ();
    client_next_deadline => next_deadline() -> f64 = -1.0;
    client_write_output => write_output(max_bytes: usize, now_ms: f64) -> u32 = 0;
    client_out_ptr => [io] out_ptr() -> *const u8 = core::ptr::null();
    client_segs_ptr => [io] segs_ptr() -> *const u32 = core::ptr::null();
    client_wants_write => wants_write() -> bool = false;
    client_is_closed => is_closed() -> bool = true;
    client_is_going_away => is_going_away() -> bool = true;
}

/// Test-only: trap the instance on purpose (fault-containment tests).
#[cfg(feature = "test-trap")]
#[no_mangle]
pub extern "C" fn test_trap() {
    core::arch::wasm32::unreachable()
}
