package org.micronet.ingest.source;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * Walks the regular-file members of a tar stream, knowing each member's data offset so that a
 * sample can later be read by a positioned read instead of a rescan. Also holds the WebDataset
 * naming rule: key = member path up to the first dot of its file name, extension = the rest.
 */
public final class TarMembers implements Closeable {
    private final CountingStream counter;
    private final TarArchiveInputStream tar;

    /** A member's name, data offset in the tar and size. */
    public record Member(String name, long offset, long size) {
        public String key() {
            return keyOf(name);
        }

        public String extension() {
            return extensionOf(name);
        }
    }

    public TarMembers(InputStream in) {
        this.counter = new CountingStream(in);
        this.tar = new TarArchiveInputStream(counter);
    }

    /** @return the next regular file, or null at the end */
    public Member next() throws IOException {
        for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
            if (e.isFile()) {
                // the header has just been consumed, so the count is where the data starts
                return new Member(e.getName(), counter.count, e.getSize());
            }
        }
        return null;
    }

    /** The content of the member last returned by {@link #next()}. */
    public byte[] read() throws IOException {
        return tar.readAllBytes();
    }

    public static String keyOf(String name) {
        int slash = name.lastIndexOf('/');
        int dot = name.indexOf('.', slash + 1);
        return dot < 0 ? name : name.substring(0, dot);
    }

    public static String extensionOf(String name) {
        int slash = name.lastIndexOf('/');
        int dot = name.indexOf('.', slash + 1);
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    @Override
    public void close() throws IOException {
        tar.close();
    }

    private static final class CountingStream extends FilterInputStream {
        long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) count++;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) count += n;
            return n;
        }

        /**
         * None promised (which the contract allows): commons-compress asks before every skip and
         * uses the answer only for a FileInputStream, and Hadoop's local streams answer with a
         * system call: 6 of the 13 us it took to read a 28x28 sample from a shard.
         */
        @Override
        public int available() {
            return 0;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            count += skipped;
            return skipped;
        }
    }
}
