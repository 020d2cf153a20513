package org.micronet.trainer;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.micronet.config.ConfigException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A folder on any Hadoop filesystem (file://, hdfs://, ...) whose files appear whole or not at
 * all: everything is written under a temporary name and renamed into place.
 */
public final class RunStore {
    /** Writes the content of a file. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    private final FileSystem fs;
    private final Path root;

    public RunStore(String uri, Configuration conf) throws IOException {
        Path p = new Path(uri);
        this.fs = p.getFileSystem(conf);
        this.root = fs.makeQualified(p);
    }

    public Path root() {
        return root;
    }

    public String uri() {
        return root.toString();
    }

    public Path path(String relative) {
        return new Path(root, relative);
    }

    public boolean exists(String relative) throws IOException {
        return fs.exists(path(relative));
    }

    public boolean exists() throws IOException {
        return fs.exists(root);
    }

    public InputStream open(String relative) throws IOException {
        return fs.open(path(relative));
    }

    public String readString(String relative) throws IOException {
        try (InputStream in = open(relative)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    public void writeString(String relative, String content) throws IOException {
        write(relative, out -> out.write(content.getBytes(StandardCharsets.UTF_8)));
    }

    /** Writes to a temporary sibling, then renames it over {@code relative}. */
    public void write(String relative, Writer writer) throws IOException {
        Path target = path(relative);
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
        fs.mkdirs(target.getParent());
        try (FSDataOutputStream out = fs.create(tmp, false)) {
            writer.write(out);
        } catch (IOException | RuntimeException e) {
            fs.delete(tmp, false);
            throw e;
        }
        publish(tmp, target);
    }

    /** Moves a finished file or folder into place, replacing what was there. */
    public void publish(Path tmp, Path target) throws IOException {
        if (fs.exists(target) && !fs.delete(target, true)) {
            throw new IOException("cannot replace " + target);
        }
        if (!fs.rename(tmp, target)) {
            throw new IOException("cannot rename " + tmp + " to " + target);
        }
    }

    /** A fresh temporary folder next to {@code relative}, for content published by {@link #publish}. */
    public Path stagingFor(String relative) throws IOException {
        Path target = path(relative);
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
        fs.mkdirs(tmp);
        return tmp;
    }

    public OutputStream create(Path file) throws IOException {
        return fs.create(file, false);
    }

    /** Names of the entries of a folder, sorted; empty when it does not exist. */
    public List<String> list(String relative) throws IOException {
        Path dir = path(relative);
        if (!fs.exists(dir)) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (FileStatus s : fs.listStatus(dir)) {
            if (!s.getPath().getName().startsWith(".")) {
                names.add(s.getPath().getName());
            }
        }
        names.sort(null);
        return names;
    }

    public void rename(String from, String to) throws IOException {
        if (!fs.rename(path(from), path(to))) {
            throw new IOException("cannot rename " + path(from) + " to " + path(to));
        }
    }

    /**
     * Deletes what killed writes left in a folder: the temporary names of {@link #write} and
     * {@link #stagingFor} whose target is {@code name}, or any target when {@code name} is null.
     * {@code relative} is "" for this folder itself. Returns how many.
     */
    public int removeStaging(String relative, String name) throws IOException {
        Path dir = relative.isEmpty() ? root : path(relative);
        if (!fs.exists(dir)) {
            return 0;
        }
        Pattern staging = Pattern.compile("\\." + (name == null ? ".+" : Pattern.quote(name)) + "\\.tmp-[0-9a-f-]{36}");
        int removed = 0;
        for (FileStatus s : fs.listStatus(dir)) {
            if (staging.matcher(s.getPath().getName()).matches() && fs.delete(s.getPath(), true)) {
                removed++;
            }
        }
        return removed;
    }

    public void delete(String relative) throws IOException {
        fs.delete(path(relative), true);
    }

    /**
     * Checks that the folder can be created and written, so a run fails before its long work, not
     * after; {@code what} names it in the error (e.g. "output").
     */
    public void checkWritable(String what) {
        try {
            fs.mkdirs(root);
            Path probe = new Path(root, ".write-probe-" + UUID.randomUUID());
            fs.create(probe, false).close();
            fs.delete(probe, false);
        } catch (IOException e) {
            throw new ConfigException(what + " " + root + " is not writable: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return root.toString();
    }
}
