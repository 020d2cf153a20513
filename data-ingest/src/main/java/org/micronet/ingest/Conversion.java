package org.micronet.ingest;

import java.io.Serializable;

/** An accepted input that needed more than a resize (grey or CMYK to RGB, PNG to JPEG), reported by name. */
public record Conversion(String file, String conversion) implements Serializable {
}
