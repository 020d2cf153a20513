package org.micronet.ingest;

/** An ingest that cannot finish: too many rejects, an unusable output location, unreadable label files. */
public final class IngestException extends RuntimeException {
    public IngestException(String message) {
        super(message);
    }

    public IngestException(String message, Throwable cause) {
        super(message, cause);
    }
}
