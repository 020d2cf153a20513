package org.micronet.inference;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.micronet.ingest.DataException;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The image files named on a command line, on any Hadoop filesystem: a file as it is, a folder
 * by every image file below it (by extension; hidden files and folders skipped), sorted.
 */
public final class ImageFiles {
    static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "gif", "bmp");

    private ImageFiles() {
    }

    /** Throws {@link DataException} naming an input that does not exist, or when there are no images. */
    public static List<String> list(List<String> inputs, Configuration conf) throws IOException {
        List<String> files = new ArrayList<>();
        for (String input : inputs) {
            Path path = new Path(input);
            FileSystem fs = path.getFileSystem(conf);
            if (!fs.exists(path)) {
                throw new DataException("image or folder " + input + " does not exist");
            }
            FileStatus status = fs.getFileStatus(path);
            if (status.isFile()) {
                files.add(input);
                continue;
            }
            List<String> found = new ArrayList<>();
            Path root = fs.makeQualified(path);
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
            while (it.hasNext()) {
                Path f = it.next().getPath();
                if (isImage(f) && !hidden(root, f)) {
                    found.add(f.toString());
                }
            }
            found.sort(null);
            files.addAll(found);
        }
        if (files.isEmpty()) {
            throw new DataException("no image files (" + String.join(", ", EXTENSIONS.stream().sorted().toList())
                    + ") in " + String.join(" ", inputs));
        }
        return files;
    }

    public static byte[] read(String file, Configuration conf) throws IOException {
        Path path = new Path(file);
        try (InputStream in = path.getFileSystem(conf).open(path)) {
            return in.readAllBytes();
        }
    }

    private static boolean isImage(Path f) {
        String name = f.getName().toLowerCase(Locale.ROOT);
        int dot = name.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1));
    }

    /** Whether a path below {@code root} has a hidden component (a staging folder, an editor's file). */
    private static boolean hidden(Path root, Path f) {
        for (Path p = f; p != null && !p.getName().isEmpty() && p.depth() > root.depth(); p = p.getParent()) {
            if (p.getName().startsWith(".") || p.getName().startsWith("_")) {
                return true;
            }
        }
        return false;
    }
}
