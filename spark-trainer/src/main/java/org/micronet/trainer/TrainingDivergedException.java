package org.micronet.trainer;

/** The loss or the parameters became NaN or infinite; the last good checkpoint is kept. */
public class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
