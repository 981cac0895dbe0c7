package org.flowlab.core.train;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.flowlab.core.io.AtomicFiles;

/**
 * Everything a run needs to continue: parameters (buffers included), optimizer state, the step, the
 * best validation score so far, and the resolved config. Randomness needs no state: every draw
 * comes from a counter-based stream of (seed, step). Stored as one zip ({@code params.npz}, {@code
 * optimizer.npz}, {@code state.json}, {@code config.yaml}) written atomically.
 *
 * @param step steps completed
 * @param bestValNll best validation NLL so far (NaN before the first validation)
 * @param bestStep the step of {@code bestValNll}
 * @param configHash hash of the resolved config the run was started with
 * @param configYaml the resolved config
 * @param params every parameter and buffer, by name
 * @param optimizer the optimizer's state
 */
public record Checkpoint(
    long step,
    double bestValNll,
    long bestStep,
    String configHash,
    String configYaml,
    NDList params,
    NDList optimizer) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Writes this checkpoint to {@code file} atomically (temp file, fsync, rename). */
  public void write(Path file) throws IOException {
    Map<String, Object> state = new HashMap<>();
    state.put("step", step);
    state.put("best_val_nll", Double.isNaN(bestValNll) ? null : bestValNll);
    state.put("best_step", bestStep);
    state.put("config_hash", configHash);
    state.put("rng", "counter-based: Seeds.stream(seed, purpose, step)");
    AtomicFiles.write(
        file,
        out -> {
          try (ZipOutputStream zip = new ZipOutputStream(out)) {
            entry(
                zip, "state.json", JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(state));
            entry(zip, "config.yaml", configYaml.getBytes(StandardCharsets.UTF_8));
            entry(zip, "params.npz", npz(params));
            entry(zip, "optimizer.npz", npz(optimizer));
          }
        });
  }

  /**
   * Reads a checkpoint written by {@link #write}; arrays are created on {@code manager}.
   *
   * @throws IOException naming the file when it is missing, torn or not a checkpoint
   */
  public static Checkpoint read(Path file, NDManager manager) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException(file + ": no such checkpoint");
    }
    try {
      return readWhole(file, manager);
    } catch (IOException | RuntimeException e) {
      String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw new IOException(
          reason.startsWith(file.toString())
              ? reason
              : file
                  + ": damaged checkpoint ("
                  + e.getClass().getSimpleName()
                  + ": "
                  + reason
                  + ")",
          e);
    }
  }

  /**
   * Reads the first of {@code candidates} (newest first by role, e.g. last, previous, best) that is
   * whole; when the first is damaged, the others that exist are read and the one with the most
   * steps wins, and {@code warnings} gets one line naming the damaged file and the one used.
   *
   * @throws IOException when none is whole, naming each
   */
  public static Checkpoint readNewestWhole(
      List<Path> candidates, NDManager manager, Consumer<String> warnings) throws IOException {
    List<String> damaged = new ArrayList<>();
    Checkpoint newest = null;
    Path newestFile = null;
    for (Path file : candidates) {
      if (!Files.isRegularFile(file)) {
        continue;
      }
      try {
        Checkpoint c = read(file, manager);
        if (damaged.isEmpty() && newest == null) {
          return c; // the first one is whole: the usual case
        }
        if (newest == null || c.step() > newest.step()) {
          newest = c;
          newestFile = file;
        }
      } catch (IOException e) {
        damaged.add(e.getMessage());
      }
    }
    if (newest == null) {
      throw new IOException("no whole checkpoint: " + String.join("; ", damaged));
    }
    warnings.accept(
        String.join("; ", damaged)
            + ": resuming from "
            + newestFile.getFileName()
            + " (step "
            + newest.step()
            + ")");
    return newest;
  }

  private static Checkpoint readWhole(Path file, NDManager manager) throws IOException {
    Map<String, byte[]> entries = new HashMap<>();
    try (InputStream in = Files.newInputStream(file);
        ZipInputStream zip = new ZipInputStream(in)) {
      for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
        entries.put(e.getName(), zip.readAllBytes());
      }
    }
    for (String required :
        new String[] {"state.json", "config.yaml", "params.npz", "optimizer.npz"}) {
      if (!entries.containsKey(required)) {
        throw new IOException(file + ": not a Flowlab checkpoint (no " + required + ")");
      }
    }
    var state = JSON.readTree(entries.get("state.json"));
    double best =
        state.get("best_val_nll").isNull() ? Double.NaN : state.get("best_val_nll").asDouble();
    return new Checkpoint(
        state.get("step").asLong(),
        best,
        state.get("best_step").asLong(),
        state.get("config_hash").asText(),
        new String(entries.get("config.yaml"), StandardCharsets.UTF_8),
        NDList.decode(manager, entries.get("params.npz")),
        NDList.decode(manager, entries.get("optimizer.npz")));
  }

  private static byte[] npz(NDList list) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    list.encode(bytes, NDList.Encoding.NPZ);
    return bytes.toByteArray();
  }

  private static void entry(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
    zip.putNextEntry(new ZipEntry(name));
    zip.write(bytes);
    zip.closeEntry();
  }
}
