#!/usr/bin/env python3
"""Fits a model of an averaging round's cost to benchmarks/results/spark-scaling-measured.md and
extrapolates the efficiency (fit time / round time) to large clusters.

Per round, with P parameters (float32; a round moves parameters and momentum, 8P bytes each way per
worker) and W workers:
  broadcast(P)  = b0 + b1 * P                      driver: serialise the round's state once
  set-up(P)     = u0 + u1 * P                      worker: fetch that broadcast (one executor's share)
  spark(P, W)   = s0 + s1 * P * R(W)               job launch, results to the driver, averaging
where R(W) is how many results the driver itself receives and adds: W with aggregation depth 1
(plain), about ceil(sqrt(W)) with depth 2, DL4J's default, which Spark's treeAggregate turns into
an extra stage once there are enough partitions (the executors add the rest, in parallel; one
more stage launch, s0 again). On a real network the driver's link also carries
R(W) * 8P bytes in and the broadcast's 8P bytes out each round, at `bandwidth` bytes/s.

Barrier averaging (the trainer's default) has no per-round job and no driver in the data path:
each worker streams its 8P bytes to every other over a connection of their own and reads the W - 1
others' (sealed with AES-GCM when Spark's network encryption is on, as on the measured cluster), so
  barrier(P, W) = c0 + g0 + (W - 1) * (t1 * P + 8P / bandwidth)
where c0 is the per-round share of the chunk's job and set-up, g0 the wait for the slowest worker
and t1 a worker's cost of receiving, opening and adding one peer's state per parameter, all three
from the standalone rows of spark-throughput.md (M0, W = 2: a single point, so the growth with W
is the design's, not a measurement; a sender seals once for all its peers but sends W - 1 times).

fit(G / W) is the per-worker fit of a global batch G split over W workers, from the per-image fit
time measured in one JVM at 224x224 (bin/micronet benchmark --mode train), which stays the same per
worker however many there are.
Usage: scaling_model.py [measured.md] [spark-throughput.md] > spark-scaling.md
"""
import math
import re
import sys

import numpy as np

measured = sys.argv[1] if len(sys.argv) > 1 else "benchmarks/results/spark-scaling-measured.md"
rows = []
for line in open(measured):
    m = re.match(r"\| (\w+) \| (\d+) \| (\d+) \| \d+ \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (-?\d+) \|", line)
    if m:
        model, p, w, total, bcast, setup, fit, spark = m.groups()
        rows.append((model, int(p), int(w), *map(float, (total, bcast, setup, fit, spark))))


def lstsq(a, y):
    return np.linalg.lstsq(np.array(a, dtype=float), np.array(y, dtype=float), rcond=None)[0]


throughput = sys.argv[2] if len(sys.argv) > 2 else "benchmarks/results/spark-throughput.md"
barrier_rows = []
for line in open(throughput):
    # | m0 | 40 | single | local | standalone | ... | local round | standalone round: total, broadcast, set-up, data,
    # fit, exchange (waiting), Spark |
    m = re.match(r"\| m0 \|.*\| (\d+), (\d+), (\d+), (\d+), (\d+), (\d+) \((\d+)\), (-?\d+) \|\s*$", line)
    if m:
        total, bcast, setup, data, fit, exchange, gather, spark = map(float, m.groups())
        barrier_rows.append((setup + spark, gather, exchange - gather))
M0_PARAMS_32 = 383020  # M0 with 10 classes, as spark-throughput.md trains it

b0, b1 = lstsq([[1, r[1]] for r in rows], [r[4] for r in rows])
u0, u1 = lstsq([[1, r[1]] for r in rows], [r[5] for r in rows])
s0, s1 = lstsq([[1, r[1] * r[2]] for r in rows], [r[7] for r in rows])

print("# Scaling model of synchronous SGD rounds on Spark")
print()
print(f"- fitted to: `{measured}` (standalone clusters of 1, 2 and 4 single-core workers on one 2-core machine)")
print("- command: `python3 benchmarks/spark/scaling_model.py benchmarks/results/spark-scaling-measured.md"
      " benchmarks/results/spark-throughput.md`")
print()
print("## The model, in milliseconds per round (P parameters, W workers)")
print()
print(f"- broadcast = {b0:.1f} + {b1 * 1e6:.1f} per million parameters")
print(f"- worker set-up (fetching the broadcast) = {u0:.1f} + {u1 * 1e6:.1f} per million parameters")
print(f"- Spark and averaging = {s0:.1f} + {s1 * 1e6:.1f} per million parameters per result the driver receives")
print()
print("| model | P | W | measured Spark part | model | measured round - fit | model |")
print("|---|---:|---:|---:|---:|---:|---:|")
for model, p, w, total, bcast, setup, fit, spark in rows:
    over = b0 + b1 * p + u0 + u1 * p + s0 + s1 * p * w
    print(f"| {model} | {p} | {w} | {spark:.0f} | {s0 + s1 * p * w:.0f} | {total - fit:.0f} | {over:.0f} |")
print()
print("On this machine the four single-core workers share two cores, so their fit and the driver's")
print("work contend; the constants are upper bounds for a cluster whose workers have their own cores.")
c0 = float(np.mean([r[0] for r in barrier_rows])) if barrier_rows else float("nan")
g0 = float(np.mean([r[1] for r in barrier_rows])) if barrier_rows else float("nan")
t1 = float(np.mean([r[2] for r in barrier_rows])) / M0_PARAMS_32 if barrier_rows else float("nan")
print()
print(f"Barrier averaging, from the standalone rows of `{throughput}` (M0, 2 workers, {len(barrier_rows)} rows):")
print(f"job and set-up share c0 = {c0:.1f}, waiting g0 = {g0:.1f}, receiving and adding a peer's state"
      f" t1 = {t1 * 1e6:.1f} per million parameters.")

# per-image fit at 224x224 on one core, ms: M0 from `bin/micronet benchmark --mode train --size 224`
# (about 50 images/s on 2 cores), M3 by the ratio of their fits measured above at 32x32
fit32 = {r[0]: r[6] for r in rows if r[2] == 1}
per_image = {"m0": 2 * 1000 / 50.0}
if "m3" in fit32 and "m0" in fit32:
    per_image["m3"] = per_image["m0"] * fit32["m3"] / fit32["m0"]
params = {"m0": 1.0e6, "m3": 2.6e6}  # ImageNet heads, 1,000 classes
bandwidth = 1.25e9  # bytes/s: 10 Gb/s


def round_ms(model, w, g, tree, freq):
    p = params[model]
    results = math.ceil(math.sqrt(w)) if tree else w
    net = (results * 8 * p + 8 * p) / bandwidth * 1000
    launches = 2 if tree else 1
    overhead = b0 + b1 * p + u0 + u1 * p + launches * s0 + s1 * p * results + net
    fit = per_image[model] * g / w
    return fit * freq, overhead


def barrier_ms(model, w):
    p = params[model]
    return c0 + g0 + (w - 1) * (t1 * p + 8 * p / bandwidth * 1000)


print()
print("## Efficiency at scale (fit time / round time), ImageNet 224x224, 10 Gb/s network")
print()
print("Per-image fit on one core: " + ", ".join(f"{m} {v:.0f} ms" for m, v in per_image.items())
      + "; P = 1.0M (M0) and 2.6M (M3) with 1,000 classes. `plain`: aggregation depth 1; `tree`: depth 2, DL4J's"
      " default; `k=4`: averagingFrequency 4 (four local steps a round: less exact, a quarter of the rounds);"
      " `barrier`: barrier averaging, every minibatch.")
print()
print("| model | workers | global batch | per worker | plain | tree | tree, k=4 | barrier |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for model in per_image:
    for w in (2, 4, 8, 32, 128):
        for g in (512, 1024, 4096):
            if g < w:
                continue
            cells = []
            for tree, freq in ((False, 1), (True, 1), (True, 4)):
                fit, over = round_ms(model, w, g, tree, freq)
                cells.append(f"{fit / (fit + over):.2f}")
            fit, _ = round_ms(model, w, g, False, 1)
            cells.append(f"{fit / (fit + barrier_ms(model, w)):.2f}")
            print(f"| {model} | {w} | {g} | {g // w} | " + " | ".join(cells) + " |")
