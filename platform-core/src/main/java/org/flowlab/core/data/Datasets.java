package org.flowlab.core.data;

import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.flowlab.api.random.Seeds;

/**
 * The dataset registry: builds reproducible train/val/test splits of the 2D toy densities by name.
 * Each split draws from its own stream, {@code Seeds.stream(seed, "data/<name>/train")} (and {@code
 * val}, {@code test}), so the splits are independent of each other and of their sizes: growing the
 * training set leaves the validation and test sets unchanged.
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

  /** The known dataset names, in a stable order. */
  public static List<String> names() {
    return Collections.unmodifiableList(new ArrayList<>(DENSITIES.keySet()));
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
    ToyDensity density = density(name);
    if (trainSize < 1) {
      throw new IllegalArgumentException("train size must be >= 1, got " + trainSize);
    }
    if (valSize < 0) {
      throw new IllegalArgumentException("val size must be >= 0, got " + valSize);
    }
    if (testSize < 0) {
      throw new IllegalArgumentException("test size must be >= 0, got " + testSize);
    }
    return new DataSplits(
        density.name(),
        new Shape(2),
        draw(density, seed, "train", trainSize),
        draw(density, seed, "val", valSize),
        draw(density, seed, "test", testSize),
        density.entropy());
  }

  private static float[] draw(ToyDensity density, long seed, String split, int n) {
    float[] out = new float[Math.multiplyExact(2, n)];
    density.sample(Seeds.stream(seed, "data/" + density.name() + "/" + split), out, n);
    return out;
  }

  private static String unknownMessage(String name) {
    String known = String.join(", ", DENSITIES.keySet());
    String msg = "unknown dataset '" + name + "' (known: " + known + ")";
    if (name != null && !name.isBlank()) {
      String best = null;
      int bestDist = Integer.MAX_VALUE;
      for (String k : DENSITIES.keySet()) {
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
