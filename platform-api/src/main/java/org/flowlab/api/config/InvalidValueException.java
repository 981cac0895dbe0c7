package org.flowlab.api.config;

/**
 * Thrown by a config record's constructor when a value is out of range. The host turns it into a
 * message that names the YAML file, line and full key, e.g. {@code quickstart.yaml:12:5:
 * model.params.hidden: must be >= 1}.
 */
public class InvalidValueException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String key;
  private final String problem;

  /**
   * @param key the record component's name, as written in YAML
   * @param message what is wrong, e.g. "must be >= 1, got 0"
   */
  public InvalidValueException(String key, String message) {
    super(key + ": " + message);
    this.key = key;
    this.problem = message;
  }

  /** The key as written in YAML, relative to the record that threw. */
  public String key() {
    return key;
  }

  /** What is wrong with the value, without the key. */
  public String problem() {
    return problem;
  }
}
