package org.flowlab.plugins.residual;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.flowlab.api.distribution.BaseDistribution;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Chain;
import org.flowlab.api.nn.Parameter;
import org.flowlab.api.onnx.ExportCalibration;
import org.flowlab.api.onnx.OnnxExportException;
import org.flowlab.api.random.Seeds;

/**
 * Chooses, at export time and without training data, how many fixed-point iterations each residual
 * block's ONNX inverse is unrolled to: it decodes {@value #DRAWS} base draws at temperature {@value
 * #TEMPERATURE} through the JVM flow (each block iterating until its {@code inverse_tolerance}),
 * takes each block's iteration count n (the batch's worst point), and unrolls {@code ⌈}{@value
 * #MARGIN}{@code ·n⌉ + }{@value #EXTRA} iterations (at most {@code inverse_max_iterations}). The
 * contraction makes the error after K iterations shrink like Lip(g)^K, so the margin buys a further
 * factor of about Lip(g)^{n/2} for latents less typical than the calibration draws.
 *
 * <p>The result is kept by an {@link ExportCalibration} on every parameter and buffer value, so one
 * export calibrates once and a later export of changed parameters calibrates again.
 */
final class InverseCalibration {
  /** Base draws decoded to calibrate. */
  static final int DRAWS = 256;

  /** Temperature of the calibration draws (above 1: a little beyond typical samples). */
  static final double TEMPERATURE = 1.25;

  /** Multiplier on the JVM's iteration count. */
  static final double MARGIN = 1.5;

  /** Iterations added after the multiplier. */
  static final int EXTRA = 3;

  private static final long SEED = 0xCA11B8L;

  private final List<Bijector> bijectors;
  private final BaseDistribution base;
  private final Shape latentShape;
  private final List<ResidualBlock> blocks;
  private final int maxIterations;
  private final NDManager home;
  private final ExportCalibration<Map<ResidualBlock, Integer>> counts;

  /**
   * @param bijectors the flow's bijectors, data → latent (preprocessing excluded)
   * @param base the flow's base distribution
   * @param latentShape the shape of one latent point
   * @param parameters every parameter and buffer of the flow (the cache key)
   * @param blocks every residual block among (or nested in) the bijectors
   * @param maxIterations the cap on an exported inverse ({@code inverse_max_iterations})
   * @param home the manager the flow's arrays live on: the calibration draws are made under it, so
   *     on the flow's device
   */
  InverseCalibration(
      List<Bijector> bijectors,
      BaseDistribution base,
      Shape latentShape,
      List<Parameter> parameters,
      List<ResidualBlock> blocks,
      int maxIterations,
      NDManager home) {
    this.bijectors = List.copyOf(bijectors);
    this.base = base;
    this.latentShape = latentShape;
    this.counts =
        new ExportCalibration<>(
            parameters.stream().map(Parameter::value).toList(), this::calibrate);
    this.blocks = List.copyOf(blocks);
    this.maxIterations = maxIterations;
    this.home = home;
    for (ResidualBlock block : blocks) {
      block.calibrateWith(this);
    }
  }

  /**
   * A block exported on its own: calibrated on standard normal inputs of its shape, drawn under
   * {@code home} (the manager of the block's weights).
   */
  static InverseCalibration standalone(ResidualBlock block, Shape shape, NDManager home) {
    return new InverseCalibration(
        List.of(block),
        BaseDistribution.named("normal"),
        shape,
        List.of(),
        List.of(block),
        2000,
        home);
  }

  /** The number of fixed-point iterations {@code block}'s exported inverse runs. */
  int iterations(ResidualBlock block) {
    Integer n = counts.get().get(block);
    if (n == null) {
      throw new OnnxExportException(block.name() + " is not part of the calibrated flow");
    }
    return n;
  }

  /** The JVM's iteration counts on the calibration draws, with the margin applied. */
  Map<ResidualBlock, Integer> calibrate() {
    Map<ResidualBlock, Integer> out = new IdentityHashMap<>();
    try (NDManager m = home.newSubManager()) {
      NDArray z =
          base.sample(m, latentShape, DRAWS, TEMPERATURE, Seeds.stream(SEED, "inverse-draws"));
      try {
        new Chain(bijectors).inverse(z);
      } catch (IllegalStateException e) {
        throw new OnnxExportException(
            "cannot choose the exported inverse's iteration count: " + e.getMessage());
      }
      for (ResidualBlock block : blocks) {
        Double n = block.figures().get("inverse_iterations");
        if (n == null) {
          throw new OnnxExportException(block.name() + " ran no inverse during calibration");
        }
        int k = (int) Math.min(maxIterations, Math.ceil(MARGIN * n) + EXTRA);
        out.put(block, k);
      }
    }
    return out;
  }
}
