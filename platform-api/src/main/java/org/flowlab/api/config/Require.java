package org.flowlab.api.config;

import java.util.Collection;
import java.util.List;

/** Range checks for config records; each throws {@link InvalidValueException} naming the key. */
public final class Require {
  private Require() {}

  /** Requires {@code value >= min}. */
  public static int atLeast(String key, int value, int min) {
    if (value < min) {
      throw new InvalidValueException(key, "must be >= " + min + ", got " + value);
    }
    return value;
  }

  /** Requires {@code value >= min}. */
  public static long atLeast(String key, long value, long min) {
    if (value < min) {
      throw new InvalidValueException(key, "must be >= " + min + ", got " + value);
    }
    return value;
  }

  /** Requires {@code min <= value <= max}. */
  public static double between(String key, double value, double min, double max) {
    if (!(value >= min && value <= max)) {
      throw new InvalidValueException(
          key, "must be between " + min + " and " + max + ", got " + value);
    }
    return value;
  }

  /** Requires {@code value > 0} and finite. */
  public static double positive(String key, double value) {
    if (!(value > 0) || Double.isInfinite(value)) {
      throw new InvalidValueException(key, "must be a positive number, got " + value);
    }
    return value;
  }

  /** Requires {@code value >= 0} and finite. */
  public static double nonNegative(String key, double value) {
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw new InvalidValueException(key, "must be >= 0, got " + value);
    }
    return value;
  }

  /** Requires the value to be one of {@code allowed}. */
  public static String oneOf(String key, String value, Collection<String> allowed) {
    if (!allowed.contains(value)) {
      throw new InvalidValueException(key, "must be one of " + allowed + ", got '" + value + "'");
    }
    return value;
  }

  /** Requires a value: null (key absent or written as null) fails with "is required". */
  public static <T> T present(String key, T value) {
    if (value == null) {
      throw new InvalidValueException(key, "is required");
    }
    return value;
  }

  /** Requires {@code value <= max}. */
  public static int atMost(String key, int value, int max) {
    if (value > max) {
      throw new InvalidValueException(key, "must be <= " + max + ", got " + value);
    }
    return value;
  }

  /** Requires {@code value <= max}. */
  public static long atMost(String key, long value, long max) {
    if (value > max) {
      throw new InvalidValueException(key, "must be <= " + max + ", got " + value);
    }
    return value;
  }

  /** Requires a list with at least one element; returns an unmodifiable copy. */
  public static <T> List<T> nonEmpty(String key, List<T> values) {
    if (values == null || values.isEmpty()) {
      throw new InvalidValueException(key, "must hold at least one value");
    }
    return List.copyOf(values);
  }

  /**
   * Layer widths: {@code defaults} when {@code widths} is null, else every width a number ≥ 1.
   *
   * @return an unmodifiable copy
   * @throws InvalidValueException naming {@code key} for a null or non-positive width
   */
  public static List<Integer> widths(String key, List<Integer> widths, List<Integer> defaults) {
    List<Integer> value = widths == null ? defaults : widths;
    for (Integer width : value) {
      if (width == null) {
        throw new InvalidValueException(key, "widths must be numbers, got null");
      }
      atLeast(key, width, 1);
    }
    return List.copyOf(value);
  }

  /**
   * Requires at least {@code min} widths, all the same (the hidden layers of a residual network).
   *
   * @throws InvalidValueException naming {@code key} otherwise
   */
  public static List<Integer> sameWidths(String key, List<Integer> widths, int min) {
    if (widths.size() < min || widths.stream().distinct().count() > 1) {
      throw new InvalidValueException(
          key, "must hold at least " + min + " widths, all the same, got " + widths);
    }
    return widths;
  }
}
