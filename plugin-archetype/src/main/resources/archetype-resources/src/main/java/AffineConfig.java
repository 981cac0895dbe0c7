package ${package};

import org.flowlab.api.config.Require;

/**
 * The {@code model.params} block of a {@code ${familyName}} experiment (snake_case keys in YAML). A
 * missing key takes its default; a bad value is an error that names the key and its line.
 *
 * @param steps how many elementwise affine steps the flow stacks (default 2, at least 1)
 */
public record AffineConfig(Integer steps) {
  /** Fills defaults and checks ranges. */
  public AffineConfig {
    steps = Require.atLeast("steps", steps == null ? 2 : steps, 1);
  }
}
