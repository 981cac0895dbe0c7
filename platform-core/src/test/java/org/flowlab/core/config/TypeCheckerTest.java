package org.flowlab.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import org.flowlab.api.config.Require;
import org.junit.jupiter.api.Test;

/** The checker on its own, and the binding of record shapes a family might use. */
class TypeCheckerTest {
  /** A params record with primitives, an enum, nested records and a map. */
  record Shapes(int depth, Kind kind, List<Block> blocks, Map<String, Integer> sizes) {
    Shapes {
      Require.atLeast("depth", depth, 1);
    }
  }

  enum Kind {
    AFFINE,
    ADDITIVE
  }

  record Block(int width) {
    Block {
      Require.atLeast("width", width, 1);
    }
  }

  record Rate(Double lr) {}

  private static ConfigException bindError(String paramsYaml) {
    LoadedConfig loaded = load(paramsYaml);
    return assertThrows(ConfigException.class, () -> loaded.bindParams(Shapes.class));
  }

  private static LoadedConfig load(String paramsYaml) {
    return ConfigLoader.parse(
        "name: a\ndata: {name: moons}\nmodel:\n  family: x\n  params:\n" + paramsYaml,
        "t.yaml",
        List.of());
  }

  @Test
  void plainNumericScalarIsANumberButQuotedIsNot() {
    Locations index = new Locations("t:1:1");
    ObjectNode plain = JsonNodeFactory.instance.objectNode().put("lr", "1e-3");
    index.markPlain("lr");
    new TypeChecker(index).checkRecord(plain, Rate.class, "");
    assertEquals(1e-3, plain.get("lr").doubleValue());
    assertTrue(plain.get("lr").isDouble());

    ObjectNode quoted = JsonNodeFactory.instance.objectNode().put("lr", "1e-3");
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> new TypeChecker(new Locations("t:1:1")).checkRecord(quoted, Rate.class, ""));
    assertEquals("t:1:1: lr: expected a number, got a string '1e-3'", e.getMessage());

    ObjectNode word = JsonNodeFactory.instance.objectNode().put("lr", "abc");
    index.markPlain("lr");
    assertThrows(
        ConfigException.class, () -> new TypeChecker(index).checkRecord(word, Rate.class, ""));
  }

  @Test
  void bindsPrimitivesEnumsNestedRecordsAndMaps() {
    LoadedConfig loaded =
        load(
            "    depth: 2\n    kind: additive\n    blocks: [{width: 3}, {width: 4}]\n"
                + "    sizes: {a: 1}\n");
    Shapes s = loaded.bindParams(Shapes.class);
    assertEquals(
        new Shapes(2, Kind.ADDITIVE, List.of(new Block(3), new Block(4)), Map.of("a", 1)), s);
    assertTrue(loaded.resolvedYaml().contains("kind: ADDITIVE"), loaded.resolvedYaml());
  }

  @Test
  void missingPrimitiveIsRequiredAtItsParent() {
    assertEquals(
        "t.yaml:5:3: model.params.depth: is required",
        bindError("    kind: affine\n").getMessage());
  }

  @Test
  void nestedRecordErrorsNameTheElement() {
    assertEquals(
        "t.yaml:7:27: model.params.blocks[1].width: must be >= 1, got 0",
        bindError("    depth: 1\n    blocks: [{width: 2}, {width: 0}]\n").getMessage());
  }

  @Test
  void enumChoicesAreListedWithTheClosest() {
    assertEquals(
        "t.yaml:7:5: model.params.kind: must be one of [affine, additive], got a string 'afine'"
            + " (did you mean 'affine'?)",
        bindError("    depth: 1\n    kind: afine\n").getMessage());
  }

  @Test
  void mapValuesAreChecked() {
    assertEquals(
        "t.yaml:7:19: model.params.sizes.b: expected a whole number, got a string 'x'",
        bindError("    depth: 1\n    sizes: {a: 1, b: x}\n").getMessage());
  }

  @Test
  void editDistanceCountsTranspositionsAsOne() {
    assertEquals(1, TypeChecker.Suggest.distance("optimzier", "optimizer"));
    assertEquals(1, TypeChecker.Suggest.distance("batch_sizee", "batch_size"));
    assertEquals(
        "batch_size", TypeChecker.Suggest.closest("batchSize", List.of("batch_size", "steps")));
    assertEquals(null, TypeChecker.Suggest.closest("xyz", List.of("batch_size", "steps")));
  }
}
