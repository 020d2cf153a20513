package org.micronet.trainer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.util.ModelSerializer;
import org.micronet.complexity.ComplexityReport;
import org.micronet.config.ConfigException;
import org.micronet.config.StrictYaml;
import org.micronet.ingest.DataException;
import org.micronet.ingest.loader.Preprocessing;
import org.micronet.ingest.loader.ShardLoader;
import org.micronet.layers.L2Penalty;
import org.micronet.models.ModelConfig;
import org.micronet.models.ModelConfigLoader;
import org.micronet.models.Models;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.schedule.ISchedule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The training job: synchronized SGD across Spark workers with DL4J parameter averaging, a
 * per-iteration cosine schedule, evaluation, metrics and checkpoints every epoch, and an export
 * at the end. Each epoch is fitted in chunks of averaging rounds ({@code progress.everySeconds}
 * long, or {@code progress.everyRounds} rounds), each followed by a progress line and, every
 * {@code checkpoints.everyMinutes}, a checkpoint from which a resume goes on with the next chunk. A run directory holds {@code config.yaml}
 * (resolved), {@code metrics.jsonl}, {@code metrics.csv}, {@code checkpoints/},
 * {@code best/model.zip} and, once finished, {@code _SUCCESS}.
 */
public final class Trainer {
    public static final String CONFIG = "config.yaml";
    public static final String SUCCESS = "_SUCCESS";
    static final String BEST_DIR = "best";
    static final String BEST = BEST_DIR + "/model.zip";
    private static final Logger log = LoggerFactory.getLogger(Trainer.class);

    private final JavaSparkContext sc;
    private final RunConfig cfg;
    private final RunStore run;
    private final boolean overwriteExport;
    private Consumer<ChunkProgress> progress = p -> {
    };
    private Instant lastCheckpoint;

    /** What a finished run reports. */
    public record Result(String runDirectory, String export, List<EpochMetrics> metrics, ModelCard card) {
    }

    public Trainer(JavaSparkContext sc, RunConfig cfg, boolean overwriteExport) throws IOException {
        this.sc = sc;
        this.cfg = cfg;
        this.run = new RunStore(cfg.output(), sc.hadoopConfiguration());
        this.overwriteExport = overwriteExport;
    }

    /** Also passes every progress step (after each chunk of an epoch) to {@code listener}. */
    public Trainer onProgress(Consumer<ChunkProgress> listener) {
        this.progress = listener;
        return this;
    }

    /**
     * Trains from the latest usable checkpoint of the run directory, or from scratch when it has
     * none. Everything that can be checked before the ingest and training is checked first, and
     * {@code config.yaml} is written only after the ingest, so a start that fails leaves nothing
     * that blocks the corrected command. A new run refuses a directory that holds another run's
     * checkpoints.
     */
    public Result run(boolean resume) throws IOException {
        Checkpoints checkpoints = new Checkpoints(run, cfg.checkpoints().keep());
        preflight(resume, checkpoints);

        Map<String, ShardLoader> opened = new HashMap<>();
        ShardLoader train = withCache(Datasets.open(sc, cfg.data().train(), run, cfg.data().shortSide(), cfg.workers(),
                opened).withMinCropScale(cfg.data().minCropScale()));
        ShardLoader val = withCache(Datasets.open(sc, cfg.data().val(), run, cfg.data().shortSide(), cfg.workers(),
                opened));
        if (!train.manifest().classes.equals(val.manifest().classes)) {
            throw new DataException("data.train " + cfg.data().train() + " and data.val " + cfg.data().val()
                    + " have different class indexes");
        }
        ModelConfig model = modelConfig(cfg, train.numClasses());
        Preprocessing evaluation = val.preprocessing(model.inputSize());  // before training: it reads the manifest
        long trainImages = train.count(cfg.data().trainSplit());
        if (trainImages == 0) {
            throw new DataException("data.train " + cfg.data().train() + " has no images in split '"
                    + cfg.data().trainSplit() + "'");
        }
        run.writeString(CONFIG, RunConfigLoader.toYaml(cfg));
        long itersPerEpoch = iterationsPerEpoch(cfg, trainImages);
        CosineSchedule schedule = schedule(cfg, trainImages);

        MetricsLog metrics = new MetricsLog(run);
        Optional<Checkpoints.Restored> latest = resume ? checkpoints.latestUsable() : Optional.empty();
        ComputationGraph net;
        Checkpoints.State state;
        if (latest.isPresent()) {
            net = latest.get().model();
            net.setLearningRate(schedule);  // the same schedule, or a longer one if epochs grew
            state = latest.get().state();
            log.info("resuming {} from checkpoint {} (iteration {})", run.uri(), latest.get().name(), state.iteration());
        } else {
            net = Models.create(model, networkDefaults(cfg, schedule));
            state = Checkpoints.State.START;
        }
        ComplexityReport cost = Models.complexity(model);
        log.info("{}: {} parameters, {} MAdds; {} training images, {} iterations per epoch, global batch {} on {} workers",
                model.name(), cost.params(), cost.maddsWithFusion(), trainImages, itersPerEpoch, cfg.globalBatch(),
                cfg.workers());
        if (cfg.workers() > 1 && cfg.barrierAveraging(sc.isLocal(), SparkContexts.dynamicAllocation(sc))) {
            log.info("barrier averaging: the workers exchange their states {}", BarrierRounds.describe(sc));
        }

        // one training master for the whole run: DL4J's local-mode broadcasts crash natively when a
        // second master takes over the same network
        SynchronizedTrainingMaster master = trainingMaster(cfg, run, sc);
        TrainingLoss trainingLoss = new TrainingLoss(sc);
        master.addHook(new WorkerSeeding(cfg.seed()));
        master.addHook(trainingLoss);
        SparkComputationGraph spark = new SparkComputationGraph(sc, net, master);
        Instant start = Instant.now();
        lastCheckpoint = start;
        int firstEpoch = state.epoch() + 1;
        ChunkSizer chunks = new ChunkSizer(cfg.progress(), cfg.averagingFrequency());
        try (StallGuard guard = new StallGuard(sc, Duration.ofMillis(Math.round(cfg.progress().stallMinutes() * 60_000)),
                "The checkpoints stay in " + run.uri() + "/" + Checkpoints.DIR + "; once the cluster has executors again, "
                        + "continue with: micronet train --resume " + run.uri()
                        + " (progress.stallMinutes sets how long to wait)")) {
            for (int epoch = firstEpoch; epoch < cfg.epochs(); epoch++) {
                state = fitEpoch(spark, master, trainingLoss, guard, chunks, train, model.inputSize(), epoch, schedule,
                        state, checkpoints);
                int e = epoch;
                Checkpoints.State fitted = state;
                EpochMetrics m = guard.run("validation after epoch " + (epoch + 1),
                        () -> evaluate(spark, val, evaluation, e, schedule, fitted, trainImages));
                net = spark.getNetwork();
                boolean best = m.top1() > state.bestTop1();
                state = new Checkpoints.State(epoch, m.iteration(), Math.max(m.top1(), state.bestTop1()), state.seconds(), 0,
                        0, TrainingLoss.Tally.NONE);
                metrics.append(m);
                if (best) {
                    ComputationGraph snapshot = net;
                    run.write(BEST, out -> ModelSerializer.writeModel(snapshot, out, false));
                }
                checkpoints.save(net, state);
                lastCheckpoint = Instant.now();
                long left = Duration.between(start, Instant.now()).toMillis() * (cfg.epochs() - epoch - 1)
                        / (epoch - firstEpoch + 1);
                log.info(String.format("epoch %d/%d  train_loss %.4f  val_loss %.4f  top1 %.4f  top5 %.4f  %.1f img/s  lr %.5f  ETA %s",
                        epoch + 1, cfg.epochs(), m.trainLoss(), m.valLoss(), m.top1(), m.top5(), m.imagesPerSec(), m.lr(),
                        ChunkProgress.duration(left / 1000.0)));
            }
        }

        List<EpochMetrics> all = metrics.read();
        EpochMetrics last = all.get(all.size() - 1);
        EpochMetrics bestEpoch = all.stream().max((a, b) -> Double.compare(a.top1(), b.top1())).orElseThrow();
        ModelCard card = new ModelCard(model.name(), StrictYaml.toTree(model), model.inputSize(),
                train.manifest().classes.stream().map(c -> c.name).toList(), cost.params(), cost.madds(),
                cost.maddsWithFusion(), last.top1(), last.top5(), bestEpoch.top1(), bestEpoch.epoch(),
                cfg.data().train(), trainImages, cfg.data().val(), val.count(cfg.data().valSplit()), cfg.epochs(),
                state.seconds(), run.uri(), version(), Instant.now().toString(), classIds(val),
                evaluation);
        Exporter.export(cfg.export(), net, run, BEST, card, overwriteExport, sc.hadoopConfiguration());
        run.writeString(SUCCESS, "");
        log.info("exported to {}: top1 {} (best {} at epoch {})", cfg.export(), last.top1(), bestEpoch.top1(),
                bestEpoch.epoch() + 1);
        return new Result(run.uri(), cfg.export(), all, card);
    }

    /**
     * The checks that need neither the data's content nor a model: the output, the export and the
     * data locations, and the model config (built with the config's class count, which the data's
     * may change later but which no block depends on). Also clears what killed writes left.
     */
    private void preflight(boolean resume, Checkpoints checkpoints) throws IOException {
        run.checkWritable("output");
        if (!resume && (!checkpoints.all().isEmpty() || run.exists(MetricsLog.JSONL))) {
            throw new ConfigException("output " + run.uri() + " already holds a run; continue it with --resume "
                    + run.uri() + " or choose another output");
        }
        Exporter.checkTarget(cfg.export(), overwriteExport, resume ? run.uri() : null, sc.hadoopConfiguration());
        if (cfg.barrierAveraging(sc.isLocal(), SparkContexts.dynamicAllocation(sc))) {
            BarrierRounds.checkCanRun(sc, cfg.workers());
        }
        Datasets.checkExists(sc, "data.train", cfg.data().train());
        Datasets.checkExists(sc, "data.val", cfg.data().val());
        ModelConfig model = modelConfig(cfg, Models.resolve(cfg.model()).classes());
        try {
            Models.graph(model, Models.defaults(cfg.seed()));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("model " + cfg.model() + ": " + e.getMessage(), e);
        }
        int removed = run.removeStaging("", null) + run.removeStaging(Checkpoints.DIR, null)
                + run.removeStaging(BEST_DIR, null);
        if (removed > 0) {
            log.info("removed {} temporary files or folders that interrupted writes left in {}", removed, run.uri());
        }
    }

    /**
     * Fits the rest of an epoch chunk by chunk ({@link ChunkSizer}), logging progress after each and
     * checkpointing when {@code checkpoints.everyMinutes} have passed; returns the state after its
     * last chunk. {@code state} may stand within the epoch (a resume), which then goes on from there.
     */
    private Checkpoints.State fitEpoch(SparkComputationGraph spark, SynchronizedTrainingMaster master,
                                       TrainingLoss trainingLoss, StallGuard guard, ChunkSizer chunks, ShardLoader train,
                                       int inputSize, int epoch, CosineSchedule schedule, Checkpoints.State state,
                                       Checkpoints checkpoints)
            throws IOException {
        EpochPlan plan = new EpochPlan(train.partitionImages(cfg.data().trainSplit(), cfg.seed(), epoch),
                cfg.batchSizePerWorker());
        Nd4j.getRandom().setSeed(cfg.seed() + epoch);
        int nth = 0;
        for (int done = state.batchesDone(); done < plan.batches(); done = state.batchesDone()) {
            int end = chunks.chunkEnd(plan, done);
            ChunkSizer.Numbering numbering = chunks.numbering(plan, end, ++nth);
            master.reseed(Objects.hash(cfg.seed(), epoch, done));
            int from = done;
            double seconds = guard.run(String.format("epoch %d/%d, chunk %d/%d", epoch + 1, cfg.epochs(),
                    numbering.chunk(), numbering.chunks()), () -> fitChunk(spark, train, inputSize, epoch, from, end));
            chunks.fitted((end - from + cfg.averagingFrequency() - 1) / cfg.averagingFrequency(), seconds);
            TrainingLoss.Tally chunkLoss = trainingLoss.take();
            ComputationGraph net = spark.getNetwork();
            // DL4J counts every fit call as an epoch; the model keeps counting whole epochs
            net.getConfiguration().setEpochCount(end == plan.batches() ? epoch + 1 : epoch);
            double loss = chunkLoss.mean();
            if (!Double.isFinite(loss) || !Double.isFinite(net.params().sumNumber().doubleValue())) {
                throw new TrainingDivergedException(String.format("epoch %d: the loss became %s; stopped. The last good "
                                + "checkpoint stays in %s/%s. Try a lower learningRate or a longer warmupEpochs.",
                        epoch + 1, loss, run.uri(), Checkpoints.DIR));
            }
            long iteration = net.getConfiguration().getIterationCount();
            state = new Checkpoints.State(epoch - 1, iteration, state.bestTop1(), state.seconds() + seconds, end,
                    state.epochSeconds() + seconds, state.epochLoss().plus(chunkLoss));
            String saved = null;
            Double every = cfg.checkpoints().everyMinutes();
            if (end < plan.batches() && every != null
                    && Duration.between(lastCheckpoint, Instant.now()).toMillis() >= every * 60_000) {
                saved = checkpoints.save(net, state);
                lastCheckpoint = Instant.now();
            }
            long images = plan.imagesBefore(end);
            double rate = images / state.epochSeconds();
            double epochLeft = (plan.images() - images) / rate;
            double runLeft = epochLeft + (double) (cfg.epochs() - epoch - 1) * plan.images() / rate;
            ChunkProgress p = new ChunkProgress(epoch, cfg.epochs(), numbering.chunk(), numbering.chunks(), images,
                    plan.images(), (images - plan.imagesBefore(done)) / seconds, state.epochSeconds(), epochLeft,
                    state.seconds(), runLeft, iteration, lastLr(schedule, iteration), loss, saved);
            log.info(p.line());
            RoundTimes.PerRound rounds = master.takeRoundTimes();
            if (rounds.rounds() > 0) {  // the export approach keeps DL4J's own loop, untimed
                log.info("  {}", rounds.line());
            }
            progress.accept(p);
        }
        return state;
    }

    /** {@code data} keeping {@code data.cacheMb} of samples in memory, where the config sets it. */
    private ShardLoader withCache(ShardLoader data) {
        Integer mb = cfg.data().cacheMb();
        return mb == null ? data : data.withCacheBytes((long) mb << 20);
    }

    /** Fits minibatches {@code [from, to)} of every worker's share of the epoch; returns the seconds it took. */
    private double fitChunk(SparkComputationGraph spark, ShardLoader train, int inputSize, int epoch, int from, int to) {
        JavaRDD<DataSet> data = train.trainingRdd(cfg.data().trainSplit(), inputSize, cfg.batchSizePerWorker(),
                cfg.seed(), epoch, from, to);
        if (cfg.labelSmoothing() > 0) {
            data = data.map(new LabelSmoothing(cfg.labelSmoothing()));
        }
        long t0 = System.nanoTime();
        spark.fit(data);  // the master caches the chunk while it fits its rounds (RoundSplit)
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Validation after an epoch whose fitting {@code fitted} describes. */
    private EpochMetrics evaluate(SparkComputationGraph spark, ShardLoader val, Preprocessing evaluation, int epoch,
                                  CosineSchedule schedule, Checkpoints.State fitted, long images) {
        JavaRDD<DataSet> valData = val.evaluationRdd(cfg.data().valSplit(), evaluation, cfg.batchSizePerWorker());
        Validation.Result v = Validation.run(sc, spark.getNetwork(), spark.getTrainingMaster(), valData,
                cfg.batchSizePerWorker(), classIds(val));
        return new EpochMetrics(epoch, fitted.iteration(), lastLr(schedule, fitted.iteration()),
                fitted.epochLoss().mean(), v.loss(), v.l2Penalty(), v.top1(), v.top5(),
                images / fitted.epochSeconds(), fitted.epochSeconds());
    }

    private static List<String> classIds(ShardLoader data) {
        return data.manifest().classes.stream().map(c -> c.wnid).toList();
    }

    /** The learning rate of the last of {@code iteration} iterations. */
    private static double lastLr(CosineSchedule schedule, long iteration) {
        return schedule.valueAt((int) Math.max(0, iteration - 1), 0);
    }

    /**
     * The run's training master on {@code sc}: {@code workers} is what it averages over, whatever
     * Spark's parallelism.
     */
    static SynchronizedTrainingMaster trainingMaster(RunConfig cfg, RunStore run, JavaSparkContext sc) {
        ParameterAveragingTrainingMaster.Builder tm = new ParameterAveragingTrainingMaster.Builder(cfg.workers(),
                cfg.batchSizePerWorker())
                .batchSizePerWorker(cfg.batchSizePerWorker())
                .averagingFrequency(cfg.averagingFrequency())
                .workerPrefetchNumBatches(0)  // a round's minibatches are in memory already (RoundSplit): a prefetch thread per task only costs
                .saveUpdater(true)
                .repartionData(Repartition.Never)
                .collectTrainingStats(false);
        if (cfg.approach() == RunConfig.Approach.DIRECT) {
            tm.rddTrainingApproach(RDDTrainingApproach.Direct);
        } else {
            tm.rddTrainingApproach(RDDTrainingApproach.Export).exportDirectory(run.path("tmp-export").toString());
        }
        boolean barrier = cfg.barrierAveraging(sc.isLocal(), SparkContexts.dynamicAllocation(sc));
        return new SynchronizedTrainingMaster(tm, barrier, WorkerThreads.perWorker(sc, cfg.workers()));
    }

    /**
     * The iterations (averaging rounds of the global batch) the schedule counts per epoch. Public,
     * with {@link #schedule}, {@link #modelConfig} and {@link #networkDefaults}, for re-runs of a recipe
     * elsewhere (the PyTorch parity check in benchmarks/) that must build exactly what we train.
     */
    public static long iterationsPerEpoch(RunConfig cfg, long trainImages) {
        return (trainImages + cfg.globalBatch() - 1) / cfg.globalBatch();
    }

    /** The run's learning rate per iteration: warm-up, then cosine to 0 at the last iteration of the last epoch. */
    public static CosineSchedule schedule(RunConfig cfg, long trainImages) {
        long itersPerEpoch = iterationsPerEpoch(cfg, trainImages);
        return new CosineSchedule(cfg.learningRate(), Math.round(cfg.warmupEpochs() * itersPerEpoch),
                cfg.epochs() * itersPerEpoch);
    }

    /** The model config for this run: its input size, the data's classes, and a dropout override. */
    public static ModelConfig modelConfig(RunConfig cfg, int classes) {
        ModelConfig base = Models.resolve(cfg.model());
        ObjectNode tree = StrictYaml.toTree(base.withTask(cfg.inputSize() != null ? cfg.inputSize() : base.inputSize(), classes));
        if (cfg.dropout() != null) {
            StrictYaml.set(tree, "head.dropout", cfg.dropout().toString());
        }
        return ModelConfigLoader.fromTree(tree, cfg.model());
    }

    /**
     * The network settings of a run: seed (hence the initial weights), data type, the optimiser with
     * {@code schedule}, weight decay, workspaces.
     */
    public static NeuralNetConfiguration.Builder networkDefaults(RunConfig cfg, ISchedule schedule) {
        return new NeuralNetConfiguration.Builder()
                .seed(cfg.seed())
                .dataType(DataType.FLOAT)
                .updater(new MomentumSgd(schedule, cfg.momentum()))
                .regularization(weightDecay(cfg))
                .regularizationBias(weightDecay(cfg))
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED);
    }

    /** DL4J's L2 (as its builder's {@code l2}: none at 0), with the per-parameter arithmetic in a kernel. */
    private static List<Regularization> weightDecay(RunConfig cfg) {
        return cfg.weightDecay() > 0 ? List.of(new L2Penalty(cfg.weightDecay())) : List.of();
    }

    private static String version() {
        String v = Trainer.class.getPackage().getImplementationVersion();
        return v == null ? "development" : v;
    }
}
