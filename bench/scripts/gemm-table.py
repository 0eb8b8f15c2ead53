#!/usr/bin/env python3
# Markdown table from a gemm-sweep.sh output directory: JMH medians (min-max) in GFLOP/s = ops/s x 2*B*d*n/1e9,
# OpenBLAS medians before / after, ratios against the better OpenBLAS run.
import json, glob, statistics, re, sys
D = sys.argv[1]  # results dir; the sweep log is sys.argv[2]
def fl(p): return 2.0*int(p['batch'])*int(p['dim'])*int(p['latents'])/1e9
res = {}
for f in glob.glob(D + '/*.json'):
    for r in json.load(open(f)):
        p = r['params']; m = r['benchmark'].split('.')[-1]
        it = [x*fl(p) for fork in r['primaryMetric']['rawData'] for x in fork]
        res[(m, int(p['dim']), int(p['latents']), int(p['threads']))] = (statistics.median(it), min(it), max(it), len(it))
ob = {}
shape = None
for line in open(sys.argv[2]):
    m = re.match(r'== d=(\d+) n=(\d+)', line)
    if m: shape = (int(m.group(1)), int(m.group(2))); continue
    m = re.match(r'openblas(\d) (\{.*\})', line)
    if m and shape:
        ob.setdefault((shape, int(m.group(1))), []).append(json.loads(m.group(2))['gflops_median'])
def g(m, d, n, t, full=False):
    v = res.get((m, d, n, t))
    if not v: return '—'
    return f"{v[0]:.0f} ({v[1]:.0f}–{v[2]:.0f})" if full else f"{v[0]:.0f}"
print("| d | n | scalar 1t | EJML 1t | panama 1t | panama 2t | prepacked 1t | prepacked 2t | OpenBLAS 1t | OpenBLAS 2t | panama 1t / OB 1t | panama 2t / OB 2t | panama 2t / 1t |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for d in (512, 768, 1024):
    for n in (4096, 16384, 32768):
        o1 = ob.get(((d, n), 1), []); o2 = ob.get(((d, n), 2), [])
        p1 = res.get(('panama', d, n, 1)); p2 = res.get(('panama', d, n, 2))
        r1 = f"{p1[0]/max(o1):.2f}" if p1 and o1 else '—'
        r2 = f"{p2[0]/max(o2):.2f}" if p2 and o2 else '—'
        r3 = f"{p2[0]/p1[0]:.2f}" if p1 and p2 else '—'
        print(f"| {d} | {n} | {g('scalar', d, n, 1)} | {g('ejml', d, n, 1)} | {g('panama', d, n, 1, True)} | {g('panama', d, n, 2, True)} | "
              f"{g('panamaPrepacked', d, n, 1)} | {g('panamaPrepacked', d, n, 2)} | "
              f"{' / '.join(f'{x:.0f}' for x in o1) or '—'} | {' / '.join(f'{x:.0f}' for x in o2) or '—'} | {r1} | {r2} | {r3} |")
print()
for k, v in sorted(res.items()):
    if k[0] in ('scalar', 'panamaMult', 'panamaMultTransA') or (k[0] == 'ejml'):
        print(f"- {k[0]} d={k[1]} n={k[2]} threads={k[3]}: median {v[0]:.1f} GFLOP/s (min {v[1]:.1f}, max {v[2]:.1f}, {v[3]} iterations)")
