package org.flowlab.plugins.vi;

import java.util.List;
import org.flowlab.api.config.InvalidValueException;
import org.flowlab.api.config.Require;

/**
 * The {@code model.params} block of a Sylvester flow (snake_case keys in YAML). A missing key takes
 * its default.
 *
 * @param layers number of Sylvester layers K (default 8; at least 1)
 * @param variant how each layer's Q (d×M, orthonormal columns) is made: {@code orthogonal}
 *     (default; a free d×M matrix orthonormalised by the paper's iterative procedure), {@code
 *     householder} (a product of {@code reflections} Householder reflections, M = d) or {@code
 *     triangular} (a fixed permutation, identity and reversal alternated between layers, M = d)
 * @param orthogonalVectors M, the number of orthonormal columns of Q for the {@code orthogonal}
 *     variant (YAML {@code orthogonal_vectors}; default d; at least 1, at most d, checked when the
 *     flow is built); the other variants take M = d and reject the key
 * @param reflections Householder reflections per layer for the {@code householder} variant (default
 *     d: any orthogonal d×d matrix is a product of d of them); the other variants reject the key
 */
public record SylvesterConfig(
    Integer layers, String variant, Integer orthogonalVectors, Integer reflections) {

  /** Values accepted for {@code variant}. */
  public static final List<String> VARIANTS = List.of("orthogonal", "householder", "triangular");

  /** Fills defaults and checks ranges. */
  public SylvesterConfig {
    layers = Require.atLeast("layers", layers == null ? 8 : layers, 1);
    variant = Require.oneOf("variant", variant == null ? "orthogonal" : variant, VARIANTS);
    if (orthogonalVectors != null) {
      onlyFor("orthogonal_vectors", variant, "orthogonal");
      Require.atLeast("orthogonal_vectors", orthogonalVectors, 1);
    }
    if (reflections != null) {
      onlyFor("reflections", variant, "householder");
      Require.atLeast("reflections", reflections, 1);
    }
  }

  /** Every key at its default. */
  public static SylvesterConfig defaults() {
    return new SylvesterConfig(null, null, null, null);
  }

  private static void onlyFor(String key, String variant, String owner) {
    if (!variant.equals(owner)) {
      throw new InvalidValueException(
          key, "applies to variant '" + owner + "' only, got variant '" + variant + "'");
    }
  }
}
