package org.flowlab.api.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.function.Supplier;

/**
 * The tensor operations a layer, bijector or solver step is written in, once, as a generic method
 * {@code <T> T apply(TensorOps<T> ops, T x)}. Each implementation is one interpretation of the same
 * definition: eager computation on DJL arrays ({@code org.flowlab.api.nn.EagerOps}), dual numbers
 * for forward-mode derivatives ({@link DualOps}), and recording into an ONNX graph ({@link
 * OnnxOps}). Batches come first; binary ops broadcast as numpy does.
 *
 * @param <T> the value type of the interpretation
 */
public interface TensorOps<T> {
  /**
   * A parameter read at call time: the live array when computing eagerly, an initializer in an ONNX
   * graph, a value with zero tangent for dual numbers.
   */
  T parameter(NDArray value);

  /**
   * A constant the definition computes on the host from parameter values (an inverse matrix, say),
   * {@code values} row-major in {@code shape}, no batch axis: eagerly an array where {@code like}
   * lives (in its data type), recorded as a graph constant, with zero tangent.
   */
  T constant(T like, float[] values, Shape shape);

  /**
   * A value of parameters only (no input): {@code value}'s result where this interpretation
   * computes (eagerly, in the autograd graph of its parameters; with dual numbers, zero tangent),
   * recorded as the constant {@code current} ({@link #constant}), so an export carries the JVM's
   * float32 bits instead of the runtime recomputing them.
   */
  T folded(T like, Supplier<T> value, Supplier<float[]> current, Shape shape);

  /** a + b. */
  T add(T a, T b);

  /** a − b. */
  T sub(T a, T b);

  /** a · b. */
  T mul(T a, T b);

  /** a / b. */
  T div(T a, T b);

  /** −x. */
  T neg(T x);

  /** x + c. */
  T addScalar(T x, double c);

  /** x · c. */
  T mulScalar(T x, double c);

  /** min(x, c) elementwise. */
  T minScalar(T x, double c);

  /** 1 where x &gt; 0, else 0 (a constant: its derivative is zero). */
  T positive(T x);

  /** max(x, c) elementwise. */
  T maxScalar(T x, double c);

  /** |x|. */
  T abs(T x);

  /** √x. */
  T sqrt(T x);

  /** exp(x). */
  T exp(T x);

  /** ln(x). */
  T log(T x);

  /** tanh(x). */
  T tanh(T x);

  /** 1 / (1 + exp(−x)). */
  T sigmoid(T x);

  /** log(1 + exp(x)). */
  T softplus(T x);

  /** max(x, 0). */
  T relu(T x);

  /** x for x &gt; 0, exp(x) − 1 otherwise. */
  T elu(T x);

  /** {@code x·wᵀ + b} on the last axis; weight (out, in); {@code bias} may be null. */
  T linear(T x, T weight, T bias);

  /**
   * A 2-D convolution of images {@code (N, c, h, w)}, stride 1, zero padding {@code pad} on every
   * side; weight {@code (out, in, k, k)}; {@code bias} may be null. Images with one more axis, a
   * tangent axis of k tangents ({@code (k, N, c, h, w)} eagerly, per-sample {@code (k, c, h, w)}
   * recorded), are convolved image by image and keep that axis.
   */
  T conv2d(T x, T weight, T bias, int pad);

  /**
   * {@code a·b}, a matrix product in float32 whatever the run's autocast (0/1 selection matrices
   * stay exact).
   */
  T matMul(T a, T b);

  /** {@code x} cut along {@code axis} before each index in {@code points} (DJL's split). */
  List<T> split(T x, int axis, long[] points);

  /** {@code a} and {@code b} joined along {@code axis}. */
  T concat(T a, T b, int axis);

  /** Zeros of shape {@code (N)}, N the batch size of {@code like}: an empty per-sample log-det. */
  T zerosPerSample(T like);

  /**
   * {@code value} (a scalar) for every sample, shape {@code (N)}, N the batch size of {@code like}.
   */
  T perSample(T like, T value);

  /**
   * {@code value} (no batch axis, a parameter or constant) repeated for every sample of {@code
   * like}: shape {@code (N, value's shape...)}.
   */
  T expandBatch(T like, T value);

  /**
   * {@code x} in a new shape of the same size: the whole shape, with −1 for the batch axis of a
   * batched value (a parameter has none).
   */
  T reshape(T x, Shape shape);

  /** The softmax along {@code axis}. */
  T softmax(T x, int axis);

  /** The running sum along {@code axis}. */
  T cumSum(T x, int axis);

  /** The sum along {@code axis}, which disappears. */
  T sum(T x, int axis);

  /** {@code x[..., start:end, ...]} along {@code axis}; {@code end} may exceed the length. */
  T slice(T x, int axis, long start, long end);

  /** {@code x} with a new axis of length 1 at {@code axis}. */
  T unsqueeze(T x, int axis);

  /** {@code x} with its axes permuted; a batched value keeps its batch axis first. */
  T transpose(T x, int... axes);

  /** The sum over every axis after the first {@code leading} ones (1: the per-sample sum). */
  T sumAfter(T x, int leading);

  /** {@code x} split into {@code count} equal blocks along {@code axis}, that axis dropped. */
  List<T> blocks(T x, int axis, int count);

  /**
   * {@code log|det A|} of each square matrix on the last two axes: {@code (N, d, d)} gives {@code
   * (N)}; {@code −∞} for a singular one. Eagerly an LU in double precision on the host (DJL has no
   * slogdet), differentiable by autograd; recorded as {@code Log(Abs(Det(A)))}. Dual numbers refuse
   * a tangent (see {@link DualOps#logAbsDet}).
   */
  T logAbsDet(T squareMatrices);
}
