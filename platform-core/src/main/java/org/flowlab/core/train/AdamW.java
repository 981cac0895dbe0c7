package org.flowlab.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.nn.Parameter;

/**
 * Adam with decoupled weight decay (Loshchilov &amp; Hutter), with the gradient-norm and clearing
 * that go with a step. Its moment estimates are part of every checkpoint, so a resumed run
 * continues exactly.
 *
 * <p>When the parameters live in one {@link PackedParameters} buffer (training on the CPU) the
 * optimizer works on the whole buffer: one native call each for the update, the gradient norm and
 * clearing the gradients, whatever the number of parameters. Otherwise it works parameter by
 * parameter. Either way the checkpoint holds one {@code m/<name>} and {@code v/<name>} per
 * parameter.
 */
final class AdamW {
  /** What one native update works on: the tensor written, and the leaf whose gradient drives it. */
  private record Group(NDArray weight, NDArray leaf, NDArray m, NDArray v) {}

  private final List<Parameter> params;
  private final List<Group> groups = new ArrayList<>();
  private final List<NDArray> mByParam = new ArrayList<>();
  private final List<NDArray> vByParam = new ArrayList<>();
  private final PackedParameters packed;
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private NDArray[] gradients;
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
    this.packed = packedStorage(trainable);
    if (packed != null) {
      NDArray m = manager.zeros(packed.values().getShape(), packed.values().getDataType());
      NDArray v = manager.zeros(packed.values().getShape(), packed.values().getDataType());
      groups.add(new Group(packed.writable(), packed.values(), m, v));
      for (PackedParameters.Slot slot : packed.slots()) {
        mByParam.add(slice(m, slot));
        vByParam.add(slice(v, slot));
      }
    } else {
      for (Parameter p : trainable) {
        NDArray m = manager.zeros(p.value().getShape(), p.value().getDataType());
        NDArray v = manager.zeros(p.value().getShape(), p.value().getDataType());
        groups.add(new Group(p.value(), p.value(), m, v));
        mByParam.add(m);
        vByParam.add(v);
      }
    }
  }

  /** The packed storage every trainable parameter lives in, in the same order; else null. */
  private static PackedParameters packedStorage(List<Parameter> trainable) {
    if (trainable.isEmpty() || !(trainable.get(0).storage() instanceof PackedParameters storage)) {
      return null;
    }
    List<PackedParameters.Slot> slots = storage.slots();
    if (slots.size() != trainable.size()) {
      return null;
    }
    for (int i = 0; i < slots.size(); i++) {
      if (trainable.get(i).storage() != storage
          || !slots.get(i).name().equals(trainable.get(i).name())) {
        return null;
      }
    }
    return storage;
  }

  private static NDArray slice(NDArray flat, PackedParameters.Slot slot) {
    long end = slot.offset() + slot.shape().size();
    return flat.get(new NDIndex(slot.offset() + ":" + end)).reshape(slot.shape());
  }

  /**
   * The gradient of each group, fetched once after the first backward pass and kept: autograd
   * accumulates into the same tensor as long as it is cleared in place ({@link #zeroGradients}).
   */
  private NDArray[] gradients() {
    if (gradients == null) {
      NDArray[] fetched = new NDArray[groups.size()];
      for (int i = 0; i < fetched.length; i++) {
        fetched[i] = groups.get(i).leaf().getGradient();
      }
      NDScope.unregister(fetched); // outlives the step that fetched it
      gradients = fetched;
    }
    return gradients;
  }

  /** The global L2 norm of every gradient (before clipping). */
  double gradientNorm() {
    NDArray[] g = gradients();
    if (g.length == 1) {
      return g[0].norm().getFloat();
    }
    NDList flat = new NDList(g.length);
    for (NDArray gradient : g) {
      flat.add(gradient.reshape(-1));
    }
    return Math.sqrt(NDArrays.concat(flat).square().sum().getFloat());
  }

  /** Each parameter's gradient, in order (for diagnostics). */
  List<NDArray> parameterGradients() {
    if (packed == null) {
      return List.of(gradients());
    }
    List<NDArray> list = new ArrayList<>();
    for (PackedParameters.Slot slot : packed.slots()) {
      list.add(slice(gradients()[0], slot));
    }
    return list;
  }

  /**
   * Applies one update at learning rate {@code lr}, each gradient first multiplied by {@code
   * rescale} (global-norm clipping). Uses DJL's fused native update, one call per group: with bias
   * corrections c₁ = 1 − β₁ᵗ and c₂ = 1 − β₂ᵗ it computes {@code p ← p·(1 − lr·wd) − lr·√c₂/c₁ ·
   * m/(√v + ε)}, Adam's "ε̂" form.
   */
  void step(double lr, double rescale) {
    t++;
    double c1 = 1 - Math.pow(beta1, t);
    double c2 = 1 - Math.pow(beta2, t);
    float biasCorrectedLr = (float) (lr * Math.sqrt(c2) / c1);
    NDArray[] g = gradients();
    for (int i = 0; i < groups.size(); i++) {
      Group group = groups.get(i);
      JniUtils.adamUpdate(
          (PtNDArray) group.weight(),
          (PtNDArray) g[i],
          (PtNDArray) group.m(),
          (PtNDArray) group.v(),
          (float) lr,
          biasCorrectedLr,
          (float) weightDecay,
          (float) rescale,
          Float.MAX_VALUE,
          (float) beta1,
          (float) beta2,
          (float) eps,
          true);
    }
  }

  /** Clears every gradient in place, one native call per group. */
  void zeroGradients() {
    for (Group group : groups) {
      JniUtils.zeroGrad((PtNDArray) group.leaf());
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
      list.add(named(mByParam.get(i).duplicate(), "m/" + name));
      list.add(named(vByParam.get(i).duplicate(), "v/" + name));
    }
    list.add(named(manager.create(new long[] {t}), "t"));
    return list;
  }

  /** Restores {@link #state}. */
  void load(NDList state) {
    for (int i = 0; i < params.size(); i++) {
      String name = params.get(i).name();
      copyInto(state, "m/" + name, mByParam.get(i));
      copyInto(state, "v/" + name, vByParam.get(i));
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
    // In place (index_put_): set(Buffer) would swap the target's storage, and a moment that is a
    // view of the packed moments must stay one.
    target.set(new NDIndex(":"), source.reshape(target.getShape()));
  }
}
