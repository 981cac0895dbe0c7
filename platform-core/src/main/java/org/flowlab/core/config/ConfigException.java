package org.flowlab.core.config;

/**
 * A bad experiment config: file, line, column, dotted key and problem, in one line, e.g. {@code
 * quickstart.yaml:7:3: training.batch_size: must be >= 1, got 0}. Values given on the command line
 * are located as {@code command line override 'training.lr=abc'}. Unchecked: the CLI prints {@code
 * "error: " + getMessage()} and exits with code 2.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String where;
  private final String key;
  private final String problem;

  /**
   * @param where where the value came from: {@code file:line:column}, {@code file} or {@code
   *     command line override '...'}
   * @param key the dotted key, or empty when the problem concerns the whole document
   * @param problem what is wrong, one line
   */
  public ConfigException(String where, String key, String problem) {
    super(format(where, key, problem));
    this.where = where;
    this.key = key == null ? "" : key;
    this.problem = problem;
  }

  private static String format(String where, String key, String problem) {
    String oneLine = problem.replaceAll("\\s*\\R\\s*", " ").strip();
    return where + ": " + (key == null || key.isEmpty() ? "" : key + ": ") + oneLine;
  }

  /** Where the bad value came from, e.g. {@code experiments/quickstart.yaml:7:3}. */
  public String where() {
    return where;
  }

  /** The dotted key, e.g. {@code training.optimizer.lr}; empty for whole-document problems. */
  public String key() {
    return key;
  }

  /** What is wrong, without location or key. */
  public String problem() {
    return problem;
  }
}
