package org.micronet.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.micronet.config.ConfigException;
import org.micronet.config.StrictYaml;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a sweep YAML. A sweep may start from another with {@code base: <sweep YAML relative to
 * this file>} and override its keys (maps merge key by key, so a {@code quick} variant changes
 * only what it needs); {@code run:} paths are relative to the file that names them.
 */
public final class SweepConfigLoader {
    /** Keys the sweep itself places per run. */
    private static final List<String> RESERVED = List.of("output", "export");

    private SweepConfigLoader() {
    }

    public static SweepConfig load(Path file) {
        ObjectNode tree = tree(file.toAbsolutePath().normalize(), new ArrayDeque<>());
        SweepConfig cfg = StrictYaml.bind(tree, SweepConfig.class, file.toString());
        List<String> errors = validate(cfg);
        if (!errors.isEmpty()) {
            throw new ConfigException(file + ": " + String.join("; ", errors));
        }
        return cfg;
    }

    private static ObjectNode tree(Path file, Deque<Path> chain) {
        if (chain.contains(file)) {
            throw new ConfigException(file + ": base sweeps form a cycle: " + chain);
        }
        ObjectNode obj;
        try (InputStream in = Files.newInputStream(file)) {
            obj = StrictYaml.readObject(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new ConfigException(chain.isEmpty() ? file + ": no such sweep config file"
                    : chain.peek() + ": base " + file + " does not exist");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read sweep config " + file, e);
        }
        JsonNode run = obj.get("run");
        if (run != null && run.isTextual()) {
            obj.put("run", file.resolveSibling(run.asText()).normalize().toString());
        }
        JsonNode base = obj.remove("base");
        if (base == null) {
            return obj;
        }
        if (!base.isTextual()) {
            throw new ConfigException(file + ": base: expected the path of another sweep YAML, got " + base);
        }
        chain.push(file);
        ObjectNode merged = tree(file.resolveSibling(base.asText()).normalize(), chain);
        chain.pop();
        StrictYaml.merge(merged, obj);
        return merged;
    }

    private static List<String> validate(SweepConfig cfg) {
        List<String> errors = new ArrayList<>();
        if (cfg.run() == null || cfg.run().isBlank()) {
            errors.add("run: missing (expected a run config such as ../runs/quickstart.yaml)");
        }
        if (cfg.output() == null || cfg.output().isBlank()) {
            errors.add("output: missing (expected the sweep directory, any Hadoop URI)");
        }
        Set<String> seen = new HashSet<>();
        cfg.axes().forEach((key, values) -> checkAxis(errors, "axes." + key, key, values, seen));
        for (int i = 0; i < cfg.zip().size(); i++) {
            var group = cfg.zip().get(i);
            if (group.isEmpty()) {
                errors.add("zip[" + i + "]: empty group");
            }
            int length = group.values().stream().mapToInt(v -> v == null ? 0 : v.size()).max().orElse(0);
            for (var e : group.entrySet()) {
                checkAxis(errors, "zip[" + i + "]." + e.getKey(), e.getKey(), e.getValue(), seen);
                if (e.getValue() != null && e.getValue().size() != length) {
                    errors.add("zip[" + i + "]." + e.getKey() + ": " + e.getValue().size() + " values, but the group's "
                            + "other keys have " + length + " (zipped keys need equal lengths)");
                }
            }
        }
        for (String key : cfg.set().keySet()) {
            if (RESERVED.contains(key)) {
                errors.add("set." + key + ": the sweep places each run's " + key + " in the sweep directory");
            } else if (seen.contains(key)) {
                errors.add("set." + key + ": is also an axis of the sweep");
            }
        }
        return errors;
    }

    private static void checkAxis(List<String> errors, String where, String key, List<JsonNode> values, Set<String> seen) {
        if (RESERVED.contains(key)) {
            errors.add(where + ": the sweep places each run's " + key + " in the sweep directory");
        }
        if (values == null || values.isEmpty()) {
            errors.add(where + ": expected a non-empty list of values");
        }
        if (!seen.add(key)) {
            errors.add(where + ": the key is varied twice");
        }
    }
}
