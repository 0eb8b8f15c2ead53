#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora from core's test fixtures (and a tiny checkpoint the CLI trains).

Run from the repository root after `mvn -q -B install -DskipTests` (the checkpoint seed runs the CLI from
core/target/classes):  /usr/bin/python3 fuzz/src/test/seeds/make_seeds.py
Seeds go to fuzz/src/test/resources/org/sae4j/fuzz/<Class>Inputs/<method>/seed-*; regression inputs that a
campaign found (crash-*, named by hand after their bug) live beside them and are not touched here.
Multi-file targets take sections: a 3-byte little-endian length and that many bytes per file, the last file the
rest (Harness.sections); 0xFFFFFF marks an absent file.
"""
import glob
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import zipfile

import numpy as np

ROOT = os.getcwd()
FIX = os.path.join(ROOT, "core/src/test/resources")
OUT = os.path.join(ROOT, "fuzz/src/test/resources/org/sae4j/fuzz")
JAVA = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"


def read(path):
    with open(path, "rb") as f:
        return f.read()


def put(cls, method, name, data):
    d = os.path.join(OUT, cls + "Inputs", method)
    os.makedirs(d, exist_ok=True)
    for old in glob.glob(os.path.join(d, "seed-" + name)):
        os.remove(old)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def sections(*files):
    out = b""
    for f in files[:-1]:
        out += struct.pack("<I", 0xFFFFFF if f is None else len(f))[:3] + (f or b"")
    return out + files[-1]


def npy(arr, version=None):
    b = io.BytesIO()
    if version is None:
        np.save(b, arr)
    else:
        np.lib.format.write_array(b, arr, version=version)
    return b.getvalue()


def main():
    npys = sorted(glob.glob(os.path.join(FIX, "npy-fixtures/*.npy")))
    small = [p for p in npys]
    small += [os.path.join(FIX, "interop/saelens-topk/inputs.npy")]
    # .npy: the fixtures (every dtype/order/version case core's tests name) and two made here.
    for p in small:
        name = os.path.basename(os.path.dirname(p)) + "_" + os.path.basename(p) \
            if "interop" in p else os.path.basename(p)
        put("NpyFuzzTest", "npyFile", name, read(p))
    put("NpyFuzzTest", "npyFile", "f2_be_2x3.npy", npy(np.arange(6, dtype=">f2").reshape(2, 3)))
    put("NpyFuzzTest", "npyFile", "f4_v3_2x2.npy", npy(np.ones((2, 2), dtype="<f4"), version=(3, 0)))

    # Header dicts alone (v1 header text; the target adds magic, version, length and 256 data bytes).
    for name, d in [
        ("f4_3x5", "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 5), }"),
        ("f8_fortran_2x4", "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 4), }"),
        ("f2_1d", "{'descr': '>f2', 'fortran_order': False, 'shape': (7,), }"),
        ("i4", "{'descr': '<i4', 'fortran_order': False, 'shape': (3, 5), }"),
        ("nested", "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1, 1), }"),
        ("literals", "{'descr': \"<f4\", 'fortran_order': False, 'shape': (0x2, 1_0), 'x': None, }"),
    ]:
        put("NpyFuzzTest", "npyHeaderDict", name, d.encode("latin-1"))

    # NpyArrays: byte 0 = rows, byte 1 = cols, then the file.
    for name, arr in [("f4_3x5", np.ones((3, 5), "<f4")), ("f8_2x2", np.ones((2, 2), "<f8")),
                      ("i4_4x1", np.arange(4, dtype="<i4").reshape(4, 1)),
                      ("i8_1x3", np.arange(3, dtype="<i8").reshape(1, 3))]:
        put("NpyFuzzTest", "npyArrays", name, bytes([arr.shape[0], arr.shape[1]]) + npy(arr))

    # Shard directories: three shards of one width, one with zero rows, one with a NaN.
    a = npy(np.ones((2, 5), "<f4"))
    e = read(os.path.join(FIX, "npy-fixtures/f4_empty_0x5.npy"))
    put("NpyFuzzTest", "npyDataset", "three_shards", sections(a, e, npy(np.zeros((3, 5), "<f8"))))
    put("NpyFuzzTest", "npyDataset", "nan_shard",
        sections(a, read(os.path.join(FIX, "npy-fixtures/f4_nan_inf_3x5.npy")), a))
    put("NpyFuzzTest", "npyDataset", "one_shard", sections(None, None, a))

    # safetensors: the interop fixtures' weights (F32, F16, BF16, F64).
    for p in sorted(glob.glob(os.path.join(FIX, "interop/*/*.safetensors"))):
        put("SafetensorsFuzzTest", "safetensors", os.path.basename(os.path.dirname(p)), read(p))
        raw = read(p)
        n = struct.unpack("<Q", raw[:8])[0]
        hdr = json.loads(raw[8:8 + n])
        # The header-only target has a 64-byte buffer: keep names and dtypes, fit the offsets to it.
        items = [(k, v) for k, v in hdr.items() if k != "__metadata__"]
        fitted = {"__metadata__": hdr.get("__metadata__", {"format": "pt"})}
        for i, (k, v) in enumerate(items[:4]):
            size = {"F32": 4, "F16": 2, "BF16": 2, "F64": 8}.get(v["dtype"], 4)
            fitted[k] = {"dtype": v["dtype"], "shape": [16 // size], "data_offsets": [16 * i, 16 * i + 16]}
        if len(items) < 4:
            fitted[items[0][0] + "_pad"] = {"dtype": "U8", "shape": [64 - 16 * len(items[:4])],
                                            "data_offsets": [16 * len(items[:4]), 64]}
        put("SafetensorsFuzzTest", "safetensorsHeader", os.path.basename(os.path.dirname(p)),
            json.dumps(fitted).encode())

    # JSON: every interop cfg.json, and a few shapes the parser must meet.
    for p in sorted(glob.glob(os.path.join(FIX, "interop/*/cfg.json"))):
        put("JsonFuzzTest", "json", os.path.basename(os.path.dirname(p)), read(p))
    for name, t in [("escapes", '{"a":"\\u00e9\\ud83d\\ude00\\n","b":[1,-2.5e-3,true,false,null],"c":{}}'),
                    ("numbers", '[0, -0, 1e400, -1E-400, 12345678901234567890, 0.1]'),
                    ("deep", "[" * 40 + "]" * 40)]:
        put("JsonFuzzTest", "json", name, t.encode())

    # .npz: the Gemma Scope fixture and small archives, stored and deflated.
    gs = read(os.path.join(FIX, "interop/gemmascope/params.npz"))
    put("NpzFuzzTest", "npz", "gemmascope", gs)
    for name, compress in [("stored", False), ("deflated", True)]:
        b = io.BytesIO()
        arrays = {"W": np.ones((2, 3), "<f4"), "b": np.arange(3, dtype=">f8"),
                  "F": np.asfortranarray(np.arange(6, dtype="<f2").reshape(2, 3))}
        (np.savez_compressed if compress else np.savez)(b, **arrays)
        put("NpzFuzzTest", "npz", name, b.getvalue())

    # tokens.tsv: both layouts, escapes, a selection of rows.
    put("TokensTsvFuzzTest", "tokensTsv", "plain",
        b"row\tdocument\tposition\ttoken\n0\t0\t0\t<bos>\n1\t0\t1\t hello\n2\t1\t0\ta\\tb\\\\c\\n\n")
    put("TokensTsvFuzzTest", "tokensTsv", "windows",
        b"row\tdocument\twindow\tposition\ttoken\n0\t0\t0\t0\tx\n1\t0\t1\t0\t\xc3\xa9\n")
    put("TokensTsvFuzzTest", "tokensTsv", "subset", b"row\tdocument\tposition\ttoken\n3\t0\t3\tq\n7\t2\t1\tr\n")

    # Model folders: SAELens and sparsify fixtures as sections, Gemma Scope's params.npz.
    for p in sorted(glob.glob(os.path.join(FIX, "interop/saelens-*"))):
        put("ModelFolderFuzzTest", "saeLens", os.path.basename(p),
            sections(read(os.path.join(p, "cfg.json")), read(os.path.join(p, "sae_weights.safetensors"))))
    for p in sorted(glob.glob(os.path.join(FIX, "interop/sparsify-*"))):
        put("ModelFolderFuzzTest", "sparsify", os.path.basename(p),
            sections(read(os.path.join(p, "cfg.json")), read(os.path.join(p, "sae.safetensors"))))
    put("ModelFolderFuzzTest", "gemmaScope", "gemmascope", gs)

    # sae4j checkpoints: trained here by the CLI on a tiny .npy (d 8, 16 latents), with and without trainer state.
    with tempfile.TemporaryDirectory() as t:
        data = os.path.join(t, "x.npy")
        np.save(data, np.random.default_rng(1).standard_normal((64, 8)).astype("<f4"))
        for act, extra in [("topk", ["--k", "3"]), ("jumprelu", []), ("relu", []), ("batchtopk", ["--k", "2"])]:
            out = os.path.join(t, act)
            subprocess.run([JAVA, "--add-modules", "jdk.incubator.vector", "-cp",
                            "core/target/classes:kernels/target/classes", "org.sae4j.cli.Main", "train",
                            "--data", data, "--out", out, "--latents", "16", "--activation", act, "--batch", "16",
                            "--steps", "3"] + extra, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            f = lambda n: read(os.path.join(out, n)) if os.path.exists(os.path.join(out, n)) else None
            put("ModelFolderFuzzTest", "checkpoint", act,
                sections(f("cfg.json"), f("model.safetensors"), f("trainer_state.json"),
                         f("optimizer.safetensors") or b""))
            if act == "topk":
                put("ModelFolderFuzzTest", "checkpoint", "topk_model_only",
                    sections(f("cfg.json"), f("model.safetensors"), None, b""))

    # The service: query, then body (d = 16 in the target).
    vec = json.dumps([0.5 * i - 3 for i in range(16)]).encode()
    put("EncodeHandlerFuzzTest", "requestBody", "vector", sections(b"", vec))
    put("EncodeHandlerFuzzTest", "requestBody", "top3", sections(b"top=3", vec))
    put("EncodeHandlerFuzzTest", "requestBody", "short", sections(b"top=x", b"[1, 2, 3]"))
    put("EncodeHandlerFuzzTest", "requestBody", "nan", sections(None, b"[" + b"NaN, " * 15 + b"1e39]"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
