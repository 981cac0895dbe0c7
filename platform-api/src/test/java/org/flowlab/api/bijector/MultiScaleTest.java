package org.flowlab.api.bijector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.distribution.StandardNormal;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Chain;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.linalg.Lu;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.testkit.FlowChecks;
import org.junit.jupiter.api.Test;

/**
 * Squeeze and factor-out, alone, composed into a two-scale flow on (1, 4, 4) images, and {@link
 * MultiScale}'s recursion.
 */
class MultiScaleTest {
  private static NDArray normal(NDManager m, Shape shape, String purpose) {
    return m.create(Seeds.normal(Seeds.stream(3, purpose), Math.toIntExact(shape.size())), shape);
  }

  @Test
  void squeezeMovesEachTwoByTwoPatchIntoChannels() {
    try (NDManager m = NDManager.newBaseManager()) {
      float[] v = new float[16];
      for (int i = 0; i < 16; i++) {
        v[i] = i;
      }
      NDArray x = m.create(v, new Shape(1, 1, 4, 4));
      Squeeze squeeze = new Squeeze(new Shape(1, 4, 4));
      NDArray z = squeeze.forward(x, LogDetMode.EXACT).value();
      assertEquals(new Shape(1, 4, 2, 2), z.getShape());
      // channel 2·i + j holds pixel (2y + i, 2x + j): channel 1 at (0, 1) is pixel (0, 3) = 3
      assertEquals(3f, z.getFloat(0, 1, 0, 1));
      assertEquals(4f, z.getFloat(0, 2, 0, 0)); // pixel (1, 0)
      assertEquals(15f, z.getFloat(0, 3, 1, 1)); // pixel (3, 3)
      assertEquals(0.0, FlowChecks.maxAbsDiff(x, squeeze.inverse(z)));
    }
  }

  @Test
  void squeezeRejectsOddSizes() {
    assertThrows(IllegalArgumentException.class, () -> new Squeeze(new Shape(1, 3, 4)));
    assertThrows(IllegalArgumentException.class, () -> new Squeeze(new Shape(4)));
  }

  /** actnorm → squeeze → factor-out(2 of 4 channels: actnorm → squeeze) → flat latent (16). */
  private static Flow twoScale(NDManager m) {
    ParameterScope root = ParameterScope.root(m, 11);
    Shape image = new Shape(1, 4, 4);
    Squeeze first = new Squeeze(image);
    Shape squeezed = first.outputShape(); // (4, 2, 2)
    Shape kept = new Shape(2, 2, 2);
    Squeeze second = new Squeeze(kept);
    Chain inner = new Chain(List.of(new ActNorm(root.child("inner"), kept), second));
    FactorOut split = new FactorOut(squeezed, 2, inner, second.outputShape());
    return new Flow(
        image,
        split.outputShape(),
        new StandardNormal(),
        List.of(new ActNorm(root.child("outer"), image), first, split),
        root.parameters());
  }

  @Test
  void twoScaleFlowInvertsAndItsLogDetMatchesTheJacobian() {
    try (NDManager m = NDManager.newBaseManager()) {
      Flow flow = twoScale(m);
      flow.initialize(normal(m, new Shape(64, 1, 4, 4), "init").mul(3).add(1));
      NDArray x = normal(m, new Shape(3, 1, 4, 4), "x");
      Transformed t = flow.encode(x, LogDetMode.EXACT);
      assertEquals(new Shape(3, 16), t.value().getShape());
      assertTrue(FlowChecks.maxAbsDiff(x, flow.decode(t.value())) < 1e-5);
      float[] logDet = t.logDet().toFloatArray();
      assertTrue(Math.abs(logDet[0]) > 0.5, "actnorm from a scaled batch changes the volume");
      double[][][] jac = FlowChecks.jacobians(v -> flow.encode(v, LogDetMode.EXACT).value(), x);
      for (int s = 0; s < 3; s++) {
        assertEquals(Lu.logAbsDet(jac[s]), logDet[s], 1e-4);
      }
      NDArray samples = flow.sample(m, 5, 1.0, Seeds.stream(1, "sample"));
      assertEquals(new Shape(5, 1, 4, 4), samples.getShape());
    }
  }

  @Test
  void factorOutChecksItsShapes() {
    Chain none = new Chain(List.of());
    assertThrows(
        IllegalArgumentException.class,
        () -> new FactorOut(new Shape(4, 2, 2), 4, none, new Shape(16)));
    assertThrows(
        IllegalArgumentException.class,
        () -> new FactorOut(new Shape(4, 2, 2), 2, none, new Shape(4)));
  }

  @Test
  void levelsRunStepsAroundEachSqueezeAndFactorOutAllButTheLast() {
    List<String> calls = new ArrayList<>();
    MultiScale.Steps record =
        (level, shape, squeezed, last, out) ->
            calls.add(level + " " + shape + (squeezed ? " squeezed" : "") + (last ? " last" : ""));
    // RealNVP, Residual Flows, FFJORD: the last level only runs its first steps.
    MultiScale.Built built = MultiScale.build(new Shape(1, 4, 4), 2, false, record);
    assertEquals(List.of("0 (1, 4, 4)", "0 (4, 2, 2) squeezed", "1 (2, 2, 2) last"), calls);
    assertEquals(List.of(Squeeze.class, FactorOut.class), classes(built.bijectors()));
    assertEquals(new Shape(16), built.latentShape());
    // Glow, NSF: every level squeezes.
    calls.clear();
    built = MultiScale.build(new Shape(1, 4, 4), 2, true, record);
    assertEquals(
        List.of(
            "0 (1, 4, 4)", "0 (4, 2, 2) squeezed", "1 (2, 2, 2) last", "1 (8, 1, 1) squeezed last"),
        calls);
    assertEquals(new Shape(16), built.latentShape());
    calls.clear();
    built = MultiScale.build(new Shape(1, 4, 4), 1, true, record);
    assertEquals(List.of("0 (1, 4, 4) last", "0 (4, 2, 2) squeezed last"), calls);
    assertEquals(List.of(Squeeze.class), classes(built.bijectors()));
    assertEquals(new Shape(4, 2, 2), built.latentShape());
  }

  private static List<Class<?>> classes(List<Bijector> bijectors) {
    return bijectors.stream().<Class<?>>map(Object::getClass).toList();
  }
}
