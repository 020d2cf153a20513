package org.micronet.kernels;

/**
 * An activation a kernel applies to its own output, saving the activation layer after it (its
 * copies of the activations, forward and backward). At a kink the derivative is that of the
 * activation layer it replaces (ND4J's ReLU and ReLU6; {@link HardSwishKernel} is this enum's hard swish).
 */
public enum FusedActivation {
    NONE,
    RELU,
    RELU6,
    HARDSWISH;

    public double apply(double z) {
        return switch (this) {
            case NONE -> z;
            case RELU -> Math.max(z, 0);
            case RELU6 -> Math.min(Math.max(z, 0), 6);
            case HARDSWISH -> z * (Math.min(Math.max(z + 3, 0), 6) / 6);
        };
    }

    /** d apply / dz. */
    public double slope(double z) {
        return switch (this) {
            case NONE -> 1;
            case RELU -> z > 0 ? 1 : 0;
            case RELU6 -> z > 0 && z < 6 ? 1 : 0;
            case HARDSWISH -> z <= -3 ? 0 : z >= 3 ? 1 : (2 * z + 3) / 6;
        };
    }
}
