package org.micronet.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import org.micronet.ingest.loader.Preprocessing;

import java.io.Serializable;
import java.util.List;

/**
 * {@code model-card.json} next to an exported model: what it is, what it cost and how well it
 * did, so a model found on HDFS explains itself, and how to feed it.
 *
 * @param model         the model config name
 * @param modelConfig   the resolved model config, with the keys of its YAML
 * @param classes       class names in output order
 * @param top1          final validation top-1; {@code bestTop1} the best epoch's
 * @param classIds      class ids (ILSVRC wnids) in output order
 * @param preprocessing what validation did to an image, for every consumer to do the same; null
 *                      in cards written before it was recorded, which predict, evaluate and score refuse
 */
public record ModelCard(String model, JsonNode modelConfig, int inputSize, List<String> classes, long params,
                        long madds, long maddsWithFusion, double top1, double top5, double bestTop1, int bestEpoch,
                        String trainData, long trainImages, String valData, long valImages, int epochs,
                        double trainingSeconds, String runDirectory, String version, String createdAt,
                        List<String> classIds, Preprocessing preprocessing) implements Serializable {
}
