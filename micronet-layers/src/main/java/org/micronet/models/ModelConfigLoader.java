package org.micronet.models;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads model YAML into {@link ModelConfig}: bound to the typed records only (no arbitrary
 * types), unknown keys rejected, and every error names the file and the key path.
 */
public final class ModelConfigLoader {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private ModelConfigLoader() {
    }

    public static ModelConfig load(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new ModelConfigException(file + ": no such model config file");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read model config " + file, e);
        }
    }

    /** Parses and validates; {@code source} names the file in messages. */
    public static ModelConfig parse(InputStream in, String source) throws IOException {
        ModelConfig config;
        try {
            config = YAML.readValue(in, ModelConfig.class);
        } catch (JsonProcessingException e) {
            throw new ModelConfigException(source + ": " + describe(e), e);
        }
        if (config == null) {
            throw new ModelConfigException(source + ": the file is empty");
        }
        List<String> errors = config.validate();
        if (!errors.isEmpty()) {
            throw new ModelConfigException(source + ": " + String.join("; ", errors));
        }
        return config;
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
