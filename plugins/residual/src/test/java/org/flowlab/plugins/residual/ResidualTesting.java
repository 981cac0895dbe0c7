package org.flowlab.plugins.residual;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.nn.Parameter;

/** Small configs, toy data and a minimal Adam loop shared by the plugin's tests. */
final class ResidualTesting {
  private ResidualTesting() {}

  /** 3 blocks of [16, 16], c = 0.9 (keeps the fixed-point inverses of the density check quick). */
  static ResidualConfig small(String variant, String activation, String roulette) {
    return config(variant, 3, List.of(16, 16), activation, 0.9, roulette, null);
  }

  static ResidualConfig config(
      String variant,
      int blocks,
      List<Integer> hidden,
      String activation,
      Double coeff,
      String roulette,
      Integer inverseMaxIterations) {
    return new ResidualConfig(
        variant,
        blocks,
        hidden,
        activation,
        coeff,
        null,
        null,
        null,
        roulette,
        null,
        null,
        null,
        null,
        null,
        null,
        inverseMaxIterations,
        null);
  }

  /** n points of 8 Gaussians (std 0.1) on the circle of radius 2. */
  static NDArray eightGaussians(NDManager m, int n, SplittableRandom rng) {
    float[] xs = new float[2 * n];
    for (int i = 0; i < n; i++) {
      double angle = rng.nextInt(8) * Math.PI / 4;
      xs[2 * i] = (float) (2 * Math.cos(angle) + 0.1 * rng.nextGaussian());
      xs[2 * i + 1] = (float) (2 * Math.sin(angle) + 0.1 * rng.nextGaussian());
    }
    return m.create(xs, new Shape(n, 2));
  }

  /**
   * Trains {@code flow} by Adam on 8 Gaussians with {@code ESTIMATE} log-dets, the engine reseeded
   * per step as the host does; returns the mean loss of the last 20 steps.
   */
  static double train(Flow flow, NDManager m, int steps, double lr, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    flow.initialize(eightGaussians(m, 512, rng));
    List<Parameter> params = flow.parameters().stream().filter(Parameter::trainable).toList();
    List<float[]> first = new ArrayList<>();
    List<float[]> second = new ArrayList<>();
    for (Parameter p : params) {
      first.add(new float[Math.toIntExact(p.value().size())]);
      second.add(new float[Math.toIntExact(p.value().size())]);
    }
    double tail = 0;
    for (int step = 1; step <= steps; step++) {
      try (NDScope scope = new NDScope()) {
        scope.suppressNotUsedWarning();
        NDArray x = eightGaussians(m, 128, rng);
        Engine.getInstance().setRandomSeed((int) (seed * 1000 + step));
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray loss = flow.logProb(x, LogDetMode.ESTIMATE).value().mean().neg();
          if (step > steps - 20) {
            tail += loss.getFloat() / 20;
          }
          gc.backward(loss);
        }
        for (int i = 0; i < params.size(); i++) {
          NDArray value = params.get(i).value();
          float[] g = value.getGradient().toFloatArray();
          float[] w = value.toFloatArray();
          float[] a = first.get(i);
          float[] b = second.get(i);
          for (int k = 0; k < w.length; k++) {
            a[k] = 0.9f * a[k] + 0.1f * g[k];
            b[k] = 0.999f * b[k] + 0.001f * g[k] * g[k];
            double ah = a[k] / (1 - Math.pow(0.9, step));
            double bh = b[k] / (1 - Math.pow(0.999, step));
            w[k] -= (float) (lr * ah / (Math.sqrt(bh) + 1e-8));
          }
          value.set(w);
          // Cleared in place. getGradient() returns a new wrapper each call, and set(float[]) would
          // point the gradient's storage at a direct buffer only that wrapper keeps alive: once the
          // scope closed it and a GC freed the buffer, the next backward pass accumulated into
          // freed
          // memory (SIGSEGV in ~DifferentiableViewMeta, "corrupted double-linked list").
          JniUtils.zeroGrad((PtNDArray) value);
        }
      }
    }
    return tail;
  }
}
