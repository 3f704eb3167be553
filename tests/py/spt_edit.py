"""Edit a .spt trace in place and reseal its version-2 checksum (FNV-1a 64 over every byte of
the file with the checksum's own 16 hex digits read as '0'; docs/trace-format.md), independently
of the C code. Used by end-to-end tests to make traces that are intact as files but wrong in
content (a golden value changed), so the simulator, not the reader, must catch them.
usage: spt_edit.py FILE.spt out-add TENSOR INDEX DELTA   (adds DELTA to element INDEX, I32)
       spt_edit.py FILE.spt reseal
"""
import json
import struct
import sys


def fnv(data, at):
    h = 0xcbf29ce484222325
    for i, b in enumerate(data):
        if at <= i < at + 16:
            b = ord("0")
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def reseal(b):
    pat = b'"checksum":"fnv1a64:'
    at = b.index(pat) + len(pat)
    b[at:at + 16] = b"%016x" % fnv(bytes(b), at)


def main():
    path, op = sys.argv[1], sys.argv[2]
    b = bytearray(open(path, "rb").read())
    if op == "out-add":
        name, idx, delta = sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
        (hl,) = struct.unpack("<Q", b[:8])
        t = json.loads(b[8:8 + hl].decode())[name]
        assert t["dtype"] == "I32"
        off = 8 + hl + t["data_offsets"][0] + 4 * idx
        (v,) = struct.unpack("<i", b[off:off + 4])
        b[off:off + 4] = struct.pack("<i", v + delta)
    reseal(b)
    open(path, "wb").write(bytes(b))


main()
