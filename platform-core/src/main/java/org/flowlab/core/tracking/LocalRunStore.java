package org.flowlab.core.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The embedded tracker: a folder per run under a root folder (default {@code runs/}). It needs
 * nothing installed and is the source of truth for every backend.
 *
 * <p>Layout of {@code <root>/<run-id>/}: {@code meta.json} (id, name, experiment, parent_run_id,
 * status, start_time, end_time in epoch ms), {@code params.json}, {@code tags.json}, {@code
 * metrics/<encoded-key>.jsonl} (one JSON line per value: key, step, value, timestamp) and {@code
 * artifacts/...}. JSON documents are replaced atomically (temp file, fsync, rename); metric lines
 * are appended and handed to the OS at once, so a {@code kill -9} loses at most a torn last line,
 * which readers skip.
 *
 * <p>Run ids are {@code yyyyMMdd-HHmmss-<6 hex>} in UTC, so they sort by start time.
 */
public class LocalRunStore implements Tracker {
  /** The default root folder, relative to the working directory. */
  public static final Path DEFAULT_ROOT = Path.of("runs");

  /** The file that makes a folder a run: its id, name, experiment, status and times. */
  public static final String META = "meta.json";

  static final String PARAMS = "params.json";
  static final String TAGS = "tags.json";
  static final String METRICS = "metrics";
  static final String ARTIFACTS = "artifacts";
  static final String METRIC_SUFFIX = ".jsonl";

  private static final DateTimeFormatter ID_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter TABLE_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path root;

  /** A store rooted at {@link #DEFAULT_ROOT}. */
  public LocalRunStore() {
    this(DEFAULT_ROOT);
  }

  /** A store rooted at {@code root} (created on the first run). */
  public LocalRunStore(Path root) {
    this.root = root;
  }

  /** The root folder. */
  public Path root() {
    return root;
  }

  /** The folder of a run with this exact id (it may not exist). */
  public Path runDir(String runId) {
    return root.resolve(runId);
  }

  @Override
  public LocalRun start(String experiment, String runName, String parentRunId) throws IOException {
    if (experiment == null || experiment.isBlank()) {
      throw new IllegalArgumentException("experiment name must not be empty");
    }
    Files.createDirectories(root);
    long now = System.currentTimeMillis();
    Path dir;
    String id;
    while (true) {
      byte[] rnd = new byte[3];
      RANDOM.nextBytes(rnd);
      id = ID_TIME.format(Instant.ofEpochMilli(now)) + "-" + HexFormat.of().formatHex(rnd);
      dir = root.resolve(id);
      try {
        Files.createDirectory(dir);
        break;
      } catch (FileAlreadyExistsException e) {
        // 1 in 16M per second: draw again.
      }
    }
    RunLock lock = RunLock.writer(dir, id);
    Files.createDirectories(dir.resolve(METRICS));
    Files.createDirectories(dir.resolve(ARTIFACTS));
    Meta meta =
        new Meta(
            id,
            runName == null || runName.isBlank() ? id : runName,
            experiment,
            parentRunId,
            Status.RUNNING,
            now,
            null);
    meta.write(dir);
    JsonFiles.writeStringMap(dir.resolve(PARAMS), Map.of());
    JsonFiles.writeStringMap(dir.resolve(TAGS), Map.of());
    org.flowlab.core.io.AtomicFiles.fsyncDirectory(root);
    return new LocalRun(this, dir, meta, lock);
  }

  @Override
  public Optional<TrackedRun> resume(String runIdOrPrefix) throws IOException {
    return resumeLocal(runIdOrPrefix).map(r -> r);
  }

  @Override
  public Optional<TrackedRun> amend(String runIdOrPrefix) throws IOException {
    return amendLocal(runIdOrPrefix).map(r -> r);
  }

  /** Like {@link #amend} with the concrete type: the run keeps its status and end time. */
  public Optional<LocalRun> amendLocal(String runIdOrPrefix) throws IOException {
    Optional<String> id = resolveId(runIdOrPrefix);
    if (id.isEmpty()) {
      return Optional.empty();
    }
    Path dir = runDir(id.get());
    Files.createDirectories(dir.resolve(ARTIFACTS));
    return Optional.of(new LocalRun(this, dir, Meta.read(dir), null));
  }

  /**
   * Like {@link #resume} with the concrete type: takes the run's writer lock, repairs a torn last
   * metric line and sets its status to RUNNING again.
   *
   * @throws IllegalArgumentException when the prefix matches more than one run
   * @throws RunLockedException when another process is writing the run (naming its pid)
   */
  public Optional<LocalRun> resumeLocal(String runIdOrPrefix) throws IOException {
    Optional<String> id = resolveId(runIdOrPrefix);
    if (id.isEmpty()) {
      return Optional.empty();
    }
    Path dir = runDir(id.get());
    Meta meta = Meta.read(dir);
    RunLock lock = RunLock.writer(dir, id.get());
    try {
      return Optional.of(reopen(dir, meta, lock));
    } catch (IOException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  private LocalRun reopen(Path dir, Meta meta, RunLock lock) throws IOException {
    Path metrics = dir.resolve(METRICS);
    Files.createDirectories(metrics);
    Files.createDirectories(dir.resolve(ARTIFACTS));
    try (Stream<Path> files = Files.list(metrics)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (f.getFileName().toString().endsWith(METRIC_SUFFIX)) {
          truncateTornLine(f);
        }
      }
    }
    Meta running =
        new Meta(
            meta.id(),
            meta.name(),
            meta.experiment(),
            meta.parentRunId(),
            Status.RUNNING,
            meta.startTime(),
            null);
    running.write(dir);
    return new LocalRun(this, dir, running, lock);
  }

  /**
   * Resolves a run id or a unique id prefix to the full id.
   *
   * @return empty when no run matches
   * @throws IllegalArgumentException when the prefix is ambiguous (the message lists candidates)
   */
  public Optional<String> resolveId(String runIdOrPrefix) throws IOException {
    if (runIdOrPrefix == null || runIdOrPrefix.isBlank()) {
      throw new IllegalArgumentException("run id must not be empty");
    }
    List<String> ids = runIds();
    if (ids.contains(runIdOrPrefix)) {
      return Optional.of(runIdOrPrefix);
    }
    List<String> matches = ids.stream().filter(i -> i.startsWith(runIdOrPrefix)).toList();
    if (matches.size() > 1) {
      throw new IllegalArgumentException(
          "run id prefix '"
              + runIdOrPrefix
              + "' is ambiguous in "
              + root
              + ": "
              + String.join(", ", matches));
    }
    return matches.stream().findFirst();
  }

  /** All run ids in the store, oldest first. */
  public List<String> runIds() throws IOException {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> dirs = Files.list(root)) {
      return dirs.filter(d -> Files.isRegularFile(d.resolve(META)))
          .map(d -> d.getFileName().toString())
          .sorted()
          .toList();
    }
  }

  /**
   * Summaries of all runs, oldest first; a run whose records cannot be read is left out with one
   * warning line on stderr naming the file.
   */
  public List<RunSummary> listRuns() throws IOException {
    return listRuns(warning -> System.err.println("warning: " + warning));
  }

  /**
   * Summaries of all runs, oldest first. A run whose records cannot be read (a torn {@code
   * meta.json} or {@code tags.json}) is left out and {@code skipped} gets one line naming the file.
   */
  public List<RunSummary> listRuns(java.util.function.Consumer<String> skipped) throws IOException {
    List<RunSummary> out = new ArrayList<>();
    for (String id : runIds()) {
      try {
        out.add(summary(id));
      } catch (IOException | RuntimeException e) {
        skipped.accept("skipped run " + id + ": " + e.getMessage());
      }
    }
    return out;
  }

  /** The summary of one run by id or unique prefix. */
  public Optional<RunSummary> run(String runIdOrPrefix) throws IOException {
    Optional<String> id = resolveId(runIdOrPrefix);
    return id.isEmpty() ? Optional.empty() : Optional.of(summary(id.get()));
  }

  private RunSummary summary(String id) throws IOException {
    Path dir = runDir(id);
    Meta meta = Meta.read(dir);
    Map<String, Double> latest = new TreeMap<>();
    for (String key : metricKeys(id)) {
      List<MetricPoint> points = metricHistory(id, key);
      MetricPoint last = null;
      for (MetricPoint p : points) {
        if (last == null || p.step() >= last.step()) {
          last = p;
        }
      }
      if (last != null) {
        latest.put(key, last.value());
      }
    }
    return new RunSummary(
        meta.id(),
        meta.name(),
        meta.experiment(),
        meta.parentRunId(),
        meta.status(),
        meta.startTime(),
        meta.endTime(),
        latest,
        JsonFiles.readStringMap(dir.resolve(PARAMS)),
        JsonFiles.readStringMap(dir.resolve(TAGS)));
  }

  /** The metric keys a run has logged, sorted. */
  public List<String> metricKeys(String runId) throws IOException {
    Path metrics = runDir(runId).resolve(METRICS);
    if (!Files.isDirectory(metrics)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(metrics)) {
      return files
          .map(f -> f.getFileName().toString())
          .filter(n -> n.endsWith(METRIC_SUFFIX))
          .map(n -> decodeKey(n.substring(0, n.length() - METRIC_SUFFIX.length())))
          .sorted()
          .toList();
    }
  }

  /** Every value of one metric of a run, in logging order (a torn or corrupt line is skipped). */
  public List<MetricPoint> metricHistory(String runId, String key) throws IOException {
    Path file = metricFile(runDir(runId), key);
    if (!Files.exists(file)) {
      return List.of();
    }
    return readMetricLines(file, 0, true).points();
  }

  /**
   * A table of runs, one per line, sorted by a metric's latest value (runs without it last).
   *
   * @param sortMetric the metric to sort by, or null to sort by start time
   * @param descending sort largest first
   * @param experiment only runs of this experiment, or null for all
   */
  public String table(String sortMetric, boolean descending, String experiment) throws IOException {
    return renderTable(listRuns(), sortMetric, descending, experiment);
  }

  /** Renders {@code runs} as an aligned text table; see {@link #table}. */
  public static String renderTable(
      List<RunSummary> runs, String sortMetric, boolean descending, String experiment) {
    List<RunSummary> rows =
        new ArrayList<>(
            runs.stream()
                .filter(r -> experiment == null || experiment.equals(r.experiment()))
                .toList());
    Comparator<RunSummary> order;
    if (sortMetric == null) {
      order = Comparator.comparingLong(RunSummary::startTimeMs).thenComparing(RunSummary::id);
      if (descending) {
        order = order.reversed();
      }
    } else {
      Comparator<Double> values = Comparator.naturalOrder();
      if (descending) {
        values = values.reversed();
      }
      order =
          Comparator.comparing(
                  (RunSummary r) -> r.latestMetrics().get(sortMetric), Comparator.nullsLast(values))
              .thenComparing(RunSummary::id);
    }
    rows.sort(order);
    TreeSet<String> otherKeys = new TreeSet<>();
    rows.forEach(r -> otherKeys.addAll(r.latestMetrics().keySet()));
    List<String> metricCols = new ArrayList<>();
    if (sortMetric != null) {
      metricCols.add(sortMetric);
      otherKeys.remove(sortMetric);
    }
    metricCols.addAll(otherKeys);
    List<String> header = new ArrayList<>(List.of("ID", "EXPERIMENT", "NAME", "STATUS", "STARTED"));
    header.addAll(metricCols);
    List<List<String>> cells = new ArrayList<>();
    cells.add(header);
    for (RunSummary r : rows) {
      List<String> line = new ArrayList<>();
      line.add(r.id());
      line.add(r.experiment());
      line.add(r.name());
      line.add(r.status().name());
      line.add(TABLE_TIME.format(Instant.ofEpochMilli(r.startTimeMs())));
      for (String key : metricCols) {
        Double v = r.latestMetrics().get(key);
        line.add(v == null ? "-" : String.format(Locale.ROOT, "%.6g", v));
      }
      cells.add(line);
    }
    int[] widths = new int[header.size()];
    for (List<String> line : cells) {
      for (int i = 0; i < line.size(); i++) {
        widths[i] = Math.max(widths[i], line.get(i).length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (List<String> line : cells) {
      StringBuilder l = new StringBuilder();
      for (int i = 0; i < line.size(); i++) {
        if (i > 0) {
          l.append("  ");
        }
        String c = line.get(i);
        boolean numeric = i >= 5;
        if (numeric) {
          l.append(" ".repeat(widths[i] - c.length())).append(c);
        } else {
          l.append(c).append(" ".repeat(widths[i] - c.length()));
        }
      }
      sb.append(l.toString().stripTrailing()).append('\n');
    }
    return sb.toString();
  }

  @Override
  public String sync() {
    return "local store " + root + ": nothing to send";
  }

  @Override
  public String describe() {
    return "local store " + root + "/";
  }

  @Override
  public void close() {}

  // ---- metric files ---------------------------------------------------------------------------

  static Path metricFile(Path runDir, String key) {
    return runDir.resolve(METRICS).resolve(encodeKey(key) + METRIC_SUFFIX);
  }

  /** Maps a metric key to a safe, reversible file name: [A-Za-z0-9._-] kept, others %XX. */
  static String encodeKey(String key) {
    StringBuilder sb = new StringBuilder();
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '.'
          || c == '_'
          || c == '-') {
        sb.append(c);
      } else {
        sb.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xff));
      }
    }
    return sb.toString();
  }

  static String decodeKey(String name) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '%' && i + 2 < name.length()) {
        out.write(Integer.parseInt(name.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        out.write(c);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /**
   * Points read from a metric file, the byte offset just after each point's line, and the offset
   * just after the last complete line.
   */
  record MetricChunk(List<MetricPoint> points, List<Long> lineEnds, long endOffset) {}

  /**
   * Reads metric lines from {@code offset}. Only lines ending in '\n' advance the offset; with
   * {@code includeUnterminated} an unterminated last line is also parsed if it is whole JSON. Lines
   * that do not parse (a torn write) are skipped.
   */
  static MetricChunk readMetricLines(Path file, long offset, boolean includeUnterminated)
      throws IOException {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      in.skipNBytes(offset);
      bytes = in.readAllBytes();
    }
    List<MetricPoint> points = new ArrayList<>();
    List<Long> lineEnds = new ArrayList<>();
    String fallbackKey =
        decodeKey(
            file.getFileName()
                .toString()
                .substring(0, file.getFileName().toString().length() - METRIC_SUFFIX.length()));
    int start = 0;
    int lineStart = 0;
    long end = offset;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        start = i + 1;
        end = offset + start;
        if (parseLine(bytes, lineStart, i, fallbackKey, points)) {
          lineEnds.add(end);
        }
        lineStart = start;
      }
    }
    if (includeUnterminated && start < bytes.length) {
      if (parseLine(bytes, start, bytes.length, fallbackKey, points)) {
        lineEnds.add(offset + bytes.length);
      }
    }
    return new MetricChunk(points, lineEnds, end);
  }

  private static boolean parseLine(
      byte[] bytes, int from, int to, String fallbackKey, List<MetricPoint> out) {
    if (to <= from) {
      return false;
    }
    try {
      JsonNode n = JsonFiles.LINE_MAPPER.readTree(bytes, from, to - from);
      if (n == null || !n.isObject() || !n.has("step") || !n.has("value")) {
        return false;
      }
      String key = n.has("key") ? n.get("key").asText() : fallbackKey;
      out.add(
          new MetricPoint(
              key,
              n.get("step").asLong(),
              n.get("value").asDouble(),
              n.path("timestamp").asLong()));
      return true;
    } catch (IOException e) {
      // A torn line after a crash: skip it.
      return false;
    }
  }

  /** Cuts an unterminated (torn) last line so later appends start on a fresh line. */
  static void truncateTornLine(Path file) throws IOException {
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long size = ch.size();
      if (size == 0) {
        return;
      }
      java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
      long pos = size - 1;
      ch.read(one, pos);
      if (one.get(0) == '\n') {
        return;
      }
      while (pos > 0) {
        one.clear();
        ch.read(one, pos - 1);
        if (one.get(0) == '\n') {
          break;
        }
        pos--;
      }
      ch.truncate(pos);
      ch.force(true);
    }
  }

  // ---- meta.json ------------------------------------------------------------------------------

  /** The contents of meta.json. */
  record Meta(
      String id,
      String name,
      String experiment,
      String parentRunId,
      Status status,
      long startTime,
      Long endTime) {

    void write(Path dir) throws IOException {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", id);
      m.put("name", name);
      m.put("experiment", experiment);
      m.put("parent_run_id", parentRunId);
      m.put("status", status.name());
      m.put("start_time", startTime);
      m.put("end_time", endTime);
      JsonFiles.writeAtomic(dir.resolve(META), m);
    }

    static Meta read(Path dir) throws IOException {
      Path file = dir.resolve(META);
      JsonNode n = JsonFiles.readTree(file);
      if (n == null) {
        throw new IOException("not a run folder (no " + META + "): " + dir);
      }
      if (!n.isObject() || !n.hasNonNull("experiment")) {
        throw new IOException(file + ": not a run record (no experiment)");
      }
      Status status;
      try {
        status = Status.valueOf(n.path("status").asText("RUNNING"));
      } catch (IllegalArgumentException e) {
        throw new IOException(file + ": unknown status '" + n.path("status").asText() + "'");
      }
      return new Meta(
          n.path("id").asText(dir.getFileName().toString()),
          n.path("name").asText(),
          n.path("experiment").asText(),
          n.hasNonNull("parent_run_id") ? n.get("parent_run_id").asText() : null,
          status,
          n.path("start_time").asLong(),
          n.hasNonNull("end_time") ? n.get("end_time").asLong() : null);
    }

    Meta withStatus(Status s, Long end) {
      return new Meta(id, name, experiment, parentRunId, s, startTime, end);
    }
  }
}
