//! The boundary's one definition (src/wasm/boundary.rs) against everything made
//! from it: the generated js/boundary.js, js/boundary.d.ts and docs tables must be
//! current (`H2WASM_BLESS=1 cargo test boundary` rewrites them), and the option
//! parsers must accept exactly the names and ranges the schema lists.
#![cfg(not(target_arch = "wasm32"))]

use std::path::Path;

use h2wasm::wasm::boundary::{OptionGroup, OPTION_NAMES, RECORD_BYTES, RECORD_WORDS};
use h2wasm::wasm::codegen;
use h2wasm::wasm::{parse_client_config, parse_config};

fn check_or_bless(rel: &str, want: &str) -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    if have == want {
        return None;
    }
    if std::env::var_os("H2WASM_BLESS").is_some() {
        std::fs::write(&path, want).unwrap();
        return None;
    }
    Some(rel.to_string())
}

#[test]
fn boundary_generated_files_match_the_schema() {
    let docs_path = Path::new(env!("CARGO_MANIFEST_DIR")).join(codegen::DOCS_PATH);
    let docs = std::fs::read_to_string(&docs_path).unwrap();
    let spliced = codegen::splice_docs(&docs).expect("docs/ARCHITECTURE.md has the boundary markers");
    let stale: Vec<String> = [
        check_or_bless(codegen::JS_PATH, &codegen::js()),
        check_or_bless(codegen::DTS_PATH, &codegen::dts()),
        check_or_bless(codegen::DOCS_PATH, &spliced),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(
        stale.is_empty(),
        "out of date with src/wasm/boundary.rs: {stale:?}; run `H2WASM_BLESS=1 cargo test boundary`"
    );
}

#[test]
fn boundary_record_is_six_words() {
    assert_eq!(RECORD_BYTES, RECORD_WORDS * 4);
    assert!(codegen::js().contains("BYTES: 24"));
}

#[test]
fn boundary_every_option_takes_its_range_and_refuses_past_it() {
    for o in OPTION_NAMES {
        let client_only = o.group() == OptionGroup::Client;
        for v in [o.min, o.max] {
            let line = format!("{}={v}", o.name);
            assert!(parse_client_config(line.as_bytes()).is_ok(), "client {line}");
            assert_eq!(parse_config(line.as_bytes()).is_ok(), !client_only, "server {line}");
        }
        let over = format!("{}={}", o.name, o.max + 1);
        assert_eq!(parse_client_config(over.as_bytes()).err(), Some(1), "{over}");
        if o.min > 0 {
            let under = format!("\n{}={}", o.name, o.min - 1);
            assert_eq!(parse_config(under.as_bytes()).err(), Some(2), "{under}");
        }
    }
    assert_eq!(parse_config(b"noSuchOption=1").err(), Some(1));
    assert_eq!(parse_config(b"idleTimeoutMs=1\nkeepaliveMs=5").err(), Some(2), "a client name is not a server option");
}

#[test]
fn boundary_options_set_the_named_field() {
    let c = parse_config(b"idleTimeoutMs=1234\nmaxFrameSize=20000\nconnectionWindow=70000").unwrap();
    assert_eq!(c.limits.idle_timeout_ms, 1234);
    assert_eq!(c.settings.max_frame_size, 20000);
    assert_eq!(c.connection_window, 70000);
    let d = parse_client_config(b"keepaliveMs=5\nmaxWaitingRequests=7").unwrap();
    assert_eq!((d.keepalive_ms, d.max_waiting_requests), (5, 7));
    // Options not given keep the client's own defaults (its stream window is not the server's).
    assert_eq!(d.settings.initial_window_size, h2wasm::client::ClientConfig::default().settings.initial_window_size);
}
