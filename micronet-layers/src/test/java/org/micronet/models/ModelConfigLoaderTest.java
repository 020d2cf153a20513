package org.micronet.models;

import org.micronet.config.ConfigException;
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
        ConfigException e = assertThrows(ConfigException.class, () -> Models.graph(Models.load(p), Models.defaults(0)));
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
    void unknownOpsValueListsTheAllowedValues() throws IOException {
        String msg = loadError(m0Variant("classes: 1000", "classes: 1000\nops: fast"));
        assertTrue(msg.contains("ops") && msg.contains("micronet") && msg.contains("dl4j"), msg);
    }

    @Test
    void shortBlockRowIsNamed() throws IOException {
        String msg = loadError(m0Variant("[1,  32, 5, 1, 4,  4,  4,  4,  4, 2, 2, 1, 1]", "[1,  32, 5, 1, 4,  4,  4,  4,  4, 2, 2, 1]"));
        assertTrue(msg.contains("blocks[3]") && msg.contains("needs 13 values") && msg.contains("got 12"), msg);
    }

    @Test
    void groupsThatDoNotDivideNameTheBlockAndValue() throws IOException {
        Path p = m0Variant("[1,  32, 5, 1, 4,  4,  4,  4,  4, 2, 2, 1, 1]", "[1,  32, 5, 1, 4,  3,  4,  4,  4, 2, 2, 1, 1]");
        ConfigException e = assertThrows(ConfigException.class, () -> Models.graph(Models.load(p), Models.defaults(0)));
        assertTrue(e.getMessage().contains("blocks[3] (features.4") && e.getMessage().contains("3 groups")
                && e.getMessage().contains("in 16, out 64"), e.getMessage());
    }

    @Test
    void roundTripsThroughYaml() throws IOException {
        ModelConfig m0 = Models.bundled("m0");
        Path p = dir.resolve("m0-again.yaml");
        Files.writeString(p, ModelConfigLoader.toYaml(m0));
        assertEquals(m0, Models.load(p));
    }

    @Test
    void aConfigOverridesItsBaseKeyByKey() throws IOException {
        Files.writeString(dir.resolve("m0.yaml"), Files.readString(Repo.root().resolve("configs/models/m0.yaml")));
        Path child = dir.resolve("child.yaml");
        Files.writeString(child, "base: m0.yaml\nname: m0-relu\nablation: {activation: relu}\nshiftMax: {k: 1}\n");
        ModelConfig c = Models.load(child);
        ModelConfig m0 = Models.bundled("m0");
        assertEquals("m0-relu", c.name());
        assertEquals(ModelConfig.ActivationKind.RELU, c.ablation().activation());
        assertEquals(1, c.shiftMax().k());
        assertEquals(m0.shiftMax().initA(), c.shiftMax().initA(), "sibling keys of a merged map are kept");
        assertEquals(m0.blocks(), c.blocks());
        assertEquals(null, c.expected(), "exact counts are not inherited");

        Files.writeString(child, "base: nowhere.yaml\n");
        ConfigException e = assertThrows(ConfigException.class, () -> Models.load(child));
        assertTrue(e.getMessage().contains("child.yaml: base") && e.getMessage().contains("nowhere.yaml does not exist"),
                e.getMessage());
    }
}
