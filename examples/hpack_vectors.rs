//! Check our HPACK codec against the hpack-test-case corpus.
//!
//! ```text
//! cargo run --release --example hpack_vectors -- [--roundtrip] [DIR...]
//! ```
//!
//! A DIR is either one directory of stories or a corpus root whose subdirectories
//! hold stories (for example a clone of the whole upstream hpack-test-case).
//!
//! For every story (`story_*.json`) in each DIR:
//! - cases with `wire`: decode it (honouring `header_table_size`, which is the
//!   SETTINGS value acknowledged before the case) and compare with `headers`;
//! - stories without `wire` (raw-data), or every story with `--roundtrip`:
//!   encode `headers` with our encoder and decode them back, once with the
//!   default 4096-byte table and once with the peer limiting it to 256 bytes
//!   (eviction and size updates); a case fails if either comparison fails.
//!
//! With no DIR: the subset vendored in `tests/fixtures/hpack-test-case` (the
//! encoder directories are decoded, raw-data is round-tripped).
//! Prints exactly `N stories, M cases, K failed` on stdout (details of
//! failures on stderr) and exits non-zero if anything failed.

use h2wasm::hpack::{DecodeLimits, Decoder, Encoder, HeaderField};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Totals over a run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    pub stories: usize,
    pub cases: usize,
    pub failed: usize,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} stories, {} cases, {} failed", self.stories, self.cases, self.failed)
    }
}

type Fields = Vec<(Vec<u8>, Vec<u8>)>;

/// The subset of the corpus vendored in the repository (its README says which stories).
pub fn default_corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hpack-test-case")
}

/// Every directory of the corpus, sorted.
pub fn corpus_dirs(root: &Path) -> Result<Vec<PathBuf>, String> {
    let rd =
        std::fs::read_dir(root).map_err(|e| format!("{}: {e} (hpack-test-case corpus missing?)", root.display()))?;
    let mut dirs: Vec<PathBuf> = rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    Ok(dirs)
}

/// A directory with story files is used as is; any other directory is taken as a corpus root.
fn expand_dir(dir: PathBuf) -> Result<Vec<PathBuf>, String> {
    let rd = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let has_stories = rd.filter_map(|e| e.ok()).any(|e| e.path().extension().is_some_and(|x| x == "json"));
    if has_stories {
        Ok(vec![dir])
    } else {
        corpus_dirs(&dir)
    }
}

fn expected(case: &Value) -> Fields {
    let mut out = Vec::new();
    for h in case["headers"].as_array().into_iter().flatten() {
        for (k, v) in h.as_object().into_iter().flatten() {
            out.push((k.as_bytes().to_vec(), v.as_str().unwrap_or_default().as_bytes().to_vec()));
        }
    }
    out
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

fn decode(d: &mut Decoder, block: &[u8]) -> Result<Fields, String> {
    let mut got = Vec::new();
    let limits = DecodeLimits { max_list_size: usize::MAX, max_fields: usize::MAX };
    d.decode(block, &limits, &mut |f| got.push((f.name.to_vec(), f.value.to_vec()))).map_err(|e| e.to_string())?;
    Ok(got)
}

fn check_decode(d: &mut Decoder, case: &Value) -> Result<(), String> {
    if let Some(n) = case["header_table_size"].as_u64() {
        d.set_max_allowed_table_size(n as usize);
    }
    let wire = unhex(case["wire"].as_str().unwrap_or_default()).ok_or("bad hex")?;
    let got = decode(d, &wire)?;
    if got != expected(case) {
        return Err("decoded fields differ".into());
    }
    Ok(())
}

fn check_roundtrip(enc: &mut Encoder, dec: &mut Decoder, case: &Value, buf: &mut Vec<u8>) -> Result<(), String> {
    let want = expected(case);
    buf.clear();
    enc.encode(want.iter().map(|(n, v)| HeaderField::new(n, v)), buf);
    let got = decode(dec, buf)?;
    if got != want {
        return Err("round trip differs".into());
    }
    Ok(())
}

/// Check one story file; returns (cases, failed).
pub fn run_story(path: &Path, roundtrip: bool) -> (usize, usize) {
    let story: Value = match std::fs::read_to_string(path)
        .map_err(|e| e.to_string())
        .and_then(|s| serde_json::from_str(&s).map_err(|e| e.to_string()))
    {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{}: {e}", path.display());
            return (1, 1);
        }
    };
    let cases = story["cases"].as_array().cloned().unwrap_or_default();
    let has_wire = cases.iter().any(|c| c.get("wire").is_some());
    let mut decoder = Decoder::new(4096);
    // Round trip twice: default table, and a peer that limits it to 256.
    let mut rt = [(Encoder::new(), Decoder::new(4096)), (Encoder::new(), Decoder::new(4096))];
    rt[1].0.set_max_table_size(256);
    rt[1].1.set_max_allowed_table_size(256);
    let mut buf = Vec::new();
    let mut failed = 0;
    for (i, case) in cases.iter().enumerate() {
        let mut result = Ok(());
        if has_wire {
            result = check_decode(&mut decoder, case);
        }
        if result.is_ok() && (roundtrip || !has_wire) {
            for (e, d) in rt.iter_mut() {
                result = result.and_then(|()| check_roundtrip(e, d, case, &mut buf));
            }
        }
        if let Err(e) = result {
            eprintln!("FAIL {} case {i}: {e}", path.display());
            failed += 1;
        }
    }
    (cases.len(), failed)
}

/// Check every story in `dirs`.
pub fn run_dirs(dirs: &[PathBuf], roundtrip: bool) -> Result<Report, String> {
    let mut r = Report::default();
    for dir in dirs {
        let mut stories: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        stories.sort();
        for s in stories {
            let (cases, failed) = run_story(&s, roundtrip);
            r.stories += 1;
            r.cases += cases;
            r.failed += failed;
        }
    }
    Ok(r)
}

#[allow(dead_code)] // the integration test includes this file for its functions
fn main() {
    let mut roundtrip = false;
    let mut dirs = Vec::new();
    for a in std::env::args().skip(1) {
        if a == "--roundtrip" {
            roundtrip = true;
        } else {
            dirs.push(PathBuf::from(a));
        }
    }
    let expanded: Result<Vec<PathBuf>, String> = if dirs.is_empty() {
        corpus_dirs(&default_corpus())
    } else {
        dirs.into_iter().map(expand_dir).collect::<Result<Vec<_>, _>>().map(|v| v.concat())
    };
    let result = expanded.and_then(|d| run_dirs(&d, roundtrip));
    match result {
        Ok(r) => {
            println!("{r}");
            if r.failed > 0 || r.cases == 0 {
                std::process::exit(1);
            }
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    }
}
