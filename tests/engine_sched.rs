//! Outbound scheduling: RFC 9218 urgency/incremental, PRIORITY_UPDATE,
//! fairness, and no head-of-line blocking behind a zero-window stream.

mod common;

use common::*;
use h2wasm::connection::Config;
use h2wasm::frame::Frame;
use h2wasm::ErrorCode;

fn open(c: &mut Client, id: u32, priority: Option<&str>) {
    let mut f = get("/");
    if let Some(p) = priority {
        f.push(("priority".into(), p.into()));
    }
    assert_eq!(c.request(id, &f, true).len(), 1);
    c.conn.send_headers(id, 200, &[], false).unwrap();
}

fn order(frames: &[SFrame]) -> Vec<u32> {
    data_frames(frames).iter().map(|d| d.0).collect()
}

fn big_windows() -> Client {
    let mut c = Client::with_settings(Config::default(), &[(4, 1 << 20)]);
    c.feed(&build::window_update(0, 1 << 24));
    c
}

#[test]
fn lower_urgency_first_non_incremental_one_after_another() {
    let mut c = big_windows();
    open(&mut c, 1, Some("u=5"));
    open(&mut c, 3, Some("u=0"));
    open(&mut c, 5, None);
    open(&mut c, 7, None);
    c.flush();
    for id in [1, 3, 5, 7] {
        c.write(id, &vec![id as u8; 20_000], true);
    }
    assert_eq!(order(&c.flush()), [3, 3, 5, 5, 7, 7, 1, 1]);
}

#[test]
fn incremental_streams_interleave() {
    let mut c = big_windows();
    for id in [1, 3, 5] {
        open(&mut c, id, Some("u=3, i"));
    }
    c.flush();
    for id in [1, 3, 5] {
        c.write(id, &vec![0u8; 40_000], true);
    }
    assert_eq!(order(&c.flush()), [1, 3, 5, 1, 3, 5, 1, 3, 5]);
}

#[test]
fn priority_update_reorders_open_stream() {
    let mut c = big_windows();
    open(&mut c, 1, None);
    open(&mut c, 3, None);
    c.flush();
    c.write(1, &[0u8; 20_000], true);
    c.write(3, &[0u8; 20_000], true);
    let pu = build::frame(&Frame::PriorityUpdate { prioritized_id: 3, field_value: b"u=1" });
    assert_eq!(c.feed(&pu), vec![]);
    assert_eq!(order(&c.flush()), [3, 3, 1, 1]);
}

#[test]
fn priority_update_for_idle_stream_applies_when_opened() {
    let mut c = big_windows();
    let pu = build::frame(&Frame::PriorityUpdate { prioritized_id: 3, field_value: b"u=0" });
    c.feed(&pu);
    open(&mut c, 1, None);
    open(&mut c, 3, None);
    c.flush();
    c.write(1, &[0u8; 20_000], true);
    c.write(3, &[0u8; 20_000], true);
    assert_eq!(order(&c.flush()), [3, 3, 1, 1]);
}

#[test]
fn priority_update_for_stream_zero_is_protocol_error() {
    let mut c = Client::new();
    c.feed(&build::frame(&Frame::PriorityUpdate { prioritized_id: 0, field_value: b"u=0" }));
    let f = c.flush();
    assert_eq!(goaways(&f), vec![(0, ErrorCode::PROTOCOL_ERROR)]);
}

#[test]
fn zero_window_stream_does_not_block_others() {
    let mut c = Client::with_settings(Config::default(), &[(4, 10)]);
    open(&mut c, 1, Some("u=0"));
    open(&mut c, 3, Some("u=7"));
    c.flush();
    c.write(1, &[1u8; 100], true);
    c.write(3, &[3u8; 5], true);
    let f = c.flush();
    assert_eq!(data_frames(&f), vec![(1, vec![1; 10], false), (3, vec![3; 5], true)]);
    c.feed(&build::window_update(1, 90));
    assert_eq!(data_frames(&c.flush()), vec![(1, vec![1; 90], true)]);
}

#[test]
fn budget_shared_round_robin_across_calls() {
    let mut c = big_windows();
    for id in [1, 3] {
        open(&mut c, id, Some("i"));
    }
    c.flush();
    c.write(1, &[0u8; 3000], true);
    c.write(3, &[0u8; 3000], true);
    let mut seen = Vec::new();
    for _ in 0..6 {
        seen.extend(order(&c.flush_max(1000)));
    }
    assert_eq!(seen, [1, 3, 1, 3, 1, 3]);
}
