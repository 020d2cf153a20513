package org.micronet.models;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.micronet.testing.Repo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad model configs fail at load with a message naming the file, the key or block, and the value. */
class ModelConfigLoaderTest {
    @TempDir
    Path dir;

    private Path m0Variant(String from, String to) throws IOException {
        String yaml = Files.readString(Repo.root().resolve("configs/models/m0.yaml"));
        assertTrue(yaml.contains(from), "fixture text '" + from + "' not in m0.yaml");
        Path p = dir.resolve("variant.yaml");
        Files.writeString(p, yaml.replace(from, to));
        return p;
    }

    private String loadError(Path p) {
        ModelConfigException e = assertThrows(ModelConfigException.class, () -> Models.graph(Models.load(p), Models.defaults(0)));
        assertTrue(e.getMessage().contains(p.toString()) || e.getMessage().startsWith("blocks["), e.getMessage());
        return e.getMessage();
    }

    @Test
    void unknownKeyIsNamedWithTheAllowedOnes() throws IOException {
        String msg = loadError(m0Variant("dropout: 0.05", "dropuot: 0.05"));
        assertTrue(msg.contains("head: unknown key 'dropuot' (allowed: dropout, width)"), msg);
    }

    @Test
    void wrongTypeNamesTheKey() throws IOException {
        String msg = loadError(m0Variant("width: 640", "width: wide"));
        assertTrue(msg.contains("head.width"), msg);
    }

    @Test
    void badEnumValueListsTheAllowedValues() throws IOException {
        String msg = loadError(m0Variant("architecture: micronet", "architecture: resnet"));
        assertTrue(msg.contains("architecture") && msg.contains("micronet") && msg.contains("mobilenetv3_small"), msg);
    }

    @Test
    void shortBlockRowIsNamed() throws IOException {
        String msg = loadError(m0Variant("[1,  32, 5, 1, 4,  4,  4,  4,  4, 2, 2, 1, 1]", "[1,  32, 5, 1, 4,  4,  4,  4,  4, 2, 2, 1]"));
        assertTrue(msg.contains("blocks[3]") && msg.contains("needs 13 values") && msg.contains("got 12"), msg);
    }

    @Test
    void groupsThatDoNotDivideNameTheBlockAndValue() throws IOException {
        Path p = m0Variant("[1,  32, 5, 1, 4,  4,  4,  4,  4, 2, 2, 1, 1]", "[1,  32, 5, 1, 4,  3,  4,  4,  4, 2, 2, 1, 1]");
        ModelConfigException e = assertThrows(ModelConfigException.class, () -> Models.graph(Models.load(p), Models.defaults(0)));
        assertTrue(e.getMessage().contains("blocks[3] (features.4") && e.getMessage().contains("3 groups")
                && e.getMessage().contains("in 16, out 64"), e.getMessage());
    }

    @Test
    void roundTripsThroughYaml() {
        ModelConfig m0 = Models.bundled("m0");
        ModelConfig again = assertDoesNotThrowParse(ModelConfigLoader.toYaml(m0));
        assertEquals(m0, again);
    }

    private static ModelConfig assertDoesNotThrowParse(String yaml) {
        try {
            return ModelConfigLoader.parse(new java.io.ByteArrayInputStream(yaml.getBytes()), "round-trip");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
