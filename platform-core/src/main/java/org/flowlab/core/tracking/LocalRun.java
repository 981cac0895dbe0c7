package org.flowlab.core.tracking;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.flowlab.core.io.AtomicFiles;

/**
 * A run in the {@link LocalRunStore}: every call writes to the run folder at once. Thread-safe. A
 * run opened to train ({@code start}, {@code resume}) holds the folder's writer lock until it is
 * finished or closed; tags and params are merged with what is on disk under the records lock, so
 * other processes that amend the run (exports) lose nothing.
 */
public final class LocalRun implements TrackedRun {
  private final LocalRunStore store;
  private final Path dir;
  private LocalRunStore.Meta meta;
  private final Map<String, String> params;
  private final Map<String, String> tags;
  private final Map<String, FileChannel> metricFiles = new HashMap<>();
  private RunLock writerLock;

  LocalRun(LocalRunStore store, Path dir, LocalRunStore.Meta meta) throws IOException {
    this(store, dir, meta, null);
  }

  LocalRun(LocalRunStore store, Path dir, LocalRunStore.Meta meta, RunLock writerLock)
      throws IOException {
    this.store = store;
    this.dir = dir;
    this.meta = meta;
    this.writerLock = writerLock;
    this.params = new TreeMap<>(JsonFiles.readStringMap(dir.resolve(LocalRunStore.PARAMS)));
    this.tags = new TreeMap<>(JsonFiles.readStringMap(dir.resolve(LocalRunStore.TAGS)));
  }

  @Override
  public String id() {
    return meta.id();
  }

  @Override
  public Path dir() {
    return dir;
  }

  /** The store this run lives in. */
  public LocalRunStore store() {
    return store;
  }

  /** The experiment name. */
  public String experiment() {
    return meta.experiment();
  }

  /** The run name. */
  public String name() {
    return meta.name();
  }

  /** The parent run's local id, or null. */
  public String parentRunId() {
    return meta.parentRunId();
  }

  /** The current status. */
  public synchronized Tracker.Status status() {
    return meta.status();
  }

  /** A copy of the params logged so far. */
  public synchronized Map<String, String> params() {
    return new TreeMap<>(params);
  }

  /** A copy of the tags set so far. */
  public synchronized Map<String, String> tags() {
    return new TreeMap<>(tags);
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException when a key was already logged with a different value (MLflow
   *     params are immutable)
   */
  @Override
  public synchronized void logParams(Map<String, String> newParams) throws IOException {
    RunLock.withRecords(dir, () -> mergeParams(newParams));
  }

  private Void mergeParams(Map<String, String> newParams) throws IOException {
    Map<String, String> merged =
        new TreeMap<>(JsonFiles.readStringMap(dir.resolve(LocalRunStore.PARAMS)));
    for (Map.Entry<String, String> e : newParams.entrySet()) {
      requireKey(e.getKey(), "param");
      String value = String.valueOf(e.getValue());
      String old = merged.get(e.getKey());
      if (old != null && !old.equals(value)) {
        throw new IllegalArgumentException(
            "param '"
                + e.getKey()
                + "' of run "
                + id()
                + " is already '"
                + old
                + "', cannot change it to '"
                + value
                + "'");
      }
      merged.put(e.getKey(), value);
    }
    if (!merged.equals(JsonFiles.readStringMap(dir.resolve(LocalRunStore.PARAMS)))) {
      JsonFiles.writeStringMap(dir.resolve(LocalRunStore.PARAMS), merged);
    }
    params.clear();
    params.putAll(merged);
    return null;
  }

  @Override
  public synchronized void setTags(Map<String, String> newTags) throws IOException {
    for (String key : newTags.keySet()) {
      requireKey(key, "tag");
    }
    RunLock.withRecords(
        dir,
        () -> {
          Path file = dir.resolve(LocalRunStore.TAGS);
          Map<String, String> onDisk = JsonFiles.readStringMap(file);
          Map<String, String> merged = new TreeMap<>(onDisk);
          newTags.forEach((k, v) -> merged.put(k, String.valueOf(v)));
          if (!merged.equals(onDisk)) {
            JsonFiles.writeStringMap(file, merged);
          }
          tags.clear();
          tags.putAll(merged);
          return null;
        });
  }

  @Override
  public void logMetric(String key, double value, long step) throws IOException {
    logMetric(key, value, step, System.currentTimeMillis());
  }

  /** Logs one metric value at a step with an explicit timestamp (epoch ms). */
  public synchronized void logMetric(String key, double value, long step, long timestamp)
      throws IOException {
    requireKey(key, "metric");
    FileChannel ch = metricFiles.get(key);
    if (ch == null) {
      Path file = LocalRunStore.metricFile(dir, key);
      Files.createDirectories(file.getParent());
      ch =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
      metricFiles.put(key, ch);
    }
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("key", key);
    line.put("step", step);
    line.put("value", value);
    line.put("timestamp", timestamp);
    byte[] bytes =
        JsonFiles.LINE_MAPPER
            .writeValueAsString(line)
            .concat("\n")
            .getBytes(StandardCharsets.UTF_8);
    java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  @Override
  public synchronized void logArtifact(Path file, String artifactPath) throws IOException {
    if (!Files.exists(file)) {
      throw new IllegalArgumentException("artifact file does not exist: " + file);
    }
    Path base = dir.resolve(LocalRunStore.ARTIFACTS);
    Path target = base;
    if (artifactPath != null && !artifactPath.isEmpty()) {
      Path rel = Path.of(artifactPath).normalize();
      if (rel.isAbsolute() || rel.startsWith("..")) {
        throw new IllegalArgumentException(
            "artifact path must be a relative folder inside the run: " + artifactPath);
      }
      target = base.resolve(rel);
    }
    Path dest = target.resolve(file.getFileName().toString());
    if (Files.isDirectory(file)) {
      try (Stream<Path> walk = Files.walk(file)) {
        for (Path p : (Iterable<Path>) walk::iterator) {
          Path d = dest.resolve(file.relativize(p).toString());
          if (Files.isDirectory(p)) {
            Files.createDirectories(d);
          } else {
            copyAtomic(p, d);
          }
        }
      }
    } else {
      copyAtomic(file, dest);
    }
  }

  private static void copyAtomic(Path src, Path dest) throws IOException {
    AtomicFiles.write(dest, out -> Files.copy(src, out));
  }

  /** Forces appended metric lines to disk. */
  @Override
  public synchronized void flush() throws IOException {
    for (FileChannel ch : metricFiles.values()) {
      ch.force(false);
    }
  }

  @Override
  public synchronized void finish(Tracker.Status status) throws IOException {
    flush();
    meta =
        meta.withStatus(
            status, status == Tracker.Status.RUNNING ? null : System.currentTimeMillis());
    meta.write(dir);
    closeFiles();
  }

  /** Closes open files; a run still RUNNING is finished as FINISHED. */
  @Override
  public synchronized void close() throws IOException {
    if (meta.status() == Tracker.Status.RUNNING) {
      finish(Tracker.Status.FINISHED);
    }
    closeFiles();
  }

  private void closeFiles() throws IOException {
    IOException first = null;
    if (writerLock != null) {
      try {
        writerLock.close();
      } catch (IOException e) {
        first = e;
      }
      writerLock = null;
    }
    for (FileChannel ch : metricFiles.values()) {
      try {
        ch.close();
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    metricFiles.clear();
    if (first != null) {
      throw first;
    }
  }

  private static void requireKey(String key, String what) {
    if (key == null || key.isBlank()) {
      throw new IllegalArgumentException(what + " key must not be empty");
    }
  }
}
