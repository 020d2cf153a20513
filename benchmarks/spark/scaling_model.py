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

Barrier averaging (what `averaging: auto` runs on clusters of up to 8 workers) has no per-round job
and no driver in the data path: over connections of their own the workers average their 8P bytes
of state in two phases, a slice a worker (reduce-scatter, then all-gather; sealed with AES-GCM when
Spark's network encryption is on, as on the measured cluster), so each moves 2 (W - 1) / W of a
state each way, and per round
  barrier(P, W) = c0 + e0 + e1 * P + 2 (W - 1) / W * (t1 * P + 8P / bandwidth) + wait(W)
where c0 is the round's share of the chunk's job and set-up, e0 + e1 * P a worker's own part of the
exchange (copying its state out and the average back), t1 its cost of sending, receiving, opening
and adding a state's worth of slices per parameter, and wait(W) = g1 * fit * ln(W) the wait for the slowest of W workers
(the expected maximum of W fit times grows with log W; zero with one worker). All are fitted to
spark-scaling-measured-barrier.md (1, 2 and 4 single-core workers, M0 and M3, warm): to the rows
with no more workers than the machine has cores; the others check it. A round of
driver averaging also ends with its slowest task, so the extrapolation adds wait(W) to it too (its
measured constants hold the wait of that cold, small-fit run).

fit(G / W) is the per-worker fit of a global batch G split over W workers, from the per-image fit
time measured in one JVM at 224x224 (micronet-train-224-b64.md, benchmarks/run.sh: images/s on
2 threads, taken as half that per core: on this machine two fits at once each run at about half
the speed of one alone, as on a cluster whose cores are all busy), the same per worker however
many there are. The loader's reading and decoding are left out: they can overlap the fit.
Usage: scaling_model.py [driver rows] [barrier rows] [224 training benchmark] > spark-scaling.md
"""
import math
import re
import sys

import numpy as np

measured = sys.argv[1] if len(sys.argv) > 1 else "benchmarks/results/spark-scaling-measured-driver.md"
measured_barrier = sys.argv[2] if len(sys.argv) > 2 else "benchmarks/results/spark-scaling-measured-barrier.md"
training_224 = sys.argv[3] if len(sys.argv) > 3 else "benchmarks/results/micronet-train-224-b64.md"
rows = []
for line in open(measured):
    m = re.match(r"\| (\w+) \| (\d+) \| (\d+) \| \d+ \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (-?\d+) \|", line)
    if m:
        model, p, w, total, bcast, setup, fit, spark = m.groups()
        rows.append((model, int(p), int(w), *map(float, (total, bcast, setup, fit, spark))))


def lstsq(a, y):
    return np.linalg.lstsq(np.array(a, dtype=float), np.array(y, dtype=float), rcond=None)[0]


barrier_rows = []
cores = None
for line in open(measured_barrier):
    cores = cores or (int(line.split()[2]) if line.startswith("- machine:") else None)
    # | model | parameters | workers | epochs | rounds | round | set-up | data | fit | exchange | waiting | Spark |
    m = re.match(r"\| (\w+) \| (\d+) \| (\d+) \| \d+ \| \d+ \|" + r" (-?\d+) \|" * 7, line)
    if m:
        model, p, w = m.group(1), int(m.group(2)), int(m.group(3))
        total, setup, data, fit, exchange, waiting, spark = map(float, m.groups()[3:])
        barrier_rows.append((model, p, w, total, setup, data, fit, exchange, waiting, spark))

b0, b1 = lstsq([[1, r[1]] for r in rows], [r[4] for r in rows])
u0, u1 = lstsq([[1, r[1]] for r in rows], [r[5] for r in rows])
s0, s1 = lstsq([[1, r[1] * r[2]] for r in rows], [r[7] for r in rows])


def moved(w):
    """The states' worth a worker sends (and receives) a round: a slice to and from every other, twice."""
    return 2 * (w - 1) / w


# barrier: the job's share, a worker's own exchange, the cost per state's worth moved, and the wait against fit * ln(W), fitted
# where every worker has a core of its own (more workers than cores wait for a core: those rows only check)
fitted = [r for r in barrier_rows if r[2] <= cores]
c0 = float(np.mean([r[4] + r[9] for r in fitted]))
e0, e1, t1 = lstsq([[1, r[1], r[1] * moved(r[2])] for r in fitted], [r[7] - r[8] for r in fitted])
g1 = lstsq([[r[6] * math.log(r[2])] for r in fitted if r[2] > 1], [r[8] for r in fitted if r[2] > 1])[0]


def barrier_overhead(p, w, fit, bandwidth=None):
    net = 8 * p / bandwidth * 1000 if bandwidth else 0.0
    return c0 + e0 + e1 * p + moved(w) * (t1 * p + net) + g1 * fit * math.log(w)


print("# Scaling model of synchronous SGD rounds on Spark")
print()
print(f"- fitted to: `{measured}` (driver averaging) and `{measured_barrier}` (barrier averaging), standalone"
      " clusters of 1, 2 and 4 single-core workers on one 2-core machine; the fit at 224x224 from"
      f" `{training_224}`")
print(f"- command: `python3 benchmarks/spark/scaling_model.py {measured} {measured_barrier} {training_224}`")
print()
print("## The model, in milliseconds per round (P parameters, W workers)")
print()
print("Driver averaging (a Spark job per round; its rows were measured in one cold epoch):")
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
print()
print("Barrier averaging (a slice of the state a worker, in two phases; warm, after 600 rounds):")
print()
print(f"- the round's share of the chunk's job and set-up c0 = {c0:.1f}")
print(f"- a worker's own part of the exchange = {e0:.1f} + {e1 * 1e6:.1f} per million parameters")
print(f"- moving, opening and adding a state's worth of slices t1 = {t1 * 1e6:.1f} per million parameters, times 2 (W - 1) / W (loopback;"
      " a network adds 8P bytes / bandwidth per state's worth)")
print(f"- waiting for the slowest worker = {g1:.3f} x fit x ln(W)")
print()
print(f"Fitted to the rows with at most {cores} workers, the machine's cores; the rows with more check the model,"
      " and miss by what their workers spend waiting for a core (their fit is slower too, as measured).")
print()
print("| model | P | W | fit | measured exchange - waiting | model | measured waiting | model | measured round - fit - data | model |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for model, p, w, total, setup, data, fit, exchange, waiting, spark in barrier_rows:
    own = e0 + e1 * p + moved(w) * t1 * p
    wait = g1 * fit * math.log(w)
    print(f"| {model} | {p} | {w} | {fit:.0f} | {exchange - waiting:.0f} | {own:.0f} | {waiting:.0f} | {wait:.0f}"
          f" | {total - fit - data:.0f} | {barrier_overhead(p, w, fit):.0f} |")

# per-image fit at 224x224 on one busy core, ms, from the 2-thread training benchmark
per_image = {}
for line in open(training_224):
    m = re.match(r"\| (m\d) \| ([\d.]+) \|", line)
    if m:
        per_image[m.group(1)] = 2 * 1000 / float(m.group(2))
params = {"m0": 1.0e6, "m3": 2.6e6}  # ImageNet heads, 1,000 classes
bandwidth = 1.25e9  # bytes/s: 10 Gb/s


def round_ms(model, w, g, tree, freq):
    p = params[model]
    results = math.ceil(math.sqrt(w)) if tree else w
    net = (results * 8 * p + 8 * p) / bandwidth * 1000
    launches = 2 if tree else 1
    fit = per_image[model] * g / w * freq
    # a round of either kind ends with its slowest worker
    overhead = b0 + b1 * p + u0 + u1 * p + launches * s0 + s1 * p * results + net + g1 * fit * math.log(w)
    return fit, overhead


print()
print("## Efficiency at scale (fit time / round time), ImageNet 224x224, 10 Gb/s network")
print()
print("Per-image fit on one busy core: " + ", ".join(f"{m} {v:.1f} ms" for m, v in per_image.items())
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
            cells.append(f"{fit / (fit + barrier_overhead(params[model], w, fit, bandwidth)):.2f}")
            print(f"| {model} | {w} | {g} | {g // w} | " + " | ".join(cells) + " |")
