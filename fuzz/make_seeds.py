#!/usr/bin/env python3
"""Write the checked-in seed corpus (fuzz/corpus/<target>/seed-*).

Run from anywhere: python3 fuzz/make_seeds.py [HPACK_TEST_CASE_DIR]
Layouts are described at the top of each fuzz target.
"""
import json, os, struct, sys

HERE = os.path.dirname(os.path.abspath(__file__))
HPACK_DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "shared", "hpack-test-case")
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

def frame(kind, flags, sid, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", sid) + payload

def settings(params=(), ack=False):
    return frame(4, 1 if ack else 0, 0, b"".join(struct.pack(">HI", i, v) for i, v in params))

# A GET for / on stream 1 (static-table indices), and a POST with a body on stream 3.
GET = bytes([0x82, 0x87, 0x84, 0x41, 0x01, ord("x")])            # :method GET :scheme https :path / :authority x
POST = bytes([0x83, 0x87, 0x84, 0x41, 0x01, ord("x"), 0x5c, 0x01, ord("5")])  # ... content-length: 5

FRAMES = {
    "data": frame(0, 1, 1, b"hello"),
    "data-padded": frame(0, 0x9, 1, bytes([3]) + b"hi" + b"\0" * 3),
    "headers": frame(1, 0x5, 1, GET),
    "headers-prio-padded": frame(1, 0x2d, 3, bytes([2]) + b"\x80\0\0\x01\x0f" + GET + b"\0\0"),
    "priority": frame(2, 0, 3, b"\0\0\0\x01\x10"),
    "rst": frame(3, 0, 1, b"\0\0\0\x08"),
    "settings": settings([(1, 4096), (3, 100), (4, 65535), (5, 16384), (6, 65536)]),
    "settings-ack": settings(ack=True),
    "push-promise": frame(5, 0x4, 1, b"\0\0\0\x02" + GET),
    "ping": frame(6, 0, 0, b"12345678"),
    "goaway": frame(7, 0, 0, b"\0\0\0\x01\0\0\0\0debug"),
    "window-update": frame(8, 0, 0, b"\0\x01\0\0"),
    "continuation": frame(1, 0, 5, GET[:3]) + frame(9, 4, 5, GET[3:]),
    "priority-update": frame(0x10, 0, 0, b"\0\0\0\x01u=1, i"),
    "unknown": frame(0xfa, 0xff, 7, b"ignored"),
}

def request_stream():
    return (PREFACE + settings([(3, 100)]) + settings(ack=True)
            + frame(1, 0x5, 1, GET)
            + frame(1, 0x4, 3, POST) + frame(0, 0, 3, b"hel") + frame(0, 1, 3, b"lo")
            + frame(8, 0, 0, b"\0\0\x10\0") + frame(6, 0, 0, b"pingpong") + frame(7, 0, 0, b"\0\0\0\x03\0\0\0\0"))

def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)

def main():
    # frame_decoder: [max selector][ncuts][ncuts x u16][bytes]
    for name, data in FRAMES.items():
        write("frame_decoder", name, b"\0\0" + data)
    allf = b"".join(FRAMES.values())
    write("frame_decoder", "all", b"\0\0" + allf)
    write("frame_decoder", "all-split", b"\0\x03" + struct.pack("<HHH", 5, 40, 77) + allf)
    write("frame_decoder", "request", b"\x01\0" + request_stream()[len(PREFACE):])

    # hpack_decoder decode mode: [0][table][list/4][fields] then [len][block]...
    stories = 0
    for sub in ("nghttp2", "go-hpack", "haskell-http2-linear-huffman"):
        p = os.path.join(HPACK_DIR, sub)
        if not os.path.isdir(p):
            continue
        for fn in sorted(os.listdir(p))[:3]:
            cases = json.load(open(os.path.join(p, fn)))["cases"][:12]
            body = b"".join(struct.pack("<H", len(bytes.fromhex(c["wire"]))) + bytes.fromhex(c["wire"]) for c in cases)
            write("hpack_decoder", f"{sub}-{fn[:-5]}", b"\0" + struct.pack("<HHB", 4096, 16384, 255) + body)
            stories += 1
    write("hpack_decoder", "size-update", b"\0" + struct.pack("<HHB", 4096, 16384, 255)
          + struct.pack("<H", 1) + b"\x20" + b"\xff\xff" + struct.pack("<H", 256) + struct.pack("<H", 3) + b"\x3f\xe1\x01")
    write("hpack_decoder", "roundtrip", b"\x01" + bytes(range(64)))

    # connection: [n u16 LE][n raw client bytes][arbitrary commands]
    raw = request_stream()
    write("connection", "request", struct.pack("<H", len(raw)) + raw)
    raw = PREFACE + settings() + frame(1, 0x5, 1, GET)
    write("connection", "get", struct.pack("<H", len(raw)) + raw + bytes(range(1, 200)))
    write("connection", "preface-only", struct.pack("<H", len(PREFACE)) + PREFACE)

    # client: [n u16 LE][n raw server bytes][arbitrary commands]
    raw = settings([(3, 100)]) + settings(ack=True)
    write("client", "settings", struct.pack("<H", len(raw)) + raw)
    trailer = bytes([0x40, 0x01, ord("g"), 0x01, ord("0")])  # literal g: 0
    raw += frame(1, 0x4, 1, bytes([0x88])) + frame(0, 0, 1, b"hello") + frame(1, 0x5, 1, trailer)  # :status 200
    write("client", "response", struct.pack("<H", len(raw)) + raw + bytes(range(1, 200)))
    write("client", "goaway", struct.pack("<H", 0) + b"\x01" + bytes(range(200, 0, -1)))
    print(f"seeds written ({stories} hpack stories)")

main()
