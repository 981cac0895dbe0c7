package org.flowlab.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.nn.Parameter;

/**
 * Adam with decoupled weight decay (Loshchilov &amp; Hutter). Its moment estimates are part of
 * every checkpoint, so a resumed run continues exactly.
 */
final class AdamW {
  private final List<Parameter> params;
  private final List<NDArray> m = new ArrayList<>();
  private final List<NDArray> v = new ArrayList<>();
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private long t;

  AdamW(
      List<Parameter> trainable,
      NDManager manager,
      double beta1,
      double beta2,
      double eps,
      double weightDecay) {
    this.params = trainable;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    for (Parameter p : trainable) {
      m.add(manager.zeros(p.value().getShape(), p.value().getDataType()));
      v.add(manager.zeros(p.value().getShape(), p.value().getDataType()));
    }
  }

  /**
   * Applies one update at learning rate {@code lr}, each gradient first multiplied by {@code
   * rescale} (global-norm clipping). Uses DJL's fused native update, one call per parameter: with
   * bias corrections c₁ = 1 − β₁ᵗ and c₂ = 1 − β₂ᵗ it computes {@code p ← p·(1 − lr·wd) − lr·√c₂/c₁
   * · m/(√v + ε)}, Adam's "ε̂" form.
   */
  void step(List<NDArray> grads, double lr, double rescale) {
    t++;
    double c1 = 1 - Math.pow(beta1, t);
    double c2 = 1 - Math.pow(beta2, t);
    float biasCorrectedLr = (float) (lr * Math.sqrt(c2) / c1);
    for (int i = 0; i < params.size(); i++) {
      NDArray p = params.get(i).value();
      p.getNDArrayInternal()
          .adamUpdate(
              new NDList(p, grads.get(i), m.get(i), v.get(i)),
              new NDList(p),
              (float) lr,
              biasCorrectedLr,
              (float) weightDecay,
              (float) rescale,
              Float.MAX_VALUE,
              (float) beta1,
              (float) beta2,
              (float) eps,
              true,
              true);
    }
  }

  /**
   * Moments and step count, for a checkpoint. Names: {@code m/<param>}, {@code v/<param>}, {@code
   * t}.
   */
  NDList state(NDManager manager) {
    NDList list = new NDList();
    for (int i = 0; i < params.size(); i++) {
      String name = params.get(i).name();
      list.add(named(m.get(i).duplicate(), "m/" + name));
      list.add(named(v.get(i).duplicate(), "v/" + name));
    }
    list.add(named(manager.create(new long[] {t}), "t"));
    return list;
  }

  /** Restores {@link #state}. */
  void load(NDList state) {
    for (int i = 0; i < params.size(); i++) {
      String name = params.get(i).name();
      copyInto(state, "m/" + name, m.get(i));
      copyInto(state, "v/" + name, v.get(i));
    }
    t = state.get("t").toLongArray()[0];
  }

  long steps() {
    return t;
  }

  private static NDArray named(NDArray array, String name) {
    array.setName(name);
    return array;
  }

  private static void copyInto(NDList state, String name, NDArray target) {
    NDArray source = state.get(name);
    if (source == null) {
      throw new IllegalStateException("checkpoint lacks optimizer state " + name);
    }
    target.set(source.toByteBuffer());
  }
}
