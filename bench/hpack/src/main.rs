//! Native run of the same benchmark functions the wasm module exports.
use hpack_bench::{corpus_blocks, corpus_bytes, run_hpack03, run_loona, run_ours};
use std::time::Instant;

fn main() {
    let blocks = corpus_blocks() as f64;
    let bytes = corpus_bytes() as f64;
    // (name, function, iterations): the slow decoders get fewer iterations.
    let runs: [(&str, extern "C" fn(u32) -> u32, u32); 3] =
        [("ours", run_ours, 20), ("hpack 0.3.0", run_hpack03, 1), ("loona-hpack 0.4.3", run_loona, 1)];
    println!("native: {} blocks, {} wire bytes per pass", blocks, bytes);
    println!("| decoder | ns per block | MB/s | vs hpack 0.3.0 | checksum |");
    println!("|---|---:|---:|---:|---:|");
    let mut results = Vec::new();
    for (name, f, iters) in runs {
        if iters > 1 {
            f(1); // warm up (the slow decoders run one long pass instead)
        }
        let t = Instant::now();
        let sum = f(iters);
        let secs = t.elapsed().as_secs_f64();
        let ns = secs * 1e9 / (blocks * iters as f64);
        let mbs = bytes * iters as f64 / secs / 1e6;
        results.push((name, ns, mbs, sum / iters.max(1)));
    }
    let base = results[1].1;
    for (name, ns, mbs, sum) in results {
        println!("| {name} | {ns:.1} | {mbs:.1} | {:.1}x | {sum} |", base / ns);
    }
}
