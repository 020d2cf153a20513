package org.micronet.trainer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Unsafe;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A worker's region of its host's shared memory, where {@link PeerExchange} leaves the worker's
 * state for the workers on the same host, which copy it from there instead of receiving it over
 * their connection: no sealing and no socket copies, as NCCL and MPI move data between the
 * processes of one node. The region is a file under /dev/shm (mode 600) of two halves, one for
 * the even rounds and one for the odd. Its name is random, so a worker that finds a file of the
 * name another announced shares that worker's memory; once each peer has mapped it or not, the
 * owner deletes the file, and the memory goes with the last mapping, also when a JVM dies. A JVM
 * killed before that leaves its file, so the name also holds the owner's process id, and each new
 * region deletes those of processes that are gone (one deleted wrongly, of a process in another
 * process namespace, only sends that process's peers back to their connections).
 */
final class HostRegion implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HostRegion.class);
    private static final Path SHARED = Path.of("/dev/shm");
    private static final String PREFIX = "micronet-exchange-";
    private static final int ZEROS_BYTES = 1 << 20;
    /** The prefix, the owner's process id, a random UUID. */
    private static final Pattern NAME = Pattern.compile(Pattern.quote(PREFIX) + "(\\d+)-[0-9a-f-]{36}");
    /** Unmaps a mapping at once, as Spark and Lucene do; else only a collection of the buffer would. */
    private static final Unsafe UNSAFE;

    static {
        try {
            Field f = Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            UNSAFE = (Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The file while it exists, for its owner; else null. */
    private Path file;
    private final String name;
    private final MappedByteBuffer memory;
    private final long half;

    private HostRegion(Path file, String name, MappedByteBuffer memory, long half) {
        this.file = file;
        this.name = name;
        this.memory = memory;
        this.half = half;
    }

    /** Whether a region of halves of {@code bytes} can be made here: on a host with /dev/shm, under 2 GiB. */
    static boolean possible(long bytes) {
        return 2 * bytes <= Integer.MAX_VALUE && Files.isDirectory(SHARED) && Files.isWritable(SHARED);
    }

    /**
     * A new region for this worker's states of {@code bytes} ({@link #possible}); fails when
     * /dev/shm has no room for it.
     */
    static HostRegion create(long bytes) throws IOException {
        deleteOrphans();
        String name = PREFIX + ProcessHandle.current().pid() + "-" + UUID.randomUUID();
        Path file = Files.createFile(SHARED.resolve(name),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            // written through the file, not the mapping: a full /dev/shm (a container's is 64 MiB by
            // default) fails this write, before any round, where a store to an unbacked page of the
            // mapping would fail mid-round (an InternalError, on a 4 MiB /dev/shm here)
            ByteBuffer zeros = ByteBuffer.allocateDirect(ZEROS_BYTES);
            for (long at = 0; at < 2 * bytes; ) {
                at += channel.write(zeros.clear().limit((int) Math.min(ZEROS_BYTES, 2 * bytes - at)), at);
            }
            return new HostRegion(file, name, channel.map(FileChannel.MapMode.READ_WRITE, 0, 2 * bytes), bytes);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /**
     * The region another worker announced as {@code name}, for states of {@code bytes}, mapped to
     * read; null when this host has no such region (that worker runs on another host, or in
     * another container) or it cannot be mapped.
     */
    static HostRegion open(String name, long bytes) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' is not the name of a worker's region");
        }
        try (FileChannel channel = FileChannel.open(SHARED.resolve(name), StandardOpenOption.READ)) {
            if (channel.size() != 2 * bytes) {
                log.warn("the region {} holds {} bytes, not the {} of two states: exchanging over the connection",
                        name, channel.size(), 2 * bytes);
                return null;
            }
            return new HostRegion(null, name, channel.map(FileChannel.MapMode.READ_ONLY, 0, 2 * bytes), bytes);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            log.warn("could not map the region {}: exchanging over the connection", name, e);
            return null;
        }
    }

    /** Deletes the regions whose owners are gone: they were killed before they could. */
    static void deleteOrphans() throws IOException {
        try (Stream<Path> files = Files.list(SHARED)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Matcher m = NAME.matcher(f.getFileName().toString());
                if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                    try {
                        Files.deleteIfExists(f);
                        log.info("deleted {}, left by a process that is gone", f);
                    } catch (IOException e) {
                        log.debug("could not delete {}", f, e);  // another user's
                    }
                }
            }
        }
    }

    String name() {
        return name;
    }

    /** Copies what remains of {@code from} to byte {@code at} of half {@code parity}, leaving {@code from} as it is. */
    void write(int parity, long at, ByteBuffer from) {
        memory.put(Math.toIntExact(parity * half + at), from, from.position(), from.remaining());
    }

    /** Fills what remains of {@code into} from byte {@code at} of half {@code parity}, leaving {@code into}'s position. */
    void read(int parity, long at, ByteBuffer into) {
        into.put(into.position(), memory, Math.toIntExact(parity * half + at), into.remaining());
    }

    /** {@code length} bytes from byte {@code at} of half {@code parity}, where they lie: valid until {@link #close}. */
    ByteBuffer slice(int parity, long at, long length) {
        return memory.slice(Math.toIntExact(parity * half + at), Math.toIntExact(length));
    }

    /** Deletes the file, once no other worker will map it; the mappings stay. */
    void unlink() {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                log.warn("could not delete {}", file, e);
            }
            file = null;
        }
    }

    /** Deletes the file and unmaps the memory: no thread may touch it any more. */
    @Override
    public void close() {
        unlink();
        UNSAFE.invokeCleaner(memory);
    }
}
