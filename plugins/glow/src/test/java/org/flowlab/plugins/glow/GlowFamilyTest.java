package org.flowlab.plugins.glow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.flowlab.api.bijector.ActNorm;
import org.flowlab.api.config.InvalidValueException;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.nn.Parameter;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.testkit.FlowChecks;
import org.flowlab.api.testkit.PluginArchitecture;
import org.junit.jupiter.api.Test;

/** The family's config, structure, data-dependent initialisation and sampling temperature. */
class GlowFamilyTest {
  private static final GlowConfig SMALL =
      new GlowConfig(2, 2, 8, List.of(8), null, null, null, null, true);

  private static Flow build(NDManager m, GlowConfig config, Shape shape, long seed) {
    return new GlowFamily().build(config, new BuildContext(shape, ParameterScope.root(m, seed)));
  }

  private static NDArray normal(NDManager m, Shape shape, String purpose) {
    return m.create(Seeds.normal(Seeds.stream(2, purpose), Math.toIntExact(shape.size())), shape);
  }

  @Test
  void defaults() {
    GlowConfig c = GlowConfig.defaults();
    assertEquals(2, c.levels());
    assertEquals(8, c.steps());
    assertEquals(128, c.hiddenChannels());
    assertEquals(List.of(64, 64), c.hidden());
    assertEquals("relu", c.activation());
    assertEquals("lu", c.invconv());
    assertEquals("actnorm", c.couplingNorm());
    assertEquals("learned", c.splitPrior());
    assertFalse(c.learnTop());
  }

  @Test
  void badValuesNameTheirKey() {
    Map<String, Runnable> bad = new LinkedHashMap<>();
    bad.put("levels", () -> new GlowConfig(0, null, null, null, null, null, null, null, null));
    bad.put("steps", () -> new GlowConfig(null, 0, null, null, null, null, null, null, null));
    bad.put(
        "hidden_channels", () -> new GlowConfig(null, null, 0, null, null, null, null, null, null));
    bad.put(
        "hidden",
        () -> new GlowConfig(null, null, null, List.of(4, 0), null, null, null, null, null));
    bad.put(
        "activation",
        () -> new GlowConfig(null, null, null, null, "sigmoid", null, null, null, null));
    bad.put("invconv", () -> new GlowConfig(null, null, null, null, null, "qr", null, null, null));
    bad.put(
        "coupling_norm",
        () -> new GlowConfig(null, null, null, null, null, null, "batchnorm", null, null));
    bad.put(
        "split_prior",
        () -> new GlowConfig(null, null, null, null, null, null, null, "mixture", null));
    bad.forEach(
        (key, build) -> {
          InvalidValueException e = assertThrows(InvalidValueException.class, build::run);
          assertEquals(key, e.key());
          assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        });
    assertEquals(
        "invconv: must be one of [lu, plain], got 'qr'",
        assertThrows(
                InvalidValueException.class,
                () -> new GlowConfig(null, null, null, null, null, "qr", null, null, null))
            .getMessage());
  }

  @Test
  void unsupportedShapesGiveAOneLineError() {
    try (NDManager m = NDManager.newBaseManager()) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> build(m, GlowConfig.defaults(), new Shape(1, 6, 6), 1));
      assertTrue(e.getMessage().contains("divisible by 4"), e.getMessage());
      GlowConfig three = new GlowConfig(3, 1, 4, null, null, null, null, null, null);
      e =
          assertThrows(
              IllegalArgumentException.class, () -> build(m, three, new Shape(1, 28, 28), 1));
      assertTrue(e.getMessage().contains("divisible by 8"), e.getMessage());
      assertThrows(
          IllegalArgumentException.class, () -> build(m, GlowConfig.defaults(), new Shape(1), 1));
      assertThrows(
          IllegalArgumentException.class,
          () -> build(m, GlowConfig.defaults(), new Shape(4, 4), 1));
    }
  }

  @Test
  void vectorStepsStartAtTheSigmoidScaleOfEachCoupling() {
    try (NDManager m = NDManager.newBaseManager()) {
      Flow flow = build(m, GlowConfig.defaults(), new Shape(5), 1);
      assertEquals(24, flow.bijectors().size(), "8 × (actnorm, 1×1 conv, coupling)");
      NDArray x = normal(m, new Shape(10, 5), "x");
      float[] logDet = flow.encode(x, LogDetMode.EXACT).logDet().toFloatArray();
      // actnorm and the rotation keep the volume; each coupling scales 3 of 5 dims by sigmoid(2)
      double expected = 8 * 3 * Math.log(1 / (1 + Math.exp(-2)));
      for (float ld : logDet) {
        assertEquals(expected, ld, 1e-4);
      }
    }
  }

  @Test
  void imageFlowHasTwoLevelsAndTheDataShapeAsLatent() {
    try (NDManager m = NDManager.newBaseManager()) {
      Flow flow = build(m, SMALL, new Shape(1, 8, 8), 1);
      assertEquals(new Shape(1, 8, 8), flow.latentShape());
      List<String> names = flow.parameters().stream().map(Parameter::name).toList();
      for (String name :
          List.of(
              "level.0.step.0.actnorm.initialized",
              "level.0.step.1.invconv.log_s",
              "level.0.step.1.invconv.p",
              "level.0.step.1.coupling.net.0.actnorm.initialized",
              "level.0.prior.weight",
              "level.1.step.1.coupling.net.2.weight",
              "top.log_sd")) {
        assertTrue(names.contains(name), name + " in " + names);
      }
      NDArray x = normal(m, new Shape(3, 1, 8, 8), "x");
      NDArray z = flow.encode(x, LogDetMode.EXACT).value();
      assertEquals(x.getShape(), z.getShape());
      assertTrue(FlowChecks.maxAbsDiff(flow.decode(z), x) < 1e-5);
    }
  }

  @Test
  void actnormInitialisedFlagSurvivesACheckpointRoundTrip() {
    try (NDManager m = NDManager.newBaseManager()) {
      Shape shape = new Shape(1, 8, 8);
      Flow trained = build(m, SMALL, shape, 1);
      ActNorm first = (ActNorm) trained.bijectors().get(1);
      assertFalse(first.isInitialized());
      trained.initialize(normal(m, new Shape(32, 1, 8, 8), "batch").mul(3).add(1));
      assertTrue(first.isInitialized());

      Map<String, float[]> saved = new LinkedHashMap<>();
      for (Parameter p : trained.parameters()) {
        saved.put(p.name(), p.value().toFloatArray());
      }
      long flags = saved.keySet().stream().filter(k -> k.endsWith(".initialized")).count();
      assertEquals(2 * 2 * 3, flags, "per level and step: the step's actnorm and two in its net");
      for (String k : saved.keySet()) {
        if (k.endsWith(".initialized")) {
          assertArrayEquals(new float[] {1f}, saved.get(k), k);
        }
      }

      Flow restored = build(m, SMALL, shape, 2);
      for (Parameter p : restored.parameters()) {
        p.assign(m.create(saved.get(p.name()), p.value().getShape()));
      }
      assertTrue(((ActNorm) restored.bijectors().get(1)).isInitialized());
      // A restored flow is never re-initialised: another first batch changes nothing.
      restored.initialize(normal(m, new Shape(32, 1, 8, 8), "other").mul(5).sub(2));
      for (Parameter p : restored.parameters()) {
        assertArrayEquals(saved.get(p.name()), p.value().toFloatArray(), p.name());
      }
      NDArray x = normal(m, new Shape(4, 1, 8, 8), "x");
      assertArrayEquals(trained.logProb(x).toFloatArray(), restored.logProb(x).toFloatArray());
    }
  }

  @Test
  void samplingTemperatureScalesTheNoiseOfEveryLevel() {
    try (NDManager m = NDManager.newBaseManager()) {
      Shape shape = new Shape(1, 8, 8);
      Flow flow = build(m, SMALL, shape, 1);
      flow.initialize(normal(m, new Shape(32, 1, 8, 8), "batch"));
      FlowChecks.perturb(flow, 4, 0.05);
      NDArray cold = flow.sample(m, 4, 0.0, Seeds.stream(1, "t0"));
      assertEquals(new Shape(4, 1, 8, 8), cold.getShape());
      float[] c = cold.toFloatArray();
      for (int i = 0; i < 64; i++) {
        assertEquals(c[i], c[64 * 3 + i], 1e-6, "T = 0 decodes the latent mode for every sample");
      }
      NDArray warm = flow.sample(m, 4, 0.7, Seeds.stream(1, "t"));
      NDArray hot = flow.sample(m, 4, 1.0, Seeds.stream(1, "t"));
      double warmSpread = FlowChecks.maxAbsDiff(warm, cold);
      double hotSpread = FlowChecks.maxAbsDiff(hot, cold);
      assertTrue(warmSpread > 0 && hotSpread > 0, warmSpread + " " + hotSpread);
      // The same draws at T = 0.7 sit closer to the mode than at T = 1.
      assertTrue(
          warm.sub(cold).square().sum().getFloat() < hot.sub(cold).square().sum().getFloat());
      // Every sample is the decoded latent: encoding it gives back T·ε.
      NDArray z = flow.encode(hot, LogDetMode.EXACT).value();
      assertTrue(Float.isFinite(z.abs().max().getFloat()));
    }
  }

  @Test
  void theExtensionIsIndexedForPf4j() {
    PluginArchitecture.assertIndexed(GlowFamily.class);
    assertEquals("glow", new GlowFamily().name());
  }
}
