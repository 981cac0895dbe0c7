package org.flowlab.api.bijector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.onnx.OnnxBijector;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.onnx.OnnxTransformed;

/**
 * A reshape of each sample between two shapes of the same size, in row-major order: forward (data →
 * latent) {@code from → to}, inverse {@code to → from}. It moves no values, so the log-det is 0 and
 * both directions are exact. NICE flattens images with it; multi-scale flows (RealNVP, Glow) give
 * the flat latent of their factor-outs the data's shape.
 */
public final class Reshape implements Bijector, OnnxBijector {
  private final Shape from;
  private final Shape to;

  /**
   * @param from the shape of one sample on the data side, without the batch axis
   * @param to the shape on the latent side, with the same number of elements
   */
  public Reshape(Shape from, Shape to) {
    if (from.size() != to.size()) {
      throw new IllegalArgumentException("cannot reshape " + from + " to " + to);
    }
    this.from = from;
    this.to = to;
  }

  /**
   * {@code vectorSteps}, written for vectors (d), run on data of {@code eventShape}: for images (c,
   * h, w) behind a flattening to (c·h·w) and followed by its undo, so the latent keeps the data's
   * shape (the base factorises over every axis, so its density is that of the vector); for vectors
   * the steps themselves. How NICE, MAF and IAF take flattened images, as in their papers.
   */
  public static List<Bijector> flattened(Shape eventShape, List<Bijector> vectorSteps) {
    if (eventShape.dimension() == 1) {
      return List.copyOf(vectorSteps);
    }
    Shape vector = new Shape(eventShape.size());
    List<Bijector> steps = new ArrayList<>();
    steps.add(new Reshape(eventShape, vector));
    steps.addAll(vectorSteps);
    steps.add(new Reshape(vector, eventShape));
    return steps;
  }

  @Override
  public Transformed forward(NDArray x, LogDetMode mode) {
    long n = x.getShape().get(0);
    NDArray logDet = x.getManager().zeros(new Shape(n), x.getDataType());
    return new Transformed(x.reshape(new Shape(n).addAll(to)), logDet, LogDetMode.EXACT);
  }

  @Override
  public NDArray inverse(NDArray z) {
    return z.reshape(new Shape(z.getShape().get(0)).addAll(from));
  }

  /** Emits the forward reshape. */
  @Override
  public OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x) {
    return new OnnxTransformed(graph.reshape(x, to), graph.zerosPerSample(x));
  }

  /** Emits the inverse reshape. */
  @Override
  public OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z) {
    return graph.reshape(z, from);
  }
}
