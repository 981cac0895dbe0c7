package org.flowlab.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.flowlab.api.nn.Autocast;
import org.flowlab.core.config.ExperimentConfig.TrainingConfig;

/**
 * {@code training.precision} on DJL's PyTorch engine: the {@link Autocast} of a run computing in
 * bfloat16 or float16.
 *
 * <p>Why a TorchScript module: DJL 0.35.1's cast ({@code NDArray.toType}) runs under {@code
 * NoGradGuard}, so no gradient would reach a parameter through it, and its type table has no
 * bfloat16 (asking for one aborts the JVM). The casts come from a three-method TorchScript module
 * ({@code autocast-casts.pt}, made by {@code scripts/make-autocast-casts.py}), run with autograd
 * recording as the thread has it: {@code to_bfloat16}, {@code to_float16}, and {@code forward},
 * back to float32. The module lives on the run's manager and is loaded once per run.
 *
 * <p>Low precision where gradients are recorded, that is the training steps; without recording
 * (validation, test NLL, samples, plots, inverse checks) ops run in float32, so the figures of runs
 * at different precisions compare directly and match the float32 model a checkpoint exports to.
 */
public final class TorchAutocast implements Autocast {
  private static final String MODULE = "autocast-casts.pt";

  private final PtSymbolBlock casts;
  private final NDArray toCompute;

  private TorchAutocast(PtSymbolBlock casts, NDArray toCompute) {
    this.casts = casts;
    this.toCompute = toCompute;
  }

  /**
   * The autocast of {@code precision} (a {@code training.precision} value) for a run on {@code
   * manager}: {@link Autocast#FLOAT32} for float32, so the default runs without a single cast.
   */
  public static Autocast of(String precision, NDManager manager) {
    String method =
        switch (precision) {
          case "float32" -> null;
          case "bfloat16" -> "to_bfloat16";
          case "float16" -> "to_float16";
          default ->
              throw new IllegalArgumentException(
                  "precision must be one of " + TrainingConfig.PRECISIONS + ", got " + precision);
        };
    if (method == null) {
      return Autocast.FLOAT32;
    }
    PtSymbolBlock casts;
    try (InputStream in = TorchAutocast.class.getResourceAsStream(MODULE)) {
      if (in == null) {
        throw new IllegalStateException(MODULE + " is missing from the platform-core jar");
      }
      casts = JniUtils.loadModule((PtNDManager) manager, in, false, false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // IValueUtils.forward picks the module method from an input named "module_method:<name>".
    NDArray selector = manager.zeros(new Shape());
    selector.setName("module_method:" + method);
    return new TorchAutocast(casts, selector);
  }

  @Override
  public NDArray apply(Op op, NDArray... inputs) {
    if (!JniUtils.isGradMode()) {
      return op.compute(inputs); // evaluation: float32
    }
    NDArray[] cast = new NDArray[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      cast[i] = inputs[i] == null ? null : run(inputs[i], toCompute);
    }
    return run(op.compute(cast), null);
  }

  /** {@code x} through the module's method {@code selector} names (null: forward, to float32). */
  private NDArray run(NDArray x, NDArray selector) {
    // IValueUtils.forward reads structure from input names (a dotted parameter name would make a
    // dict input), so x goes in unnamed.
    String name = x.getName();
    x.setName(null);
    try {
      NDList in = selector == null ? new NDList(x) : new NDList(x, selector);
      return IValueUtils.forward(casts, in, true).singletonOrThrow();
    } finally {
      x.setName(name);
    }
  }
}
