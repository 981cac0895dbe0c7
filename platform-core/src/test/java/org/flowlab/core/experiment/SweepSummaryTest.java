package org.flowlab.core.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.util.List;
import org.flowlab.core.config.ConfigLoader;
import org.flowlab.core.config.LoadedConfig;
import org.flowlab.core.tracking.Tracker;
import org.junit.jupiter.api.Test;

/** summary.csv is CSV that a CSV reader gives back cell for cell, failures with commas included. */
class SweepSummaryTest {
  @Test
  void summaryCsvReadsBackCellForCell() throws Exception {
    LoadedConfig config =
        ConfigLoader.parse(
            """
            name: s
            data: {name: 8gaussians}
            model: {family: realnvp}
            sweep: {grid: {training.optimizer.lr: [1.0e-3, 3.0e-3]}}
            """,
            "s.yaml",
            List.of());
    List<SweepPlan.Trial> trials = SweepPlan.expand(config);
    String failure = "diverged, loss \"NaN\"\nat step 3";
    List<SweepRunner.TrialResult> results =
        List.of(
            new SweepRunner.TrialResult(
                trials.get(0), "run-a", Tracker.Status.FINISHED, 1.25, null),
            new SweepRunner.TrialResult(
                trials.get(1), "run-b", Tracker.Status.FAILED, null, failure));

    String csv = SweepSummary.csv(results, config.config().sweep());

    CsvMapper mapper = CsvMapper.builder().enable(CsvParser.Feature.WRAP_AS_ARRAY).build();
    try (MappingIterator<String[]> rows = mapper.readerFor(String[].class).readValues(csv)) {
      List<String[]> all = rows.readAll();
      assertEquals(3, all.size(), csv);
      assertEquals(
          List.of(
              "trial",
              "run_id",
              "status",
              "trial_hash",
              "training.optimizer.lr",
              "test/nll",
              "failure"),
          List.of(all.get(0)));
      assertEquals(
          List.of("0", "run-a", "FINISHED", trials.get(0).hash(), "0.001", "1.25", ""),
          List.of(all.get(1)));
      assertEquals(
          List.of("1", "run-b", "FAILED", trials.get(1).hash(), "0.003", "", failure),
          List.of(all.get(2)));
    }
  }
}
