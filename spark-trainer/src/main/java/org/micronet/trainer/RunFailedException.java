package org.micronet.trainer;

/** A run that stopped while running; the message says why and how to resume from what was kept. */
public class RunFailedException extends RuntimeException {
    public RunFailedException(String message) {
        super(message);
    }

    public RunFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
