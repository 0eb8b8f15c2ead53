# Reads sae4j's model.safetensors with nothing but json, struct and numpy (the format spec), then re-runs the
# TopK encoder and decoder in numpy and compares with sae4j's own codes and eval figures.
import json, struct, sys
import numpy as np

model, data, dense_codes = sys.argv[1], sys.argv[2], sys.argv[3]
raw = open(model + "/model.safetensors", "rb").read()
(n,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8:8 + n])
meta = header.pop("__metadata__", {})
buf = raw[8 + n:]
spans = sorted((v["data_offsets"][0], v["data_offsets"][1]) for v in header.values())
assert spans[0][0] == 0 and spans[-1][1] == len(buf) and all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
t = {}
for name, v in header.items():
    assert v["dtype"] == "F32", v
    b, e = v["data_offsets"]
    t[name] = np.frombuffer(buf[b:e], dtype="<f4").reshape(v["shape"])
cfg = json.load(open(model + "/cfg.json"))
print("metadata", meta)
print({k: list(a.shape) for k, a in sorted(t.items())}, "n %d d %d k %d" % (cfg["latents"], cfg["dim"], cfg["k"]))

x = np.load(data).astype(np.float64)
pre = x @ t["W_enc"].T.astype(np.float64) + t["b_enc"]
k = cfg["k"]
z = np.zeros_like(pre)
top = np.argsort(-pre, axis=1, kind="stable")[:, :k]          # ties: lower index first, as sae4j
rows = np.arange(len(x))[:, None]
z[rows, top] = np.maximum(pre[rows, top], 0)
D = t["W_dec"] / np.linalg.norm(t["W_dec"], axis=1, keepdims=True)
xhat = z @ D + t["b_dec"]
mse = np.mean((x - xhat) ** 2)
r2 = 1 - mse / (np.mean((x - x.mean()) ** 2) + 1e-6)
ev = 1 - ((x - xhat) ** 2).sum() / ((x - x.mean(axis=0)) ** 2).sum()
print("numpy: mse %.6f  R2 %.6f  explained variance %.6f  L0 %.2f  dead %.1f%%" % (
    mse, r2, ev, (z > 0).sum(1).mean(), 100 * np.mean((z > 0).sum(0) == 0)))
zs = np.load(dense_codes)
print("codes vs sae4j encode --dense: same support %s, max |diff| %.2e" % (
    bool(((zs > 0) == (z > 0)).all()), np.abs(zs - z).max()))
