#!/usr/bin/python3
"""Writes the interop test fixtures: one model folder per format/architecture in each library's on-disk layout,
plus inputs and the codes and reconstructions each library's forward pass gives, implemented here from the
libraries' code (numpy only; citations in src/docs/interop.md). Run from the repository root:

    /usr/bin/python3 src/tools/interop_fixtures.py core/src/test/resources/interop

Each case folder holds the model files and
  inputs.npy    float32 [rows, d_in]
  codes.npy     float32 [rows, d_sae]  dense codes (SAELens encode(); sparsify's top-k values scattered)
  recon.npy     float32 [rows, d_in]   reconstruction (SAELens decode(encode(x)) incl. output normalisation);
                for a transcoder [rows, d_out], its output (incl. the skip path)
The forward passes run in float64 on the stored (float32/bf16/f16/f64) parameter values; the Java test compares
with a tolerance for sae4j's float32 arithmetic. Rows whose selection is within MARGIN of a decision boundary
(zero, a threshold, the k-th value) are redrawn, so that float32 rounding cannot change which latents fire; the
deliberate edge rows use dyadic weights whose pre-activations are exact in any summation order.
"""
import json
import os
import struct
import sys
import zipfile

import numpy as np

D, N, ROWS = 16, 64, 40
MARGIN = 2e-3


# ------------------------------------------------------------------ writers

def bf16_bits(a):
    """float32 -> bfloat16 bit patterns, round to nearest even (as torch's .to(torch.bfloat16))."""
    b = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (b + 0x7FFF + ((b >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def bf16_values(a):
    return (bf16_bits(a).astype(np.uint32) << 16).view(np.float32)


def stored(a, dtype):
    """The values a tensor holds once written as dtype (what a reader gets back)."""
    if dtype == "BF16":
        return bf16_values(a)
    if dtype == "F16":
        return np.asarray(a, np.float32).astype(np.float16).astype(np.float32)
    if dtype == "F64":
        return np.asarray(a, np.float64)
    return np.asarray(a, np.float32)


def write_safetensors(path, tensors, dtype="F32", metadata=None):
    """safetensors by hand: u64 little-endian header length, JSON header, then the raw little-endian bytes."""
    header, blobs, off = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, a in tensors.items():
        dt = "F64" if (dtype == "F32" and a.dtype == np.float64) else dtype
        if dt == "BF16":
            raw = bf16_bits(a).astype("<u2").tobytes()
        elif dt == "F16":
            raw = np.asarray(a, np.float32).astype("<f2").tobytes()
        elif dt == "F64":
            raw = np.asarray(a, np.float64).astype("<f8").tobytes()
        else:
            raw = np.asarray(a, np.float32).astype("<f4").tobytes()
        header[name] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)


def save_case(out, name, files, x, codes, recon):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    for fname, writer in files.items():
        writer(os.path.join(d, fname))
    np.save(os.path.join(d, "inputs.npy"), x.astype(np.float32))
    np.save(os.path.join(d, "codes.npy"), codes.astype(np.float32))
    np.save(os.path.join(d, "recon.npy"), recon.astype(np.float32))


# ------------------------------------------------------------------ forward passes (float64)

def norm_in(x, mode):
    """SAELens saes/sae.py _setup_activation_normalization; returns x' and the inverse."""
    if mode == "constant_norm_rescale":
        c = np.sqrt(x.shape[1]) / np.linalg.norm(x, axis=1, keepdims=True)
        return x * c, lambda o: o / c
    if mode == "layer_norm":
        mu = x.mean(axis=1, keepdims=True)
        xc = x - mu
        sd = xc.std(axis=1, ddof=1, keepdims=True)  # torch .std() is unbiased
        return xc / (sd + 1e-5), lambda o: o * sd + mu
    return x, lambda o: o


def saelens_forward(p, x, arch, apply_b_dec=True, norm="none", k=None, rescale=False):
    """SAELens v6: process_sae_in, then each architecture's encode/decode. Returns codes, recon, decisions."""
    x = x.astype(np.float64)
    xn, inv = norm_in(x, norm)
    s = xn - p["b_dec"] * (1.0 if apply_b_dec else 0.0)
    if arch == "standard":
        pre = s @ p["W_enc"] + p["b_enc"]
        z = np.maximum(pre, 0)
        dec = np.abs(pre)
    elif arch == "jumprelu":
        pre = s @ p["W_enc"] + p["b_enc"]
        z = np.maximum(pre, 0) * (pre > p["threshold"])  # strict >
        dec = np.minimum(np.abs(pre - p["threshold"]), np.abs(pre))
    elif arch == "topk":
        pre = s @ p["W_enc"] + p["b_enc"]
        nrm = np.linalg.norm(p["W_dec"], axis=1)
        if rescale:
            pre = pre * nrm
        z = np.zeros_like(pre)
        dec = np.full(pre.shape[0], np.inf)
        for r in range(pre.shape[0]):
            order = np.argsort(-pre[r], kind="stable")
            top = order[:k]
            z[r, top] = np.maximum(pre[r, top], 0)  # top-k of the raw values, then ReLU
            vk, vk1 = pre[r, order[k - 1]], pre[r, order[k]]
            if vk > 0:
                dec[r] = vk - vk1
            dec[r] = min(dec[r], np.min(np.abs(pre[r, top])))
        dec = dec[:, None]
    elif arch == "gated":
        gate = s @ p["W_enc"] + p["b_gate"]
        mag = s @ (p["W_enc"] * np.exp(p["r_mag"])) + p["b_mag"]
        z = (gate > 0) * np.maximum(mag, 0)
        dec = np.minimum(np.abs(gate), np.abs(mag))
    else:
        raise ValueError(arch)
    zd = z / np.linalg.norm(p["W_dec"], axis=1) if (arch == "topk" and rescale) else z
    recon = inv(zd @ p["W_dec"] + p["b_dec"])
    return z, recon, dec


def sparsify_forward(p, x, k):
    """sparsify SparseCoder.encode/decode: relu(x - b_dec) @ enc.T + bias, ReLU first, then top-k."""
    x = x.astype(np.float64)
    pre = np.maximum((x - p["b_dec"]) @ p["encoder.weight"].T + p["encoder.bias"], 0)
    z = np.zeros_like(pre)
    dec = np.full((pre.shape[0], 1), np.inf)
    raw = (x - p["b_dec"]) @ p["encoder.weight"].T + p["encoder.bias"]
    for r in range(pre.shape[0]):
        order = np.argsort(-pre[r], kind="stable")
        top = order[:k]
        z[r, top] = pre[r, top]
        if pre[r, order[k - 1]] > 0:
            dec[r, 0] = pre[r, order[k - 1]] - pre[r, order[k]]
        dec[r, 0] = min(dec[r, 0], np.min(np.abs(raw[r])))
    recon = z @ p["W_dec"] + p["b_dec"]
    return z, recon, dec


def draw_rows(rng, forward, rows, scale=1.0, shift=0.0):
    """Rows whose decisions are all at least MARGIN from a boundary."""
    out = []
    while len(out) < rows:
        x = (rng.standard_normal((64, D)) * scale + shift).astype(np.float32)
        _, _, dec = forward(x)
        ok = np.all(dec > MARGIN, axis=1)
        out.extend(x[ok])
    return np.array(out[:rows], dtype=np.float32)


def params(rng, arch, n=N, d=D, unit=True):
    w_enc = (rng.standard_normal((d, n)) / np.sqrt(d)).astype(np.float32)
    w_dec = rng.standard_normal((n, d)).astype(np.float32)
    if unit:
        w_dec = (w_dec / np.linalg.norm(w_dec, axis=1, keepdims=True)).astype(np.float32)
    p = {"W_enc": w_enc, "W_dec": w_dec, "b_dec": (rng.standard_normal(d) * 0.1).astype(np.float32)}
    if arch == "gated":
        p["b_gate"] = (rng.standard_normal(n) * 0.2 - 0.1).astype(np.float32)
        p["r_mag"] = (rng.standard_normal(n) * 0.3).astype(np.float32)
        p["b_mag"] = (rng.standard_normal(n) * 0.2).astype(np.float32)
    else:
        p["b_enc"] = (rng.standard_normal(n) * 0.2 - 0.1).astype(np.float32)
    if arch == "jumprelu":
        p["threshold"] = (np.abs(rng.standard_normal(n)) * 0.3 + 0.05).astype(np.float32)
    return p


def dyadic(a, q):
    return (np.round(np.asarray(a, np.float64) * q) / q).astype(np.float32)


def edge_rows(p, apply_b_dec):
    """Rows whose pre-activations equal a threshold exactly (strict > must drop them) or sit one float away.

    Weights of input 0, b_enc and b_dec are dyadic, so x - b_dec = e_0 and pre = W_enc[0] + b_enc are exact in any
    summation order; thresholds are set to pre (inactive), to the next float below (active) and above (inactive).
    """
    p["W_enc"][0] = dyadic(p["W_enc"][0], 1024)
    p["b_enc"] = dyadic(p["b_enc"], 1024)
    p["b_dec"] = dyadic(p["b_dec"], 64)
    pre = (p["W_enc"][0].astype(np.float64) + p["b_enc"]).astype(np.float32)
    th = p["threshold"]
    for j in range(0, N, 3):
        if pre[j] > 0:
            th[j] = pre[j]
            if j + 1 < N and pre[j + 1] > 0:
                th[j + 1] = np.nextafter(pre[j + 1], np.float32(-np.inf))
            if j + 2 < N and pre[j + 2] > 0:
                th[j + 2] = np.nextafter(pre[j + 2], np.float32(np.inf))
    x = np.zeros((2, D), np.float32)
    x[0, 0] = 1.0
    x[1, 0] = 1.0
    if apply_b_dec:
        x = x + p["b_dec"]  # exact: b_dec is dyadic and small
    x[1, 0] = x[0, 0]
    return x[:1]


def v6_cfg(arch, p, dtype="float32", apply_b_dec=True, norm="none", extra=None):
    c = {"d_in": D, "d_sae": p["W_enc"].shape[1], "dtype": dtype, "device": "cpu",
         "apply_b_dec_to_input": apply_b_dec, "normalize_activations": norm, "reshape_activations": "none",
         "metadata": {"sae_lens_version": "6.18.0", "sae_lens_training_version": "6.18.0",
                      "model_name": "fixture", "hook_name": "blocks.0.hook_resid_post", "hook_head_index": None,
                      "context_size": 128, "prepend_bos": True},
         "architecture": arch}
    c.update(extra or {})
    return c


def saelens_case(out, name, rng, arch, dtype="F32", cfg_dtype="float32", apply_b_dec=True, norm="none", k=None,
                 rescale=False, unit=True, extra=None, edge=False, cfg=None, fold_factor=None):
    p = params(rng, arch, unit=unit)
    x_edge = edge_rows(p, apply_b_dec) if edge else None
    sp = {kk: stored(v, dtype) for kk, v in p.items()}  # what the file holds
    fp = dict(sp)
    if fold_factor is not None:
        # SAE.fold_activation_norm_scaling_factor, as from_pretrained does with the release's factor.
        fp = {kk: v.astype(np.float64) for kk, v in sp.items()}
        fp["W_enc"] = fp["W_enc"] * fold_factor
        fp["W_dec"] = fp["W_dec"] / fold_factor
        fp["b_dec"] = fp["b_dec"] / fold_factor
    fwd = lambda x: saelens_forward(fp, x, arch, apply_b_dec, norm, k, rescale)
    scale = 1.0 / fold_factor if fold_factor else 1.0
    x = draw_rows(rng, fwd, ROWS, scale=scale, shift=0.3 if norm == "layer_norm" else 0.0)
    if x_edge is not None:
        x = np.concatenate([x, x_edge])
    z, recon, _ = fwd(x)
    if cfg is None:
        extra_keys = dict(extra or {})
        if k is not None:
            extra_keys["k"] = k
        if arch == "topk":
            extra_keys.setdefault("rescale_acts_by_decoder_norm", rescale)
        cfg = v6_cfg(arch, p, cfg_dtype, apply_b_dec, norm, extra_keys)
    files = {"cfg.json": lambda f: write_json(f, cfg),
             "sae_weights.safetensors": lambda f: write_safetensors(f, p, dtype)}
    save_case(out, name, files, x, z, recon)


def sparsify_case(out, name, rng, k=8, num_latents=0, ef=4, old_names=False, dtype="F32"):
    n = num_latents or D * ef
    enc = (rng.standard_normal((n, D)) / np.sqrt(D)).astype(np.float32)
    w_dec = rng.standard_normal((n, D)).astype(np.float32)
    w_dec = (w_dec / np.linalg.norm(w_dec, axis=1, keepdims=True)).astype(np.float32)
    p = {"encoder.weight": enc, "encoder.bias": (rng.standard_normal(n) * 0.1).astype(np.float32),
         "W_dec": w_dec, "b_dec": (rng.standard_normal(D) * 0.1).astype(np.float32)}
    sp = {kk: stored(v, dtype) for kk, v in p.items()}
    fwd = lambda x: sparsify_forward(sp, x, k)
    x = draw_rows(rng, fwd, ROWS)
    z, recon, _ = fwd(x)
    # sparsify/config.py SparseCoderConfig field order, then d_in (SparseCoder.save_to_disk); an unknown key too.
    cfg = {"activation": "topk", "expansion_factor": ef, "normalize_decoder": True, "num_latents": num_latents,
           "k": k, "multi_topk": False, "skip_connection": False, "transcode": False, "d_in": D,
           "some_future_key": [1, 2]}
    if old_names:
        disk = {"W_enc": p["encoder.weight"].T.copy(), "b_enc": p["encoder.bias"], "W_dec": p["W_dec"],
                "b_dec": p["b_dec"]}
        for key in ("activation", "transcode", "multi_topk", "skip_connection"):
            cfg.pop(key)
    else:
        disk = p
    files = {"cfg.json": lambda f: write_json(f, cfg),
             "sae.safetensors": lambda f: write_safetensors(f, disk, dtype)}
    save_case(out, name, files, x, z, recon)


def sparsify_groupmax_forward(p, x, k):
    """sparsify fused_encoder.py FusedEncoder.forward, activation "groupmax": ReLU, then the first maximum of each of
    k contiguous groups of n/k latents (torch.max returns the first maximal index)."""
    x = x.astype(np.float64)
    raw = (x - p["b_dec"]) @ p["encoder.weight"].T + p["encoder.bias"]
    pre = np.maximum(raw, 0)
    rows, n = pre.shape
    g = n // k
    z = np.zeros_like(pre)
    dec = np.full((rows, 1), np.inf)
    for r in range(rows):
        for q in range(k):
            grp = pre[r, q * g:(q + 1) * g]
            order = np.argsort(-grp, kind="stable")
            z[r, q * g + order[0]] = grp[order[0]]
            if g > 1 and grp[order[0]] > 0:
                dec[r, 0] = min(dec[r, 0], grp[order[0]] - grp[order[1]])
        dec[r, 0] = min(dec[r, 0], np.min(np.abs(raw[r])))
    recon = z @ p["W_dec"] + p["b_dec"]
    return z, recon, dec


def sparsify_groupmax_case(out, name, rng, k=8, ef=4):
    n = D * ef
    enc = (rng.standard_normal((n, D)) / np.sqrt(D)).astype(np.float32)
    w_dec = rng.standard_normal((n, D)).astype(np.float32)
    w_dec = (w_dec / np.linalg.norm(w_dec, axis=1, keepdims=True)).astype(np.float32)
    p = {"encoder.weight": enc, "encoder.bias": (rng.standard_normal(n) * 0.1).astype(np.float32),
         "W_dec": w_dec, "b_dec": (rng.standard_normal(D) * 0.1).astype(np.float32)}
    fwd = lambda x: sparsify_groupmax_forward(p, x, k)
    x = draw_rows(rng, fwd, ROWS)
    z, recon, _ = fwd(x)
    cfg = {"activation": "groupmax", "expansion_factor": ef, "normalize_decoder": True, "num_latents": 0,
           "k": k, "multi_topk": False, "skip_connection": False, "transcode": False, "d_in": D}
    files = {"cfg.json": lambda f: write_json(f, cfg),
             "sae.safetensors": lambda f: write_safetensors(f, p, "F32")}
    save_case(out, name, files, x, z, recon)


def npz_has_zip64(path):
    """True when every local header carries the zip64 extra field (id 0x0001), as np.savez writes them."""
    with zipfile.ZipFile(path) as zf, open(path, "rb") as f:
        for info in zf.infolist():
            f.seek(info.header_offset)
            hdr = f.read(30)
            name_len, extra_len = struct.unpack("<HH", hdr[26:30])
            f.seek(info.header_offset + 30 + name_len)
            extra = f.read(extra_len)
            ids = []
            i = 0
            while i + 4 <= len(extra):
                eid, size = struct.unpack("<HH", extra[i:i + 4])
                ids.append(eid)
                i += 4 + size
            if 0x0001 not in ids:
                return False
    return True


def gemma_case(out, name, rng):
    p = params(rng, "jumprelu")
    x_edge = edge_rows(p, apply_b_dec=False)
    fwd = lambda x: saelens_forward(p, x, "jumprelu", apply_b_dec=False)
    x = np.concatenate([draw_rows(rng, fwd, ROWS), x_edge])
    z, recon, _ = fwd(x)

    def write_npz(f):
        # Lower-case w_enc as some releases name it (SAELens renames it); others as released.
        np.savez(f, w_enc=p["W_enc"], W_dec=p["W_dec"], b_enc=p["b_enc"], b_dec=p["b_dec"],
                 threshold=p["threshold"])
        assert npz_has_zip64(f), "np.savez no longer writes zip64 entries"
    save_case(out, name, {"params.npz": write_npz}, x, z, recon)


# ------------------------------------------------------------------ transcoders (issue 25)

D_OUT = 24  # SAELens transcoders' output width (!= D); sparsify transcodes only at d_out = d_in


def sparsify_transcoder_forward(p, x, k):
    """sparsify sparse_coder.py (9d3b136c) SparseCoder with cfg.transcode: encode() skips x - b_dec, then the fused
    encoder's ReLU and top-k (fused_encoder.py); forward() adds x @ W_skip.mT when skip_connection."""
    x = x.astype(np.float64)
    raw = x @ p["encoder.weight"].T + p["encoder.bias"]
    pre = np.maximum(raw, 0)
    z = np.zeros_like(pre)
    dec = np.full((pre.shape[0], 1), np.inf)
    for r in range(pre.shape[0]):
        order = np.argsort(-pre[r], kind="stable")
        top = order[:k]
        z[r, top] = pre[r, top]
        if pre[r, order[k - 1]] > 0:
            dec[r, 0] = pre[r, order[k - 1]] - pre[r, order[k]]
        dec[r, 0] = min(dec[r, 0], np.min(np.abs(raw[r])))
    out = z @ p["W_dec"] + p["b_dec"]
    if "W_skip" in p:
        out = out + x @ p["W_skip"].T
    return z, out, dec


def sparsify_transcoder_case(out, name, rng, skip, k=8, ef=4):
    n = D * ef
    p = {"encoder.weight": (rng.standard_normal((n, D)) / np.sqrt(D)).astype(np.float32),
         "encoder.bias": (rng.standard_normal(n) * 0.1).astype(np.float32),
         "W_dec": (rng.standard_normal((n, D)) * 0.25).astype(np.float32),  # a trained transcoder's rows, any norm
         "b_dec": (rng.standard_normal(D) * 0.1).astype(np.float32)}
    if skip:
        p["W_skip"] = (rng.standard_normal((D, D)) * 0.1).astype(np.float32)  # [d_in, d_in]
    fwd = lambda x: sparsify_transcoder_forward(p, x, k)
    x = draw_rows(rng, fwd, ROWS)
    z, y, _ = fwd(x)
    cfg = {"activation": "topk", "expansion_factor": ef, "normalize_decoder": True, "num_latents": 0, "k": k,
           "multi_topk": False, "skip_connection": skip, "transcode": True, "d_in": D}
    files = {"cfg.json": lambda f: write_json(f, cfg),
             "sae.safetensors": lambda f: write_safetensors(f, p, "F32")}
    save_case(out, name, files, x, z, y)


def saelens_transcoder_forward(p, x, arch):
    """SAELens v6.18.0 saes/transcoder.py: process_sae_in does not subtract b_dec (d_out wide); encode is
    relu(x @ W_enc + b_enc), JumpReLUTranscoder masks it with pre > threshold; decode is z @ W_dec + b_dec;
    SkipTranscoder.forward adds x @ W_skip.T."""
    x = x.astype(np.float64)
    pre = x @ p["W_enc"] + p["b_enc"]
    z = np.maximum(pre, 0)
    dec = np.abs(pre)
    if arch == "jumprelu_transcoder":
        z = z * (pre > p["threshold"])
        dec = np.minimum(dec, np.abs(pre - p["threshold"]))
    out = z @ p["W_dec"] + p["b_dec"]
    if arch == "skip_transcoder":
        out = out + x @ p["W_skip"].T
    return z, out, dec


def saelens_transcoder_case(out, name, rng, arch, n=N):
    p = {"W_enc": (rng.standard_normal((D, n)) / np.sqrt(D)).astype(np.float32),
         "b_enc": (rng.standard_normal(n) * 0.2 - 0.1).astype(np.float32),
         "W_dec": (rng.standard_normal((n, D_OUT)) * 0.25).astype(np.float32),
         "b_dec": (rng.standard_normal(D_OUT) * 0.1).astype(np.float32)}
    if arch == "skip_transcoder":
        p["W_skip"] = (rng.standard_normal((D_OUT, D)) * 0.1).astype(np.float32)  # [d_out, d_in]
    if arch == "jumprelu_transcoder":
        p["threshold"] = (np.abs(rng.standard_normal(n)) * 0.3 + 0.05).astype(np.float32)
    fwd = lambda x: saelens_transcoder_forward(p, x, arch)
    x = draw_rows(rng, fwd, ROWS)
    z, y, _ = fwd(x)
    # TranscoderConfig.to_dict: the SAEConfig fields, metadata, then d_out and architecture.
    cfg = {"d_in": D, "d_sae": n, "dtype": "float32", "device": "cpu", "apply_b_dec_to_input": False,
           "normalize_activations": "none", "reshape_activations": "none",
           "metadata": {"sae_lens_version": "6.18.0", "sae_lens_training_version": "6.18.0",
                        "model_name": "fixture", "hook_name": "blocks.0.ln2.hook_normalized",
                        "hook_name_out": "blocks.0.hook_mlp_out", "hook_head_index": None},
           "d_out": D_OUT, "architecture": arch}
    files = {"cfg.json": lambda f: write_json(f, cfg),
             "sae_weights.safetensors": lambda f: write_safetensors(f, p, "F32")}
    save_case(out, name, files, x, z, y)


def main(out):
    rng = np.random.default_rng(20261130)
    training_keys = {"decoder_init_norm": 0.1, "use_sparse_activations": False, "aux_loss_coefficient": 1.0,
                     "l1_coefficient": 5.0, "lp_norm": 1.0, "apply_b_dec_to_input": True}
    saelens_case(out, "saelens-standard", rng, "standard",
                 extra={"some_new_key": {"nested": True}, "neuronpedia_id": None})
    saelens_case(out, "saelens-standard-nobdec", rng, "standard", apply_b_dec=False, unit=False)
    saelens_case(out, "saelens-jumprelu", rng, "jumprelu", edge=True)
    saelens_case(out, "saelens-topk", rng, "topk", k=6)
    saelens_case(out, "saelens-topk-bf16", rng, "topk", k=6, dtype="BF16", cfg_dtype="bfloat16")
    saelens_case(out, "saelens-topk-rescale-checkpoint", rng, "topk", k=6, rescale=True, unit=False,
                 extra=dict(training_keys))
    saelens_case(out, "saelens-gated-f16", rng, "gated", dtype="F16", cfg_dtype="torch.float16")
    saelens_case(out, "saelens-constnorm-f64", rng, "standard", dtype="F64", cfg_dtype="float64",
                 norm="constant_norm_rescale")
    saelens_case(out, "saelens-layernorm", rng, "jumprelu", norm="layer_norm")
    saelens_case(out, "saelens-expavg", rng, "standard", norm="expected_average_only_in", fold_factor=0.25)
    # v5 (sae_lens 5.11 sae.py SAEConfig.to_dict): flat keys, activation_fn_str/kwargs, no metadata, boolean
    # normalize_activations.
    v5 = {"architecture": "standard", "d_in": D, "d_sae": N, "dtype": "float32", "device": "cpu",
          "model_name": "gpt2-small", "hook_name": "blocks.0.hook_resid_pre", "hook_layer": 0,
          "hook_head_index": None, "activation_fn_str": "topk", "activation_fn_kwargs": {"k": 5},
          "apply_b_dec_to_input": True, "finetuning_scaling_factor": False, "sae_lens_training_version": "5.11.0",
          "prepend_bos": True, "dataset_path": "x", "dataset_trust_remote_code": True, "context_size": 128,
          "normalize_activations": False, "neuronpedia_id": None, "model_from_pretrained_kwargs": {},
          "seqpos_slice": [None]}
    saelens_case(out, "saelens-topk-v5", rng, "topk", k=5, cfg=v5)
    sparsify_case(out, "sparsify-topk", rng, k=8, num_latents=0, ef=4)
    sparsify_case(out, "sparsify-old-bf16", rng, k=4, num_latents=48, old_names=True, dtype="BF16")
    gemma_case(out, "gemmascope", rng)
    # Last, so that the fixtures above keep their random draws.
    sparsify_groupmax_case(out, "sparsify-groupmax", rng, k=8, ef=4)
    # Transcoders, after every earlier draw. recon.npy holds the output (width d_out), not a reconstruction of x.
    sparsify_transcoder_case(out, "sparsify-transcoder", rng, skip=False)
    sparsify_transcoder_case(out, "sparsify-skip-transcoder", rng, skip=True)
    saelens_transcoder_case(out, "saelens-transcoder", rng, "transcoder")
    saelens_transcoder_case(out, "saelens-skip-transcoder", rng, "skip_transcoder")
    saelens_transcoder_case(out, "saelens-jumprelu-transcoder", rng, "jumprelu_transcoder")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "core/src/test/resources/interop")
