package org.micronet.config;

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
import java.util.List;
import java.util.stream.Collectors;

/**
 * YAML bound to typed records only (never to arbitrary types): unknown keys are errors, and
 * every error names the source and the key path. Also the tree operations configs share:
 * deep merge (a config over its base) and dotted-key overrides ({@code --set a.b=1}).
 */
public final class StrictYaml {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private StrictYaml() {
    }

    /** The top-level mapping of a YAML document. */
    public static ObjectNode readObject(InputStream in, String source) {
        JsonNode node;
        try {
            node = YAML.readTree(in);
        } catch (JsonProcessingException e) {
            throw new ConfigException(source + ": " + describe(e), e);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + source, e);
        }
        if (node == null || node.isMissingNode() || node.isNull()) {
            throw new ConfigException(source + ": the file is empty");
        }
        if (!(node instanceof ObjectNode obj)) {
            throw new ConfigException(source + ": expected a mapping of keys at the top level");
        }
        return obj;
    }

    public static <T> T bind(ObjectNode tree, Class<T> type, String source) {
        try {
            return YAML.treeToValue(tree, type);
        } catch (JsonProcessingException e) {
            throw new ConfigException(source + ": " + describe(e), e);
        }
    }

    public static String toYaml(Object value) {
        try {
            return YAML.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ObjectNode toTree(Object value) {
        return YAML.valueToTree(value);
    }

    /** Maps merge key by key; anything else in {@code from} replaces what {@code into} has. */
    public static void merge(ObjectNode into, ObjectNode from) {
        from.fields().forEachRemaining(e -> {
            JsonNode existing = into.get(e.getKey());
            if (existing instanceof ObjectNode target && e.getValue() instanceof ObjectNode source) {
                merge(target, source);
            } else {
                into.set(e.getKey(), e.getValue());
            }
        });
    }

    /**
     * Sets {@code a.b.c} to a value written in YAML ({@code 3}, {@code 0.1}, {@code true},
     * {@code [1, 2]}, {@code hdfs://x}), creating the maps on the way.
     */
    public static void set(ObjectNode tree, String dottedKey, String yamlValue) {
        if (dottedKey.isBlank() || dottedKey.startsWith(".") || dottedKey.endsWith(".")) {
            throw new ConfigException("override '" + dottedKey + "': expected a dotted key such as model.head.width");
        }
        JsonNode value;
        try {
            value = yamlValue.isEmpty() ? YAML.nullNode() : YAML.readTree(yamlValue);
        } catch (JsonProcessingException e) {
            throw new ConfigException("override " + dottedKey + "=" + yamlValue + ": not a YAML value: " + e.getOriginalMessage());
        }
        String[] parts = dottedKey.split("\\.");
        ObjectNode node = tree;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode child = node.get(parts[i]);
            if (!(child instanceof ObjectNode)) {
                child = node.putObject(parts[i]);
            }
            node = (ObjectNode) child;
        }
        node.set(parts[parts.length - 1], value);
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
        String line = e.getLocation() == null || e.getLocation().getLineNr() < 0 ? ""
                : " (line " + e.getLocation().getLineNr() + ")";
        return at + e.getOriginalMessage() + line;
    }
}
