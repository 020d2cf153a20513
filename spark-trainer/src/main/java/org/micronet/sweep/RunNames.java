package org.micronet.sweep;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Directory names of sweep runs, e.g. {@code activation=relu+j=2}: each varied key by its last
 * segment (the whole key when two axes share it), each value by its letters, digits, dots and
 * dashes (a model path by its file name). Safe on local disks, HDFS and object stores ('+'
 * separates pairs because Hadoop input paths split on commas); over 100 characters, the name
 * is cut and a hash of the whole appended, so it stays unique.
 */
public final class RunNames {
    static final String BASE = "base";
    private static final int MAX = 100;

    private RunNames() {
    }

    public static String of(Map<String, JsonNode> values, List<String> axisKeys) {
        if (values.isEmpty()) {
            return BASE;
        }
        StringJoiner name = new StringJoiner("+");
        values.forEach((key, value) -> name.add(shortKey(key, axisKeys) + "=" + value(value)));
        String full = name.toString();
        return full.length() <= MAX ? full : full.substring(0, MAX - 9) + "~" + hash(full);
    }

    private static String shortKey(String key, List<String> axisKeys) {
        String last = last(key);
        long sharing = axisKeys.stream().filter(k -> last(k).equals(last)).count();
        return sharing > 1 ? key : last;
    }

    private static String last(String key) {
        return key.substring(key.lastIndexOf('.') + 1);
    }

    private static String value(JsonNode v) {
        if (v.isArray() || v.isObject()) {
            StringJoiner parts = new StringJoiner("-");
            v.elements().forEachRemaining(e -> parts.add(value(e)));
            return parts.length() == 0 ? "empty" : parts.toString();
        }
        String text = v.isNull() ? "null" : v.asText();
        if (text.endsWith(".yaml") || text.endsWith(".yml")) {
            text = text.substring(text.lastIndexOf('/') + 1).replaceFirst("\\.ya?ml$", "");
        }
        String safe = text.replaceAll("[^A-Za-z0-9._-]+", "-");
        return safe.isEmpty() || safe.startsWith(".") ? "v" + safe : safe;
    }

    private static String hash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
