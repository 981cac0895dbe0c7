package org.flowlab.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The normal mass the checkerboard's density is built from, against known values of Φ. */
class ToyDensitiesTest {
  private static void assertRelative(double expected, double actual) {
    assertEquals(expected, actual, 1e-12 * Math.abs(expected), "Φ(b) − Φ(a)");
  }

  @Test
  void normalMassMatchesKnownValuesInTheMiddleAndBothTails() {
    // Φ(1) − Φ(−1) = erf(1/√2); Φ(1) − Φ(0) its half.
    assertRelative(0.6826894921370859, ToyDensities.normalMass(-1, 1));
    assertRelative(0.3413447460685429, ToyDensities.normalMass(0, 1));
    // Φ(6) − Φ(5) = Φ(−5) − Φ(−6) = 2.866515718791939e−7 − 9.865876450376946e−10.
    assertRelative(2.8566498423415621e-7, ToyDensities.normalMass(5, 6));
    assertRelative(2.8566498423415621e-7, ToyDensities.normalMass(-6, -5));
    // Φ(−8) − Φ(−9) = 6.220960574271784e−16 − 1.128588405953094e−19: no cancellation to zero.
    assertRelative(6.2198319858658309e-16, ToyDensities.normalMass(8, 9));
  }
}
