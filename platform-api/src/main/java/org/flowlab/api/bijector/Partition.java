package org.flowlab.api.bijector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.ops.TensorOps;

/**
 * How a coupling divides axis 1 of a batch (the features of vectors {@code (n, d)}): the kept ones
 * (mask 1), which pass unchanged and are all its conditioner sees, and the changed ones. A mask
 * that keeps the first or the last entries is one split and one concatenation along axis 1, for any
 * rank (so images {@code (n, c, h, w)} split their channels with it); any other mask (a
 * checkerboard) multiplies vectors by 0/1 selection matrices, which is exact.
 */
public final class Partition {
  private final int d;
  private final int kept;
  private final boolean keptFirst;
  private final NDArray selectKept;
  private final NDArray selectChanged;
  private final NDArray joinKept;
  private final NDArray joinChanged;
  private final long[] cut;

  /**
   * @param mask 1 for the features kept, 0 for those changed; both sets non-empty
   * @param manager where the selection matrices (for a mask that is not a prefix or suffix) live
   */
  public Partition(float[] mask, NDManager manager) {
    this.d = mask.length;
    int count = 0;
    for (float m : mask) {
      count += m > 0.5f ? 1 : 0;
    }
    if (count == 0 || count == d) {
      throw new IllegalArgumentException("a partition needs kept and changed features");
    }
    this.kept = count;
    boolean prefix = true;
    boolean suffix = true;
    for (int i = 0; i < d; i++) {
      boolean keep = mask[i] > 0.5f;
      prefix &= keep == i < kept;
      suffix &= keep == i >= d - kept;
    }
    this.keptFirst = prefix;
    this.cut = new long[] {prefix ? kept : d - kept};
    if (prefix || suffix) {
      selectKept = null;
      selectChanged = null;
      joinKept = null;
      joinChanged = null;
    } else {
      float[] k = new float[d * kept];
      float[] c = new float[d * (d - kept)];
      int ki = 0;
      int ci = 0;
      for (int i = 0; i < d; i++) {
        if (mask[i] > 0.5f) {
          k[i * kept + ki++] = 1f;
        } else {
          c[i * (d - kept) + ci++] = 1f;
        }
      }
      selectKept = manager.create(k, new Shape(d, kept));
      selectChanged = manager.create(c, new Shape(d, d - kept));
      joinKept = selectKept.transpose().duplicate();
      joinChanged = selectChanged.transpose().duplicate();
    }
  }

  /** Number of kept features. */
  public int keptSize() {
    return kept;
  }

  /** Number of changed features. */
  public int changedSize() {
    return d - kept;
  }

  /**
   * (kept, changed) features of {@code x}, shapes {@code (n, keptSize)} and {@code (n,
   * changedSize)}, in the interpretation {@code ops}.
   */
  public <T> List<T> split(TensorOps<T> ops, T x) {
    if (selectKept != null) {
      return List.of(
          ops.matMul(x, ops.parameter(selectKept)), ops.matMul(x, ops.parameter(selectChanged)));
    }
    List<T> parts = ops.split(x, 1, cut);
    return keptFirst ? parts : List.of(parts.get(1), parts.get(0));
  }

  /** The vector whose kept features are {@code kept} and changed ones {@code changed}. */
  public <T> T join(TensorOps<T> ops, T kept, T changed) {
    if (selectKept != null) {
      return ops.add(
          ops.matMul(kept, ops.parameter(joinKept)),
          ops.matMul(changed, ops.parameter(joinChanged)));
    }
    return keptFirst ? ops.concat(kept, changed, 1) : ops.concat(changed, kept, 1);
  }
}
