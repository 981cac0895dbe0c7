package org.flowlab.api.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.bijector.ActNorm;
import org.flowlab.api.bijector.Autoregressive;
import org.flowlab.api.config.InvalidValueException;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.Parameter;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.spi.FlowFamily;

/**
 * Checks shared by the families built on {@link Autoregressive#stack} (MAF and IAF): config errors,
 * the layer structure with actnorm, the identity start and the flattening of images.
 */
public final class AutoregressiveFamilyChecks {
  private AutoregressiveFamilyChecks() {}

  /**
   * Each config constructor in {@code bad} throws an {@link InvalidValueException} for the key at
   * the same index of {@code keys}, in one line that starts with that key.
   */
  public static void assertOneLineErrorsNamingTheirKeys(List<Runnable> bad, List<String> keys) {
    assertEquals(keys.size(), bad.size(), "one key per bad config");
    for (int i = 0; i < bad.size(); i++) {
      InvalidValueException e = assertThrows(InvalidValueException.class, bad.get(i)::run);
      assertEquals(keys.get(i), e.key());
      assertTrue(e.getMessage().startsWith(keys.get(i) + ": "), e.getMessage());
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
  }

  /**
   * {@code config} (3 layers with actnorm and identity init, on vectors of 4) builds an actnorm
   * before each autoregressive layer of {@code direction}, each inverted in 4 passes, with
   * parameters named {@code layer.K.made.*} and {@code actnorm.K.*}; and the fresh flow maps data
   * to the same latent with log-det 0 (zero MADE outputs).
   */
  public static <C> void assertActnormLayersStartingAsTheIdentity(
      FlowFamily<C> family, C config, Autoregressive.Direction direction) {
    try (NDManager m = NDManager.newBaseManager()) {
      Flow flow = family.build(config, new BuildContext(new Shape(4), ParameterScope.root(m, 1)));
      assertEquals(6, flow.bijectors().size());
      for (int k = 0; k < 3; k++) {
        assertInstanceOf(ActNorm.class, flow.bijectors().get(2 * k));
        Autoregressive layer =
            assertInstanceOf(Autoregressive.class, flow.bijectors().get(2 * k + 1));
        assertEquals(direction, layer.direction());
        assertEquals(4, layer.made().inversePasses());
      }
      List<String> names = flow.parameters().stream().map(Parameter::name).toList();
      assertTrue(names.contains("layer.2.made.1.weight"), names.toString());
      assertTrue(names.contains("actnorm.0.log_scale"), names.toString());
      NDArray x = m.create(Seeds.normal(Seeds.stream(1, "x"), 40), new Shape(10, 4));
      Transformed t = flow.encode(x, LogDetMode.EXACT);
      assertArrayEquals(x.toFloatArray(), t.value().toFloatArray(), "zero MADE outputs: identity");
      assertArrayEquals(new float[10], t.logDet().toFloatArray());
    }
  }

  /**
   * {@code config} builds on an image (1, 2, 3), flattened inside and keeping its shape outside,
   * and refuses other shapes (a 1-vector, a matrix, a one-pixel image) with a message naming them.
   */
  public static <C> void assertImagesFlattenedAndOtherShapesRejected(
      FlowFamily<C> family, C config) {
    try (NDManager m = NDManager.newBaseManager()) {
      Flow flow =
          family.build(config, new BuildContext(new Shape(1, 2, 3), ParameterScope.root(m, 1)));
      assertEquals(new Shape(1, 2, 3), flow.latentShape());
      for (Shape bad : List.of(new Shape(1), new Shape(4, 4), new Shape(1, 1, 1))) {
        IllegalArgumentException e =
            assertThrows(
                IllegalArgumentException.class,
                () -> family.build(config, new BuildContext(bad, ParameterScope.root(m, 1))));
        assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
      }
    }
  }
}
