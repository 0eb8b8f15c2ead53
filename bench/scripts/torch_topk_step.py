#!/usr/bin/env python3
"""PyTorch CPU reference for TrainStepBench.fused (TopK): the step a SAELens-style user would write.

  apt-get install -y python3-torch
  /usr/bin/python3 torch_topk_step.py --batch 1024 --dim 384 --latents 24576 --k 32 --threads 2

One step = pre = (x - b_dec) @ W_enc.T + b_enc; per-row top-k (values kept where > 0) scattered into a dense
B x n code matrix; x_hat = z @ W_dec + b_dec; mse; backward; torch.optim.Adam; decoder rows renormalised to unit
norm. Gaussian data, one fixed batch (as the Java benchmark steps one batch). Prints one JSON line with the median
ms/step over --steps steps after --warmup steps.
"""
import argparse, json, statistics, time
import torch

p = argparse.ArgumentParser()
p.add_argument("--batch", type=int, default=1024)
p.add_argument("--dim", type=int, default=384)
p.add_argument("--latents", type=int, default=6144)
p.add_argument("--k", type=int, default=32)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--warmup", type=int, default=3)
p.add_argument("--steps", type=int, default=10)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
B, d, n, k = a.batch, a.dim, a.latents, a.k
W_dec = torch.randn(n, d)
W_dec /= W_dec.norm(dim=1, keepdim=True)
W_dec = torch.nn.Parameter(W_dec)
W_enc = torch.nn.Parameter(W_dec.detach().clone())
b_enc = torch.nn.Parameter(torch.zeros(n))
b_dec = torch.nn.Parameter(torch.zeros(d))
opt = torch.optim.Adam([W_enc, b_enc, W_dec, b_dec], lr=1e-9)
x = torch.randn(B, d)

def step():
    pre = (x - b_dec) @ W_enc.T + b_enc
    vals, idx = pre.topk(k, dim=1)
    z = torch.zeros_like(pre).scatter(1, idx, torch.relu(vals))
    x_hat = z @ W_dec + b_dec
    loss = ((x_hat - x) ** 2).mean()
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    with torch.no_grad():
        W_dec.div_(W_dec.norm(dim=1, keepdim=True))

for _ in range(a.warmup):
    step()
times = []
for _ in range(a.steps):
    t0 = time.perf_counter()
    step()
    times.append((time.perf_counter() - t0) * 1000)
ms = statistics.median(times)
print(json.dumps({"torch": torch.__version__, "threads": a.threads, "batch": B, "dim": d, "latents": n, "k": k,
                  "ms_per_step": round(ms, 2), "tokens_per_s": round(B / ms * 1000),
                  "min_ms": round(min(times), 2), "max_ms": round(max(times), 2)}))
