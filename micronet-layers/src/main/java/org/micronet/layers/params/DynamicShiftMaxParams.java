package org.micronet.layers.params;

import org.deeplearning4j.nn.conf.layers.Layer;
import org.micronet.layers.DynamicShiftMax;

import java.util.List;

/**
 * Dynamic: the hyper-function's two linear layers, W1 [C, s], b1 [s], W2 [s, K*J*C], b2 [K*J*C].
 * Static: the learned coefficients "coef" [K*J*C], starting at 0 so the offsets rule at first.
 */
public final class DynamicShiftMaxParams extends BlockParams {
    public static final String W1 = "W1";
    public static final String B1 = "b1";
    public static final String W2 = "W2";
    public static final String B2 = "b2";
    public static final String COEF = "coef";
    public static final DynamicShiftMaxParams INSTANCE = new DynamicShiftMaxParams();

    private DynamicShiftMaxParams() {
    }

    @Override
    protected List<Block> blocks(Layer layer) {
        DynamicShiftMax d = (DynamicShiftMax) layer;
        long q = d.coefficientCount();
        if (!d.isDynamic()) {
            return List.of(new Block(COEF, new long[]{q}, false));
        }
        return List.of(
                new Block(W1, new long[]{d.getChannels(), d.getSqueeze()}, true),
                new Block(B1, new long[]{d.getSqueeze()}, false),
                new Block(W2, new long[]{d.getSqueeze(), q}, true),
                new Block(B2, new long[]{q}, false));
    }

    /** The names in the order {@link org.micronet.kernels.ShiftMaxKernel} takes them. */
    public static List<String> kernelOrder(DynamicShiftMax d) {
        return d.isDynamic() ? List.of(W1, B1, W2, B2) : List.of(COEF);
    }
}
