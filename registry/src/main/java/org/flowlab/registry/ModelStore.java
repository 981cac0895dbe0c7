package org.flowlab.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.flowlab.api.onnx.OnnxModels;

/**
 * A versioned model store laid out as {@code root/<name>/<version>/}, versions numbered from 1,
 * each holding {@value #LOG_PROB_FILE}, {@value #SAMPLE_FILE} and {@value #CARD_FILE} (a
 * sampling-only flow: {@value #SAMPLER_FILE} and the card, whose {@code graphs} say so; a VAE:
 * {@value #GENERATOR_FILE} and the card). A version appears whole or not at all: it is written into
 * a hidden temporary folder beside its final place and then moved there in one atomic rename.
 */
public final class ModelStore {
  /** The {@code log_prob} model (x → log p(x)). */
  public static final String LOG_PROB_FILE = "log_prob.onnx";

  /** The {@code sample} model (z, temperature → x). */
  public static final String SAMPLE_FILE = "sample.onnx";

  /** The {@code sampler} model of a sampling-only flow (z → x, log q). */
  public static final String SAMPLER_FILE = "sampler.onnx";

  /** The {@code generator} model of a VAE (z, temperature → Bernoulli means). */
  public static final String GENERATOR_FILE = "generator.onnx";

  /** The model card. */
  public static final String CARD_FILE = "model-card.json";

  private final Path root;

  /** The registry folder when none is given: {@code $FLOWLAB_MODELS}, else {@code models/}. */
  public static Path defaultRoot() {
    return Path.of(System.getenv().getOrDefault("FLOWLAB_MODELS", "models"));
  }

  /** A store rooted at {@code root} (created on first write). */
  public ModelStore(Path root) {
    this.root = root;
  }

  /** The store's folder. */
  public Path root() {
    return root;
  }

  /** The model names in the store, sorted. */
  public List<String> names() throws IOException {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> children = Files.list(root)) {
      return children
          .filter(Files::isDirectory)
          .map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith("."))
          .sorted()
          .toList();
    }
  }

  /**
   * The versions of {@code name}, ascending: its folders named by a number (one that is too large
   * to be a version, e.g. a stray {@code 99999999999}, is not one).
   */
  public List<Integer> versions(String name) throws IOException {
    Path dir = root.resolve(name);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> children = Files.list(dir)) {
      return children
          .map(p -> p.getFileName().toString())
          .filter(s -> s.matches("[0-9]{1,9}"))
          .map(Integer::parseInt)
          .sorted()
          .toList();
    }
  }

  /** The folder of one version. */
  public Path versionDir(String name, int version) {
    return root.resolve(name).resolve(Integer.toString(version));
  }

  /**
   * Stores {@code models} with {@code card} as the next version of {@code name}, atomically.
   *
   * @return the card as stored, with its name and version set
   */
  public ModelCard publish(String name, OnnxModels models, ModelCard card) throws IOException {
    checkName(name);
    Path parent = root.resolve(name);
    Files.createDirectories(parent);
    // Not createTempDirectory: that makes the folder 0700, and the rename keeps it so; a shared
    // registry must follow the umask like every other folder.
    Path tmp = parent.resolve(".publishing-" + java.util.UUID.randomUUID());
    Files.createDirectory(tmp);
    try {
      if (models.samplingOnly()) {
        Files.write(tmp.resolve(SAMPLER_FILE), models.sampler());
      } else if (card.has(ModelCard.GENERATOR)) {
        Files.write(tmp.resolve(GENERATOR_FILE), models.sample());
      } else {
        Files.write(tmp.resolve(LOG_PROB_FILE), models.logProb());
        Files.write(tmp.resolve(SAMPLE_FILE), models.sample());
      }
      for (int attempt = 0; attempt < 100; attempt++) {
        List<Integer> existing = versions(name);
        int version = existing.isEmpty() ? 1 : existing.get(existing.size() - 1) + 1;
        ModelCard stored = card.withVersion(name, version);
        Files.writeString(tmp.resolve(CARD_FILE), stored.toJson(), StandardCharsets.UTF_8);
        MlflowModelFiles.write(tmp, stored);
        Path target = versionDir(name, version);
        try {
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
          return stored;
        } catch (AtomicMoveNotSupportedException e) {
          throw new IOException("the model store needs atomic renames: " + root, e);
        } catch (FileSystemException e) {
          // rename(2) onto a version another export created first fails (ENOTEMPTY, reported as
          // a plain FileSystemException): try the next version; anything else is a real error
          if (!Files.isDirectory(target)) {
            throw e;
          }
        }
      }
      throw new IOException("could not allocate a version of " + name + " in " + root);
    } finally {
      deleteTree(tmp);
    }
  }

  /**
   * A stored model by reference: {@code name} (its latest version) or {@code name:version}.
   *
   * @throws IllegalArgumentException naming what is missing
   */
  public Registered resolve(String reference) throws IOException {
    String name = reference;
    Integer version = null;
    int colon = reference.lastIndexOf(':');
    if (colon >= 0) {
      name = reference.substring(0, colon);
      try {
        version = Integer.parseInt(reference.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "bad model reference '" + reference + "': expected NAME or NAME:VERSION");
      }
    }
    List<Integer> versions = versions(name);
    if (versions.isEmpty()) {
      throw new IllegalArgumentException(
          "no model named '" + name + "' in " + root + " (models: " + names() + ")");
    }
    int chosen = version == null ? versions.get(versions.size() - 1) : version;
    if (!versions.contains(chosen)) {
      throw new IllegalArgumentException(
          "model " + name + " has no version " + chosen + " (versions: " + versions + ")");
    }
    return new Registered(name, chosen, versionDir(name, chosen), card(name, chosen));
  }

  /**
   * The card of one version.
   *
   * @throws IOException naming the card file when it is missing, torn or not a card
   */
  public ModelCard card(String name, int version) throws IOException {
    Path file = versionDir(name, version).resolve(CARD_FILE);
    if (!Files.isRegularFile(file)) {
      throw new IOException(file + ": missing");
    }
    try {
      return ModelCard.fromJson(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException | java.nio.charset.CharacterCodingException e) {
      throw new IOException(file + ": " + e.getMessage());
    }
  }

  /** The latest version of {@code name}, if any. */
  public Optional<Integer> latest(String name) throws IOException {
    List<Integer> v = versions(name);
    return v.isEmpty() ? Optional.empty() : Optional.of(v.get(v.size() - 1));
  }

  /**
   * One stored version.
   *
   * @param name the model name
   * @param version its version
   * @param dir its folder
   * @param card its model card
   */
  public record Registered(String name, int version, Path dir, ModelCard card) {
    /** The {@code log_prob} model file. */
    public Path logProbFile() {
      return dir.resolve(LOG_PROB_FILE);
    }

    /** The {@code sample} model file. */
    public Path sampleFile() {
      return dir.resolve(SAMPLE_FILE);
    }

    /** The {@code sampler} model file (a sampling-only flow). */
    public Path samplerFile() {
      return dir.resolve(SAMPLER_FILE);
    }

    /** The {@code generator} model file (a VAE). */
    public Path generatorFile() {
      return dir.resolve(GENERATOR_FILE);
    }
  }

  /**
   * Checks a model name before anything is exported under it.
   *
   * @throws IllegalArgumentException saying which characters a name may use
   */
  public static void checkName(String name) {
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
      throw new IllegalArgumentException(
          "model names use letters, digits, '.', '_' and '-' (and start with a letter or digit),"
              + " got '"
              + name
              + "'");
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
