package org.micronet.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The numbers of the architecture spec ({@code reference/micronet-architecture.md}, a copy of
 * the spec beside the traces): its per-model settings table and its block table, read from the
 * text itself so tests do not take them from our configs.
 */
public final class ArchitectureSpec {

    /** A row of the spec's block table, columns as there. */
    public record Block(int s, int c, int k, int e1, int e2, int g1, int g2, int g3, int g4,
                        int y1, int y2, int y3, int r) {
    }

    /** A model: stem (a, b), head width, DY-Shift-Max offsets init_a / init_b, and its blocks. */
    public record Model(String name, int stemA, int stemB, int headWidth, double[] initA, double[] initB,
                        List<Block> blocks) {
    }

    /** "| M3 | (4, 3) -> 12 ch | 1024 | 0.1 | (1.0, 0.5) | (0.0, 0.5) | ..." */
    private static final Pattern SETTINGS = Pattern.compile(
            "\\|\\s*(M\\d)\\s*\\|\\s*\\((\\d+),\\s*(\\d+)\\)[^|]*\\|\\s*(\\d+)\\s*\\|[^|]*\\|\\s*\\(([^)]*)\\)\\s*\\|\\s*\\(([^)]*)\\)\\s*\\|.*");

    private static Map<String, Model> models;

    private ArchitectureSpec() {
    }

    /** @param name m0 .. m3 (case does not matter) */
    public static synchronized Model model(String name) {
        if (models == null) {
            models = read();
        }
        Model m = models.get(name.toUpperCase());
        if (m == null) {
            throw new IllegalArgumentException("the spec has no model " + name + " (it has " + models.keySet() + ")");
        }
        return m;
    }

    private static Map<String, Model> read() {
        String resource = "/reference/micronet-architecture.md";
        String text;
        try (InputStream in = ArchitectureSpec.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no " + resource + " on the test classpath");
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, List<Block>> tables = blockTables(text);
        Map<String, Model> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            Matcher m = SETTINGS.matcher(line);
            if (m.matches()) {
                String name = m.group(1);
                List<Block> blocks = tables.get(name);
                if (blocks == null) {
                    throw new IllegalStateException(resource + ": settings for " + name + " but no block table rows");
                }
                out.put(name, new Model(name, Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                        Integer.parseInt(m.group(4)), doubles(m.group(5)), doubles(m.group(6)), blocks));
            }
        }
        if (out.size() != 4) {
            throw new IllegalStateException(resource + ": read settings for " + out.keySet() + ", expected M0-M3");
        }
        return out;
    }

    /**
     * The fenced block under "## Block table": a line starting "Mn" opens model n (its first
     * line may be the column names); every line of 13 numbers is a row of the open model.
     */
    private static Map<String, List<Block>> blockTables(String text) {
        int section = text.indexOf("## Block table");
        int open = text.indexOf("```", section);
        int close = text.indexOf("```", open + 3);
        Map<String, List<Block>> tables = new LinkedHashMap<>();
        String model = null;
        for (String line : text.substring(open + 3, close).split("\n")) {
            List<String> tokens = new ArrayList<>(Arrays.asList(line.trim().split("\\s+")));
            if (tokens.get(0).matches("M\\d")) {
                model = tokens.remove(0);
            }
            if (tokens.size() == 13 && tokens.stream().allMatch(t -> t.matches("\\d+"))) {
                int[] v = tokens.stream().mapToInt(Integer::parseInt).toArray();
                tables.computeIfAbsent(model, k -> new ArrayList<>()).add(new Block(v[0], v[1], v[2], v[3], v[4],
                        v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12]));
            }
        }
        return tables;
    }

    private static double[] doubles(String s) {
        return Arrays.stream(s.split(",")).mapToDouble(t -> Double.parseDouble(t.trim())).toArray();
    }
}
