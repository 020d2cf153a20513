package org.micronet.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.micronet.kernels.api.PlanePermuteF32;
import org.micronet.kernels.simd.Lanes;
import org.micronet.kernels.simd.PlanePermuteF32Vec;
import org.micronet.layers.ChannelShuffle;
import org.micronet.models.ModelShapes;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.micronet.kernels.F32Data.assertGuardIntact;
import static org.micronet.kernels.F32Data.input;
import static org.micronet.kernels.F32Data.nan;

/** {@link PlanePermuteF32Vec} moves whole planes by the map, bit for bit, and the inverse map undoes it. */
class PlanePermuteF32VecTest {
    private static final PlanePermuteF32 FAST = new PlanePermuteF32Vec();
    private static final int N = Lanes.N;

    record Case(int n, int c, int hw, String mapName, int[] from) {
        @Override
        public String toString() {
            return "n=" + n + " c=" + c + " hw=" + hw + " " + mapName;
        }
    }

    static Stream<Case> cases() {
        List<Case> cases = new ArrayList<>();
        Random rng = new Random(5);
        for (int hw : new int[]{1, 2, 3, N - 1, N, N + 1, 2 * N + 1, 49}) {
            for (int c : new int[]{1, 6, 2 * N + 2}) {
                int n = hw % 2 == 0 ? 1 : 3;
                for (int g : new int[]{1, 2, 3}) {
                    if (c % g == 0) {
                        cases.add(new Case(n, c, hw, "shuffle(" + g + ")", ChannelPermutation.shuffle(c, g)));
                    }
                }
                List<Integer> order = new ArrayList<>(IntStream.range(0, c).boxed().toList());
                Collections.shuffle(order, rng);
                cases.add(new Case(n, c, hw, "random", order.stream().mapToInt(Integer::intValue).toArray()));
            }
        }
        for (int size : new int[]{32, 224}) {
            for (ModelShapes.Use<ChannelShuffle> use : ModelShapes.of("m0", size, ChannelShuffle.class)) {
                int[] ch = ModelShapes.channelsAndPlane(use.input());
                int g = use.layer().getGroups();
                cases.add(new Case(size == 32 ? 128 : 1, ch[0], ch[1], "M0 shuffle(" + g + ")",
                        ChannelPermutation.shuffle(ch[0], g)));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void movesEveryPlaneAndTheInverseUndoesIt(Case k) {
        int len = k.n * k.c * k.hw;
        float[] x = input(new Random(k.n * 31L + k.c * 7L + k.hw), len, false);
        float[] original = x.clone();
        float[] y = nan(len);
        FAST.permute(x, y, k.from, k.n, k.c, k.hw);
        for (int b = 0; b < k.n; b++) {
            for (int o = 0; o < k.c; o++) {
                for (int p = 0; p < k.hw; p++) {
                    int at = (b * k.c + o) * k.hw + p;
                    int src = (b * k.c + k.from[o]) * k.hw + p;
                    if (Float.floatToRawIntBits(y[at]) != Float.floatToRawIntBits(x[src])) {
                        fail(k + ": image " + b + " channel " + o + " element " + p + " is " + y[at]
                                + ", expected input channel " + k.from[o] + "'s " + x[src]);
                    }
                }
            }
        }
        assertGuardIntact(y, len, k.toString());
        assertArrayEquals(original, x, "input changed");

        float[] back = nan(len);
        FAST.permute(y, back, ChannelPermutation.inverse(k.from), k.n, k.c, k.hw);
        assertArrayEquals(x, java.util.Arrays.copyOf(back, len), "inverse " + k);
        assertGuardIntact(back, len, "inverse " + k);
    }
}
