package org.micronet.kernels;

/**
 * Channel permutations of MicroNet as index maps: output channel {@code c} reads input
 * channel {@code map[c]}.
 */
public final class ChannelPermutation {
    private ChannelPermutation() {
    }

    /** Channel shuffle(g): view C as (g, C/g), transpose to (C/g, g), flatten. */
    public static int[] shuffle(int channels, int groups) {
        int per = channels / groups;
        int[] map = new int[channels];
        for (int i = 0; i < groups; i++) {
            for (int j = 0; j < per; j++) {
                map[j * groups + i] = i * per + j;
            }
        }
        return map;
    }

    /**
     * The DY-Shift-Max group shift: view C as (g, C/g) and roll by one group and by one
     * channel inside the group, {@code x2[i*gc + j] = x[((i+1) mod g)*gc + (j+1) mod gc]}.
     */
    public static int[] groupShift(int channels, int groups) {
        int gc = channels / groups;
        int[] map = new int[channels];
        for (int i = 0; i < groups; i++) {
            for (int j = 0; j < gc; j++) {
                map[i * gc + j] = ((i + 1) % groups) * gc + (j + 1) % gc;
            }
        }
        return map;
    }

    /** The maps of the first {@code count} shifted copies: {@link #groupShift} to the powers 0 .. count-1. */
    public static int[][] groupShiftPowers(int channels, int groups, int count) {
        int[] once = groupShift(channels, groups);
        int[][] maps = new int[count][];
        for (int j = 0; j < count; j++) {
            maps[j] = power(once, j);
        }
        return maps;
    }

    /** {@code map} applied {@code times} times: the j-th shifted copy reads input channel result[c]. */
    public static int[] power(int[] map, int times) {
        int[] result = new int[map.length];
        for (int c = 0; c < map.length; c++) {
            int src = c;
            for (int t = 0; t < times; t++) {
                src = map[src];
            }
            result[c] = src;
        }
        return result;
    }

    /** Shuffles of {@code groups[0]}, then {@code groups[1]}, ...: one map; the identity for none. */
    public static int[] shuffles(int channels, int[] groups) {
        int[] map = new int[channels];
        for (int c = 0; c < channels; c++) {
            map[c] = c;
        }
        for (int g : groups) {
            int[] next = shuffle(channels, g);
            int[] composed = new int[channels];
            for (int c = 0; c < channels; c++) {
                composed[c] = map[next[c]];
            }
            map = composed;
        }
        return map;
    }

    /** Planes of {@code [n][c][hw]} data by a map: plane (b, o) of the result is plane (b, from[o]) of x. */
    public static double[] apply(double[] x, int[] from, int n, int c, int hw) {
        double[] y = new double[n * c * hw];
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < c; o++) {
                System.arraycopy(x, (b * c + from[o]) * hw, y, (b * c + o) * hw, hw);
            }
        }
        return y;
    }

    public static int[] inverse(int[] map) {
        int[] inv = new int[map.length];
        for (int c = 0; c < map.length; c++) {
            inv[map[c]] = c;
        }
        return inv;
    }
}
