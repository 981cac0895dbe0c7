package org.flowlab.core.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.flowlab.core.config.ConfigException;
import org.flowlab.core.config.ConfigLoader;
import org.flowlab.core.config.LoadedConfig;
import org.junit.jupiter.api.Test;

/** Trial expansion: grid × random × seeds, reproducible draws, located errors. */
class SweepPlanTest {
  private static final String BASE =
      """
      name: s
      seed: 7
      data: {name: 8gaussians}
      model: {family: realnvp, params: {couplings: 4}}
      training: {steps: 50, optimizer: {lr: 1.0e-3}}
      """;

  private static List<SweepPlan.Trial> expand(String sweep, String... overrides) {
    return SweepPlan.expand(ConfigLoader.parse(BASE + sweep, "s.yaml", List.of(overrides)));
  }

  @Test
  void gridTimesSeedsGivesEveryCombinationAsOverridesWithoutTheSweepBlock() {
    List<SweepPlan.Trial> trials =
        expand(
            """
            sweep:
              grid:
                training.optimizer.lr: [1.0e-3, 3.0e-3]
                model.params.activation: [elu, relu]
              seeds: [0, 1]
              workers: 3
            """);
    assertEquals(8, trials.size());
    assertEquals(
        List.of("training.optimizer.lr=0.001", "model.params.activation=\"elu\"", "seed=0"),
        trials.get(0).overrides());
    assertEquals(
        Map.of("training.optimizer.lr", "0.003", "model.params.activation", "relu", "seed", "1"),
        trials.get(7).values());
    Set<String> hashes = new HashSet<>();
    for (SweepPlan.Trial t : trials) {
      LoadedConfig c = t.config();
      assertFalse(c.resolvedTree().has("sweep"), "a trial has no sweep block");
      assertTrue(hashes.add(t.hash()), "every trial has its own identity");
      assertEquals(
          Double.parseDouble(t.values().get("training.optimizer.lr")),
          c.config().training().optimizer().lr());
      assertEquals(Long.parseLong(t.values().get("seed")), c.config().seed());
      assertEquals(
          t.values().get("model.params.activation"),
          c.config().model().params().get("activation").asText());
      assertEquals(50L, c.config().training().steps(), "the base config is kept");
    }
    // The same trial without a sweep block at all has the same identity.
    LoadedConfig plain =
        ConfigLoader.parse(
            BASE,
            "plain.yaml",
            List.of("training.optimizer.lr=0.001", "model.params.activation=elu", "seed=0"));
    assertEquals(plain.configHash(), trials.get(0).hash());
  }

  @Test
  void randomDrawsAreReproducibleInRangeAndFollowTheExperimentSeed() {
    String sweep =
        """
        sweep:
          random:
            trials: 5
            params:
              training.optimizer.lr: {log_uniform: [1.0e-4, 1.0e-2]}
              training.optimizer.weight_decay: {uniform: [0.0, 0.5]}
              model.params.couplings: {choice: [2, 4, 8]}
          seeds: [1, 2]
        """;
    List<SweepPlan.Trial> a = expand(sweep);
    List<SweepPlan.Trial> b = expand(sweep);
    assertEquals(10, a.size());
    assertEquals(
        a.stream().map(SweepPlan.Trial::hash).toList(),
        b.stream().map(SweepPlan.Trial::hash).toList());
    Set<Double> lrs = new HashSet<>();
    for (SweepPlan.Trial t : a) {
      double lr = t.config().config().training().optimizer().lr();
      double wd = t.config().config().training().optimizer().weightDecay();
      int couplings = t.config().config().model().params().get("couplings").asInt();
      assertTrue(lr >= 1e-4 && lr <= 1e-2, "lr " + lr);
      assertTrue(wd >= 0 && wd <= 0.5, "weight decay " + wd);
      assertTrue(Set.of(2, 4, 8).contains(couplings), "couplings " + couplings);
      lrs.add(lr);
    }
    assertEquals(5, lrs.size(), "5 distinct draws, each repeated for both seeds");
    assertEquals(
        a.get(0).values().get("training.optimizer.lr"),
        a.get(1).values().get("training.optimizer.lr"));
    List<SweepPlan.Trial> otherSeed = expand(sweep, "seed=8");
    assertNotEquals(
        a.get(0).values().get("training.optimizer.lr"),
        otherSeed.get(0).values().get("training.optimizer.lr"));
  }

  @Test
  void badSweepBlocksGiveLocatedErrors() {
    Map<String, String> cases =
        Map.of(
            "sweep:\n  goal: maximise\n",
            "s.yaml:7:3: sweep.goal: must be one of [minimize, maximize]",
            "sweep:\n  random:\n    trials: 2\n    params:\n      training.optimizer.lr: {log_uniform: [0.0, 1.0]}\n",
            "s.yaml:10:31: sweep.random.params.training.optimizer.lr.log_uniform: needs lo > 0",
            "sweep:\n  grid:\n    training.optimizer.lr: []\n",
            "sweep.grid.training.optimizer.lr: needs at least one value",
            "sweep:\n  workers: 0\n",
            "s.yaml:7:3: sweep.workers: must be >= 1, got 0",
            "sweep:\n  seeds: [1]\n  grid:\n    training.optimizer.lrr: [0.1]\n",
            "training.optimizer.lrr: unknown key 'lrr'",
            "sweep:\n  gird: {}\n",
            "s.yaml:7:3: sweep.gird: unknown key 'gird'",
            "sweep:\n  seeds: []\n",
            "s.yaml:7:3: sweep.seeds: is empty: give at least one seed, or leave it out",
            "sweep:\n  seeds: [1]\n  grid: {}\n",
            "s.yaml:8:3: sweep.grid: is empty: give at least one path to sweep, or leave it out");
    List<String> wrong = new java.util.ArrayList<>();
    for (var c : cases.entrySet()) {
      ConfigException e = assertThrows(ConfigException.class, () -> expand(c.getKey()));
      if (!e.getMessage().contains(c.getValue()) || e.getMessage().contains("\n")) {
        wrong.add(c.getValue() + " in: " + e.getMessage());
      }
    }
    assertEquals(List.of(), wrong);
    ConfigException none = assertThrows(ConfigException.class, () -> expand(""));
    assertTrue(none.getMessage().contains("sweep: is required"), none.getMessage());
  }
}
