"""Reads and writes safetensors files with torch alone (the `safetensors` package is not part of
Debian's python3-torch): an 8-byte little-endian header length, a JSON header mapping each name to
{dtype, shape, data_offsets}, then the raw little-endian bytes."""
import json
import struct

import torch

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32}
NAMES = {dtype: name for name, dtype in DTYPES.items()}


def read_safetensors(path):
    """name -> tensor (a copy, in file order)."""
    with open(path, "rb") as handle:
        data = handle.read()
    (header_length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_length])
    base = 8 + header_length
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        dtype = DTYPES[entry["dtype"]]
        flat = torch.frombuffer(bytearray(data[base + start : base + end]), dtype=dtype)
        tensors[name] = flat.reshape(entry["shape"]).clone()
    return tensors


def write_safetensors(path, tensors):
    """Writes name -> tensor (float32, float64, int64 or int32) in the given order."""
    header = {}
    chunks = []
    offset = 0
    for name, tensor in tensors.items():
        raw = tensor.detach().contiguous().cpu().numpy().tobytes()
        header[name] = {
            "dtype": NAMES[tensor.dtype],
            "shape": list(tensor.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        chunks.append(raw)
        offset += len(raw)
    encoded = json.dumps(header).encode()
    with open(path, "wb") as handle:
        handle.write(struct.pack("<Q", len(encoded)))
        handle.write(encoded)
        for chunk in chunks:
            handle.write(chunk)
