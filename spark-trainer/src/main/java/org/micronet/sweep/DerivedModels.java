package org.micronet.sweep;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.micronet.config.StrictYaml;
import org.micronet.models.ModelConfig;
import org.micronet.models.ModelConfigLoader;
import org.micronet.models.Models;

import java.util.Map;

/**
 * A run's model with {@code model.*} overrides applied: the run's model config (a path or a
 * bundled name) as a tree, each key set, then bound and validated as any model YAML. Ablation
 * and DY-Shift-Max keys have short aliases ({@code model.activation} is
 * {@code model.ablation.activation}, {@code model.j} is {@code model.shiftMax.j}). The base's
 * {@code expected} counts and {@code paper} figures describe another model, so they are dropped.
 */
public final class DerivedModels {
    /** The key prefix that sends an override to the model config instead of the run config. */
    public static final String PREFIX = "model.";
    private static final Map<String, String> ALIASES = Map.ofEntries(
            Map.entry("activation", "ablation.activation"), Map.entry("positions", "ablation.positions"),
            Map.entry("groups", "ablation.groups"), Map.entry("lambda", "ablation.lambda"),
            Map.entry("lite", "ablation.lite"), Map.entry("depthwise", "ablation.depthwise"),
            Map.entry("j", "shiftMax.j"), Map.entry("k", "shiftMax.k"), Map.entry("reduction", "shiftMax.reduction"),
            Map.entry("actMax", "shiftMax.actMax"));

    private DerivedModels() {
    }

    /**
     * @param model     the run's {@code model} value
     * @param overrides model keys (without {@code model.}) and YAML values
     * @param label     names the derived model (appended to the base's name) and errors
     */
    public static ModelConfig derive(String model, Map<String, String> overrides, String label) {
        ObjectNode tree = StrictYaml.toTree(Models.resolve(model));
        tree.remove("expected");
        tree.remove("paper");
        overrides.forEach((key, value) -> StrictYaml.set(tree, ALIASES.getOrDefault(key, key), value));
        tree.put("name", tree.path("name").asText() + "[" + label + "]");
        return ModelConfigLoader.fromTree(tree, "model " + model + " with " + label);
    }
}
