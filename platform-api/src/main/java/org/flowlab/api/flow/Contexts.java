package org.flowlab.api.flow;

import ai.djl.ndarray.NDArray;
import org.flowlab.api.onnx.OnnxExportException;
import org.flowlab.api.onnx.OnnxTensor;

/**
 * Checks and plumbing for the context of conditional flows: the one-line refusals when a context is
 * missing, misshapen or not wanted, in the JVM passes and in the ONNX emissions.
 */
public final class Contexts {
  private Contexts() {}

  /**
   * Throws when {@code ok} is false: {@code bijector} was given a context it cannot use.
   *
   * @throws IllegalArgumentException naming the bijector's class
   */
  public static void refuseUnless(boolean ok, Object bijector) {
    if (!ok) {
      throw new IllegalArgumentException(
          bijector.getClass().getSimpleName()
              + " takes no context (it has no conditioner that reads one)");
    }
  }

  /**
   * Checks that a conditional bijector got a context of {@code contextDim} features for a batch of
   * {@code batch}.
   *
   * @throws IllegalArgumentException when the context is missing or has another shape
   */
  public static NDArray require(NDArray context, int contextDim, long batch, Object bijector) {
    String who = bijector.getClass().getSimpleName();
    if (context == null) {
      throw new IllegalArgumentException(
          who + " was built for a context of " + contextDim + " features, and none was given");
    }
    var shape = context.getShape();
    if (shape.dimension() != 2 || shape.get(1) != contextDim || shape.get(0) != batch) {
      throw new IllegalArgumentException(
          who + " needs a context of shape (" + batch + ", " + contextDim + "), got " + shape);
    }
    return context;
  }

  /**
   * The context a bijector reading {@code contextDim} features (0: none) was given for {@code
   * batch}, checked: null for an unconditional bijector given none, the context for a conditional
   * one given the right shape.
   *
   * @throws IllegalArgumentException when the context is missing, unwanted or misshapen
   */
  public static NDArray checked(NDArray context, int contextDim, NDArray batch, Object bijector) {
    if (contextDim == 0) {
      refuseUnless(context == null, bijector);
      return null;
    }
    return require(context, contextDim, batch.getShape().get(0), bijector);
  }

  /**
   * The context input handed to the emission of a bijector reading {@code contextDim} features (0:
   * none), checked: null for an unconditional bijector given none, the context input for a
   * conditional one given it.
   *
   * @throws OnnxExportException when the context input is missing, or given to a bijector that
   *     reads none
   */
  public static OnnxTensor emitted(OnnxTensor context, int contextDim, Object bijector) {
    String who = bijector.getClass().getSimpleName();
    if (contextDim == 0 && context != null) {
      throw new OnnxExportException(who + " takes no context");
    }
    if (contextDim > 0 && context == null) {
      throw new OnnxExportException(
          who
              + " was built for a context of "
              + contextDim
              + " features and needs the context input");
    }
    return context;
  }
}
