package org.flowlab.api.ode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;

/**
 * One solver step's arrays: the step's intermediates are freed as the step ends, except what {@link
 * #keep} names, so a solve with hundreds of steps holds only its current state. This is safe while
 * autograd records too: closing a DJL array drops the Java side's reference, and PyTorch's graph
 * keeps its own references to whatever backward needs (the solver gradient tests check it). What a
 * recording graph holds is the caller's concern: evaluation must run with recording off.
 */
final class StepScope implements AutoCloseable {
  private final NDScope scope;

  private StepScope(NDScope scope) {
    this.scope = scope;
  }

  /** A scope for one step. */
  static StepScope open() {
    return new StepScope(new NDScope());
  }

  /** Keeps these arrays past the step. */
  void keep(NDList values) {
    NDScope.unregister(values);
  }

  /**
   * Frees an earlier step's kept arrays once they are replaced, except any array that is also in
   * one of {@code live} (the caller's initial state, what this step keeps).
   */
  void release(NDList old, NDList... live) {
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
    scope.close();
  }
}
