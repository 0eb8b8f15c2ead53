#!/usr/bin/python3
"""PyTorch CPU reference for EncodeBench: a TopK SAE's encoder as torch.addmm + torch.topk (+ ReLU).

  /usr/bin/python3 bench/scripts/encode_reference.py [--dims 768,2304] [--batch-dims 768] [--latents 16384]
                                                    [--k 32] [--threads 0] [--seconds 4] [--repeats 3]

single:  one vector (1×d) per call, µs per call: addmm(b, x, Wᵀ) then topk(k) then relu — the float32 work a
         service does per request. Reads all of W (n·d float32) per call, like sae4j's float32 path.
single_mv: the same with torch.mv(W, x) + b (BLAS sgemv): in torch 1.13 a 1-row addmm does not reach the BLAS
         matrix-vector kernel, mv does, so this is PyTorch's fastest float32 path for one vector.
batch:   1024 rows per call, rows/s: the same for a 1024×d batch.
gemm:    the 1024-row addmm alone, rows/s: the product ceiling for the batch.
--threads 0 keeps PyTorch's default; sae4j's single-vector path runs on one thread, its batch path on all cores.
Debian 12: apt-get install -y python3-torch (torch 1.13). Its BLAS is whatever libblas.so.3 the system's alternatives
point to, by default the unoptimised reference BLAS; benchmarks.md runs it against OpenBLAS (see there).
"""
import argparse
import time

import torch


def timed(fn, seconds):
    """Mean seconds per call over about `seconds` of calls, after a warm-up of the same length / 4."""
    end = time.perf_counter() + seconds / 4
    while time.perf_counter() < end:
        fn()
    calls = 0
    start = time.perf_counter()
    end = start + seconds
    while True:
        fn()
        calls += 1
        now = time.perf_counter()
        if now >= end:
            return (now - start) / calls


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dims", default="768,2304", help="widths for single")
    p.add_argument("--batch-dims", default="768", help="widths for batch and gemm (empty: none)")
    p.add_argument("--latents", type=int, default=16384)
    p.add_argument("--k", type=int, default=32)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--seconds", type=float, default=4.0)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--batch", type=int, default=1024)
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    single_dims = [int(v) for v in a.dims.split(",") if v]
    batch_dims = [int(v) for v in a.batch_dims.split(",") if v]
    for d in sorted(set(single_dims + batch_dims)):
        n = a.latents
        w = torch.randn(n, d) / d ** 0.5
        wt = w.t()
        b = torch.zeros(n)
        singles = [torch.randn(1, d) for _ in range(64)]
        rows = torch.randn(a.batch, d)
        out = torch.empty(a.batch, n)
        state = {"i": 0}

        def single():
            state["i"] = (state["i"] + 1) % len(singles)
            v, i = torch.topk(torch.addmm(b, singles[state["i"]], wt), a.k)
            return torch.relu(v), i

        def single_mv():
            state["i"] = (state["i"] + 1) % len(singles)
            v, i = torch.topk(torch.mv(w, singles[state["i"]][0]) + b, a.k)
            return torch.relu(v), i

        def batch():
            v, i = torch.topk(torch.addmm(b, rows, wt, out=out), a.k, dim=1)
            return torch.relu(v), i

        def gemm():
            return torch.addmm(b, rows, wt, out=out)

        with torch.inference_mode():
            for r in range(a.repeats):
                line = f"d={d} n={n} k={a.k} repeat {r}:"
                if d in single_dims:
                    line += f" single {timed(single, a.seconds) * 1e6:8.1f} us/op"
                    line += f"   single_mv {timed(single_mv, a.seconds) * 1e6:8.1f} us/op"
                if d in batch_dims:
                    line += f"   batch {a.batch / timed(batch, a.seconds):8.0f} rows/s"
                    line += f"   gemm {a.batch / timed(gemm, a.seconds):8.0f} rows/s"
                print(line, flush=True)


if __name__ == "__main__":
    main()
