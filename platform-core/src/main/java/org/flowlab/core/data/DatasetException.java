package org.flowlab.core.data;

/**
 * A dataset that cannot be loaded as configured: an unknown name, a missing folder or file, a
 * malformed file. {@link #key()} names the {@code data} key to blame ({@code name}, {@code path},
 * {@code logit_alpha}, ...), so the host can locate the message in the YAML.
 */
public final class DatasetException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** The {@code data.<key>} at fault. */
  private final String key;

  /**
   * @param key the {@code data} key at fault, e.g. {@code path}
   * @param message a one-line message
   */
  public DatasetException(String key, String message) {
    super(message);
    this.key = key;
  }

  /** The {@code data} key at fault, e.g. {@code path}. */
  public String key() {
    return key;
  }
}
