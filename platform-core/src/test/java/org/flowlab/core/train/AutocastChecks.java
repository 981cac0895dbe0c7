package org.flowlab.core.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.training.GradientCollector;
import java.util.function.Function;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.nn.ParameterScope;

/**
 * A check a plugin's tests run on a family whose layers do their own matmuls (shipped in
 * platform-core's test-jar): built in bfloat16, its log p differs from the float32 build's while
 * gradients are recorded (so its matmuls were cast) and agrees within a tolerance.
 */
public final class AutocastChecks {
  private AutocastChecks() {}

  /**
   * Builds the flow twice from the same seed, {@code build} given a root scope of float32 and one
   * of bfloat16 on {@code x}'s manager; both are initialised on {@code x}; log p(x) (exact log-det)
   * is computed with gradients recorded.
   *
   * @param tolerance the largest |log p difference| per point, nats
   * @return the largest difference seen
   */
  public static double assertComputesInBfloat16(
      Function<ParameterScope, Flow> build, long seed, NDArray x, double tolerance) {
    var m = x.getManager();
    Flow f32 = build.apply(ParameterScope.root(m, seed));
    Flow bf16 = build.apply(ParameterScope.root(m, seed, null, TorchAutocast.of("bfloat16", m)));
    f32.initialize(x);
    bf16.initialize(x);
    float[] a;
    float[] b;
    try (GradientCollector training = Engine.getInstance().newGradientCollector()) {
      Engine.getInstance().setRandomSeed(1);
      a = f32.logProb(x, LogDetMode.EXACT).value().toFloatArray();
      Engine.getInstance().setRandomSeed(1);
      b = bf16.logProb(x, LogDetMode.EXACT).value().toFloatArray();
    }
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      assertTrue(Float.isFinite(b[i]), "bfloat16 log p is " + b[i] + " at point " + i);
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    assertTrue(worst > 0, "bfloat16 log p equals float32's bit for bit: nothing was cast");
    assertTrue(worst <= tolerance, "bfloat16 log p differs by " + worst + " > " + tolerance);
    return worst;
  }
}
