package org.flowlab.plugins.ffjord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.flowlab.api.bijector.ActNorm;
import org.flowlab.api.config.InvalidValueException;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.Parameter;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.testkit.PluginArchitecture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class FfjordConfigTest {
  /** A config with one key set (by its YAML name), the rest at defaults. */
  private static FfjordConfig with(String key, Object value) {
    Object[] a = new Object[21];
    List<String> keys =
        List.of(
            "blocks",
            "hidden",
            "activation",
            "layer",
            "time_length",
            "train_end_time",
            "solver",
            "atol",
            "rtol",
            "eval_atol",
            "eval_rtol",
            "steps",
            "max_steps",
            "trace",
            "noise",
            "exact_max_dim",
            "actnorm",
            "kinetic_energy",
            "jacobian_norm",
            "scales",
            "kernel");
    a[keys.indexOf(key)] = value;
    return new FfjordConfig(
        (Integer) a[0],
        castList(a[1]),
        (String) a[2],
        (String) a[3],
        (Double) a[4],
        (Boolean) a[5],
        (String) a[6],
        (Double) a[7],
        (Double) a[8],
        (Double) a[9],
        (Double) a[10],
        (Integer) a[11],
        (Integer) a[12],
        (String) a[13],
        (String) a[14],
        (Integer) a[15],
        (Boolean) a[16],
        (Double) a[17],
        (Double) a[18],
        (Integer) a[19],
        (Integer) a[20]);
  }

  @SuppressWarnings("unchecked")
  private static List<Integer> castList(Object o) {
    return (List<Integer>) o;
  }

  private static FfjordConfig with3BlocksActnorm() {
    FfjordConfig a = with("actnorm", true);
    return new FfjordConfig(
        3,
        a.hidden(),
        a.activation(),
        a.layer(),
        a.timeLength(),
        a.trainEndTime(),
        a.solver(),
        a.atol(),
        a.rtol(),
        a.evalAtol(),
        a.evalRtol(),
        a.steps(),
        a.maxSteps(),
        a.trace(),
        a.noise(),
        a.exactMaxDim(),
        true,
        a.kineticEnergy(),
        a.jacobianNorm(),
        a.scales(),
        a.kernel());
  }

  @Test
  void defaults() {
    FfjordConfig c = FfjordConfig.defaults();
    assertEquals(1, c.blocks());
    assertEquals(List.of(64, 64, 64), c.hidden());
    assertEquals("tanh", c.activation());
    assertEquals("concatsquash", c.layer());
    assertEquals(0.5, c.timeLength());
    assertTrue(c.trainEndTime());
    assertEquals("dopri5", c.solver());
    assertEquals(1e-5, c.atol());
    assertEquals(1e-5, c.rtol());
    assertEquals(1e-6, c.evalAtol());
    assertEquals(1e-6, c.evalRtol());
    assertEquals(20, c.steps());
    assertEquals(1000, c.maxSteps());
    assertEquals("hutchinson", c.trace());
    assertEquals("rademacher", c.noise());
    assertEquals(64, c.exactMaxDim());
    assertEquals(false, c.actnorm());
    assertEquals(0.0, c.kineticEnergy());
    assertEquals(0.0, c.jacobianNorm());
    assertEquals(2, c.scales());
    assertEquals(3, c.kernel());
  }

  @Test
  void badValuesNameTheirKey() {
    Map<String, Executable> bad = new LinkedHashMap<>();
    bad.put("blocks", () -> with("blocks", 0));
    bad.put("hidden", () -> with("hidden", List.of(8, 0)));
    bad.put("activation", () -> with("activation", "sigmoid"));
    bad.put("layer", () -> with("layer", "hyper"));
    bad.put("time_length", () -> with("time_length", 0.0));
    bad.put("solver", () -> with("solver", "euler"));
    bad.put("atol", () -> with("atol", -1e-5));
    bad.put("rtol", () -> with("rtol", 1e-12));
    bad.put("eval_atol", () -> with("eval_atol", 0.5));
    bad.put("eval_rtol", () -> with("eval_rtol", 0.0));
    bad.put("steps", () -> with("steps", 0));
    bad.put("max_steps", () -> with("max_steps", 0));
    bad.put("trace", () -> with("trace", "skilling"));
    bad.put("noise", () -> with("noise", "uniform"));
    bad.put("exact_max_dim", () -> with("exact_max_dim", -1));
    bad.put("kinetic_energy", () -> with("kinetic_energy", -0.1));
    bad.put("jacobian_norm", () -> with("jacobian_norm", Double.POSITIVE_INFINITY));
    bad.put("scales", () -> with("scales", 0));
    bad.put("kernel", () -> with("kernel", 4));
    bad.forEach(
        (key, build) -> {
          InvalidValueException e = assertThrows(InvalidValueException.class, build, key);
          assertEquals(key, e.key());
          assertTrue(e.getMessage().startsWith(key + ": "), e.getMessage());
        });
    assertEquals(
        "blocks: must be >= 1, got 0",
        assertThrows(InvalidValueException.class, () -> with("blocks", 0)).getMessage());
    String solver =
        assertThrows(InvalidValueException.class, () -> with("solver", "euler")).getMessage();
    assertTrue(solver.contains("[dopri5, rk4]"), solver);
  }

  @Test
  void stacksBlocksWithActnormAndNamesParameters() {
    try (NDManager m = NDManager.newBaseManager()) {
      Flow flow =
          new FfjordFamily()
              .build(
                  with3BlocksActnorm(), new BuildContext(new Shape(2), ParameterScope.root(m, 1)));
      assertEquals(6, flow.bijectors().size());
      assertTrue(flow.bijectors().get(0) instanceof ActNorm);
      assertTrue(flow.bijectors().get(1) instanceof CnfBlock);
      List<String> names = flow.parameters().stream().map(Parameter::name).toList();
      assertTrue(names.contains("block.2.cnf.end_time_raw"), names.toString());
      assertTrue(names.contains("block.0.cnf.net.3.gate_weight"), names.toString());
      assertTrue(names.contains("block.1.actnorm.initialized"), names.toString());
      Flow fixedT =
          new FfjordFamily()
              .build(
                  with("train_end_time", false),
                  new BuildContext(new Shape(2), ParameterScope.root(m, 1)));
      assertTrue(
          fixedT.parameters().stream()
              .filter(p -> p.name().endsWith("end_time_raw"))
              .noneMatch(Parameter::trainable),
          "a fixed end time is a buffer");
    }
  }

  @Test
  void unfitShapesGiveAOneLineError() {
    try (NDManager m = NDManager.newBaseManager()) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  new FfjordFamily()
                      .build(
                          with("scales", 3),
                          new BuildContext(new Shape(1, 6, 6), ParameterScope.root(m, 1))));
      assertTrue(e.getMessage().startsWith("scales: 3 scales"), e.getMessage());
      assertTrue(e.getMessage().contains("(1, 6, 6)"), e.getMessage());
      IllegalArgumentException matrix =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  new FfjordFamily()
                      .build(
                          FfjordConfig.defaults(),
                          new BuildContext(new Shape(3, 4), ParameterScope.root(m, 1))));
      assertTrue(matrix.getMessage().contains("(3, 4)"), matrix.getMessage());
    }
  }

  @Test
  void theExtensionIsIndexedForPf4j() {
    PluginArchitecture.assertIndexed(FfjordFamily.class);
    assertEquals("ffjord", new FfjordFamily().name());
  }
}
