package org.flowlab.plugins.realnvp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.bijector.ActNorm;
import org.flowlab.api.bijector.Coupling;
import org.flowlab.api.bijector.FactorOut;
import org.flowlab.api.bijector.Squeeze;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.Parameter;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.spi.BuildContext;
import org.junit.jupiter.api.Test;

/** The image model: masks, the multi-scale layout and its shape bookkeeping, scale checks. */
class RealNvpImageTest {
  private static Flow build(NDManager m, RealNvpConfig config, Shape shape) {
    return new RealNvpFamily().build(config, new BuildContext(shape, ParameterScope.root(m, 1)));
  }

  @Test
  void checkerboardMasksAlternateOverPixelsAndRepeatPerChannel() {
    float[] odd = ImageMasks.checkerboard(2, 2, 3, false);
    float[] even = ImageMasks.checkerboard(2, 2, 3, true);
    // Channel 0 then channel 1, rows of 3: keep (i, j) with i + j odd.
    assertArrayEquals(new float[] {0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1}, odd);
    for (int i = 0; i < odd.length; i++) {
      assertEquals(1f, odd[i] + even[i], "the flipped mask keeps the other pixels");
    }
    assertArrayEquals(new float[] {0, 1, 0, 1, 0, 1}, ImageMasks.firstChannel(odd, 2, 3));
  }

  @Test
  void channelMasksKeepOneHalfThenTheOther() {
    assertArrayEquals(new float[] {1, 1, 0, 0}, ImageMasks.channels(4, false));
    assertArrayEquals(new float[] {0, 0, 1, 1}, ImageMasks.channels(4, true));
  }

  @Test
  void threeScalesNestTheirFactorOutsAndKeepTheImageShape() {
    try (NDManager m = NDManager.newBaseManager()) {
      Shape shape = new Shape(1, 8, 8);
      RealNvpConfig config = RealNvpConfig.image(3, 1, 4, "relu", "tanh", "actnorm", "normal");
      Flow flow = build(m, config, shape);
      assertEquals(shape, flow.latentShape());
      List<Bijector> top = flow.bijectors();
      // Scale 0: 3 × (actnorm, coupling), squeeze, 3 × (actnorm, coupling), factor-out; unflatten.
      assertEquals(6 + 1 + 6 + 1 + 1, top.size());
      assertTrue(top.get(0) instanceof ActNorm);
      assertTrue(top.get(1) instanceof Coupling);
      assertTrue(top.get(6) instanceof Squeeze);
      FactorOut outer = (FactorOut) top.get(13);
      assertEquals(new Shape(64), outer.outputShape());
      assertTrue(top.get(14) instanceof org.flowlab.api.bijector.Reshape);

      List<String> names = flow.parameters().stream().map(Parameter::name).toList();
      // 3 + 3 couplings at scales 0 and 1, 4 at the last: 16 couplings, each with its actnorm.
      assertEquals(16, names.stream().filter(n -> n.endsWith("coupling.scale_factor")).count());
      assertEquals(16, names.stream().filter(n -> n.endsWith("actnorm.initialized")).count());
      assertTrue(names.contains("scale.0.step.5.coupling.net.block.0.1.weight"), names.toString());
      assertTrue(names.contains("scale.1.step.5.coupling.net.out.weight"), names.toString());
      assertTrue(names.contains("scale.2.step.3.coupling.net.in.bias"), names.toString());
      assertTrue(!names.contains("scale.2.step.4.coupling.net.in.bias"), "4 at the last scale");
      // Channels per scale: 1 → 4 (squeezed), 2 kept → 8 (squeezed), 4 kept at the last scale.
      assertEquals(
          new Shape(1, 1, 1),
          value(flow, "scale.0.step.0.coupling.scale_factor").getShape(),
          "checkerboard at 1×8×8");
      // Channel couplings see only the kept half (plus the border channel) and predict (s, t)
      // for the changed half: 4 squeezed channels → 2 + 1 in, 2·2 out; 8 → 4 + 1 in, 2·4 out.
      assertEquals(
          new Shape(2, 1, 1), value(flow, "scale.0.step.3.coupling.scale_factor").getShape());
      assertEquals(
          new Shape(4, 3, 3, 3), value(flow, "scale.0.step.3.coupling.net.in.weight").getShape());
      assertEquals(
          new Shape(4, 4, 3, 3), value(flow, "scale.0.step.3.coupling.net.out.weight").getShape());
      assertEquals(
          new Shape(2, 1, 1), value(flow, "scale.1.step.0.coupling.scale_factor").getShape());
      assertEquals(
          new Shape(4, 1, 1), value(flow, "scale.1.step.3.coupling.scale_factor").getShape());
      assertEquals(
          new Shape(4, 5, 3, 3), value(flow, "scale.1.step.3.coupling.net.in.weight").getShape());
      // Checkerboard couplings see the masked full image: 2 + 1 in, 2·2 out at 2×4×4.
      assertEquals(
          new Shape(4, 3, 3, 3), value(flow, "scale.1.step.0.coupling.net.in.weight").getShape());
      assertEquals(
          new Shape(4, 4, 3, 3), value(flow, "scale.1.step.0.coupling.net.out.weight").getShape());
      assertEquals(
          new Shape(4, 1, 1), value(flow, "scale.2.step.0.coupling.scale_factor").getShape());

      NDArray x = m.create(Seeds.normal(Seeds.stream(1, "x"), 5 * 64), new Shape(5, 1, 8, 8));
      Transformed t = flow.encode(x, LogDetMode.EXACT);
      assertEquals(new Shape(5, 1, 8, 8), t.value().getShape());
      assertArrayEquals(new float[5], t.logDet().toFloatArray(), "zero-init: volume kept");
      NDArray back = flow.decode(t.value());
      assertEquals(0.0, back.sub(x).abs().max().getFloat(), 1e-6);

      // The latent is a permutation of the pixels at init: the same values, reordered.
      float[] sortedX = x.get(0).flatten().sort().toFloatArray();
      float[] sortedZ = t.value().get(0).flatten().sort().toFloatArray();
      assertArrayEquals(sortedX, sortedZ, 1e-6f);
      assertTrue(
          t.value().sub(x).abs().max().getFloat() > 0.1,
          "squeeze and factor-out reorder the values");
    }
  }

  @Test
  void oneScaleIsFourCheckerboardCouplingsOnTheImage() {
    try (NDManager m = NDManager.newBaseManager()) {
      Flow flow =
          build(
              m, RealNvpConfig.image(1, 1, 4, null, "softclamp", "none", null), new Shape(3, 2, 3));
      assertEquals(4, flow.bijectors().size());
      assertTrue(flow.bijectors().stream().allMatch(b -> b instanceof Coupling));
      assertEquals(new Shape(3, 2, 3), flow.latentShape());
    }
  }

  @Test
  void scalesThatDoNotFitTheImageGiveOneLine() {
    try (NDManager m = NDManager.newBaseManager()) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  build(
                      m,
                      RealNvpConfig.image(3, 1, 4, null, null, null, null),
                      new Shape(1, 28, 28 + 2)));
      assertTrue(e.getMessage().startsWith("scales: 3 scales"), e.getMessage());
      assertTrue(e.getMessage().contains("multiples of 4"), e.getMessage());
      assertTrue(e.getMessage().contains("(1, 28, 30)"), e.getMessage());
      assertTrue(!e.getMessage().contains("\n"));
      // 28 = 4 · 7 fits 3 scales; 2 × 2 leaves one pixel for 2 scales.
      build(m, RealNvpConfig.image(3, 1, 4, null, null, null, null), new Shape(1, 28, 28));
      assertThrows(
          IllegalArgumentException.class,
          () -> build(m, RealNvpConfig.image(2, 1, 4, null, null, null, null), new Shape(1, 2, 2)));
      assertThrows(
          IllegalArgumentException.class,
          () -> build(m, RealNvpConfig.image(1, 1, 4, null, null, null, null), new Shape(1, 1, 1)));
    }
  }

  @Test
  void vectorsIgnoreTheImageKeys() {
    try (NDManager m = NDManager.newBaseManager()) {
      RealNvpConfig plain = RealNvpConfig.vector(3, List.of(8), null, null, null, null, null, null);
      RealNvpConfig withImageKeys =
          new RealNvpConfig(3, List.of(8), null, null, null, null, null, null, 5, 7, 3);
      Flow a = build(m, plain, new Shape(4));
      Flow b = build(m, withImageKeys, new Shape(4));
      assertEquals(
          a.parameters().stream().map(Parameter::name).toList(),
          b.parameters().stream().map(Parameter::name).toList());
      for (int i = 0; i < a.parameters().size(); i++) {
        assertArrayEquals(
            a.parameters().get(i).value().toFloatArray(),
            b.parameters().get(i).value().toFloatArray());
      }
    }
  }

  private static NDArray value(Flow flow, String name) {
    return flow.parameters().stream()
        .filter(p -> p.name().equals(name))
        .findFirst()
        .orElseThrow()
        .value();
  }
}
