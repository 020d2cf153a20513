package org.micronet.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A reference trace ({@code reference/reference-trace-<model>.txt}, copied from the spec): the
 * block table at its head and one row per layer under PyTorch state-dict names. Parsing is
 * strict: a line of either table that does not read as a row fails, so nothing is skipped
 * silently.
 */
public record ReferenceTrace(String model, List<Block> blocks, List<Row> rows) {

    /**
     * A line of the block table. For blocks {@code gs1} is (g1, g2), {@code g1x1} (g3, g4) and
     * {@code switches} (y1, y2, y3); the stem's {@code gs1} is its (a, b) and it has no g1x1,
     * switches or reduction (empty arrays, 0).
     *
     * @param kind stem, A, B or C
     */
    public record Block(String name, String kind, int in, int hidden, int out, int kernel, int stride,
                        int[] gs1, int[] g1x1, int[] switches, int reduction, boolean identity) {
    }

    /** A layer row; groups, kernel and stride are only on conv rows (0 and "" elsewhere). */
    public record Row(String name, String type, int cin, int cout, int groups, String kernel, String stride,
                      String outHw, long params, long madds, long fusion, String note) {
    }

    private static final Pattern BLOCK = Pattern.compile("(features\\.\\d+)\\s+(\\w+)\\S*\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)"
            + "\\s+\\d+x\\d+\\s+(\\d+)\\s+(\\d+)\\s+\\(([^)]*)\\)\\s+(?:\\(([^)]*)\\)\\s+\\(([^)]*)\\)\\s+(\\d+)\\s+)?(True|False)\\s*");
    private static final Pattern ROW = Pattern.compile("(\\S+)\\s+(\\S+)\\s+(\\d+)\\s+(\\d+)\\s+"
            + "(?:(\\d+)\\s+(\\d+x\\d+)\\s+(\\d+x\\d+)\\s+)?(\\d+x\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s*(.*)");

    /** @param model m0 or m3 */
    public static ReferenceTrace load(String model) {
        String resource = "/reference/reference-trace-" + model + ".txt";
        String text;
        try (InputStream in = ReferenceTrace.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no reference trace " + resource + " on the test classpath");
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Block> blocks = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        // sections: title, block table (header "block ..."), layer table between two rules of dashes
        int rules = 0;
        boolean blockTable = false;
        for (String line : text.split("\n")) {
            if (line.startsWith("-----")) {
                rules++;
            } else if (line.startsWith("block ")) {
                blockTable = true;
            } else if (line.isBlank() || line.startsWith("name ")) {
                blockTable = false;
            } else if (blockTable) {
                blocks.add(block(line, resource));
            } else if (rules == 1) {
                rows.add(row(line, resource));
            }
        }
        if (blocks.isEmpty() || rows.isEmpty() || rules != 2) {
            throw new IllegalStateException(resource + ": read " + blocks.size() + " blocks and " + rows.size()
                    + " layer rows between " + rules + " rules; the trace's layout changed");
        }
        return new ReferenceTrace(model, List.copyOf(blocks), List.copyOf(rows));
    }

    public Block block(String name) {
        return blocks.stream().filter(b -> b.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(model + ": no block " + name + " in the trace"));
    }

    private static Block block(String line, String resource) {
        Matcher m = matched(BLOCK, line, resource);
        boolean stem = m.group(9) == null;
        return new Block(m.group(1), m.group(2), integer(m.group(3)), integer(m.group(4)), integer(m.group(5)),
                integer(m.group(6)), integer(m.group(7)), tuple(m.group(8)), stem ? new int[0] : tuple(m.group(9)),
                stem ? new int[0] : tuple(m.group(10)), stem ? 0 : integer(m.group(11)), m.group(12).equals("True"));
    }

    private static Row row(String line, String resource) {
        Matcher m = matched(ROW, line, resource);
        boolean conv = m.group(5) != null;
        return new Row(m.group(1), m.group(2), integer(m.group(3)), integer(m.group(4)),
                conv ? integer(m.group(5)) : 0, conv ? m.group(6) : "", conv ? m.group(7) : "", m.group(8),
                Long.parseLong(m.group(9)), Long.parseLong(m.group(10)), Long.parseLong(m.group(11)), m.group(12).trim());
    }

    private static Matcher matched(Pattern p, String line, String resource) {
        Matcher m = p.matcher(line);
        if (!m.matches()) {
            throw new IllegalStateException(resource + ": cannot read the line '" + line + "'");
        }
        return m;
    }

    private static int integer(String s) {
        return Integer.parseInt(s.trim());
    }

    /** "(2, 0, 1)" without its parentheses -> {2, 0, 1}. */
    private static int[] tuple(String s) {
        return Arrays.stream(s.split(",")).mapToInt(ReferenceTrace::integer).toArray();
    }
}
