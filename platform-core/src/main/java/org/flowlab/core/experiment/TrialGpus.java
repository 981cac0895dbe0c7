package org.flowlab.core.experiment;

import java.util.ArrayList;
import java.util.List;

/**
 * Spreads a local sweep's trials over the GPUs the host sees: with {@code training.device: auto} or
 * {@code gpu} and more than one GPU, trial {@code i} runs with {@code CUDA_VISIBLE_DEVICES} set to
 * the {@code (i mod n)}-th of them, so in its JVM that GPU is {@code gpu:0}. A trial that names its
 * GPU ({@code gpu:1}) or the CPU is left alone; so is a machine with one GPU or none. (Slurm tasks
 * get theirs from {@code --gres}: Slurm sets {@code CUDA_VISIBLE_DEVICES} itself.)
 */
final class TrialGpus {
  private TrialGpus() {}

  /**
   * The {@code CUDA_VISIBLE_DEVICES} value for a trial, or null to leave the environment alone.
   *
   * @param trialIndex the trial's index in the sweep
   * @param device the trial's {@code training.device}
   * @param gpuCount the GPUs the host sees
   * @param inherited the host's own {@code CUDA_VISIBLE_DEVICES}, or null: its ids are the ones
   *     handed out
   */
  static String visibleDevices(int trialIndex, String device, int gpuCount, String inherited) {
    if (!"auto".equals(device) && !"gpu".equals(device)) {
      return null;
    }
    List<String> ids = new ArrayList<>();
    if (inherited != null && !inherited.isBlank()) {
      for (String id : inherited.split(",")) {
        if (!id.isBlank()) {
          ids.add(id.strip());
        }
      }
    } else {
      for (int i = 0; i < gpuCount; i++) {
        ids.add(Integer.toString(i));
      }
    }
    if (gpuCount < 2 || ids.size() < 2) {
      return null;
    }
    return ids.get(trialIndex % Math.min(gpuCount, ids.size()));
  }
}
