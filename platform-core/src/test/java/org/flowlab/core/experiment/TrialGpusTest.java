package org.flowlab.core.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Trial i on GPU (i mod n), only where there is a choice to make. */
class TrialGpusTest {
  private static List<String> firstSix(String device, int gpus, String inherited) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      out.add(String.valueOf(TrialGpus.visibleDevices(i, device, gpus, inherited)));
    }
    return out;
  }

  @Test
  void trialsGoRoundTheVisibleGpus() {
    assertEquals(List.of("0", "1", "2", "0", "1", "2"), firstSix("auto", 3, null));
    assertEquals(List.of("0", "1", "0", "1", "0", "1"), firstSix("gpu", 2, ""));
    assertEquals(List.of("5", "7", "5", "7", "5", "7"), firstSix("auto", 2, "5, 7"));
  }

  @Test
  void noChoiceLeavesTheEnvironmentAlone() {
    assertNull(TrialGpus.visibleDevices(3, "auto", 1, null), "one GPU");
    assertNull(TrialGpus.visibleDevices(3, "auto", 0, null), "no GPU");
    assertNull(TrialGpus.visibleDevices(3, "cpu", 4, null), "the CPU asked for");
    assertNull(TrialGpus.visibleDevices(3, "gpu:1", 4, null), "a GPU named");
    assertNull(TrialGpus.visibleDevices(3, "auto", 2, "4"), "the host may use one GPU only");
  }
}
