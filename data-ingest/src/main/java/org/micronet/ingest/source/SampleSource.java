package org.micronet.ingest.source;

import java.io.IOException;

/** An input dataset: lists (key, location, label) for every sample, read later through {@link SampleRef#read}. */
public interface SampleSource {
    SourceListing list() throws IOException;
}
