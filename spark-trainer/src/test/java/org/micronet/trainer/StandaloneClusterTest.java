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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cluster path end to end: a real Spark standalone master and two workers on loopback,
 * started by deploy/standalone-cluster.sh, and deploy/spark-submit.sh submitting the training
 * job, with the run directory and the export on a MiniDFSCluster. The SPARK_HOME is this test's
 * own classpath (the reactor's module classes packed into jars), so no Spark download is needed.
 */
class StandaloneClusterTest {

    @Test
    void sparkSubmitTrainsOnAStandaloneClusterAndExportsToHdfs(@TempDir java.nio.file.Path tmp) throws Exception {
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
        List<String> env = List.of("SPARK_HOME=" + sparkHome, "MICRONET_CLUSTER_DIR=" + tmp.resolve("cluster"),
                "SPARK_MASTER_PORT=" + port, "MICRONET_JAR=" + sparkHome.resolve("app/spark-trainer-classes.jar"));
        try {
            dfs.waitActive();
            String hdfs = dfs.getFileSystem().getUri().toString();
            assertEquals(0, run(env, tmp.resolve("start.log"), 180, "deploy/standalone-cluster.sh", "start", "2", "1", "2g"),
                    Files.readString(tmp.resolve("start.log")));
            int exit = run(env, tmp.resolve("submit.log"), 300, "deploy/spark-submit.sh",
                    "--master", "spark://127.0.0.1:" + port, "--deploy-mode", "client",
                    "--executor-cores", "1", "--executor-memory", "1500m", "--conf", "spark.cores.max=2",
                    "--conf", "spark.hadoop.dfs.client.block.write.locateFollowingBlock.initial.delay.ms=10",
                    "--", "train", "--config", "configs/runs/quickstart.yaml", "--set", "epochs=1",
                    "--set", "data.train=" + shards, "--set", "output=" + hdfs + "/runs/cluster",
                    "--set", "export=" + hdfs + "/models/cluster");
            String log = Files.readString(tmp.resolve("submit.log"));
            assertEquals(0, exit, log);
            assertTrue(log.contains("top1:"), log);
            FileSystem fs = dfs.getFileSystem();
            for (String f : List.of("/runs/cluster/metrics.jsonl", "/runs/cluster/_SUCCESS", "/models/cluster/model.zip",
                    "/models/cluster/model-card.json")) {
                assertTrue(fs.exists(new Path(f)), f + " on HDFS");
            }
            for (String worker : List.of("worker-1", "worker-2")) {
                try (Stream<java.nio.file.Path> apps = Files.list(tmp.resolve("cluster").resolve(worker))) {
                    assertTrue(apps.anyMatch(p -> p.getFileName().toString().startsWith("app-")),
                            "an executor ran on " + worker);
                }
            }
        } finally {
            run(env, tmp.resolve("stop.log"), 60, "deploy/standalone-cluster.sh", "stop");
            copyLogs(tmp);
            dfs.shutdown();
        }
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
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of(command)))
                .directory(Repo.root().toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        for (String kv : env) {
            pb.environment().put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        Process p = pb.start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in " + seconds + " s:\n" + Files.readString(log));
        }
        return p.exitValue();
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
