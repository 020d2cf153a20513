package org.micronet.trainer;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A worker's region of the host's shared memory, as the peers of {@link PeerExchange} use it. */
class HostRegionTest {
    private static final Path SHARED = Path.of("/dev/shm");

    /** What the owner writes to a half, a peer that opened the region by its name reads, and the other half keeps its own. */
    @Test
    void aPeerReadsWhatTheOwnerWroteToEachHalf() throws Exception {
        assumeTrue(HostRegion.possible(64), "this host has /dev/shm");
        try (HostRegion mine = HostRegion.create(64)) {
            try (HostRegion theirs = HostRegion.open(mine.name(), 64)) {
                mine.write(0, 8, ByteBuffer.wrap(bytes(1, 24)));
                mine.write(1, 8, ByteBuffer.wrap(bytes(100, 24)));
                ByteBuffer read = ByteBuffer.allocateDirect(24);
                theirs.read(0, 8, read);
                assertArrayEquals(bytes(1, 24), contents(read), "even half");
                theirs.read(1, 8, read);
                assertArrayEquals(bytes(100, 24), contents(read), "odd half");
                theirs.read(0, 16, read.clear().limit(8));
                assertArrayEquals(bytes(9, 8), contents(read), "at an offset");

                mine.unlink();
                assertFalse(Files.exists(SHARED.resolve(mine.name())), "deleted");
                mine.write(0, 0, ByteBuffer.wrap(bytes(7, 8)));
                theirs.read(0, 0, read.clear().limit(8));
                assertArrayEquals(bytes(7, 8), contents(read), "the mappings outlive the file");
            }
        }
    }

    /** A worker on another host (no such file here), of another size, or a name that is no region's. */
    @Test
    void onlyARegionOfTheNameAndSizeAnnouncedIsOpened() throws Exception {
        assumeTrue(HostRegion.possible(64), "this host has /dev/shm");
        assertNull(HostRegion.open("micronet-exchange-1-" + UUID.randomUUID(), 64), "no such region on this host");
        try (HostRegion mine = HostRegion.create(64)) {
            assertNull(HostRegion.open(mine.name(), 32), "a region for states of another size");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HostRegion.open("../../etc/passwd", 64));
        assertEquals("'../../etc/passwd' is not the name of a worker's region", e.getMessage());
    }

    /** A region left by a killed process goes with the next region made; a live process's stays. */
    @Test
    void aNewRegionDeletesThoseOfProcessesThatAreGone() throws Exception {
        assumeTrue(HostRegion.possible(64), "this host has /dev/shm");
        Process gone = new ProcessBuilder("true").start();
        assertEquals(0, gone.waitFor());
        Path orphan = SHARED.resolve("micronet-exchange-" + gone.pid() + "-" + UUID.randomUUID());
        Path live = SHARED.resolve("micronet-exchange-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID());
        Files.createFile(orphan);
        Files.createFile(live);
        try {
            HostRegion.create(64).close();
            assertFalse(Files.exists(orphan), "the region of process " + gone.pid() + ", which is gone");
            assertTrue(Files.exists(live), "the region of this process");
        } finally {
            Files.deleteIfExists(orphan);
            Files.deleteIfExists(live);
        }
    }

    private static byte[] bytes(int first, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (first + i);
        }
        return b;
    }

    private static byte[] contents(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
