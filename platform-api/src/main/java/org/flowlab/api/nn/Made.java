package org.flowlab.api.nn;

import java.util.BitSet;
import java.util.List;
import org.flowlab.api.random.Seeds;

/**
 * MADE (Germain et al. 2015), the autoregressive conditioner of MAF and IAF: a {@link MaskedLinear}
 * MLP whose outputs for input {@code j} depend only on the inputs ordered strictly before {@code
 * j}.
 *
 * <p>Input {@code i} has order {@code d(i)} in 1..d; hidden unit {@code k} of every hidden layer
 * has degree {@code m(k) = 1 + (k mod (d − 1))}, so each degree in [1, d − 1] is present when the
 * layer is at least d − 1 wide. A hidden unit sees a unit of the layer below when {@code m(k) ≥
 * m(i)} (inputs count with their order); output {@code j} sees hidden unit {@code k} when {@code
 * d(j) > m(k)}. The Jacobian of the outputs for input {@code j} with respect to the inputs is
 * therefore zero on and after {@code j} in the order: strictly triangular.
 *
 * <p>Residual (nflows' {@code ResidualMADE}): the first masked layer maps the inputs to the hidden
 * width, each further hidden width is a pre-activation residual block {@code h ← h +
 * W₂·act(W₁·act(h))} whose two masked layers connect units of the same degrees (so the block keeps
 * the autoregressive property), and the output layer reads {@code act(h)}. Every hidden width must
 * then be the same; each block's {@code W₂} starts at zero, so each block starts as the identity.
 *
 * <p>The output has {@code paramsPerInput · d} features: block {@code p} (features {@code p·d} to
 * {@code p·d + d − 1}) holds parameter {@code p} (a shift, a log-scale, …) of each input, in input
 * position order, so {@code output[p·d + j]} belongs to input {@code j}.
 */
public final class Made extends LayerSequence {
  private final int inversePasses;

  /**
   * @param scope where the layers register their weights and masks ({@code 0.weight}, {@code
   *     0.mask}, …)
   * @param order {@code order[i]} is input {@code i}'s place in the autoregressive order: a
   *     permutation of 1..d, d ≥ 2 (see {@link #naturalOrder} and {@link #randomOrder})
   * @param hidden width of each hidden layer (its size is the number of hidden layers, at least
   *     one)
   * @param paramsPerInput outputs per input
   * @param activation nonlinearity between layers
   * @param zeroLast whether the output layer starts at zero (a MAF step that starts as the
   *     identity)
   */
  public Made(
      ParameterScope scope,
      int[] order,
      List<Integer> hidden,
      int paramsPerInput,
      Activation activation,
      boolean zeroLast) {
    this(scope, order, hidden, paramsPerInput, activation, zeroLast, false);
  }

  /**
   * A plain or a residual MADE; the other parameters as in {@link #Made(ParameterScope, int[],
   * List, int, Activation, boolean)}.
   *
   * @param residual whether the hidden widths after the first are residual blocks (see the class
   *     comment; the scopes are then {@code 0.*} for the first layer, {@code k.0.*} and {@code
   *     k.1.*} for block k and {@code n.*} for the output layer, n = hidden.size()); every width
   *     must be the same and there must be at least two
   */
  public Made(
      ParameterScope scope,
      int[] order,
      List<Integer> hidden,
      int paramsPerInput,
      Activation activation,
      boolean zeroLast,
      boolean residual) {
    super(scope);
    int d = order.length;
    checkOrder(order);
    if (hidden.isEmpty()) {
      throw new IllegalArgumentException("MADE needs at least one hidden layer");
    }
    if (paramsPerInput < 1) {
      throw new IllegalArgumentException("paramsPerInput must be ≥ 1, got " + paramsPerInput);
    }
    int[] below = order;
    int index = 0;
    // reach[k]: the inputs unit k of the current layer depends on, through the masks
    BitSet[] reach = new BitSet[d];
    for (int i = 0; i < d; i++) {
      reach[i] = new BitSet(d);
      reach[i].set(i);
    }
    if (residual) {
      checkResidualWidths(hidden);
    }
    for (int width : hidden) {
      int[] degrees = new int[width];
      for (int k = 0; k < width; k++) {
        degrees[k] = 1 + k % (d - 1);
      }
      boolean[][] mask = hiddenMask(degrees, below);
      ParameterScope layerScope = scope.child(Integer.toString(index++));
      if (residual && index > 1) {
        layers.add(new MaskedResidualBlock(layerScope, mask, activation));
        reach = union(reach, propagate(propagate(reach, mask), mask));
      } else {
        layers.add(new MaskedLinear(layerScope, mask, false));
        if (!residual) {
          layers.add(activation);
        }
        reach = propagate(reach, mask);
      }
      below = degrees;
    }
    if (residual) {
      layers.add(activation);
    }
    boolean[][] mask = new boolean[paramsPerInput * d][below.length];
    for (int o = 0; o < mask.length; o++) {
      for (int k = 0; k < below.length; k++) {
        mask[o][k] = order[o % d] > below[k];
      }
    }
    layers.add(new MaskedLinear(scope.child(Integer.toString(index)), mask, zeroLast));
    this.inversePasses = longestChain(order, propagate(reach, mask));
  }

  /**
   * How many passes of this conditioner invert an autoregressive map built on it: the number of
   * inputs on the longest chain in which each input's outputs depend on the one before. Each pass
   * settles one more link, so d passes always suffice, and fewer do when hidden layers narrower
   * than d − 1 leave the high degrees out (then the inputs ordered after the widest degree all
   * settle in the same pass).
   */
  public int inversePasses() {
    return inversePasses;
  }

  /** Hidden unit k sees unit i of the layer below when {@code m(k) ≥ m(i)}. */
  private static boolean[][] hiddenMask(int[] degrees, int[] below) {
    boolean[][] mask = new boolean[degrees.length][below.length];
    for (int k = 0; k < degrees.length; k++) {
      for (int i = 0; i < below.length; i++) {
        mask[k][i] = degrees[k] >= below[i];
      }
    }
    return mask;
  }

  private static void checkResidualWidths(List<Integer> hidden) {
    if (hidden.size() < 2 || hidden.stream().distinct().count() != 1) {
      throw new IllegalArgumentException(
          "a residual MADE needs at least two hidden widths, all the same (the first layer, then"
              + " one residual block per further width), got "
              + hidden);
    }
  }

  /** What a residual connection depends on: the unit's own inputs and the block's. */
  private static BitSet[] union(BitSet[] a, BitSet[] b) {
    BitSet[] union = new BitSet[a.length];
    for (int k = 0; k < a.length; k++) {
      union[k] = (BitSet) a[k].clone();
      union[k].or(b[k]);
    }
    return union;
  }

  /** The inputs each unit of the next layer depends on: the union over the units it sees. */
  private static BitSet[] propagate(BitSet[] reach, boolean[][] mask) {
    BitSet[] next = new BitSet[mask.length];
    for (int o = 0; o < mask.length; o++) {
      next[o] = new BitSet();
      for (int i = 0; i < reach.length; i++) {
        if (mask[o][i]) {
          next[o].or(reach[i]);
        }
      }
    }
    return next;
  }

  /** The longest dependency chain, inputs taken in their order (each depends on earlier ones). */
  private static int longestChain(int[] order, BitSet[] outputs) {
    int d = order.length;
    Integer[] byOrder = new Integer[d];
    for (int i = 0; i < d; i++) {
      byOrder[order[i] - 1] = i;
    }
    int[] depth = new int[d];
    int longest = 0;
    for (int j : byOrder) {
      BitSet sources = new BitSet();
      for (int o = j; o < outputs.length; o += d) {
        sources.or(outputs[o]);
      }
      int deepest = 0;
      for (int i = sources.nextSetBit(0); i >= 0; i = sources.nextSetBit(i + 1)) {
        deepest = Math.max(deepest, depth[i]);
      }
      depth[j] = deepest + 1;
      longest = Math.max(longest, depth[j]);
    }
    return longest;
  }

  /** The order 1..d: input {@code i} comes {@code (i+1)}-th. */
  public static int[] naturalOrder(int d) {
    int[] order = new int[d];
    for (int i = 0; i < d; i++) {
      order[i] = i + 1;
    }
    return order;
  }

  /**
   * A permutation of 1..d drawn from {@code seed} (Fisher–Yates): the same seed, the same order.
   */
  public static int[] randomOrder(int d, long seed) {
    return randomOrder(d, seed, 0);
  }

  /**
   * The {@code counter}-th of a sequence of seeded random orders (counter 0: {@link
   * #randomOrder(int, long)}).
   */
  public static int[] randomOrder(int d, long seed, long counter) {
    int[] order = Seeds.permutation(Seeds.stream(seed, "made-order", counter), d);
    for (int i = 0; i < d; i++) {
      order[i]++;
    }
    return order;
  }

  /** The names {@link #orders} accepts. */
  public static final List<String> ORDERINGS = List.of("natural", "reversed", "random");

  /**
   * The orders of a stack of autoregressive layers, one per layer: {@code natural} (1..d in every
   * layer), {@code reversed} (natural, then reversed, alternating, as MAF does) or {@code random}
   * (layer k gets {@code randomOrder(d, seed, k)}).
   */
  public static int[][] orders(String ordering, int d, int layers, long seed) {
    int[][] orders = new int[layers][];
    for (int k = 0; k < layers; k++) {
      orders[k] =
          switch (ordering) {
            case "natural" -> naturalOrder(d);
            case "reversed" -> k % 2 == 0 ? naturalOrder(d) : reversed(d);
            case "random" -> randomOrder(d, seed, k);
            default ->
                throw new IllegalArgumentException(
                    "ordering must be one of " + ORDERINGS + ", got " + ordering);
          };
    }
    return orders;
  }

  private static int[] reversed(int d) {
    int[] order = new int[d];
    for (int i = 0; i < d; i++) {
      order[i] = d - i;
    }
    return order;
  }

  private static void checkOrder(int[] order) {
    int d = order.length;
    if (d < 2) {
      throw new IllegalArgumentException("MADE needs at least 2 inputs, got " + d);
    }
    boolean[] seen = new boolean[d + 1];
    for (int o : order) {
      if (o < 1 || o > d || seen[o]) {
        throw new IllegalArgumentException(
            "order must be a permutation of 1.." + d + ", got " + java.util.Arrays.toString(order));
      }
      seen[o] = true;
    }
  }
}
