package org.micronet.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** The one float species every SIMD kernel uses: the widest this CPU runs natively. */
public final class Lanes {
    public static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    public static final int N = F.length();

    private Lanes() {
    }

    public static int bits() {
        return F.vectorBitSize();
    }
}
