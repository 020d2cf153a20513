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

    public static int[] inverse(int[] map) {
        int[] inv = new int[map.length];
        for (int c = 0; c < map.length; c++) {
            inv[map[c]] = c;
        }
        return inv;
    }
}
