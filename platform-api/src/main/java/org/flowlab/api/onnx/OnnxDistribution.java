package org.flowlab.api.onnx;

/**
 * A base distribution that writes its log-density and its temperature scaling into an ONNX graph.
 * The {@code sample} model takes standard draws (temperature 1) as input, so that any runtime can
 * feed it noise of the kind {@link #noise()} names.
 */
public interface OnnxDistribution {
  /**
   * Emits the per-sample log-density, summed over every non-batch axis.
   *
   * @return the name of a value of shape {@code (N)}
   */
  String emitLogProb(OnnxGraph graph, OnnxTensor z);

  /**
   * Emits a draw at {@code temperature} from a standard draw {@code (temperature 1)}.
   *
   * @param standard standard draws
   * @param temperature the name of a float scalar
   */
  OnnxTensor emitTemperature(OnnxGraph graph, OnnxTensor standard, String temperature);

  /**
   * The standard noise the {@code sample} model expects: {@code normal} (N(0, 1) per element) or
   * {@code logistic} (logit of a uniform draw).
   */
  String noise();
}
