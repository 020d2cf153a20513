package org.micronet.ingest.source;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.micronet.ingest.DataException;

import java.io.IOException;
import java.util.Locale;

/** The input layouts the ingest reads. */
public enum Layout {
    /** ILSVRC2012 folders: train/&lt;wnid&gt;/*.JPEG, val/ flat or by wnid. */
    ILSVRC,
    /** WebDataset tar shards: members sharing a key form a sample. */
    WEBDATASET;

    public static Layout parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown layout '" + value + "', expected ilsvrc or webdataset");
        }
    }

    /** Tars at the root or in train/ and val/ mean WebDataset; train/ or val/ folders otherwise mean ILSVRC. */
    public static Layout detect(FileSystem fs, Path root) throws IOException {
        if (!fs.exists(root)) {
            throw new DataException("input " + root + " does not exist");
        }
        if (fs.getFileStatus(root).isFile()) {
            if (isTar(root)) {
                return WEBDATASET;
            }
            throw new DataException("input " + root + " is a file but not a .tar shard; expected a folder or a .tar");
        }
        boolean folders = false;
        for (FileStatus child : fs.listStatus(root)) {
            if (child.isFile() && isTar(child.getPath())) {
                return WEBDATASET;
            }
            String name = child.getPath().getName();
            if (child.isDirectory() && (name.equals("train") || name.equals("val"))) {
                for (FileStatus inner : fs.listStatus(child.getPath())) {
                    if (inner.isFile() && isTar(inner.getPath())) {
                        return WEBDATASET;
                    }
                }
                folders = true;
            }
        }
        if (folders) {
            return ILSVRC;
        }
        throw new DataException("cannot detect the layout of " + root + ": expected train/ or val/ folders of images"
                + " (ilsvrc) or .tar shards (webdataset); pass --layout");
    }

    public SampleSource open(FileSystem fs, Path root) {
        return this == ILSVRC ? new IlsvrcSource(fs, root) : new WebDatasetSource(fs, root);
    }

    static boolean isTar(Path path) {
        return path.getName().toLowerCase(Locale.ROOT).endsWith(".tar");
    }
}
