package org.flowlab.api.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

/**
 * {@link Scalars#mul} keeps its constant alive for the backward pass. The same loop with DJL's
 * {@code a.mul(-0.5f)} gave gradients of -7.9e6 in 2 of 50 repetitions (the constant's direct
 * buffer was collected and its memory reused between forward and backward).
 */
class ScalarsTest {
  @Test
  void gradientSurvivesGarbageCollectionBetweenForwardAndBackward() {
    try (NDManager m = NDManager.newBaseManager()) {
      for (int rep = 0; rep < 50; rep++) {
        try (NDManager s = m.newSubManager()) {
          NDArray a = s.ones(new Shape(1000));
          a.setRequiresGradient(true);
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray y = Scalars.mul(a, -0.5);
            // Free direct buffers, collect them, and reuse their memory before the backward pass.
            for (int i = 0; i < 200; i++) {
              try (NDArray junk = s.create(new float[] {1e30f, 7f, 3f, 9f})) {
                junk.getFloat(0);
              }
            }
            System.gc();
            for (int i = 0; i < 200; i++) {
              java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(64);
              for (int k = 0; k < 16; k++) {
                b.putFloat(1e30f);
              }
            }
            gc.backward(y.sum());
          }
          assertEquals(-0.5f, a.getGradient().getFloat(0), "repetition " + rep);
        }
      }
    }
  }
}
