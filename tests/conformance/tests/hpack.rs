//! RFC 7541 (HPACK) requirements, checked through the server: every decoding
//! error is a connection error COMPRESSION_ERROR (RFC 9113 §4.3); valid
//! representations are accepted and keep the dynamic table in sync.

use h2wasm_conformance::*;

fn conn() -> Conn {
    let mut c = Server::shared().connect();
    c.handshake();
    c
}

/// Send `prefix ++ GET / block` as one header block on `stream`.
fn send_block(c: &mut Conn, stream: u32, b: &[u8]) {
    c.send(&frame(kind::HEADERS, flag::END_HEADERS | flag::END_STREAM, stream, b));
}

fn with_prefix(prefix: &[u8]) -> Vec<u8> {
    let mut b = prefix.to_vec();
    b.extend(get_block("/"));
    b
}

fn compression_error(b: &[u8]) {
    let mut c = conn();
    send_block(&mut c, 1, b);
    c.expect_goaway(code::COMPRESSION_ERROR);
}

/// `x-h: <huffman bytes>` as a literal without indexing, H bit set on the value.
fn huffman_value(bytes: &[u8]) -> Vec<u8> {
    let mut b = get_block("/");
    b.push(0x00);
    hpack_str(b"x-h", &mut b);
    hpack_int(bytes.len(), 7, 0x80, &mut b);
    b.extend_from_slice(bytes);
    b
}

#[test]
fn hpack_s2_3_3_index_out_of_range() {
    // Static table has 61 entries, the dynamic table is empty: 62 is out of range.
    compression_error(&with_prefix(&indexed(62)));
}

#[test]
fn hpack_s2_3_3_index_far_out_of_range() {
    compression_error(&with_prefix(&indexed(100_000)));
}

#[test]
fn hpack_s2_3_3_literal_name_index_out_of_range() {
    let mut b = get_block("/");
    hpack_int(70, 4, 0x00, &mut b); // literal without indexing, name index 70
    hpack_str(b"v", &mut b);
    compression_error(&b);
}

#[test]
fn hpack_s6_1_index_zero() {
    compression_error(&with_prefix(&[0x80]));
}

#[test]
fn hpack_s6_2_1_literal_name_index_zero_is_new_name() {
    // 0x40 = literal with incremental indexing, new name (index 0 means "literal name").
    let mut c = conn();
    let mut b = get_block("/");
    b.extend(lit_indexed(b"x-new", b"v"));
    send_block(&mut c, 1, &b);
    c.expect_200(1);
}

#[test]
fn hpack_s4_2_table_size_update_over_limit() {
    // We (the client) never acknowledged more than the 4096 default the server advertised.
    compression_error(&with_prefix(&size_update(4097)));
}

#[test]
fn hpack_s4_2_size_update_not_at_start() {
    let mut b = get_block("/");
    b.extend(size_update(0));
    compression_error(&b);
}

#[test]
fn hpack_s4_2_size_update_at_start_ok() {
    let mut c = conn();
    send_block(&mut c, 1, &with_prefix(&size_update(0)));
    c.expect_200(1);
}

#[test]
fn hpack_s4_2_two_size_updates_at_start_ok() {
    let mut c = conn();
    let mut p = size_update(0);
    p.extend(size_update(4096));
    send_block(&mut c, 1, &with_prefix(&p));
    c.expect_200(1);
}

#[test]
fn hpack_s4_3_eviction_makes_index_invalid() {
    let mut c = conn();
    // Two 3000-byte entries cannot both fit in 4096: the first is evicted.
    let mut b = get_block("/");
    b.extend(lit_indexed(b"x-a", &[b'a'; 3000]));
    b.extend(lit_indexed(b"x-b", &[b'b'; 3000]));
    send_block(&mut c, 1, &b);
    c.expect_200(1);
    // Only one dynamic entry (index 62) remains; 63 is out of range.
    send_block(&mut c, 3, &with_prefix(&indexed(63)));
    c.expect_goaway(code::COMPRESSION_ERROR);
}

#[test]
fn hpack_s4_4_entry_larger_than_table_empties_it() {
    let mut c = conn();
    let mut b = get_block("/");
    b.extend(lit_indexed(b"x-small", b"1"));
    b.extend(lit_indexed(b"x-huge", &[b'h'; 5000])); // > 4096: table emptied, not an error
    send_block(&mut c, 1, &b);
    c.expect_200(1);
    send_block(&mut c, 3, &with_prefix(&indexed(62)));
    c.expect_goaway(code::COMPRESSION_ERROR);
}

#[test]
fn hpack_s6_3_size_update_zero_evicts_all() {
    let mut c = conn();
    let mut b = get_block("/");
    b.extend(lit_indexed(b"x-a", b"1"));
    send_block(&mut c, 1, &b);
    c.expect_200(1);
    let mut p = size_update(0);
    p.extend(size_update(4096));
    p.extend(indexed(62));
    send_block(&mut c, 3, &with_prefix(&p));
    c.expect_goaway(code::COMPRESSION_ERROR);
}

#[test]
fn hpack_s6_2_1_indexed_reference_ok() {
    let mut c = conn();
    let mut b = get_block("/");
    b.extend(lit_indexed(b"x-ref", b"value"));
    send_block(&mut c, 1, &b);
    c.expect_200(1);
    // The same entry, by index, on the next stream (after the pseudo-headers).
    let mut b = get_block("/");
    b.extend(indexed(62));
    send_block(&mut c, 3, &b);
    c.expect_200(3);
}

#[test]
fn hpack_s6_2_2_literal_without_indexing_not_inserted() {
    let mut c = conn();
    let mut b = get_block("/");
    b.extend(lit(b"x-noindex", b"v"));
    send_block(&mut c, 1, &b);
    c.expect_200(1);
    send_block(&mut c, 3, &with_prefix(&indexed(62)));
    c.expect_goaway(code::COMPRESSION_ERROR);
}

#[test]
fn hpack_s6_2_3_never_indexed_ok() {
    let mut c = conn();
    let mut b = get_block("/");
    b.push(0x10);
    hpack_str(b"authorization", &mut b);
    hpack_str(b"secret", &mut b);
    send_block(&mut c, 1, &b);
    c.expect_200(1);
}

#[test]
fn hpack_s5_1_integer_overflow() {
    // Indexed field with a 7+ continuation-byte integer (> 2^32).
    compression_error(&with_prefix(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]));
}

#[test]
fn hpack_s5_1_truncated_integer() {
    let mut b = get_block("/");
    b.extend([0xff, 0x80]); // continuation bit set, then the block ends
    compression_error(&b);
}

#[test]
fn hpack_s5_2_string_length_past_block() {
    let mut b = get_block("/");
    b.push(0x00);
    hpack_str(b"x-v", &mut b);
    b.push(50); // 50-byte value, 2 bytes present
    b.extend(b"ab");
    compression_error(&b);
}

#[test]
fn hpack_s5_2_huffman_ok() {
    let mut c = conn();
    // 'a' = 00011, then 3 bits of EOS-prefix padding: 0001 1111.
    send_block(&mut c, 1, &huffman_value(&[0x1f]));
    c.expect_200(1);
}

#[test]
fn hpack_s5_2_huffman_eos_in_string() {
    compression_error(&huffman_value(&[0xff, 0xff, 0xff, 0xff]));
}

#[test]
fn hpack_s5_2_padding_too_long() {
    // 'a' then 11 bits of ones: padding longer than 7 bits.
    compression_error(&huffman_value(&[0x1f, 0xff]));
}

#[test]
fn hpack_s5_2_padding_not_eos_prefix() {
    // 'a' then 3 zero bits: padding must be the most significant bits of EOS (ones).
    compression_error(&huffman_value(&[0x18]));
}

#[test]
fn hpack_s4_3_error_in_one_block_is_connection_error_after_success() {
    let mut c = conn();
    c.get(1, "/");
    c.expect_200(1);
    send_block(&mut c, 3, &with_prefix(&[0x80]));
    let last = c.expect_goaway(code::COMPRESSION_ERROR);
    assert!(last <= 3, "last-stream-id {last}");
}

#[test]
fn hpack_header_block_in_continuations_decoded_whole() {
    // A literal split across HEADERS/CONTINUATION boundaries mid-string.
    let mut c = conn();
    let mut b = get_block("/");
    b.extend(lit(b"x-split", &[b's'; 100]));
    let (a, rest) = b.split_at(b.len() - 50);
    c.send(&frame(kind::HEADERS, flag::END_STREAM, 1, a));
    c.send(&frame(kind::CONTINUATION, flag::END_HEADERS, 1, rest));
    c.expect_200(1);
}
