//! Native run of the same benchmark functions the wasm module exports.
use hpack_bench::{
    corpus_blocks, corpus_bytes, run_hpack03, run_hpack03_typical, run_loona, run_ours,
    run_ours_typical, run_ours_worst, typical_len, worst_len,
};
use std::time::Instant;

fn main() {
    // `hpack-bench typical N`: only N decodes of the typical block (for
    // instruction counts under valgrind/callgrind).
    if std::env::args().nth(1).is_some_and(|a| a == "typical") {
        let n = std::env::args()
            .nth(2)
            .and_then(|s| s.parse().ok())
            .unwrap_or(10_000);
        println!("{}", run_ours_typical(n));
        return;
    }
    let blocks = corpus_blocks() as f64;
    let bytes = corpus_bytes() as f64;
    // (name, function, iterations): the slow decoders get fewer iterations.
    let runs: [(&str, extern "C" fn(u32) -> u32, u32); 3] = [
        ("ours", run_ours, 20),
        ("hpack 0.3.0", run_hpack03, 1),
        ("loona-hpack 0.4.3", run_loona, 1),
    ];
    println!("native: {} blocks, {} wire bytes per pass", blocks, bytes);
    println!("| decoder | ns per block | MB/s | vs hpack 0.3.0 | checksum |");
    println!("|---|---:|---:|---:|---:|");
    // `hpack-bench ours` runs only our decoder (quick iterations while tuning).
    let only_ours = std::env::args().nth(1).is_some_and(|a| a == "ours");
    let mut results = Vec::new();
    for (name, f, iters) in runs {
        if only_ours && name != "ours" {
            continue;
        }
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
    let base = results.get(1).map_or(f64::NAN, |r| r.1);
    for (name, ns, mbs, sum) in results {
        println!(
            "| {name} | {ns:.1} | {mbs:.1} | {:.1}x | {sum} |",
            base / ns
        );
    }
    // One typical ~400-byte browser request block (first request on a connection).
    let time = |f: extern "C" fn(u32) -> u32, iters: u32| {
        f(iters / 10);
        let t = Instant::now();
        f(iters);
        t.elapsed().as_secs_f64() * 1e9 / iters as f64
    };
    let ours = time(run_ours_typical, 200_000);
    let theirs = if only_ours {
        f64::NAN
    } else {
        time(run_hpack03_typical, 1_000)
    };
    println!(
        "typical {}-byte request block: ours {:.0} ns, hpack 0.3.0 {:.0} ns ({:.0}x)",
        typical_len(),
        ours,
        theirs,
        theirs / ours
    );
    println!(
        "worst case {}-byte block of 28-bit codes: ours {:.0} ns",
        worst_len(),
        time(run_ours_worst, 2_000)
    );
}
