package org.flowlab.core.experiment;

import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

class ComputeThreadTest {
  /**
   * Training and evaluation run on the runner's compute thread; with autograd recording there, an
   * FFJORD test evaluation kept every solver step's graph and was OOM-killed.
   */
  @Test
  void theComputeThreadDoesNotRecordGradients() throws Exception {
    assertFalse(ExperimentRunner.computeThreadRecordsGradients());
  }
}
