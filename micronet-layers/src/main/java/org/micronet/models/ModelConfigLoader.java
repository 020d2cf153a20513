package org.micronet.models;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

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
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
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

    private static ModelConfig read(Path location, Opener opener) {
        ObjectNode tree = tree(location, opener, new ArrayDeque<>());
        ModelConfig config;
        try {
            config = YAML.treeToValue(tree, ModelConfig.class);
        } catch (JsonProcessingException e) {
            throw new ModelConfigException(location + ": " + describe(e), e);
        }
        List<String> errors = config.validate();
        if (!errors.isEmpty()) {
            throw new ModelConfigException(location + ": " + String.join("; ", errors));
        }
        return config;
    }

    private static ObjectNode tree(Path location, Opener opener, Deque<Path> chain) {
        if (chain.contains(location)) {
            throw new ModelConfigException(location + ": base configs form a cycle: " + chain);
        }
        JsonNode node;
        try (InputStream in = opener.open(location)) {
            if (in == null) {
                throw new ModelConfigException(chain.isEmpty() ? location + ": no such model config file"
                        : chain.peek() + ": base " + location + " does not exist");
            }
            node = YAML.readTree(in);
        } catch (JsonProcessingException e) {
            throw new ModelConfigException(location + ": " + describe(e), e);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read model config " + location, e);
        }
        if (node == null || node.isMissingNode() || node.isNull()) {
            throw new ModelConfigException(location + ": the file is empty");
        }
        if (!(node instanceof ObjectNode obj)) {
            throw new ModelConfigException(location + ": expected a mapping of keys at the top level");
        }
        JsonNode base = obj.remove("base");
        if (base == null) {
            return obj;
        }
        if (!base.isTextual()) {
            throw new ModelConfigException(location + ": base: expected the path of another model YAML, got " + base);
        }
        chain.push(location);
        Path parentPath = location.resolveSibling(base.asText()).normalize();
        ObjectNode merged = tree(parentPath, opener, chain);
        chain.pop();
        merged.remove(NOT_INHERITED);
        merge(merged, obj);
        return merged;
    }

    private static void merge(ObjectNode into, ObjectNode from) {
        from.fields().forEachRemaining(e -> {
            JsonNode existing = into.get(e.getKey());
            if (existing instanceof ObjectNode target && e.getValue() instanceof ObjectNode source) {
                merge(target, source);
            } else {
                into.set(e.getKey(), e.getValue());
            }
        });
    }

    public static String toYaml(ModelConfig config) {
        try {
            return YAML.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String describe(JsonProcessingException e) {
        String at = "";
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            List<JsonMappingException.Reference> path = m.getPath();
            if (e instanceof UnrecognizedPropertyException) {
                path = path.subList(0, path.size() - 1);  // the unknown key itself is named below
            }
            at = path.isEmpty() ? "" : path.stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[") + ": ";
        }
        if (e instanceof UnrecognizedPropertyException u) {
            return at + "unknown key '" + u.getPropertyName() + "' (allowed: "
                    + u.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", ")) + ")";
        }
        String line = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
        return at + e.getOriginalMessage() + line;
    }
}
