#!/usr/bin/env python3
"""Extract the wire blocks of every story in hpack-test-case into corpus.bin.

Format (little-endian u32s): story_count, then per story: case_count, then per
case: header_table_size (0 = unchanged), wire_len, wire bytes.
Usage: make_corpus.py [CORPUS_DIR] [OUT]
(defaults: the subset vendored in tests/fixtures/hpack-test-case, corpus.bin)
"""
import json, os, struct, sys

here = os.path.dirname(os.path.abspath(__file__))
root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../../tests/fixtures/hpack-test-case")
out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "corpus.bin")
stories = []
for d in sorted(os.listdir(root)):
    p = os.path.join(root, d)
    if not os.path.isdir(p):
        continue
    for f in sorted(os.listdir(p)):
        if not f.endswith(".json"):
            continue
        cases = json.load(open(os.path.join(p, f)))["cases"]
        if not cases or "wire" not in cases[0]:
            continue  # raw-data: no wire
        stories.append([(c.get("header_table_size", 0), bytes.fromhex(c["wire"])) for c in cases])
buf = bytearray(struct.pack("<I", len(stories)))
blocks = wire = 0
for s in stories:
    buf += struct.pack("<I", len(s))
    for hts, w in s:
        buf += struct.pack("<II", hts, len(w)) + w
        blocks += 1
        wire += len(w)
open(out, "wb").write(buf)
print(f"{out}: {len(stories)} stories, {blocks} blocks, {wire} wire bytes")
