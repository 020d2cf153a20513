package org.micronet.ingest.source;

import org.micronet.ingest.Rejection;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything a source found: the samples to ingest, the class index, the inputs rejected before
 * reading a byte (missing or unknown labels), and the train/val consistency findings.
 */
public record SourceListing(Layout layout, ClassIndex classes, List<SampleRef> samples,
                            List<Rejection> rejected, List<String> consistencyNotes) {

    /** Names the classes that a split present in the input has no images of. */
    static List<String> consistency(ClassIndex classes, List<SampleRef> samples) {
        Map<String, boolean[]> seen = new TreeMap<>();
        for (SampleRef s : samples) {
            seen.computeIfAbsent(s.split(), k -> new boolean[classes.size()])[s.label()] = true;
        }
        List<String> notes = new ArrayList<>();
        seen.forEach((split, present) -> {
            List<String> missing = new ArrayList<>();
            for (int c = 0; c < classes.size(); c++) {
                if (!present[c]) missing.add(classes.id(c));
            }
            if (!missing.isEmpty()) {
                notes.add(missing.size() + " of " + classes.size() + " classes have no " + split + " images: "
                        + String.join(", ", missing.subList(0, Math.min(20, missing.size())))
                        + (missing.size() > 20 ? ", ..." : ""));
            }
        });
        return notes;
    }
}
