package org.micronet.sweep;

import java.util.Map;

/**
 * One run in a sweep's summary; numbers are null where the run has not produced them yet.
 * Accuracies are fractions (top-1 and top-5 of the validation split); {@code madds} counts DY-Shift-Max's fusion, as the paper does.
 *
 * @param folder     the run directory (URI)
 * @param status     finished, failed, incomplete (started, not finished) or pending
 * @param values     the run's axis values (YAML text)
 * @param epochs     epochs finished
 * @param paperTop1  the paper's top-1 (%) for the run's model config, when it names one
 */
public record SummaryRow(String run, String folder, String status, Map<String, String> values, String model, Long params, Long madds,
                         Double bestTop1, Double bestTop5, Double finalTop1, Double finalTop5, Integer epochs,
                         Double imagesPerSec, Double wallSeconds, Double latencyMs, Double paperTop1, String error) {
}
