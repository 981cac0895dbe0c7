package org.flowlab.plugins.vi;

import ai.djl.ndarray.NDArray;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.onnx.OnnxBijector;
import org.flowlab.api.onnx.OnnxExportException;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.onnx.OnnxTransformed;

/**
 * A layer given in the latent → data direction only: {@link #sampleForward} and {@link #inverse}
 * (latent → data) compute it; {@link #forward} (data → latent) has no closed form and throws, and
 * so does the ONNX emission of that direction.
 */
abstract class SamplingOnlyLayer implements Bijector, OnnxBijector {
  private final String family;

  /**
   * @param family the family name, for the error messages
   */
  SamplingOnlyLayer(String family) {
    this.family = family;
  }

  @Override
  public final Transformed forward(NDArray x, LogDetMode mode) {
    throw new UnsupportedOperationException(
        family
            + " offers the sampling direction only: its latent → data map has no closed-form"
            + " inverse, so there is no data → latent pass (no log-density of given data)");
  }

  /** Latent → data, the map itself without its log-det. */
  @Override
  public final NDArray inverse(NDArray z) {
    return sampleForward(z).value();
  }

  @Override
  public final OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x) {
    throw new OnnxExportException(
        family
            + " offers sampling only: no log_prob model can be exported (its latent → data map has"
            + " no closed-form inverse)");
  }

  @Override
  public abstract Transformed sampleForward(NDArray z);

  /** Emits the latent → data map. */
  @Override
  public abstract OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z);
}
