package org.micronet.trainer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.micronet.config.ConfigException;
import org.micronet.config.StrictYaml;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** Reads a run YAML, applies {@code key=value} overrides, binds and validates it. */
public final class RunConfigLoader {
    private RunConfigLoader() {
    }

    public static RunConfig load(Path file, List<String> overrides) {
        ObjectNode tree;
        try (InputStream in = Files.newInputStream(file)) {
            tree = StrictYaml.readObject(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such run config file");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read run config " + file, e);
        }
        return fromTree(tree, overrides, file.toString());
    }

    public static RunConfig fromTree(ObjectNode tree, List<String> overrides, String source) {
        ObjectNode t = tree.deepCopy();
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq < 1) {
                throw new ConfigException("--set " + o + ": expected key=value, e.g. --set epochs=5");
            }
            StrictYaml.set(t, o.substring(0, eq).trim(), o.substring(eq + 1).trim());
        }
        String where = overrides.isEmpty() ? source : source + " with --set " + String.join(" ", overrides);
        RunConfig cfg = StrictYaml.bind(t, RunConfig.class, where);
        List<String> errors = cfg.validate();
        if (!errors.isEmpty()) {
            throw new ConfigException(where + ": " + String.join("; ", errors));
        }
        return cfg;
    }

    public static String toYaml(RunConfig cfg) {
        return StrictYaml.toYaml(cfg);
    }
}
