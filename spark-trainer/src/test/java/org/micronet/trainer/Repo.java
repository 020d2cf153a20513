package org.micronet.trainer;

import java.nio.file.Path;

/** Paths in the repository the trainer tests read. */
final class Repo {
    private Repo() {
    }

    static Path root() {
        return Path.of(System.getProperty("micronet.repo", "..")).toAbsolutePath().normalize();
    }

    static Path sample() {
        return root().resolve("data/sample/fashion-mnist-ilsvrc");
    }
}
