package org.flowlab.core.data;

import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.flowlab.api.random.Seeds;
import org.flowlab.core.config.ExperimentConfig.DataConfig;

/**
 * The dataset registry: every dataset by name — the 2D toy densities, the image datasets ({@link
 * ImageDatasets}) and the tabular ones ({@link TabularDatasets}).
 *
 * <p>Toy densities are drawn, not read: {@code train_size}, {@code val_size} and {@code test_size}
 * default to {@value #TOY_TRAIN}, {@value #TOY_VAL} and {@value #TOY_TEST}. For file datasets the
 * sizes only cap the splits the files define (absent: all of it). Each toy split draws from its own
 * stream, {@code Seeds.stream(seed, "data/<name>/train")} (and {@code val}, {@code test}), so the
 * splits are independent of each other and of their sizes: growing the training set leaves the
 * validation and test sets unchanged.
 *
 * <p>Conditional data ({@code data.condition}): a toy density whose points carry a one-hot label,
 * the context of a conditional flow — {@code 8gaussians} by {@code component} (8 features) and
 * {@code moons} by {@code moon} (2). The points are those of the plain density (same streams); the
 * label is the component each was drawn from. A {@code csv} or {@code npy} table takes its last K
 * columns as the context ({@code condition: last:K}).
 */
public final class Datasets {
  private Datasets() {}

  private static final Map<String, Supplier<ToyDensity>> DENSITIES = new LinkedHashMap<>();

  static {
    DENSITIES.put("gaussian", ToyDensities::gaussian);
    DENSITIES.put("8gaussians", ToyDensities::eightGaussians);
    DENSITIES.put("checkerboard", ToyDensities::checkerboard);
    DENSITIES.put("rings", ToyDensities::rings);
    DENSITIES.put("circles", ToyDensities::circles);
    DENSITIES.put("moons", ToyDensities::moons);
    DENSITIES.put("2spirals", ToyDensities::twoSpirals);
    DENSITIES.put("pinwheel", ToyDensities::pinwheel);
  }

  /** The labelled toys: dataset name → (condition → density). */
  private static final Map<String, Map<String, Supplier<ToyDensity>>> CONDITIONED =
      Map.of(
          "8gaussians", Map.of("component", ToyDensities::eightGaussiansByComponent),
          "moons", Map.of("moon", ToyDensities::moonsByMoon));

  /** Default training points drawn from a toy density. */
  public static final int TOY_TRAIN = 50_000;

  /** Default validation points drawn from a toy density. */
  public static final int TOY_VAL = 5_000;

  /** Default test points drawn from a toy density. */
  public static final int TOY_TEST = 20_000;

  /** The toy density names, in a stable order. */
  public static List<String> names() {
    return Collections.unmodifiableList(new ArrayList<>(DENSITIES.keySet()));
  }

  /** Every dataset name: toy densities, images, tabular data. */
  public static List<String> allNames() {
    List<String> all = new ArrayList<>(DENSITIES.keySet());
    all.addAll(ImageDatasets.NAMES);
    all.addAll(TabularDatasets.NAMES);
    return Collections.unmodifiableList(all);
  }

  /**
   * Loads the dataset a {@code data} block names.
   *
   * @param data the config block: name, path, split sizes, n_bits, logit_alpha
   * @param seed the run's seed
   * @throws DatasetException with the {@code data} key at fault, e.g. {@code path} for a missing
   *     folder or file
   */
  public static DataSplits load(DataConfig data, long seed) {
    String name = check(data);
    if (ImageDatasets.NAMES.contains(name)) {
      return ImageDatasets.load(
          name, data.path(), data.trainSize(), data.valSize(), data.testSize(), data.nBits());
    }
    if (TabularDatasets.NAMES.contains(name)) {
      return TabularDatasets.load(
          name,
          data.path(),
          data.trainSize(),
          data.valSize(),
          data.testSize(),
          seed,
          contextDim(data));
    }
    return draw(
        density(name, data.condition()),
        data.trainSize() == null ? TOY_TRAIN : data.trainSize(),
        data.valSize() == null ? TOY_VAL : data.valSize(),
        data.testSize() == null ? TOY_TEST : data.testSize(),
        seed);
  }

  /**
   * Features of the context the {@code data} block's points carry ({@code data.condition}), 0 for
   * unconditional data; known from the config alone, before any data is drawn.
   *
   * @throws DatasetException at {@code condition} for a dataset that has no such label
   */
  public static int contextDim(DataConfig data) {
    if (data.condition() == null) {
      return 0;
    }
    if (TabularDatasets.NAMES.contains(data.name())) {
      return TabularDatasets.contextColumns(data.name(), data.condition());
    }
    return density(data.name(), data.condition()).contextDim();
  }

  /**
   * The toy density behind a dataset name and, when not null, the label its points carry.
   *
   * @throws DatasetException at {@code condition} for a label the dataset does not have
   */
  public static ToyDensity density(String name, String condition) {
    if (condition == null) {
      return density(name);
    }
    Map<String, Supplier<ToyDensity>> labels = CONDITIONED.getOrDefault(name, Map.of());
    Supplier<ToyDensity> s = labels.get(condition);
    if (s == null) {
      throw new DatasetException(
          "condition",
          labels.isEmpty()
              ? "'"
                  + name
                  + "' has no label to condition on; conditional datasets: 8gaussians (condition:"
                  + " component), moons (condition: moon), csv and npy (condition: last:K)"
              : "'"
                  + name
                  + "' can be conditioned on "
                  + String.join(", ", labels.keySet())
                  + ", not '"
                  + condition
                  + "'");
    }
    return s.get();
  }

  /**
   * Everything {@link #load(DataConfig, long)} checks before reading: the name is known, the keys
   * fit the kind of dataset, and the folder and files exist.
   *
   * @return the name
   * @throws DatasetException as {@link #load(DataConfig, long)}
   */
  public static String check(DataConfig data) {
    String name = data.name();
    boolean image = ImageDatasets.NAMES.contains(name);
    boolean table = TabularDatasets.NAMES.contains(name);
    if (!image && !table && !DENSITIES.containsKey(name)) {
      throw new DatasetException("name", unknownMessage(name));
    }
    if (data.logitAlpha() != null && !image) {
      throw new DatasetException(
          "logit_alpha",
          "the logit applies to image data in [0, 1) only ("
              + String.join(", ", ImageDatasets.NAMES)
              + "), not to '"
              + name
              + "'");
    }
    if (data.condition() != null) {
      contextDim(data); // a labelled toy or a table's context columns, or a located error
    }
    if (image) {
      ImageDatasets.files(name, data.path());
    } else if (table) {
      TabularDatasets.files(name, data.path());
    } else if (data.path() != null) {
      throw new DatasetException(
          "path", "'" + name + "' is a toy density drawn from its formula; it reads no files");
    }
    return name;
  }

  /**
   * The toy density behind a dataset name.
   *
   * @throws IllegalArgumentException for an unknown name, with a one-line message listing the known
   *     names and the closest one
   */
  public static ToyDensity density(String name) {
    Supplier<ToyDensity> s = name == null ? null : DENSITIES.get(name);
    if (s == null) {
      throw new IllegalArgumentException(unknownMessage(name));
    }
    return s.get();
  }

  /**
   * Draws the three splits of a dataset, each {@code size × 2} row-major floats.
   *
   * @param name a name from {@link #names()}
   * @param trainSize points in the training split (≥ 1)
   * @param valSize points in the validation split (≥ 0)
   * @param testSize points in the test split (≥ 0)
   * @param seed the run's seed
   * @throws IllegalArgumentException for an unknown name or a negative size
   */
  public static DataSplits load(String name, int trainSize, int valSize, int testSize, long seed) {
    return draw(density(name), trainSize, valSize, testSize, seed);
  }

  private static DataSplits draw(
      ToyDensity density, int trainSize, int valSize, int testSize, long seed) {
    if (trainSize < 1) {
      throw new IllegalArgumentException("train size must be >= 1, got " + trainSize);
    }
    if (valSize < 0) {
      throw new IllegalArgumentException("val size must be >= 0, got " + valSize);
    }
    if (testSize < 0) {
      throw new IllegalArgumentException("test size must be >= 0, got " + testSize);
    }
    return DataSplits.continuous(
        density.name(),
        new Shape(2),
        draw(density, seed, "train", trainSize),
        draw(density, seed, "val", valSize),
        draw(density, seed, "test", testSize),
        density.entropy(),
        density);
  }

  private static float[] draw(ToyDensity density, long seed, String split, int n) {
    float[] out = new float[Math.multiplyExact(2 + density.contextDim(), n)];
    density.sample(Seeds.stream(seed, "data/" + density.name() + "/" + split), out, n);
    return out;
  }

  private static String unknownMessage(String name) {
    String known = String.join(", ", allNames());
    String msg = "unknown dataset '" + name + "' (known: " + known + ")";
    if (name != null && !name.isBlank()) {
      String best = null;
      int bestDist = Integer.MAX_VALUE;
      for (String k : allNames()) {
        int d = editDistance(name.toLowerCase(java.util.Locale.ROOT), k);
        if (d < bestDist) {
          bestDist = d;
          best = k;
        }
      }
      if (best != null && bestDist <= Math.max(2, best.length() / 2)) {
        msg += "; did you mean '" + best + "'?";
      }
    }
    return msg;
  }

  /** Levenshtein distance. */
  static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
