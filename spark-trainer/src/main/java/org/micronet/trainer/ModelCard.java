package org.micronet.trainer;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * {@code model-card.json} next to an exported model: what it is, what it cost and how well it
 * did, so a model found on HDFS explains itself.
 *
 * @param model      the model config name
 * @param modelConfig the resolved model config, with the keys of its YAML
 * @param classes    class names in output order
 * @param top1       final validation top-1; {@code bestTop1} the best epoch's
 */
public record ModelCard(String model, JsonNode modelConfig, int inputSize, List<String> classes, long params,
                        long madds, long maddsWithFusion, double top1, double top5, double bestTop1, int bestEpoch,
                        String trainData, long trainImages, String valData, long valImages, int epochs,
                        double trainingSeconds, String runDirectory, String version, String createdAt) {
}
