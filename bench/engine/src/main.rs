//! Native run of the engine benchmark: `engine-bench [FILE] [CHUNK]`.
use std::time::Instant;

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
}
