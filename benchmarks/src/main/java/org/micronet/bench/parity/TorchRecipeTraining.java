package org.micronet.bench.parity;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.micronet.bench.torch.TorchMicroNet;
import org.micronet.models.ModelConfig;
import org.micronet.models.Models;
import org.micronet.trainer.CosineSchedule;
import org.micronet.trainer.RunConfig;
import org.micronet.trainer.RunConfigLoader;
import org.micronet.trainer.Trainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Our training recipe (a run YAML) re-run on PyTorch (libtorch through DJL), for an accuracy
 * comparison with our DL4J/Spark trainer: the model built as the trainer builds it (same config
 * resolution and seed, hence the same initial weights) and mirrored in float32; the trainer's own
 * minibatches ({@link RecipeData}); each iteration one minibatch per worker, averaged as
 * synchronous parameter averaging does ({@link SynchronousRound}); torch.optim.SGD-style momentum
 * with the trainer's L2 ({@link HeavyBallSgd}) at the trainer's {@link CosineSchedule} learning rate
 * of that iteration; validation after every epoch.
 *
 * <pre>
 * TorchRecipeTraining --out DIR [--config run.yaml] [--set key=value ...] [--ours-run RUN_DIR]
 *                     [--max-rounds N] [--check-only]
 * </pre>
 * {@code --ours-run}: our run directory; its {@code ingest/} supplies the shards of raw input (so
 * both sides read the same bytes) and, without {@code --config}, its {@code config.yaml} the recipe.
 * {@code --max-rounds}: at most N rounds per epoch (smoke tests). Writes {@code DIR/metrics.jsonl}
 * (one {@link EpochRecord} per epoch), {@code DIR/run.json} and {@code DIR/first-iteration.json}.
 */
public final class TorchRecipeTraining {
    /** Steps skipped for gradients that were not finite, beyond which the run stops. */
    static final int MAX_SKIPPED_STEPS = 10;
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private TorchRecipeTraining() {
    }

    public static void main(String[] args) throws Exception {
        Path config = null;
        String oursRun = null;
        Path out = null;
        int maxRounds = 0;
        boolean checkOnly = false;
        List<String> overrides = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> config = Path.of(args[++i]);
                case "--set" -> overrides.add(args[++i]);
                case "--ours-run" -> oursRun = args[++i];
                case "--out" -> out = Path.of(args[++i]);
                case "--max-rounds" -> maxRounds = Integer.parseInt(args[++i]);
                case "--check-only" -> checkOnly = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: --out DIR [--config run.yaml] [--set key=value ...] [--ours-run RUN_DIR] [--max-rounds N] [--check-only]");
            }
        }
        if (out == null) {
            throw new IllegalArgumentException("--out DIR is required");
        }
        if (config == null) {
            if (oursRun == null) {
                throw new IllegalArgumentException("give --config run.yaml, or --ours-run RUN_DIR to use its config.yaml");
            }
            config = Path.of(oursRun, Trainer.CONFIG);
        }
        RunConfig cfg = RunConfigLoader.load(config, overrides);
        if (cfg.averagingFrequency() != 1) {
            throw new IllegalArgumentException("averagingFrequency " + cfg.averagingFrequency()
                    + ": only synchronous SGD (1) is mirrored");
        }
        if (cfg.labelSmoothing() > 0) {
            throw new IllegalArgumentException("labelSmoothing " + cfg.labelSmoothing() + ": not mirrored");
        }
        Files.createDirectories(out);
        run(cfg, config, overrides, oursRun, out, maxRounds, checkOnly);
    }

    private static void run(RunConfig cfg, Path config, List<String> overrides, String oursRun, Path out, int maxRounds,
                            boolean checkOnly) throws Exception {
        ModelConfig resolved = Models.resolve(cfg.model());
        int inputSize = cfg.inputSize() != null ? cfg.inputSize() : resolved.inputSize();
        try (RecipeData data = RecipeData.open(cfg, oursRun, out.toString(), inputSize)) {
            long trainImages = data.trainImages();
            CosineSchedule schedule = Trainer.schedule(cfg, trainImages);
            ModelConfig model = Trainer.modelConfig(cfg, data.numClasses());
            ComputationGraph net = Models.create(model, Trainer.networkDefaults(cfg, schedule));
            Engine.getInstance().setRandomSeed((int) (long) cfg.seed());  // PyTorch's dropout masks
            try (TorchMicroNet torch = TorchMicroNet.mirror(net, DataType.FLOAT32).withDropout(true)) {
                torch.learnable().values().forEach(p -> p.setRequiresGradient(true));
                HeavyBallSgd sgd = new HeavyBallSgd(torch.learnable(), net);
                SynchronousRound step = new SynchronousRound(torch, sgd);

                long itersPerEpoch = Trainer.iterationsPerEpoch(cfg, trainImages);
                Map<String, Object> header = new LinkedHashMap<>();
                header.put("config", config.toString());
                header.put("overrides", overrides);
                header.put("ours_run", oursRun);
                header.put("resolved_config", RunConfigLoader.toYaml(cfg));
                header.put("model", model.name());
                header.put("input_size", model.inputSize());
                header.put("classes", model.classes());
                long learnable = torch.learnable().values().stream().mapToLong(NDArray::size).sum();
                header.put("parameters", learnable);
                header.put("train_shards", data.trainShards());
                header.put("val_shards", data.valShards());
                header.put("train_images", trainImages);
                header.put("val_images", data.valImages());
                header.put("iterations_per_epoch", itersPerEpoch);
                header.put("warmup_iterations", schedule.getWarmupIterations());
                header.put("total_iterations", schedule.getTotalIterations());
                header.put("momentum", sgd.momentum());
                header.put("weight_decay_values", sgd.weightDecay().values().stream().distinct().sorted().toList());
                header.put("libtorch_threads", JniUtils.getNumThreads());
                header.put("libtorch_interop_threads", JniUtils.getNumInteropThreads());
                header.put("engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
                header.put("max_rounds_per_epoch", maxRounds);
                JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("run.json").toFile(), header);
                System.out.printf("%s at %d px, %d classes, %,d parameters; %d training images (%d iterations per epoch,"
                                + " global batch %d = %d x %d workers), %d validation images; libtorch %d threads%n",
                        model.name(), model.inputSize(), model.classes(), learnable, trainImages, itersPerEpoch,
                        cfg.globalBatch(), cfg.batchSizePerWorker(), cfg.workers(), data.valImages(),
                        JniUtils.getNumThreads());

                List<Minibatch> val = data.validation();
                Plan plan = new Plan(data, cfg, maxRounds);
                // loads the next chunk of rounds while the current one trains
                ExecutorService loader = Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "parity-data");
                    t.setDaemon(true);
                    return t;
                });
                try {
                    Deque<Future<List<List<Minibatch>>>> pending = new ArrayDeque<>();
                    pending.add(loader.submit(plan.chunk(0)));

                    List<List<Minibatch>> first = pending.peek().get();
                    FirstIterationCheck check = FirstIterationCheck.run(net, torch, step, sgd, first.get(0));
                    JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("first-iteration.json").toFile(), check);
                    System.out.println(check.summary());
                    if (checkOnly) {
                        return;
                    }
                    train(cfg, schedule, step, sgd, torch, val, plan, loader, pending, out);
                } finally {
                    loader.shutdownNow();
                }
            }
        }
    }

    private static void train(RunConfig cfg, CosineSchedule schedule, SynchronousRound step, HeavyBallSgd sgd,
                              TorchMicroNet torch, List<Minibatch> val, Plan plan, ExecutorService loader,
                              Deque<Future<List<List<Minibatch>>>> pending, Path out) throws Exception {
        Path metrics = out.resolve("metrics.jsonl");
        Files.deleteIfExists(metrics);
        long iteration = 0;
        long runStart = System.nanoTime();
        double runFitSeconds = 0;
        long runImages = 0;
        int next = 1;
        int skipped = 0;
        for (int epoch = 0; epoch < cfg.epochs(); epoch++) {
            long epochStart = System.nanoTime();
            double wait = 0, lossSum = 0, lastLoss = Double.NaN;
            long images = 0, minibatches = 0;
            int rounds = 0;
            for (int c = 0; c < plan.chunks(epoch); c++) {
                long w0 = System.nanoTime();
                List<List<Minibatch>> chunk = pending.poll().get();
                wait += (System.nanoTime() - w0) / 1e9;
                if (next < plan.size()) {
                    pending.add(loader.submit(plan.chunk(next++)));
                }
                for (List<Minibatch> round : chunk) {
                    double lr = schedule.valueAt((int) iteration, epoch);
                    SynchronousRound.Outcome o = step.train(round, lr);
                    lastLoss = o.loss();
                    if (!Double.isFinite(lastLoss)) {
                        throw new IllegalStateException(String.format("epoch %d iteration %d: the loss became %s",
                                epoch + 1, iteration, lastLoss));
                    }
                    if (!o.stepped()) {
                        skipped++;
                        System.out.printf("warning: epoch %d iteration %d: gradients not finite (of %s); step skipped"
                                + " (%d so far)%n", epoch + 1, iteration, o.nonFiniteGradients(), skipped);
                        if (skipped > MAX_SKIPPED_STEPS) {
                            throw new IllegalStateException("more than " + MAX_SKIPPED_STEPS + " steps with gradients"
                                    + " that are not finite; stopped");
                        }
                    }
                    iteration++;
                    rounds++;
                    for (double l : o.workerLosses()) {
                        lossSum += l;
                        minibatches++;
                    }
                    images += round.stream().mapToInt(Minibatch::size).sum();
                }
                double seconds = (System.nanoTime() - epochStart) / 1e9;
                double rate = images / seconds;
                double epochLeft = (plan.images(epoch) - images) / rate;
                double runLeft = epochLeft + plan.imagesAfter(epoch) / rate;
                System.out.printf("epoch %d/%d  round %d/%d  %,d/%,d images  loss %.4f (epoch mean %.4f)  lr %.5f  %.1f img/s"
                                + "  epoch ETA %s  run ETA %s%n", epoch + 1, cfg.epochs(), rounds, plan.rounds(epoch), images,
                        plan.images(epoch), lastLoss, lossSum / minibatches, schedule.valueAt((int) iteration - 1, epoch), rate,
                        duration(epochLeft), duration(runLeft));
            }
            double fitSeconds = (System.nanoTime() - epochStart) / 1e9;
            runFitSeconds += fitSeconds;
            runImages += images;
            Validation.Result v = Validation.evaluate(torch, val);
            if (v.nonFinite() > 0) {
                String where = val.stream().map(mb -> Validation.firstNonFinite(torch, mb)).filter(w -> w != null)
                        .findFirst().orElse("?");
                System.out.printf("warning: %d of %d validation images scored non-finite (counted wrong); first"
                        + " non-finite vertex: %s%n", v.nonFinite(), v.images(), where);
            }
            EpochRecord r = new EpochRecord(epoch, iteration, schedule.valueAt((int) Math.max(0, iteration - 1), epoch),
                    lossSum / minibatches, lastLoss, v.loss(), v.top1(), v.top5(), sgd.l2Penalty(), images / fitSeconds,
                    fitSeconds, wait, v.seconds(), skipped);
            Files.writeString(metrics, JSON.writeValueAsString(r) + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            double elapsed = (System.nanoTime() - runStart) / 1e9;
            System.out.printf("epoch %d/%d  train_loss %.4f  val_loss %.4f  top1 %.4f  top5 %.4f  %.1f img/s  lr %.5f"
                            + "  (fit %s, waiting for data %.1f s, validation %.1f s; %d libtorch arrays live)  run ETA %s%n",
                    epoch + 1, cfg.epochs(), r.trainLoss(), r.valLoss(), r.top1(), r.top5(), r.imagesPerSec(), r.lr(),
                    duration(fitSeconds), wait, v.seconds(), torch.manager().getManagedArrays().size(),
                    duration(elapsed / (epoch + 1) * (cfg.epochs() - epoch - 1)));
        }
        System.out.printf("done: %,d images in %s of fitting (%.1f img/s), %s in all%n", runImages, duration(runFitSeconds),
                runImages / runFitSeconds, duration((System.nanoTime() - runStart) / 1e9));
    }

    static String duration(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "?";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s % 3600 / 60)
                : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }

    /**
     * The run's chunks of rounds, epoch by epoch, so that loading can run ahead: {@code progress.everyRounds}
     * rounds each, or {@link #LOAD_AHEAD_ROUNDS} where the run config chunks by time. Only the loading is
     * chunked; the rounds run in the epoch's order either way.
     */
    private static final class Plan {
        static final int LOAD_AHEAD_ROUNDS = 20;

        private record Chunk(int epoch, int from, int to) {
        }

        private final RecipeData data;
        private final List<Chunk> chunks = new ArrayList<>();
        private final int[] rounds;
        private final long[] images;

        Plan(RecipeData data, RunConfig cfg, int maxRounds) {
            this.data = data;
            rounds = new int[cfg.epochs()];
            images = new long[cfg.epochs()];
            int every = cfg.progress().everyRounds() != null ? cfg.progress().everyRounds() : LOAD_AHEAD_ROUNDS;
            for (int e = 0; e < cfg.epochs(); e++) {
                rounds[e] = maxRounds > 0 ? Math.min(maxRounds, data.rounds(e)) : data.rounds(e);
                long[] partitions = data.partitionImages(e);
                for (long n : partitions) {
                    images[e] += Math.min(n, (long) rounds[e] * cfg.batchSizePerWorker());
                }
                for (int from = 0; from < rounds[e]; from += every) {
                    chunks.add(new Chunk(e, from, Math.min(rounds[e], from + every)));
                }
            }
        }

        int size() {
            return chunks.size();
        }

        java.util.concurrent.Callable<List<List<Minibatch>>> chunk(int i) {
            Chunk c = chunks.get(i);
            return () -> data.rounds(c.epoch(), c.from(), c.to());
        }

        int chunks(int epoch) {
            return (int) chunks.stream().filter(c -> c.epoch() == epoch).count();
        }

        int rounds(int epoch) {
            return rounds[epoch];
        }

        long images(int epoch) {
            return images[epoch];
        }

        long imagesAfter(int epoch) {
            long sum = 0;
            for (int e = epoch + 1; e < images.length; e++) {
                sum += images[e];
            }
            return sum;
        }
    }
}
