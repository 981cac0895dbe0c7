package org.flowlab.api.ode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;

/**
 * One solver step's arrays. When autograd is not recording (evaluation, export, sampling), the
 * step's intermediates are freed as the step ends, except what {@link #keep} names, so a solve with
 * hundreds of steps holds only its current state; while recording, backward needs every
 * intermediate and nothing is freed.
 */
final class StepScope implements AutoCloseable {
  private final NDScope scope;

  private StepScope(NDScope scope) {
    this.scope = scope;
  }

  /** A scope for one step; {@code recording} from {@link #recording}. */
  static StepScope open(boolean recording) {
    return new StepScope(recording ? null : new NDScope());
  }

  /** Whether autograd records the ops that produced {@code values} (PyTorch's requires_grad). */
  static boolean recording(NDList values) {
    for (NDArray v : values) {
      if (v.hasGradient()) {
        return true;
      }
    }
    return false;
  }

  /** Keeps these arrays past the step. */
  void keep(NDList values) {
    if (scope != null) {
      NDScope.unregister(values);
    }
  }

  /**
   * Frees an earlier step's kept arrays once they are replaced, except any array that is also in
   * one of {@code live} (the caller's initial state, what this step keeps); nothing while
   * recording.
   */
  void release(NDList old, NDList... live) {
    if (scope == null) {
      return;
    }
    for (NDArray a : old) {
      boolean alive = false;
      for (NDList l : live) {
        for (NDArray b : l) {
          alive |= a == b;
        }
      }
      if (!alive) {
        a.close();
      }
    }
  }

  @Override
  public void close() {
    if (scope != null) {
      scope.close();
    }
  }
}
