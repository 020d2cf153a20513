package org.micronet.ingest;

/**
 * Input that is missing, unreadable or corrupt: a data folder, an image, a model or checkpoint
 * file. The message names it. Commands exit with code 3 for it (see {@code bin/micronet --help}).
 */
public class DataException extends IllegalArgumentException {
    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
