#!/usr/bin/env python3
"""Writes benchmarks/results/parity-<name>.md from our run directory and the PyTorch side's output
directory (benchmarks/parity/run.sh calls it). Standard library only."""
import argparse
import datetime
import json
import os

p = argparse.ArgumentParser()
for a in ("name", "ours", "torch", "out", "script-command", "ours-command", "torch-command", "machine"):
    p.add_argument("--" + a, required=True)
args = p.parse_args()


def jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


ours = {m["epoch"]: m for m in jsonl(os.path.join(args.ours, "metrics.jsonl"))}
torch = {m["epoch"]: m for m in jsonl(os.path.join(args.torch, "metrics.jsonl"))}
with open(os.path.join(args.torch, "run.json")) as f:
    run = json.load(f)
with open(os.path.join(args.torch, "first-iteration.json")) as f:
    check = json.load(f)
epochs = sorted(set(ours) | set(torch))
common = sorted(set(ours) & set(torch))


def cell(m, key, fmt="{:.4f}", add=0.0):
    return fmt.format(m[key] + add) if m is not None and key in m else ""


def minutes(seconds):
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


# Our trainer's losses: since main's 160ddd2, train_loss is the mean over every minibatch of every worker
# and both losses leave out the L2 term, reported as l2_penalty; before, train_loss was the last round's
# DL4J score and both losses included the L2 term.
ours_plain = all("l2_penalty" in m for m in ours.values())
rows = []
for e in epochs:
    o, t = ours.get(e), torch.get(e)
    l2 = t["l2_penalty"] if t else 0.0
    if ours_plain:
        losses = [cell(o, "train_loss"), cell(t, "train_loss"), cell(o, "val_loss"), cell(t, "val_loss"),
                  cell(o, "l2_penalty"), cell(t, "l2_penalty")]
    else:
        losses = [cell(o, "train_loss"), cell(t, "last_round_loss", add=l2), cell(t, "train_loss"),
                  cell(o, "val_loss"), cell(t, "val_loss", add=l2)]
    rows.append("| " + " | ".join([str(e + 1), cell(o, "lr", "{:.5f}"), cell(t, "lr", "{:.5f}"),
                                   cell(o, "top1"), cell(t, "top1"), cell(o, "top5"), cell(t, "top5")] + losses
                                  + [cell(o, "images_per_sec", "{:.0f}"), cell(t, "images_per_sec", "{:.0f}")]) + " |")
if ours_plain:
    loss_header = ("train loss ours | train loss PyTorch | val loss ours | val loss PyTorch | L2 term ours | "
                   "L2 term PyTorch")
    loss_notes = """- train loss: mean over every minibatch of every worker in the epoch of its loss (cross-entropy with dropout, before the step), both sides; val loss: mean cross-entropy per validation image. Neither includes the L2 term 0.5 * sum of wd * |w|^2, shown on its own (at the epoch's end)."""
else:
    loss_header = ("train loss ours | train loss PyTorch, last round + L2 | train loss PyTorch, epoch mean | "
                   "val loss ours | val loss PyTorch + L2")
    loss_notes = """- train loss ours (a run from before our trainer counted every minibatch): DL4J's score of the epoch's last averaging round (mean of the workers' minibatch losses, with dropout) plus its L2 term 0.5 * sum of wd * |w|^2. The like-for-like PyTorch column adds the same L2 term (from the PyTorch weights at the epoch's end) to its last round's loss; the epoch-mean column is the mean cross-entropy over every minibatch of the epoch, no L2 term.
- val loss ours: DL4J's score, mean cross-entropy per image plus the L2 term; PyTorch: mean cross-entropy per image plus its L2 term."""
ncols = 9 + loss_header.count("|") + 1

if common:
    last = common[-1]
    o1, t1 = ours[last]["top1"], torch[last]["top1"]
    diff = 100 * (o1 - t1)
    verdict = "within" if abs(diff) <= 1.5 else "**not** within"
    partial = "" if last == epochs[-1] and len(common) == len(epochs) else \
        f" (the last epoch both sides finished; ours has {len(ours)} epochs, PyTorch {len(torch)})"
    result = (f"Final top-1 after epoch {last + 1}{partial}: ours **{o1:.4f}**, PyTorch **{t1:.4f}**; "
              f"ours - PyTorch = **{diff:+.2f} points**, {verdict} 1.5 points. Best top-1: ours "
              f"{max(m['top1'] for m in ours.values()):.4f}, PyTorch {max(m['top1'] for m in torch.values()):.4f}.")
else:
    result = "No epoch finished on both sides: nothing to compare."

dl4j, pt = check["dl4j"], check["torch"]
worst = max(abs(a - b) / abs(a) for a, b in zip(dl4j, pt))
max_rounds = run.get("max_rounds_per_epoch", 0)
skipped = max((m.get("skipped_steps", 0) for m in torch.values()), default=0)
o_fit = [m["seconds"] for m in ours.values()]
t_fit = [m["seconds"] for m in torch.values()]

lines = f"""# Accuracy parity: ours (DL4J on Spark) vs PyTorch (libtorch through DJL), {args.name}

- command: `{args.script_command}`
- ours: `{args.ours_command}`
- PyTorch: `{args.torch_command}` (libtorch {run['engine']}, {run['libtorch_threads']} threads, {run['libtorch_interop_threads']} inter-op, its defaults; data loaded by a Spark local[1] thread in the same JVM, one chunk of rounds ahead)
- machine: {args.machine}
- date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%MZ')}
- recipe: ours' resolved `config.yaml` ({os.path.join(args.ours, 'config.yaml')}), used by both sides: {run['model']} at {run['input_size']}x{run['input_size']}, {run['classes']} classes, {run['parameters']:,} learnable parameters; {run['train_images']:,} training / {run['val_images']:,} validation images from `{run['train_shards']}`; {run['iterations_per_epoch']} iterations per epoch, warm-up {run['warmup_iterations']} iterations, cosine to 0 at {run['total_iterations']}; momentum {run['momentum']}, weight decay {', '.join(str(w) for w in run['weight_decay_values'])} (per parameter, as DL4J's L2 gives it)
- first iteration, same initial weights and minibatches, training-mode batch norm, no dropout: loss of each worker's first minibatch DL4J {', '.join(f'{v:.6f}' for v in dl4j)} vs PyTorch {', '.join(f'{v:.6f}' for v in pt)} (largest relative difference {worst:.1e}); DL4J's L2 term {check['dl4j_l2']:.6f} vs the mirror's {check['torch_l2']:.6f}
- fit time: ours {minutes(sum(o_fit))}, PyTorch {minutes(sum(t_fit))} (throughput is not what this compares: ours includes Spark, and either run may have shared the cores)
{f"- **smoke test only: at most {max_rounds} rounds per epoch on the PyTorch side**" if max_rounds else ""}
{f"- **the PyTorch side skipped {skipped} steps whose gradients were not finite** (see its torch.log)" if skipped else ""}

## How the two sides differ

Same on both sides (by construction, checked where noted):
- Initial weights: the trainer's own model building (`Trainer.modelConfig`, `Trainer.networkDefaults`: same config resolution, seed, float32) copied into the mirror; the first-iteration losses above agree to float rounding.
- Data: ours' ingest output, read through the same `ShardLoader` (one partition per worker, random resized crop with the same minimum scale, flips, order and augmentation seeded by (seed, epoch)), same batch size per worker, same validation images and centre crop.
- Step: each iteration every worker's minibatch goes forward with its own batch-norm batch statistics; gradients of the workers' mean cross-entropies are averaged (each worker weighted equally, whatever its minibatch size, as DL4J's averaging does); weight decay wd * w added for every parameter DL4J regularises (weights, biases, batch-norm gamma/beta); heavy-ball momentum v = m v + g, w -= lr v at `CosineSchedule.valueAt(iteration)`. Ours averages the workers' parameters and momentum buffers after each took that step from the same start, which is the same update in exact arithmetic. Batch-norm running statistics: each worker's pass moves them from the same start (running = 0.9 running + 0.1 batch, unbiased batch variance) and the results are averaged, as parameter averaging averages them. `SynchronousRoundTest` checks two such rounds against DL4J fits of two workers plus averaging (parameters, running statistics, momentum).

Different:
- Order of the rounds: ours' DL4J splits each chunk of `progress.everyRounds` rounds at random (`SplitPartitionsFunction`): a round pairs a random minibatch of worker 0's chunk with a random one of worker 1's, in random order. The PyTorch side pairs minibatch i of every partition in round i. Same minibatches in each chunk, different pairing and order within it.
- Dropout masks: ND4J's generator seeded per worker and iteration (ours) vs libtorch's generator seeded once with the run's seed. Same rate and inverted scaling.
- Arithmetic: our kernels and ND4J in float32 (several of our kernels accumulate in double) vs libtorch float32 with its own summation orders: trajectories drift apart by rounding, then by chaos, even with identical recipes.
- Learning rate: the PyTorch side applies the schedule at the global iteration; ours as its workers do: the same since main's 71120a2, the rate of iteration 0 throughout in runs of ours from before it (see the notes under the table).
- Loss reporting: alike for runs of ours since main's 160ddd2 (mean over every minibatch, L2 term apart); older runs of ours report the last round's score with the L2 term, which the table then sets beside the matching PyTorch numbers (notes under the table).
- Timing: ours' images/s include Spark's overhead (local mode, 2 workers plus the driver); the PyTorch side's include waiting for its data loader (negligible) but not validation.
- Validation batch size: ours' Spark evaluation vs the PyTorch side's batches of the per-worker batch size, both in inference mode: the same function of each image.

## Per epoch

| epoch | lr ours | lr PyTorch | top-1 ours | top-1 PyTorch | top-5 ours | top-5 PyTorch | {loss_header} | images/s ours | images/s PyTorch |
|{"---:|" * ncols}
""" + "\n".join(rows) + f"""

- lr: the schedule's rate of the epoch's last iteration, from the driver's iteration count on our side. Our Spark workers apply that schedule since main's 71120a2 (Spark workers train at the driver's iteration); a run of ours from before it applied the rate of iteration 0 throughout, whatever this column says.
{loss_notes}
- top-1/top-5: the true class among the 1 / 5 highest scores.

## Result

{result}

"""
while "\n\n\n" in lines:  # the optional header lines that are empty
    lines = lines.replace("\n\n\n", "\n\n")
with open(args.out, "w") as f:
    f.write(lines)
print(f"wrote {args.out}")
