package org.micronet.layers;

/**
 * The group-adaptive rule of Micro-Factorized pointwise convolution: G = lambda * sqrt(C/R)
 * (paper Eq. 3 and Table 3b), where C/R is the narrow side of the 1x1 conv (its bottleneck).
 */
public final class GroupCount {
    private GroupCount() {
    }

    /**
     * The group count nearest to lambda * sqrt(min(cin, cout)) that divides both channel
     * counts; on a tie the smaller one (fewer groups keeps more connectivity).
     */
    public static int adaptive(double lambda, int cin, int cout, String layerName) {
        if (lambda <= 0) {
            throw new IllegalArgumentException("Layer '" + layerName + "': lambda must be > 0, got " + lambda);
        }
        return nearest(lambda * Math.sqrt(Math.min(cin, cout)), cin, cout);
    }

    /** The group count nearest to {@code target} that divides both channel counts; ties go to the smaller. */
    public static int nearest(double target, int cin, int cout) {
        int best = -1;
        for (int g = 1; g <= Math.min(cin, cout); g++) {
            if (cin % g == 0 && cout % g == 0
                    && (best < 0 || Math.abs(g - target) < Math.abs(best - target))) {
                best = g;
            }
        }
        return best;
    }

    /** Checks a given group count against both channel counts. */
    public static int validate(int groups, int cin, int cout, String layerName) {
        if (groups < 1 || cin % groups != 0 || cout % groups != 0) {
            throw new IllegalArgumentException("Layer '" + layerName + "': " + groups
                    + " groups must divide both channel counts (in " + cin + ", out " + cout + ")");
        }
        return groups;
    }
}
