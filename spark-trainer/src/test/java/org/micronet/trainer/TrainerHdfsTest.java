package org.micronet.trainer;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import org.micronet.complexity.ComplexityCounter;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A run whose run directory and export live on a real HDFS (MiniDFSCluster). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainerHdfsTest {
    private MiniDFSCluster cluster;
    private JavaSparkContext sc;
    private String shards;

    @BeforeAll
    void start(@TempDir java.nio.file.Path tmp) throws Exception {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("dfs").toString());
        conf.setInt("dfs.replication", 1);
        cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        cluster.waitActive();
        sc = SparkContexts.create("trainer-hdfs-test", "local[2]");
        // a client waits 400 ms before retrying to close a file by default; the run writes dozens
        sc.hadoopConfiguration().setInt("dfs.client.block.write.locateFollowingBlock.initial.delay.ms", 10);
        shards = Repo.ingestSample(sc, tmp.resolve("shards"));
    }

    @AfterAll
    void stop() {
        sc.close();
        cluster.shutdown();
    }

    @Test
    void runDirectoryAndExportOnHdfs() throws Exception {
        String hdfs = cluster.getFileSystem().getUri().toString();
        RunConfig cfg = RunConfigLoader.load(Repo.root().resolve("configs/runs/quickstart.yaml"), List.of(
                "epochs=1", "data.train=" + shards, "output=" + hdfs + "/runs/m0", "export=" + hdfs + "/models/m0"));
        Trainer.Result result = new Trainer(sc, cfg, false).run(false);

        FileSystem fs = cluster.getFileSystem();
        for (String file : List.of("/runs/m0/config.yaml", "/runs/m0/metrics.jsonl", "/runs/m0/_SUCCESS",
                "/runs/m0/checkpoints/epoch-0000/model.zip", "/models/m0/model.zip", "/models/m0/model-card.json")) {
            assertTrue(fs.exists(new Path(file)), file + " on HDFS");
        }
        assertEquals(1, result.metrics().size());
        ComputationGraph model = Exporter.load(hdfs + "/models/m0", sc.hadoopConfiguration());
        assertEquals(result.card().params(), model.numParams() - ComplexityCounter.runningStatistics(model.getConfiguration()));
        assertArrayEquals(new long[]{1, 10}, model.outputSingle(org.nd4j.linalg.factory.Nd4j.rand(
                org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 3, 32, 32)).shape());
    }

}
