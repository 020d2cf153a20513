package org.micronet.ingest;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The project's bundled sample and the shared Fashion-MNIST tarball next to the checkout. */
public final class TestData {
    private TestData() {
    }

    public static Path repo() {
        String repo = System.getProperty("micronet.repo");
        return repo != null ? Paths.get(repo) : Paths.get("..").toAbsolutePath().normalize();
    }

    /** data/sample/fashion-mnist-ilsvrc: 30 train images per class, 10 val per class. */
    public static Path sample() {
        return repo().resolve("data/sample/fashion-mnist-ilsvrc");
    }

    /** ../shared/datasets/fashion-mnist-ilsvrc.tar.gz; skips the calling test when it is absent. */
    public static Path sharedTarball() {
        Path tarball = repo().resolveSibling("shared").resolve("datasets/fashion-mnist-ilsvrc.tar.gz");
        assumeTrue(Files.isRegularFile(tarball), "skipped: the shared dataset " + tarball
                + " is absent (the bundled-sample tests still run)");
        return tarball;
    }

    /** Extracts the members whose path (below the top folder) matches into dest; returns how many. */
    public static int extract(Path tarball, Predicate<String> wanted, Path dest) throws IOException {
        int n = 0;
        try (InputStream in = new GzipCompressorInputStream(new BufferedInputStream(Files.newInputStream(tarball)));
             TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                String name = e.getName().substring(e.getName().indexOf('/') + 1);
                if (e.isFile() && wanted.test(name)) {
                    Path target = dest.resolve(name);
                    Files.createDirectories(target.getParent());
                    Files.copy(tar, target);
                    n++;
                }
            }
        }
        return n;
    }
}
