package org.flowlab.plugins.ffjord;

import java.util.List;
import org.flowlab.api.config.InvalidValueException;
import org.flowlab.api.config.Require;
import org.flowlab.api.nn.Activation;

/**
 * The {@code model.params} block of an FFJORD experiment (snake_case keys in YAML). A missing key
 * takes its default; the defaults follow the paper's toy 2D setup (one block, three hidden layers
 * of 64 with ConcatSquash time conditioning, tanh, T = 0.5 learned, dopri5 at 1e-5).
 *
 * @param blocks number of CNF blocks stacked data → latent (default 1, at least 1); for images, per
 *     scale and again after each squeeze
 * @param hidden hidden widths of each block's time-conditioned MLP, or for images the hidden
 *     channel counts of its time-conditioned conv net (default [64, 64, 64]; each at least 1)
 * @param activation nonlinearity between layers: tanh, relu, elu, softplus or silu (default tanh;
 *     prefer smooth ones, the solver assumes smooth dynamics)
 * @param layer how time enters each layer: {@code concatsquash} (default; {@code (Wx + b)·σ(a·t +
 *     c) + t·e}, as in FFJORD) or {@code concat} ({@code Wx + b + t·w}, i.e. a linear layer on [x,
 *     t])
 * @param timeLength the initial end time T of every block (default 0.5, positive; YAML {@code
 *     time_length})
 * @param trainEndTime whether T is learned, as softplus of a parameter (default true; YAML {@code
 *     train_end_time})
 * @param solver {@code dopri5} (default, adaptive) or {@code rk4} (fixed steps)
 * @param atol dopri5's absolute tolerance in training (default 1e-5, positive)
 * @param rtol dopri5's relative tolerance in training (default 1e-5, positive)
 * @param evalAtol dopri5's absolute tolerance for exact-mode evaluation and for the inverse
 *     (sampling) (default 1e-6; YAML {@code eval_atol})
 * @param evalRtol dopri5's relative tolerance for exact-mode evaluation and the inverse (default
 *     1e-6; YAML {@code eval_rtol})
 * @param steps rk4's number of steps over [0, T] (default 20, at least 1)
 * @param maxSteps dopri5's step cap per solve, accepted plus rejected; a solve that needs more
 *     fails with a message naming the tolerances (default 1000; YAML {@code max_steps})
 * @param trace the trace estimator in training (ESTIMATE mode): {@code hutchinson} (default, one
 *     JVP per evaluation) or {@code exact} (d JVPs, when d ≤ {@code exact_max_dim})
 * @param noise Hutchinson probe distribution: {@code rademacher} (default, lower variance) or
 *     {@code gaussian}; one probe per sample, drawn once per solve from the engine generator
 * @param exactMaxDim the largest dimension for which the exact trace (d JVPs) is computed; EXACT
 *     requests above it fall back to Hutchinson and report ESTIMATE (default 64; YAML {@code
 *     exact_max_dim})
 * @param actnorm whether an actnorm layer precedes every block (default false, as in the paper's
 *     toy runs; see the package docs for why it is off by default)
 * @param kineticEnergy weight of the kinetic-energy regulariser {@code ∫ ‖f‖² dt}, averaged over
 *     the batch (default 0, off; YAML {@code kinetic_energy})
 * @param jacobianNorm weight of the Jacobian Frobenius-norm regulariser {@code ∫ ‖∂f/∂z‖_F² dt},
 *     estimated by {@code ‖J ε‖²} with the trace's probe (exact with the exact trace), averaged
 *     over the batch (default 0, off; YAML {@code jacobian_norm})
 * @param scales images only: the number of scales of the multiscale model (default 2, at least 1);
 *     every scale but the last ends with a squeeze and a factor-out of half the channels, so h and
 *     w must be multiples of 2^(scales−1)
 * @param kernel images only: the odd kernel size of the time-conditioned convolutions (default 3)
 */
public record FfjordConfig(
    Integer blocks,
    List<Integer> hidden,
    String activation,
    String layer,
    Double timeLength,
    Boolean trainEndTime,
    String solver,
    Double atol,
    Double rtol,
    Double evalAtol,
    Double evalRtol,
    Integer steps,
    Integer maxSteps,
    String trace,
    String noise,
    Integer exactMaxDim,
    Boolean actnorm,
    Double kineticEnergy,
    Double jacobianNorm,
    Integer scales,
    Integer kernel) {

  /** Values accepted for {@code layer}. */
  public static final List<String> LAYERS = List.of("concatsquash", "concat");

  /** Values accepted for {@code solver}. */
  public static final List<String> SOLVERS = List.of("dopri5", "rk4");

  /** Values accepted for {@code trace}. */
  public static final List<String> TRACES = List.of("hutchinson", "exact");

  /** Values accepted for {@code noise}. */
  public static final List<String> NOISES = List.of("rademacher", "gaussian");

  /** Fills defaults and checks ranges. */
  public FfjordConfig {
    blocks = Require.atLeast("blocks", blocks == null ? 1 : blocks, 1);
    hidden = Require.widths("hidden", hidden, List.of(64, 64, 64));
    activation =
        Require.oneOf("activation", activation == null ? "tanh" : activation, Activation.names());
    layer = Require.oneOf("layer", layer == null ? "concatsquash" : layer, LAYERS);
    timeLength = Require.positive("time_length", timeLength == null ? 0.5 : timeLength);
    trainEndTime = trainEndTime == null ? Boolean.TRUE : trainEndTime;
    solver = Require.oneOf("solver", solver == null ? "dopri5" : solver, SOLVERS);
    atol = tolerance("atol", atol == null ? 1e-5 : atol);
    rtol = tolerance("rtol", rtol == null ? 1e-5 : rtol);
    evalAtol = tolerance("eval_atol", evalAtol == null ? 1e-6 : evalAtol);
    evalRtol = tolerance("eval_rtol", evalRtol == null ? 1e-6 : evalRtol);
    steps = Require.atLeast("steps", steps == null ? 20 : steps, 1);
    maxSteps = Require.atLeast("max_steps", maxSteps == null ? 1000 : maxSteps, 1);
    trace = Require.oneOf("trace", trace == null ? "hutchinson" : trace, TRACES);
    noise = Require.oneOf("noise", noise == null ? "rademacher" : noise, NOISES);
    exactMaxDim = Require.atLeast("exact_max_dim", exactMaxDim == null ? 64 : exactMaxDim, 0);
    actnorm = actnorm == null ? Boolean.FALSE : actnorm;
    kineticEnergy =
        Require.nonNegative("kinetic_energy", kineticEnergy == null ? 0.0 : kineticEnergy);
    jacobianNorm = Require.nonNegative("jacobian_norm", jacobianNorm == null ? 0.0 : jacobianNorm);
    scales = Require.atMost("scales", Require.atLeast("scales", scales == null ? 2 : scales, 1), 8);
    kernel = Require.atLeast("kernel", kernel == null ? 3 : kernel, 1);
    if (kernel % 2 == 0) {
      throw new InvalidValueException("kernel", "must be odd (same padding), got " + kernel);
    }
  }

  /**
   * A solver tolerance: positive and at most 0.1. Float32 states resolve about 1e-7 relative, so
   * tolerances below 1e-8 only make the step size underflow.
   */
  private static double tolerance(String key, double value) {
    return Require.between(key, Require.positive(key, value), 1e-8, 0.1);
  }

  /** Every key at its default. */
  public static FfjordConfig defaults() {
    return new FfjordConfig(
        null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
        null, null, null, null, null, null);
  }
}
