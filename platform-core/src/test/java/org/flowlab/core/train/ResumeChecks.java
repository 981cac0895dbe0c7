package org.flowlab.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.Parameter;

/**
 * The kill-and-resume check of a trainer, shared by the host's tests and the plugins' (through the
 * test-jar): a run killed at step 23 resumes from its step-20 checkpoint to the parameters of the
 * uninterrupted run, bit for bit.
 */
public final class ResumeChecks {
  private ResumeChecks() {}

  /** Makes the trainer of a run: 40 steps, a checkpoint every 10, in {@code dir}. */
  public interface TrainerMaker {
    Trainer make(Flow flow, NDManager manager, Path dir);
  }

  /**
   * Trains a fresh flow straight through in {@code dir/a}; trains another in {@code dir/b}, killed
   * (an exception from the listener) at step 23, then resumes it; asserts the resume started at
   * step 20 and ended with the same parameters.
   *
   * @param flow builds the flow, the same weights every call
   */
  public static void assertKilledRunResumesBitwise(
      Function<NDManager, Flow> flow, TrainerMaker trainer, Path dir) throws Exception {
    List<float[]> uninterrupted;
    try (NDManager m = NDManager.newBaseManager()) {
      Flow straight = flow.apply(m);
      trainer.make(straight, m, dir.resolve("a")).train(new Trainer.Listener() {}, false);
      uninterrupted = values(straight);
    }
    try (NDManager m = NDManager.newBaseManager()) {
      Trainer.Listener dieAt23 =
          new Trainer.Listener() {
            @Override
            public void onStep(
                long step, double loss, double lr, double norm, Map<String, Double> figures) {
              if (step == 23) {
                throw new IllegalStateException("killed");
              }
            }
          };
      Trainer t = trainer.make(flow.apply(m), m, dir.resolve("b"));
      assertThrows(IllegalStateException.class, () -> t.train(dieAt23, false));
    }
    try (NDManager m = NDManager.newBaseManager()) {
      Flow resumed = flow.apply(m);
      long[] start = {-1};
      trainer
          .make(resumed, m, dir.resolve("b"))
          .train(
              new Trainer.Listener() {
                @Override
                public void onStart(long startStep, long totalSteps) {
                  start[0] = startStep;
                }
              },
              true);
      assertEquals(20, start[0], "resumes from the checkpoint of step 20");
      List<float[]> values = values(resumed);
      assertEquals(uninterrupted.size(), values.size());
      for (int i = 0; i < values.size(); i++) {
        assertArrayEquals(uninterrupted.get(i), values.get(i), "parameter " + i);
      }
    }
  }

  private static List<float[]> values(Flow flow) {
    List<float[]> v = new ArrayList<>();
    for (Parameter p : flow.parameters()) {
      v.add(p.value().toFloatArray());
    }
    return v;
  }
}
