package org.flowlab.core.vae;

import ai.djl.ndarray.types.Shape;
import org.flowlab.api.distribution.StandardNormal;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxModels;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.ops.OnnxOps;
import org.flowlab.api.ops.Traced;

/**
 * A VAE's generator as an ONNX model with the inputs of a flow's {@code sample} model ({@link
 * OnnxModels}): {@value OnnxModels#Z} {@code (N, latent)} standard normal draws and the scalar
 * {@value OnnxModels#TEMPERATURE} → {@value OnnxModels#X} {@code (N, event...)}, the Bernoulli
 * means {@code sigmoid(decoder(T·z))}, emitted from the decoder's one definition ({@link
 * org.flowlab.api.nn.DefinedLayer}). A VAE has no exact log p(x), so there is no {@code log_prob}
 * model.
 */
public final class VaeGenerator {
  private VaeGenerator() {}

  /** The serialised generator of {@code model}, whose data points have {@code eventShape}. */
  public static byte[] toOnnx(VaeModel model, Shape eventShape) {
    OnnxGraph graph = new OnnxGraph("sample");
    OnnxTensor z = graph.input(OnnxModels.Z, new Shape(model.latentDim()));
    String temperature = graph.scalarInput(OnnxModels.TEMPERATURE);
    OnnxTensor scaled = new StandardNormal().emitTemperature(graph, z, temperature);
    OnnxTensor logits = model.decoder().emit(graph, scaled);
    OnnxOps ops = new OnnxOps(graph);
    Traced means = ops.sigmoid(Traced.of(logits));
    graph.output(OnnxModels.X, ops.reshape(means, new Shape(-1).addAll(eventShape)).tensor());
    return graph.toBytes();
  }
}
