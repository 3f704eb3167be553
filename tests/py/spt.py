"""Minimal safetensors reader/writer with NumPy only (no `safetensors` package needed).

load(path) -> (tensors: dict name -> np.ndarray, metadata: dict)
save(path, tensors, metadata) writes the same layout (used to make test checkpoints).
"""
import json
import struct

import numpy as np

DTYPES = {"U8": np.uint8, "I8": np.int8, "I16": np.int16, "U16": np.uint16, "I32": np.int32,
          "U32": np.uint32, "I64": np.int64, "U64": np.uint64, "F16": np.float16,
          "F32": np.float32, "F64": np.float64, "BOOL": np.bool_}


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    (hlen,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + hlen].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    base = 8 + hlen
    out = {}
    for name, t in header.items():
        b0, b1 = t["data_offsets"]
        dt = np.dtype(DTYPES[t["dtype"]]).newbyteorder("<")
        out[name] = np.frombuffer(data[base + b0:base + b1], dtype=dt).reshape(t["shape"])
    return out, meta


def save(path, tensors, metadata=None):
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    off = 0
    blobs = []
    rev = {v: k for k, v in DTYPES.items()}
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr)
        b = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": rev[arr.dtype.type], "shape": list(arr.shape),
                        "data_offsets": [off, off + len(b)]}
        off += len(b)
        blobs.append(b)
    h = json.dumps(header).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
