//! The hpack-test-case corpus under `cargo test`: every encoder directory
//! decodes, and raw-data round-trips through our encoder and decoder.
//! Shares its code with `examples/hpack_vectors.rs`.

#[path = "../examples/hpack_vectors.rs"]
#[allow(dead_code)]
mod vectors;

use std::path::PathBuf;

fn corpus() -> Vec<PathBuf> {
    let root = vectors::default_corpus();
    assert!(
        root.is_dir(),
        "hpack-test-case corpus not found at {} (expected ../shared/hpack-test-case next to the crate)",
        root.display()
    );
    vectors::corpus_dirs(&root).unwrap()
}

#[test]
fn whole_corpus_decodes_and_round_trips() {
    let dirs = corpus();
    assert!(dirs.iter().any(|d| d.ends_with("raw-data")));
    // raw-data round-trips; encoder dirs decode (the example has --roundtrip for all).
    let r = vectors::run_dirs(&dirs, false).unwrap();
    assert!(r.stories >= 400 && r.cases >= 40_000, "{r}");
    assert_eq!(r.failed, 0, "{r}");
}

#[test]
fn a_wrong_expectation_is_reported() {
    // The checker itself must be able to fail: tamper with one story.
    let src = vectors::default_corpus().join("nghttp2/story_00.json");
    let text = std::fs::read_to_string(&src).unwrap();
    let tampered = text.replacen("\"GET\"", "\"PUT\"", 1);
    assert_ne!(text, tampered);
    let dir = std::env::temp_dir().join(format!("h2wasm-hpack-vectors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("story_00.json"), tampered).unwrap();
    let r = vectors::run_dirs(std::slice::from_ref(&dir), false).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(r.stories, 1);
    assert!(r.failed >= 1, "{r}");
}
