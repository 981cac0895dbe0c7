package org.flowlab.core.experiment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.csv.CsvGenerator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import org.flowlab.core.config.SweepConfig;
import org.flowlab.core.eval.Plots;
import org.flowlab.core.tracking.Tracker;

/**
 * A finished sweep's summary: the table printed, {@code summary.csv}, and one plot per swept key.
 */
final class SweepSummary {
  private static final CsvMapper CSV =
      CsvMapper.builder().enable(CsvGenerator.Feature.STRICT_CHECK_FOR_QUOTING).build();

  private SweepSummary() {}

  private static List<String> sweptKeys(List<SweepRunner.TrialResult> results) {
    LinkedHashSet<String> keys = new LinkedHashSet<>();
    results.stream()
        .sorted(Comparator.comparing(r -> r.trial().index()))
        .forEach(r -> keys.addAll(r.trial().values().keySet()));
    return new ArrayList<>(keys);
  }

  static String table(List<SweepRunner.TrialResult> results, SweepConfig sweep) {
    List<String> keys = sweptKeys(results);
    List<List<String>> rows = new ArrayList<>();
    List<String> header = new ArrayList<>(List.of("RANK", "TRIAL", "RUN", "STATUS"));
    header.addAll(keys);
    header.add(sweep.metric());
    rows.add(header);
    int rank = 1;
    for (SweepRunner.TrialResult r : results) {
      List<String> row = new ArrayList<>();
      row.add(r.metric() == null ? "-" : Integer.toString(rank++));
      row.add(Integer.toString(r.trial().index()));
      row.add(r.runId() == null ? "-" : r.runId());
      row.add(r.status().name());
      for (String k : keys) {
        row.add(r.trial().values().getOrDefault(k, ""));
      }
      row.add(r.metric() == null ? "-" : String.format(Locale.ROOT, "%.6g", r.metric()));
      rows.add(row);
    }
    int[] w = new int[header.size()];
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        w[i] = Math.max(w[i], row.get(i).length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (List<String> row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        line.append(String.format(Locale.ROOT, "%-" + w[i] + "s  ", row.get(i)));
      }
      sb.append(line.toString().stripTrailing()).append('\n');
    }
    for (SweepRunner.TrialResult r : results) {
      if (r.failure() != null && r.status() != Tracker.Status.FINISHED) {
        sb.append("trial ")
            .append(r.trial().index())
            .append(' ')
            .append(r.status())
            .append(": ")
            .append(r.failure())
            .append('\n');
      }
    }
    return sb.toString();
  }

  /**
   * {@code summary.csv}: one row per trial, the swept values, the metric and any failure, written
   * by Jackson's CSV generator (quoted only where a cell needs it).
   */
  static String csv(List<SweepRunner.TrialResult> results, SweepConfig sweep) {
    List<String> keys = sweptKeys(results);
    List<String> header = new ArrayList<>(List.of("trial", "run_id", "status", "trial_hash"));
    header.addAll(keys);
    header.addAll(List.of(sweep.metric(), "failure"));
    List<List<String>> rows = new ArrayList<>(List.of(header));
    for (SweepRunner.TrialResult r : results) {
      List<String> row = new ArrayList<>();
      row.add(Integer.toString(r.trial().index()));
      row.add(r.runId() == null ? "" : r.runId());
      row.add(r.status().toString());
      row.add(r.trial().hash());
      for (String k : keys) {
        row.add(r.trial().values().getOrDefault(k, ""));
      }
      row.add(r.metric() == null ? "" : Double.toString(r.metric()));
      row.add(r.failure() == null ? "" : r.failure());
      rows.add(row);
    }
    try {
      return CSV.writer(CsvSchema.emptySchema().withLineSeparator("\n")).writeValueAsString(rows);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e); // strings only: cannot happen
    }
  }

  /** One PNG per swept parameter: the metric of each finished trial against its value. */
  static List<Path> plots(Path dir, List<SweepRunner.TrialResult> results, SweepConfig sweep) {
    List<Path> files = new ArrayList<>();
    List<SweepRunner.TrialResult> done = results.stream().filter(r -> r.metric() != null).toList();
    if (done.isEmpty()) {
      return files;
    }
    for (String key : sweptKeys(results)) {
      List<String> raw = done.stream().map(r -> r.trial().values().getOrDefault(key, "")).toList();
      boolean numeric = raw.stream().allMatch(SweepSummary::isNumber);
      List<String> categories = raw.stream().distinct().sorted().toList();
      double[] xs = new double[done.size()];
      double[] ys = new double[done.size()];
      for (int i = 0; i < done.size(); i++) {
        xs[i] = numeric ? Double.parseDouble(raw.get(i)) : categories.indexOf(raw.get(i));
        ys[i] = done.get(i).metric();
      }
      String xLabel = numeric ? key : key + " (" + String.join(", ", indexed(categories)) + ")";
      Path png = dir.resolve("metric_vs_" + key.replaceAll("[^A-Za-z0-9_.-]", "_") + ".png");
      Plots.scatter(png, sweep.metric() + " vs " + key, xLabel, sweep.metric(), xs, ys);
      files.add(png);
    }
    return files;
  }

  private static List<String> indexed(List<String> categories) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < categories.size(); i++) {
      out.add(i + "=" + categories.get(i));
    }
    return out;
  }

  private static boolean isNumber(String s) {
    try {
      return Double.isFinite(Double.parseDouble(s));
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
