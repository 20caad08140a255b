//! Native run of the engine benchmark: `engine-bench [FILE] [CHUNK]`.
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

/// Counts live heap bytes, to measure what an idle Connection holds.
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size(), Relaxed);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Relaxed);
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new, Relaxed);
        LIVE.fetch_sub(l.size(), Relaxed);
        System.realloc(p, l, new)
    }
}
#[global_allocator]
static GLOBAL: Counting = Counting;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let file = args.get(1).map(String::as_str).unwrap_or("h2load-onecon.bin");
    let input = std::fs::read(file).expect("read recorded input");
    for chunk in [args.get(2).and_then(|c| c.parse().ok()).unwrap_or(1400usize), 200] {
        engine_bench::replay(&input, chunk, 20); // warm-up
        let reps = 200;
        let t0 = Instant::now();
        let n = engine_bench::replay(&input, chunk, reps);
        let ns = t0.elapsed().as_nanos() as f64 / n as f64;
        println!("native: {n} requests, chunk {chunk} B: {ns:.0} ns/request ({:.2} µs)", ns / 1000.0);
    }
    let hs = engine_bench::handshake_bytes(&input);
    let before = LIVE.load(Relaxed);
    let conns = engine_bench::idle_connections(&hs, 1000);
    let bytes = LIVE.load(Relaxed) - before;
    println!(
        "native: 1000 idle connections hold {bytes} heap bytes: {} B/connection (size_of Connection {} B)",
        bytes / conns.len(),
        std::mem::size_of::<h2wasm::connection::Connection>()
    );
}
