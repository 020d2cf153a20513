package org.micronet.kernels.api;

/**
 * The L2 weight-decay term on the first {@code n} values of flat float arrays (which may be
 * longer), with the semantics of DL4J's {@code L2Regularization}, its double reference.
 */
public interface L2PenaltyF32 {
    /** g becomes g + coefficient * w, the penalty's gradient added to the loss's. */
    void addGradient(float[] w, float[] g, float coefficient, int n);

    /** The sum of w squared, accumulated in double. */
    double sumOfSquares(float[] w, int n);
}
