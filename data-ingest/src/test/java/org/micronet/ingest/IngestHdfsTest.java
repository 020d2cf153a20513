package org.micronet.ingest;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.micronet.ingest.loader.ShardLoader;

import java.io.IOException;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ingest and the loader on a real HDFS (MiniDFSCluster, one datanode) through hdfs:// URIs only. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IngestHdfsTest {
    private static final String CLOSE_RETRY_DELAY = "dfs.client.block.write.locateFollowingBlock.initial.delay.ms";
    private MiniDFSCluster cluster;
    private FileSystem hdfs;
    private String base;
    private JavaSparkContext sc;

    @BeforeAll
    void start(@TempDir java.nio.file.Path tmp) throws IOException {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("dfs").toString());
        conf.setInt("dfs.replication", 1);
        // a client retries closing a file after 400 ms by default: hundreds of small files would take minutes
        conf.setInt(CLOSE_RETRY_DELAY, 10);
        cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        cluster.waitActive();
        hdfs = cluster.getFileSystem();
        base = hdfs.getUri() + "/datasets";
        // val, the label files and 10 train images per class: each small file costs the one-datanode cluster ~50 ms
        java.nio.file.Path sample = TestData.sample();
        for (String file : new String[]{"val", "LOC_val_solution.csv", "LOC_synset_mapping.txt"}) {
            hdfs.copyFromLocalFile(new Path(sample.resolve(file).toUri()), new Path(base + "/fmnist/" + file));
        }
        for (int c = 0; c < 10; c++) {
            String wnid = "n9000000" + c;
            for (int i = 1; i <= 10; i++) {
                String file = "train/" + wnid + "/" + wnid + "_" + i + ".JPEG";
                hdfs.copyFromLocalFile(new Path(sample.resolve(file).toUri()), new Path(base + "/fmnist/" + file));
            }
        }
        sc = SparkTests.localContext("IngestHdfsTest");
        sc.hadoopConfiguration().setInt(CLOSE_RETRY_DELAY, 10);
    }

    @AfterAll
    void stop() {
        if (sc != null) sc.stop();
        if (cluster != null) cluster.shutdown();
    }

    @Test
    void ilsvrcAndWebDatasetIngestAndLoaderOnHdfs() throws IOException {
        IngestOptions o = new IngestOptions(base + "/fmnist", base + "/shards");
        o.shardSize = 64;
        Manifest m = IngestJob.run(o, sc).manifest();
        assertTrue(m.source.input.startsWith("hdfs://"), m.source.input);
        assertEquals(Map.of("train", 100L, "val", 100L), m.imagesPerSplit);
        for (Manifest.ClassEntry c : m.classes) {
            assertEquals(Map.of("train", 10L, "val", 10L), c.images);
        }
        Path out = new Path(base + "/shards");
        assertTrue(hdfs.exists(new Path(out, "classes.tsv")));
        assertFalse(hdfs.exists(new Path(base + "/.shards.ingest-tmp")));
        assertEquals(IngestLocalTest.valLabelsFromCsv(), ShardContents.labels(hdfs, out, "val"));
        assertEquals(4, ShardContents.labels(hdfs, out, "train").get("n90000004/n90000004_7"));

        // our shards are WebDataset with a classes.tsv: ingesting them again reads tars by offset on HDFS
        IngestOptions again = new IngestOptions(base + "/shards", base + "/shards-again");
        again.shardSize = 100;
        Manifest m2 = IngestJob.run(again, sc).manifest();
        assertEquals("webdataset", m2.source.layout);
        assertEquals(m.imagesPerSplit, m2.imagesPerSplit);
        assertEquals(IngestLocalTest.valLabelsFromCsv(), ShardContents.labels(hdfs, new Path(base + "/shards-again"), "val"));

        ShardLoader loader = ShardLoader.open(sc, base + "/shards");
        long[] perClass = new long[10];
        loader.evaluationRdd("val", 24, 16).collect().forEach(ds -> {
            for (int i = 0; i < ds.numExamples(); i++) perClass[ds.getLabels().getRow(i).argMax().getInt(0)]++;
        });
        assertEquals(10, perClass[0]);
        assertEquals(100, java.util.Arrays.stream(perClass).sum());
    }
}
