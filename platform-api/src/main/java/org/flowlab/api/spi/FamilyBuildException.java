package org.flowlab.api.spi;

import org.flowlab.api.config.InvalidValueException;

/**
 * Thrown by {@link FlowFamily#build} when the family cannot build a flow from its {@code
 * model.params} for this data, e.g. more Glow levels than the image size can be halved: a problem
 * the config record could not see on its own, because it needs the event shape. The host reports it
 * as bad input (exit code 2) in one line located at {@code model.params.<key>} in the YAML, and
 * {@code flowlab validate} finds it, since it builds the flow (on the CPU, without training).
 *
 * <p>Use a null key when no single parameter is at fault (the data's shape does not suit the family
 * at all); the host then locates the message at {@code model.family}.
 */
public class FamilyBuildException extends InvalidValueException {
  private static final long serialVersionUID = 1L;

  /**
   * @param key the {@code model.params} key at fault, as written in YAML (e.g. {@code levels}), or
   *     null when the family as a whole does not suit the data
   * @param message what is wrong, one line, e.g. "3 levels need height and width divisible by 8"
   */
  public FamilyBuildException(String key, String message) {
    super(key, message);
  }
}
