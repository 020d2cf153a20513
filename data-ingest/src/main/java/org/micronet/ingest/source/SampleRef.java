package org.micronet.ingest.source;

import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.Serializable;

/**
 * Where one sample's image bytes live and what its label is: a whole file, or a member of a tar
 * at a known offset. Listed on the driver, read on the executors.
 *
 * @param split  "train" or "val"
 * @param key    unique sample key (the WebDataset key written to the shards)
 * @param file   name for reports, relative to the input root
 * @param uri    fully qualified Hadoop URI of the file holding the bytes
 * @param offset byte offset of the image in that file
 * @param length byte length of the image
 * @param label  class index
 */
public record SampleRef(String split, String key, String file, String uri, long offset, long length, int label)
        implements Serializable {

    public byte[] read(FileSystem fs) throws IOException {
        if (length > Integer.MAX_VALUE - 16) {
            throw new IOException(file + ": " + length + " bytes is too large for one image");
        }
        byte[] bytes = new byte[(int) length];
        try (FSDataInputStream in = fs.open(new Path(uri))) {
            in.readFully(offset, bytes);
        }
        return bytes;
    }
}
