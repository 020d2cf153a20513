package org.micronet.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Paths in the repository the tests read (configs, reference traces). */
public final class Repo {
    private Repo() {
    }

    public static Path root() {
        String prop = System.getProperty("micronet.repo");
        Path root = prop != null ? Path.of(prop) : Path.of("..").toAbsolutePath().normalize();
        if (!Files.isDirectory(root.resolve("configs"))) {
            throw new IllegalStateException("cannot find the repository's configs/ under " + root);
        }
        return root;
    }

    /** Every model config under configs/ (the test of a new variant is adding its YAML). */
    public static List<Path> modelConfigs() {
        Path configs = root().resolve("configs");
        try (Stream<Path> s = Files.walk(configs)) {
            return s.filter(p -> p.toString().endsWith(".yaml"))
                    .filter(p -> List.of("models", "baselines", "ablations").contains(configs.relativize(p).getName(0).toString()))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
