package org.micronet.bench;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A warm training step on the Fashion-MNIST recipe (momentum SGD on the cosine schedule, L2,
 * dropout) creates no floating-point ND4J buffer outside workspaces, for M0 and M3. DL4J's own
 * updater alone created 30 a step in M0 and 49 in M3, one scalar per run of parameters it
 * divided by the minibatch.
 */
class TrainingStepBuffersTest {
    @ParameterizedTest
    @ValueSource(strings = {"m0", "m3"})
    void aWarmStepOfTheRecipeCreatesNoBuffersOutsideWorkspaces(String model) {
        assertTrue(NativeBuffers.available(), "ND4J's deallocator map is not readable on this ND4J version");
        RecipeStep step = RecipeStep.of(model, 32, 8);
        for (int i = 0; i < 3; i++) {
            step.run();
        }
        Set<Object> before = NativeBuffers.snapshot();
        for (int i = 0; i < 3; i++) {
            step.run();
        }
        assertEquals(new NativeBuffers.Count(0, 0), NativeBuffers.createdSince(before), "buffers created by 3 warm steps of " + model);
    }
}
