#!/usr/bin/python3
"""Synthetic activations with a planted dictionary, for EncodeScreenStats on a trained model of realistic width.

  /usr/bin/python3 bench/scripts/planted_data.py OUT.npy [--dim 768] [--atoms 8192] [--rows 24576] [--per-row 24]

Each row is a sum of `per-row` random unit atoms (out of `atoms`) with |N(0,1)|·3 coefficients, plus N(0, 0.05²)
noise; float32, seeded (0).
"""
import argparse

import numpy as np


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--dim", type=int, default=768)
    p.add_argument("--atoms", type=int, default=8192)
    p.add_argument("--rows", type=int, default=24576)
    p.add_argument("--per-row", type=int, default=24)
    a = p.parse_args()
    rng = np.random.default_rng(0)
    atoms = rng.standard_normal((a.atoms, a.dim)).astype(np.float32)
    atoms /= np.linalg.norm(atoms, axis=1, keepdims=True)
    idx = np.stack([rng.choice(a.atoms, a.per_row, replace=False) for _ in range(a.rows)])
    coef = np.abs(rng.standard_normal((a.rows, a.per_row))).astype(np.float32) * 3
    x = np.zeros((a.rows, a.dim), np.float32)
    for r in range(a.rows):
        x[r] = coef[r] @ atoms[idx[r]]
    x += 0.05 * rng.standard_normal((a.rows, a.dim)).astype(np.float32)
    np.save(a.out, x)


if __name__ == "__main__":
    main()
