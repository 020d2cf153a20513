package org.micronet.sweep;

import java.nio.file.Path;

/** Paths in the repository the sweep tests read and write. */
final class SweepRepo {
    private SweepRepo() {
    }

    static Path root() {
        return Path.of(System.getProperty("micronet.repo", "..")).toAbsolutePath().normalize();
    }
}
