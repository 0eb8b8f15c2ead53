#!/usr/bin/python3
"""Per round: median, min and max of the JMH iterations (rN.single.json, rN.batch.json) and the PyTorch repeats
(rN.torch*.txt) in this directory.  /usr/bin/python3 summarize.py [DIR]"""
import glob
import json
import os
import re
import statistics
import sys

d = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
rows = {}
for f in sorted(glob.glob(d + "/r[0-9]*.single.json") + glob.glob(d + "/r[0-9]*.batch.json")):
    txt = open(f).read()
    if not txt.strip():
        continue
    for b in json.loads(txt):
        p = b["params"]
        key = (b["benchmark"].split(".")[-1], p["dim"], p["mode"])
        it = [v for fork in b["primaryMetric"]["rawData"] for v in fork]
        rows.setdefault(key, []).append(f"{os.path.basename(f).split('.')[0]}: med {statistics.median(it):.0f} "
                                        f"min {min(it):.0f} max {max(it):.0f}")
for k, v in sorted(rows.items()):
    print(k, " | ".join(v))
for f in sorted(glob.glob(d + "/r[0-9]*.torch*.txt")):
    for line in open(f):
        if "repeat" in line:
            print(os.path.basename(f), line.strip())
