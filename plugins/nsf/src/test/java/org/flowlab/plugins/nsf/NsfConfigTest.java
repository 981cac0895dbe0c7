package org.flowlab.plugins.nsf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.config.InvalidValueException;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.spi.FamilyBuildException;
import org.junit.jupiter.api.Test;

/** Config defaults and one-line errors, the halves, and that a fresh flow is the identity. */
class NsfConfigTest {
  private static NsfConfig withSpline(Integer bins, Double bound, Double width, Double derivative) {
    return new NsfConfig(
        null, null, null, null, null, null, bins, bound, width, null, derivative, null);
  }

  @Test
  void defaults() {
    NsfConfig c = NsfConfig.defaults();
    assertEquals("coupling", c.variant());
    assertEquals(4, c.layers());
    assertEquals(List.of(64, 64), c.hidden());
    assertEquals(8, c.bins());
    assertEquals(5.0, c.tailBound());
    assertEquals(1e-3, c.minBinWidth());
    assertEquals(1e-3, c.minBinHeight());
    assertEquals(1e-3, c.minDerivative());
    assertFalse(c.actnorm());
  }

  @Test
  void badValuesGiveOneLineErrorsNamingTheirKey() {
    InvalidValueException e =
        assertThrows(InvalidValueException.class, () -> withSpline(1, null, null, null));
    assertEquals("bins", e.key());
    e = assertThrows(InvalidValueException.class, () -> withSpline(null, -1.0, null, null));
    assertEquals("tail_bound", e.key());
    e = assertThrows(InvalidValueException.class, () -> withSpline(8, null, 0.125, null));
    assertEquals("min_bin_width", e.key());
    assertEquals("min_bin_width: must be below 0.125, got 0.125", e.getMessage());
    e = assertThrows(InvalidValueException.class, () -> withSpline(null, null, null, 1.0));
    assertEquals("min_derivative", e.key());
    e =
        assertThrows(
            InvalidValueException.class,
            () ->
                new NsfConfig(
                    "affine", null, null, null, null, null, null, null, null, null, null, null));
    assertEquals("variant", e.key());
    assertTrue(e.getMessage().startsWith("variant: must be one of ["), e.getMessage());
    e =
        assertThrows(
            InvalidValueException.class,
            () ->
                new NsfConfig(
                    "autoregressive",
                    null,
                    List.of(),
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null));
    assertEquals("hidden", e.key());
  }

  @Test
  void imagesNeedTheCouplingVariantAndDivisibleSides() {
    NsfConfig ar =
        new NsfConfig(
            "autoregressive", null, null, null, null, null, null, null, null, null, null, null);
    try (NDManager m = NDManager.newBaseManager()) {
      FamilyBuildException e =
          assertThrows(
              FamilyBuildException.class,
              () ->
                  new NsfFamily()
                      .build(ar, new BuildContext(new Shape(1, 4, 4), ParameterScope.root(m, 1))));
      assertEquals("variant", e.key());
      NsfConfig threeLevels =
          new NsfConfig(null, null, null, null, 3, null, null, null, null, null, null, null);
      e =
          assertThrows(
              FamilyBuildException.class,
              () ->
                  new NsfFamily()
                      .build(
                          threeLevels,
                          new BuildContext(new Shape(1, 4, 4), ParameterScope.root(m, 1))));
      assertEquals("levels", e.key());
    }
  }

  @Test
  void halvesAlternateAndCoverOddSizes() {
    assertArrayEquals(new float[] {1, 1, 0}, NsfFamily.halfMask(3, false));
    assertArrayEquals(new float[] {0, 0, 1}, NsfFamily.halfMask(3, true));
  }

  @Test
  void freshFlowsAreTheIdentityForBothVariantsAndImages() {
    try (NDManager m = NDManager.newBaseManager()) {
      for (String variant : List.of("coupling", "autoregressive")) {
        for (Shape shape : List.of(new Shape(3), new Shape(2, 4, 4))) {
          if (variant.equals("autoregressive") && shape.dimension() == 3) {
            continue;
          }
          NsfConfig c =
              new NsfConfig(variant, 3, List.of(8), 4, 2, null, null, 2.0, null, null, null, null);
          Flow flow = new NsfFamily().build(c, new BuildContext(shape, ParameterScope.root(m, 1)));
          NDArray x = m.randomNormal(new Shape(16).addAll(shape)).mul(m.create(2f));
          Transformed t = flow.encode(x, LogDetMode.EXACT);
          float[] z = t.value().reshape(16, -1).toFloatArray();
          float[] expected = x.reshape(16, -1).toFloatArray();
          if (shape.dimension() == 1) {
            assertArrayEquals(expected, z, 1e-5f, variant + " " + shape);
          }
          for (float logDet : t.logDet().toFloatArray()) {
            assertEquals(0, logDet, 1e-4, variant + " " + shape + " log-det");
          }
        }
      }
    }
  }
}
