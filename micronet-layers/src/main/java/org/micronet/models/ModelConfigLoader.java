package org.micronet.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.micronet.config.ConfigException;
import org.micronet.config.StrictYaml;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Reads model YAML into {@link ModelConfig}: bound to the typed records only (no arbitrary
 * types), unknown keys rejected, and every error names the file and the key path.
 *
 * <p>A config may start from another with {@code base: <path relative to this file>} and
 * override any of its keys (maps merge key by key, lists and values replace); the base's
 * {@code description}, {@code expected} and {@code paper} are not inherited. This keeps each
 * ablation to the lines that differ from the model it varies.
 */
public final class ModelConfigLoader {
    private static final List<String> NOT_INHERITED = List.of("description", "expected", "paper");

    /** Opens a config by location, or returns null when there is none. */
    @FunctionalInterface
    interface Opener {
        InputStream open(Path location) throws IOException;
    }

    private static final Opener FILES = p -> Files.isRegularFile(p) ? Files.newInputStream(p) : null;
    private static final Opener RESOURCES = p -> ModelConfigLoader.class.getClassLoader()
            .getResourceAsStream(p.toString().replace('\\', '/'));

    private ModelConfigLoader() {
    }

    public static ModelConfig load(Path file) {
        return read(file, FILES);
    }

    /** A config inside the jar, e.g. {@code configs/models/m0.yaml}; null when there is none. */
    static ModelConfig resource(String resource) {
        if (ModelConfigLoader.class.getClassLoader().getResource(resource) == null) {
            return null;
        }
        return read(Path.of(resource), RESOURCES);
    }

    /** Binds and validates a config tree (e.g. one with overrides applied); {@code source} names it in errors. */
    public static ModelConfig fromTree(ObjectNode tree, String source) {
        ModelConfig config = StrictYaml.bind(tree, ModelConfig.class, source);
        List<String> errors = config.validate();
        if (!errors.isEmpty()) {
            throw new ConfigException(source + ": " + String.join("; ", errors));
        }
        return config;
    }

    private static ModelConfig read(Path location, Opener opener) {
        return fromTree(tree(location, opener, new ArrayDeque<>()), location.toString());
    }

    private static ObjectNode tree(Path location, Opener opener, Deque<Path> chain) {
        if (chain.contains(location)) {
            throw new ConfigException(location + ": base configs form a cycle: " + chain);
        }
        ObjectNode obj;
        try (InputStream in = opener.open(location)) {
            if (in == null) {
                throw new ConfigException(chain.isEmpty() ? location + ": no such model config file"
                        : chain.peek() + ": base " + location + " does not exist");
            }
            obj = StrictYaml.readObject(in, location.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read model config " + location, e);
        }
        JsonNode base = obj.remove("base");
        if (base == null) {
            return obj;
        }
        if (!base.isTextual()) {
            throw new ConfigException(location + ": base: expected the path of another model YAML, got " + base);
        }
        chain.push(location);
        ObjectNode merged = tree(location.resolveSibling(base.asText()).normalize(), opener, chain);
        chain.pop();
        merged.remove(NOT_INHERITED);
        StrictYaml.merge(merged, obj);
        return merged;
    }

    public static String toYaml(ModelConfig config) {
        return StrictYaml.toYaml(config);
    }
}
