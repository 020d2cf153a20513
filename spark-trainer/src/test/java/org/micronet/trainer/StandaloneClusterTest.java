package org.micronet.trainer;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cluster path end to end, with faults injected: a real Spark standalone master and two
 * workers on loopback, started by deploy/standalone-cluster.sh (authenticated), and
 * deploy/spark-submit.sh submitting training jobs, with run directories and exports on a
 * MiniDFSCluster. A driver without the cluster's secret is refused; an executor killed mid-run is
 * replaced and the run finishes; with every worker killed the run stops with the stall guard's
 * error (exit code 4) and keeps its checkpoint. The SPARK_HOME is this test's own classpath (the
 * reactor's module classes packed into jars), so no Spark download is needed.
 */
class StandaloneClusterTest {

    @Test
    void trainsOnAnAuthenticatedClusterThroughLostExecutorsAndStopsWhenAllAreLost(@TempDir java.nio.file.Path tmp)
            throws Exception {
        java.nio.file.Path sparkHome = sparkHome(tmp.resolve("spark-home"));
        String shards;
        try (JavaSparkContext sc = SparkContexts.create("ingest-for-cluster-test", "local[2]")) {
            shards = Repo.ingestSample(sc, tmp.resolve("shards"));
        }
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("dfs").toString());
        conf.setInt("dfs.replication", 1);
        MiniDFSCluster dfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        int port = freePort();
        java.nio.file.Path cluster = tmp.resolve("cluster");
        List<String> env = List.of("SPARK_HOME=" + sparkHome, "MICRONET_CLUSTER_DIR=" + cluster,
                "SPARK_MASTER_PORT=" + port, "MICRONET_JAR=" + sparkHome.resolve("app/spark-trainer-classes.jar"));
        try {
            dfs.waitActive();
            String hdfs = dfs.getFileSystem().getUri().toString();
            assertEquals(0, run(env, tmp.resolve("start.log"), 180, "deploy/standalone-cluster.sh", "start", "2", "1", "2g"),
                    Files.readString(tmp.resolve("start.log")));
            assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                    Files.getPosixFilePermissions(cluster.resolve("spark-auth.conf")), "the secret is readable by its owner only");

            // a driver without the secret: the master does not let it register
            List<String> noSecret = new ArrayList<>(env);
            noSecret.add("MICRONET_SPARK_AUTH=" + tmp.resolve("no-such-secret"));
            Process refused = start(noSecret, tmp.resolve("refused.log"), submit(port, shards, hdfs, "refused", List.of()));

            // an executor killed in the middle of the run: Spark replaces it and retries its tasks; the
            // workers exchange on the ports asked for, the second executor on this host on the next
            int exchangePort = freePort();
            Process lossy = start(env, tmp.resolve("lossy.log"), submit(port, shards, hdfs, "lossy",
                    List.of("spark.micronet.exchange.port=" + exchangePort), "epochs=2"));
            awaitLine(tmp.resolve("lossy.log"), "chunk 2/", lossy, 240);
            List<ProcessHandle> executors = executors(cluster, 1);
            assertEquals(1, executors.size(), "one executor on worker-1");
            String environment = Files.readString(java.nio.file.Path.of("/proc", executors.get(0).pid() + "", "environ"));
            assertTrue(List.of(environment.split("\0")).contains("OMP_NUM_THREADS=1"),
                    "ND4J's native threads sized to the task's core");
            executors.get(0).destroyForcibly();
            assertTrue(lossy.waitFor(300, TimeUnit.SECONDS), "the run with a lost executor finished");
            String log = Files.readString(tmp.resolve("lossy.log"));
            assertEquals(0, lossy.exitValue(), log);
            assertTrue(log.contains("top1:"), log);
            assertTrue(log.contains("the workers exchange their states over connections between them, sealed"), log);
            String executorLogs = executorLogs(cluster);
            for (int p : new int[]{exchangePort, exchangePort + 1}) {
                assertTrue(executorLogs.contains("listens for the parameter exchange on /127.0.0.1:" + p), executorLogs);
            }
            // both executors run on this host: only the headers travel on their connection
            assertTrue(log.contains("and through shared memory between workers on one host"), log);
            assertTrue(executorLogs.contains("takes the states of workers [0] from this host's shared memory")
                    && executorLogs.contains("takes the states of workers [1] from this host's shared memory"), executorLogs);
            // the killed executor may have left its region; the chunks after it delete it
            try (Stream<java.nio.file.Path> regions = Files.list(java.nio.file.Path.of("/dev/shm"))) {
                assertEquals(List.of(), regions.map(r -> r.getFileName().toString())
                        .filter(n -> n.matches("micronet-exchange-\\d+-.*")
                                && ProcessHandle.of(Long.parseLong(n.split("-")[2])).isEmpty()).toList(),
                        "regions of gone processes in /dev/shm");
            }
            FileSystem fs = dfs.getFileSystem();
            for (String f : List.of("/runs/lossy/metrics.jsonl", "/runs/lossy/_SUCCESS", "/models/lossy/model.zip",
                    "/models/lossy/model-card.json")) {
                assertTrue(fs.exists(new Path(f)), f + " on HDFS");
            }
            for (String worker : List.of("worker-1", "worker-2")) {
                try (Stream<java.nio.file.Path> apps = Files.list(cluster.resolve(worker))) {
                    assertTrue(apps.anyMatch(p -> p.getFileName().toString().startsWith("app-")),
                            "an executor ran on " + worker);
                }
            }

            assertTrue(refused.waitFor(180, TimeUnit.SECONDS), "the driver without the secret gave up");
            String refusal = Files.readString(tmp.resolve("refused.log"));
            assertEquals(4, refused.exitValue(), refusal);
            assertTrue(refusal.contains("All masters are unresponsive") && refusal.contains("Spark stopped the application"),
                    refusal);
            assertFalse(fs.exists(new Path("/runs/refused/checkpoints")), "the refused driver trained nothing");

            // every worker killed, executors with them: the stall guard stops the run, its checkpoint kept,
            // also when the job waits for a barrier stage's task slots (which Spark's job cancel misses)
            Process stranded = start(env, tmp.resolve("stranded.log"), submit(port, shards, hdfs, "stranded", List.of(),
                    "epochs=50", "progress.stallMinutes=0.5", "checkpoints.everyMinutes=0", "averaging=barrier"));
            awaitLine(tmp.resolve("stranded.log"), "chunk 2/", stranded, 240);
            for (int w = 1; w <= 2; w++) {
                ProcessHandle worker = ProcessHandle.of(Long.parseLong(
                        Files.readString(cluster.resolve("worker-" + w + ".pid")).trim())).orElseThrow();
                worker.descendants().forEach(ProcessHandle::destroyForcibly);
                worker.destroyForcibly();
            }
            assertTrue(stranded.waitFor(180, TimeUnit.SECONDS), "the driver stopped by itself:\n"
                    + Files.readString(tmp.resolve("stranded.log")));
            String stall = Files.readString(tmp.resolve("stranded.log"));
            assertEquals(4, stranded.exitValue(), stall);
            assertTrue(stall.contains("the cluster has had no executor for") && stall.contains("micronet train --resume "
                    + hdfs + "/runs/stranded"), stall);
            assertTrue(fs.listStatus(new Path("/runs/stranded/checkpoints")).length > 0, "its checkpoints are kept");
        } finally {
            run(env, tmp.resolve("stop.log"), 60, "deploy/standalone-cluster.sh", "stop");
            copyLogs(tmp);
            dfs.shutdown();
        }
    }

    /**
     * deploy/spark-submit.sh training on the sample with one single-core executor per worker, into
     * HDFS, with Spark settings {@code confs} and run config settings {@code sets}.
     */
    private static String[] submit(int port, String shards, String hdfs, String name, List<String> confs, String... sets) {
        List<String> cmd = new ArrayList<>(List.of("deploy/spark-submit.sh",
                "--master", "spark://127.0.0.1:" + port, "--deploy-mode", "client",
                "--executor-cores", "1", "--executor-memory", "1500m", "--conf", "spark.cores.max=2",
                "--conf", "spark.hadoop.dfs.client.block.write.locateFollowingBlock.initial.delay.ms=10",
                "--", "train", "--config", "configs/runs/quickstart.yaml", "--set", "epochs=1",
                "--set", "progress.everyRounds=1", "--set", "data.train=" + shards,
                "--set", "output=" + hdfs + "/runs/" + name, "--set", "export=" + hdfs + "/models/" + name));
        for (String c : confs) {
            cmd.addAll(cmd.indexOf("--"), List.of("--conf", c));
        }
        for (String s : sets) {
            cmd.addAll(List.of("--set", s));
        }
        return cmd.toArray(String[]::new);
    }

    /** The executor JVMs that worker {@code w} launched. */
    private static List<ProcessHandle> executors(java.nio.file.Path cluster, int w) throws IOException {
        long pid = Long.parseLong(Files.readString(cluster.resolve("worker-" + w + ".pid")).trim());
        return ProcessHandle.of(pid).orElseThrow().descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend")).toList();
    }

    /** What the executors of every worker of the cluster logged. */
    private static String executorLogs(java.nio.file.Path cluster) throws IOException {
        StringBuilder all = new StringBuilder();
        try (Stream<java.nio.file.Path> files = Files.walk(cluster)) {
            for (java.nio.file.Path f : files.filter(p -> p.getFileName().toString().equals("stderr")).toList()) {
                all.append(Files.readString(f));
            }
        }
        return all.toString();
    }

    private static void awaitLine(java.nio.file.Path log, String text, Process p, int seconds) throws Exception {
        for (int i = 0; i < seconds * 2; i++) {
            if (Files.exists(log) && Files.readString(log).contains(text)) {
                return;
            }
            if (!p.isAlive()) {
                throw new AssertionError("exited with " + p.exitValue() + " before '" + text + "':\n" + Files.readString(log));
            }
            Thread.sleep(500);
        }
        throw new AssertionError("'" + text + "' did not appear in " + seconds + " s:\n" + Files.readString(log));
    }

    /** Test-only jars that must not reach executors (the minicluster bundles its own Hadoop server side). */
    private static final List<String> TEST_ONLY = List.of("hadoop-client-minicluster", "junit", "opentest4j",
            "apiguardian", "surefire");

    /** jars/ = the runtime jars of this JVM's classpath, plus the reactor's module classes packed as jars. */
    private static java.nio.file.Path sparkHome(java.nio.file.Path home) throws IOException {
        java.nio.file.Path jars = Files.createDirectories(home.resolve("jars"));
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            java.nio.file.Path p = java.nio.file.Path.of(entry);
            String name = p.getFileName().toString();
            if (TEST_ONLY.stream().anyMatch(name::startsWith)) {
                continue;
            }
            if (entry.endsWith(".jar")) {
                Files.createSymbolicLink(jars.resolve(p.getFileName()), p.toAbsolutePath());
            } else if (Files.isDirectory(p) && name.equals("classes")) {
                String module = p.getParent().getParent().getFileName().toString();
                // the job's own module is the application jar that spark-submit ships
                java.nio.file.Path dir = module.equals("spark-trainer") ? Files.createDirectories(home.resolve("app")) : jars;
                jar(p, dir.resolve(module + "-classes.jar"));
            }
        }
        return home;
    }

    private static void jar(java.nio.file.Path classes, java.nio.file.Path target) throws IOException {
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(target)); Stream<java.nio.file.Path> files = Files.walk(classes)) {
            for (java.nio.file.Path f : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, (OutputStream) out);
                out.closeEntry();
            }
        }
    }

    private static int run(List<String> env, java.nio.file.Path log, int seconds, String... command) throws Exception {
        Process p = start(env, log, command);
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in " + seconds + " s:\n" + Files.readString(log));
        }
        return p.exitValue();
    }

    private static Process start(List<String> env, java.nio.file.Path log, String... command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of(command)))
                .directory(Repo.root().toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        for (String kv : env) {
            pb.environment().put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        return pb.start();
    }

    /** Keeps the cluster's logs where a failed CI run can still be read. */
    private static void copyLogs(java.nio.file.Path tmp) throws IOException {
        java.nio.file.Path keep = Files.createDirectories(java.nio.file.Path.of("target/standalone-cluster-logs"));
        try (Stream<java.nio.file.Path> logs = Files.walk(tmp)) {
            for (java.nio.file.Path f : logs.filter(f -> f.toString().endsWith(".log") || f.getFileName().toString().equals("stderr")).toList()) {
                Files.copy(f, keep.resolve(tmp.relativize(f).toString().replace('/', '_')),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
