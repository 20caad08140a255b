//! The vendored hpack-test-case subset (tests/fixtures/hpack-test-case) under
//! `cargo test`: every encoder directory decodes, and raw-data round-trips
//! through our encoder and decoder.
//! Shares its code with `examples/hpack_vectors.rs`.

#[path = "../examples/hpack_vectors.rs"]
#[allow(dead_code)]
mod vectors;

use std::path::PathBuf;

fn corpus() -> Vec<PathBuf> {
    let root = vectors::default_corpus();
    assert!(root.is_dir(), "hpack-test-case subset not found at {} (vendored in the repository)", root.display());
    vectors::corpus_dirs(&root).unwrap()
}

#[test]
fn every_vendored_story_decodes_and_round_trips() {
    let dirs = corpus();
    // raw-data and all twelve encoder directories, four stories each (see the fixture README).
    assert_eq!(dirs.len(), 13, "{dirs:?}");
    for name in ["raw-data", "nghttp2-change-table-size", "nghttp2-16384-4096"] {
        assert!(dirs.iter().any(|d| d.ends_with(name)), "{name} missing");
    }
    // raw-data round-trips; encoder dirs decode (the example has --roundtrip for all).
    let r = vectors::run_dirs(&dirs, false).unwrap();
    assert_eq!((r.stories, r.cases), (52, 1820), "{r}");
    assert_eq!(r.failed, 0, "{r}");
}

#[test]
fn every_vendored_story_round_trips_through_our_encoder() {
    let r = vectors::run_dirs(&corpus(), true).unwrap();
    assert_eq!((r.stories, r.cases, r.failed), (52, 1820, 0), "{r}");
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
