#!/usr/bin/python3
"""Checks a folder written by `sae4j export` the way the target library's loader reads it, independently of sae4j's
importer: parses cfg.json as SAELens (v6 detection from metadata.sae_lens_version, SAEConfig keys) or sparsify
(SparseCoderConfig keys + d_in) would, transcoders included, reads the safetensors with the shapes and orientation the library expects,
runs that library's forward pass (numpy, float64) on INPUTS and compares with sae4j's dense codes CODES
(`sae4j encode --dense`). Usage:

    /usr/bin/python3 src/tools/check_export.py EXPORTED_DIR INPUTS.npy CODES.npy
"""
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from interop_fixtures import (saelens_forward, saelens_transcoder_forward, sparsify_forward,  # noqa: E402
                              sparsify_transcoder_forward)

DT = {"F32": "<f4", "F64": "<f8", "F16": "<f2"}


def read_safetensors(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n])
    out = {}
    for k, v in h.items():
        if k == "__metadata__":
            continue
        s, e = v["data_offsets"]
        out[k] = np.frombuffer(b[8 + n + s:8 + n + e], DT[v["dtype"]]).reshape(v["shape"]).astype(np.float64)
    return out


def main(folder, inputs, codes):
    x = np.load(inputs)
    want = np.load(codes)
    cfg = json.load(open(os.path.join(folder, "cfg.json")))
    if os.path.exists(os.path.join(folder, "sae_weights.safetensors")):
        ver = cfg.get("metadata", {}).get("sae_lens_version", "")
        assert int(ver.split(".")[0]) >= 6, "SAELens would treat this as a v5 config: " + ver
        t = read_safetensors(os.path.join(folder, "sae_weights.safetensors"))
        d, n = cfg["d_in"], cfg["d_sae"]
        arch = cfg["architecture"]
        if arch in ("transcoder", "skip_transcoder", "jumprelu_transcoder"):
            # saes/transcoder.py: TranscoderConfig.d_out, W_dec [d_sae, d_out], W_skip [d_out, d_in]
            d_out = cfg["d_out"]
            assert not cfg["apply_b_dec_to_input"], "TranscoderConfig refuses apply_b_dec_to_input"
            assert t["W_enc"].shape == (d, n) and t["W_dec"].shape == (n, d_out), "orientation"
            assert t["b_dec"].shape == (d_out,), "b_dec width"
            assert ("W_skip" in t) == (arch == "skip_transcoder"), "W_skip presence"
            if "W_skip" in t:
                assert t["W_skip"].shape == (d_out, d), "W_skip orientation"
            z, _, _ = saelens_transcoder_forward(t, x, arch)
            return report(folder, z, want)
        assert t["W_enc"].shape == (d, n) and t["W_dec"].shape == (n, d), "orientation"
        z, _, _ = saelens_forward(t, x, cfg["architecture"], cfg["apply_b_dec_to_input"],
                                  cfg["normalize_activations"], cfg.get("k"),
                                  cfg.get("rescale_acts_by_decoder_norm", False))
    else:
        t = read_safetensors(os.path.join(folder, "sae.safetensors"))
        d = cfg["d_in"]
        n = cfg["num_latents"] or d * cfg["expansion_factor"]
        assert t["encoder.weight"].shape == (n, d) and t["W_dec"].shape == (n, d), "orientation"
        # SparseCoder builds W_skip only with skip_connection, and load_model is strict.
        assert ("W_skip" in t) == cfg.get("skip_connection", False), "W_skip presence"
        if cfg.get("transcode", False):
            if "W_skip" in t:
                assert t["W_skip"].shape == (d, d), "W_skip shape"
            z, _, _ = sparsify_transcoder_forward(t, x, cfg["k"])
        else:
            z, _, _ = sparsify_forward(t, x, cfg["k"])
    return report(folder, z, want)


def report(folder, z, want):
    same = np.array_equal(z != 0, want != 0)
    err = np.max(np.abs(z - want))
    print(f"{folder}: firing latents identical: {same}; max |code difference| {err:.3g}")
    return 0 if same and err < 1e-3 else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
