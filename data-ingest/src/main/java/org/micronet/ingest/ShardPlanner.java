package org.micronet.ingest;

import org.micronet.ingest.source.ClassIndex;
import org.micronet.ingest.source.SampleRef;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Assigns samples to shards before anything is read: per split, sorted by key then shuffled with
 * the seed (so that each shard mixes classes and a shard-level shuffle suffices in training),
 * then cut into shards. The same input and settings always give the same plan, which is what
 * makes resuming safe; the fingerprint detects when they do not.
 */
final class ShardPlanner {
    private ShardPlanner() {
    }

    static List<ShardPlan> plan(List<SampleRef> samples, int shardSize, long seed) {
        Map<String, List<SampleRef>> bySplit = new TreeMap<>();
        for (SampleRef s : samples) {
            bySplit.computeIfAbsent(s.split(), k -> new ArrayList<>()).add(s);
        }
        List<ShardPlan> plans = new ArrayList<>();
        bySplit.forEach((split, list) -> {
            list.sort(Comparator.comparing(SampleRef::key));
            Collections.shuffle(list, new Random(seed * 31 + split.hashCode()));
            for (int start = 0, index = 0; start < list.size(); start += shardSize, index++) {
                plans.add(new ShardPlan(split, index, List.copyOf(list.subList(start, Math.min(list.size(), start + shardSize)))));
            }
        });
        return plans;
    }

    /** Hash of everything that determines the shards' content. */
    static String fingerprint(IngestOptions o, String layout, ClassIndex classes, List<ShardPlan> plans) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            update(sha, o.input + "|" + layout + "|" + o.shortSide + "|" + o.upscale + "|" + o.jpegQuality + "|"
                    + o.shardSize + "|" + o.seed + "|" + String.join(",", classes.ids()));
            for (ShardPlan p : plans) {
                update(sha, p.file());
                for (SampleRef s : p.samples()) {
                    update(sha, s.key() + "|" + s.uri() + "|" + s.offset() + "|" + s.length() + "|" + s.label());
                }
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void update(MessageDigest sha, String s) {
        sha.update(s.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) '\n');
    }
}
