//! Random header lists (seeded) through our encoder and decoder, with the
//! peer's table size changing between blocks: what comes out is what went in,
//! and both tables agree on their maximum size.

use h2wasm::hpack::{DecodeLimits, Decoder, Encoder, HeaderField};
use rand::{rngs::SmallRng, Rng, SeedableRng};

fn random_bytes(rng: &mut SmallRng, max: usize, any_byte: bool) -> Vec<u8> {
    let len = rng.gen_range(0..=max);
    (0..len)
        .map(|_| if any_byte { rng.gen() } else { b"abcdefghijklmnopqrstuvwxyz-0123456789"[rng.gen_range(0..37)] })
        .collect()
}

#[test]
fn random_lists_round_trip() {
    let mut rng = SmallRng::seed_from_u64(7541);
    let names: Vec<&[u8]> =
        vec![b":status", b"content-type", b"cookie", b"set-cookie", b"x-custom", b"date", b"server", b"authorization"];
    let mut enc = Encoder::new();
    let mut dec = Decoder::new(4096);
    let limits = DecodeLimits { max_list_size: usize::MAX, max_fields: usize::MAX };
    let mut wire = Vec::new();
    for block in 0..2000 {
        if rng.gen_bool(0.05) {
            let size = [0, 1, 64, 256, 4096, 65536][rng.gen_range(0..6)];
            enc.set_max_table_size(size);
            if rng.gen_bool(0.5) {
                enc.set_max_table_size(rng.gen_range(0..5000));
            }
        }
        let n = rng.gen_range(0..12);
        let list: Vec<(Vec<u8>, Vec<u8>, bool)> = (0..n)
            .map(|_| {
                let name = if rng.gen_bool(0.7) {
                    names[rng.gen_range(0..names.len())].to_vec()
                } else {
                    random_bytes(&mut rng, 20, false)
                };
                let max = if rng.gen_bool(0.02) { 6000 } else { 40 };
                let any_byte = rng.gen_bool(0.2);
                let value = random_bytes(&mut rng, max, any_byte);
                (name, value, rng.gen_bool(0.1))
            })
            .collect();
        wire.clear();
        enc.encode(list.iter().map(|(n, v, s)| HeaderField { name: n, value: v, sensitive: *s }), &mut wire);
        let mut got = Vec::new();
        dec.decode(&wire, &limits, &mut |f| got.push((f.name.to_vec(), f.value.to_vec(), f.sensitive)))
            .unwrap_or_else(|e| panic!("block {block}: {e}"));
        assert_eq!(got.len(), list.len(), "block {block}");
        for (g, w) in got.iter().zip(&list) {
            assert_eq!((&g.0, &g.1), (&w.0, &w.1), "block {block}");
            if w.2 {
                assert!(g.2, "sensitive field was not sent never-indexed (block {block})");
            }
        }
        assert_eq!(dec.max_table_size(), enc.max_table_size(), "block {block}");
        assert!(dec.table_size() <= dec.max_table_size());
    }
}
