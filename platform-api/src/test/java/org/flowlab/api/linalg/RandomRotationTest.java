package org.flowlab.api.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.flowlab.api.random.Seeds;
import org.junit.jupiter.api.Test;

/** A Haar rotation is orthogonal, has determinant ±1, and is the Q of its Gaussian's QR. */
class RandomRotationTest {
  @Test
  void aRotationIsOrthogonalWithDeterminantPlusOrMinusOne() {
    boolean sawNegative = false;
    for (int draw = 0; draw < 8; draw++) {
      double[][] q = RandomRotation.draw(Seeds.stream(3, "rotation", draw), 6);
      for (int i = 0; i < 6; i++) {
        for (int j = 0; j < 6; j++) {
          double dot = 0;
          for (int k = 0; k < 6; k++) {
            dot += q[k][i] * q[k][j];
          }
          assertEquals(i == j ? 1 : 0, dot, 1e-12, "(QᵀQ)[" + i + "][" + j + "]");
        }
      }
      Lu lu = Lu.of(q);
      assertEquals(0, lu.logAbsDet(), 1e-12, "|det Q| = 1");
      sawNegative |= lu.determinantSign() < 0;
    }
    assertTrue(sawNegative, "Haar rotations of O(6) have det −1 half the time");
  }

  @Test
  void itIsTheQOfTheGaussianWithAPositiveDiagonalR() {
    double[][] q = RandomRotation.draw(Seeds.stream(4, "rotation"), 5);
    float[] g = Seeds.normal(Seeds.stream(4, "rotation"), 25); // the same draws
    for (int i = 0; i < 5; i++) {
      for (int j = 0; j < 5; j++) {
        double r = 0; // R = QᵀG: upper triangular, positive diagonal
        for (int k = 0; k < 5; k++) {
          r += q[k][i] * g[k * 5 + j];
        }
        if (i > j) {
          assertEquals(0, r, 1e-12, "R[" + i + "][" + j + "] below the diagonal");
        } else if (i == j) {
          assertTrue(r > 0, "R[" + i + "][" + i + "] = " + r);
        }
      }
    }
    assertArrayEquals(q[0], RandomRotation.draw(Seeds.stream(4, "rotation"), 5)[0], "seeded");
  }
}
