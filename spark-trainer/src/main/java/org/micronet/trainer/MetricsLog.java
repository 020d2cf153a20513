package org.micronet.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code metrics.jsonl} (one JSON object per epoch, snake_case keys) and {@code metrics.csv} in
 * the run directory, rewritten whole after each epoch so a reader never sees a partial line.
 */
public final class MetricsLog {
    public static final String JSONL = "metrics.jsonl";
    static final String CSV = "metrics.csv";
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private final RunStore store;

    MetricsLog(RunStore store) {
        this.store = store;
    }

    public List<EpochMetrics> read() throws IOException {
        List<EpochMetrics> all = new ArrayList<>();
        if (store.exists(JSONL)) {
            for (String line : store.readString(JSONL).split("\n")) {
                if (!line.isBlank()) {
                    all.add(JSON.readValue(line, EpochMetrics.class));
                }
            }
        }
        return all;
    }

    /** Keeps the epochs before {@code m.epoch()} (a resumed run may redo one) and appends {@code m}. */
    void append(EpochMetrics m) throws IOException {
        List<EpochMetrics> all = new ArrayList<>(read().stream().filter(e -> e.epoch() < m.epoch()).toList());
        all.add(m);
        StringBuilder jsonl = new StringBuilder();
        StringBuilder csv = new StringBuilder(EpochMetrics.CSV_HEADER).append('\n');
        for (EpochMetrics e : all) {
            jsonl.append(JSON.writeValueAsString(e)).append('\n');
            csv.append(e.csv()).append('\n');
        }
        store.writeString(JSONL, jsonl.toString());
        store.writeString(CSV, csv.toString());
    }

    static String json(Object value) throws IOException {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value);
    }

    static <T> T parse(String json, Class<T> type) throws IOException {
        return JSON.readValue(json, type);
    }
}
