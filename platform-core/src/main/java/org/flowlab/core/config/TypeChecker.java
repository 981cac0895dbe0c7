package org.flowlab.core.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a YAML tree against a record type before Jackson binds it, so that every unknown key and
 * ill-typed value is reported with its full dotted key and location. It is stricter than Jackson's
 * defaults: no string to number coercion, no float to int truncation, no scalar to list wrapping.
 * The one conversion it makes: a plain (unquoted) YAML scalar that reads as a number, e.g. {@code
 * 1e-3}, is accepted where a floating-point number is expected.
 */
final class TypeChecker {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Pattern DECIMAL =
      Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");
  private static final PropertyNamingStrategies.NamingBase SNAKE =
      (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;
  private static final Set<Class<?>> WHOLE =
      Set.of(
          int.class,
          Integer.class,
          long.class,
          Long.class,
          short.class,
          Short.class,
          byte.class,
          Byte.class);

  private final Locations index;

  TypeChecker(Locations index) {
    this.index = index;
  }

  /** The YAML key of each record component, in declaration order. */
  static Map<String, RecordComponent> keys(Class<?> record) {
    Map<String, RecordComponent> keys = new LinkedHashMap<>();
    for (RecordComponent c : record.getRecordComponents()) {
      JsonProperty named = c.getAccessor().getAnnotation(JsonProperty.class);
      String key =
          named != null && !named.value().isEmpty() ? named.value() : SNAKE.translate(c.getName());
      keys.put(key, c);
    }
    return keys;
  }

  /**
   * Checks {@code node}, a mapping, against the components of {@code record}; converts plain
   * numeric scalars in place.
   */
  void checkRecord(ObjectNode node, Class<?> record, String path) {
    Map<String, RecordComponent> keys = keys(record);
    for (String name : names(node)) {
      String child = Locations.child(path, name);
      RecordComponent c = keys.get(name);
      if (c == null) {
        String where = path.isEmpty() ? "at the top level" : "in " + path;
        throw fail(
            child, "unknown key '" + name + "' " + where + Suggest.hint(name, keys.keySet()));
      }
      node.set(name, check(node.get(name), c.getGenericType(), child, false));
    }
    for (Map.Entry<String, RecordComponent> e : keys.entrySet()) {
      if (e.getValue().getType().isPrimitive() && !node.has(e.getKey())) {
        throw fail(Locations.child(path, e.getKey()), "is required");
      }
    }
  }

  private JsonNode check(JsonNode v, Type type, String path, boolean element) {
    Class<?> raw = raw(type);
    if (v.isNull()) {
      if (element || raw.isPrimitive()) {
        throw fail(path, "needs a value, got null");
      }
      return v; // the record's constructor fills the default or reports a required value
    }
    if (raw == JsonNode.class || raw == ObjectNode.class) {
      if (raw == ObjectNode.class && !v.isObject()) {
        throw fail(path, "expected a mapping, got " + describe(v));
      }
      return v;
    }
    if (raw == String.class) {
      if (!v.isTextual()) {
        String hint = v.isValueNode() ? " (quote it if you mean the text)" : "";
        throw fail(path, "expected a string, got " + describe(v) + hint);
      }
      return v;
    }
    if (WHOLE.contains(raw)) {
      return whole(v, raw, path);
    }
    if (raw == double.class || raw == Double.class || raw == float.class || raw == Float.class) {
      return decimal(v, path);
    }
    if (raw == boolean.class || raw == Boolean.class) {
      if (!v.isBoolean()) {
        throw fail(path, "expected true or false, got " + describe(v));
      }
      return v;
    }
    if (raw.isEnum()) {
      return enumValue(v, raw, path);
    }
    if (raw.isRecord()) {
      if (!v.isObject()) {
        throw fail(path, "expected a mapping, got " + describe(v));
      }
      checkRecord((ObjectNode) v, raw, path);
      return v;
    }
    if (Collection.class.isAssignableFrom(raw) || raw.isArray()) {
      if (!v.isArray()) {
        throw fail(path, "expected a list, got " + describe(v));
      }
      Type elementType = elementType(type);
      ArrayNode list = (ArrayNode) v;
      for (int i = 0; i < list.size(); i++) {
        list.set(i, check(list.get(i), elementType, path + "[" + i + "]", true));
      }
      return v;
    }
    if (Map.class.isAssignableFrom(raw)) {
      if (!v.isObject()) {
        throw fail(path, "expected a mapping, got " + describe(v));
      }
      Type valueType =
          type instanceof ParameterizedType pt ? pt.getActualTypeArguments()[1] : Object.class;
      ObjectNode map = (ObjectNode) v;
      for (String name : names(map)) {
        map.set(name, check(map.get(name), valueType, Locations.child(path, name), true));
      }
      return v;
    }
    return v; // anything else: Jackson decides, and its errors are located too
  }

  private JsonNode whole(JsonNode v, Class<?> raw, String path) {
    if (v.isIntegralNumber()) {
      boolean fits =
          (raw == long.class || raw == Long.class)
              ? v.canConvertToLong()
              : v.canConvertToInt()
                  && (raw != short.class && raw != Short.class
                      || Math.abs(v.intValue()) <= Short.MAX_VALUE)
                  && (raw != byte.class && raw != Byte.class
                      || Math.abs(v.intValue()) <= Byte.MAX_VALUE);
      if (!fits) {
        throw fail(path, "whole number " + v.asText() + " is too large");
      }
      return v;
    }
    if (v.isNumber()) {
      throw fail(path, "expected a whole number, got " + v.asText());
    }
    throw fail(path, "expected a whole number, got " + describe(v));
  }

  private JsonNode decimal(JsonNode v, String path) {
    double d;
    if (v.isNumber()) {
      d = v.doubleValue();
    } else if (v.isTextual() && index.isPlain(path) && DECIMAL.matcher(v.asText()).matches()) {
      d = Double.parseDouble(v.asText()); // a plain YAML scalar such as 1e-3
    } else {
      throw fail(path, "expected a number, got " + describe(v));
    }
    if (!Double.isFinite(d)) {
      throw fail(path, "expected a finite number, got " + v.asText());
    }
    return NODES.numberNode(d);
  }

  private JsonNode enumValue(JsonNode v, Class<?> raw, String path) {
    List<String> names = new ArrayList<>();
    for (Object constant : raw.getEnumConstants()) {
      names.add(((Enum<?>) constant).name());
    }
    if (v.isTextual()) {
      for (String n : names) {
        if (n.equalsIgnoreCase(v.asText())) {
          return NODES.textNode(n);
        }
      }
    }
    List<String> shown = names.stream().map(String::toLowerCase).toList();
    throw fail(
        path,
        "must be one of "
            + shown
            + ", got "
            + describe(v)
            + (v.isTextual() ? Suggest.didYouMean(v.asText().toLowerCase(), shown) : ""));
  }

  /** How a value reads in a message: {@code a string 'abc'}, {@code a list}, {@code null}. */
  static String describe(JsonNode v) {
    if (v == null || v.isNull() || v.isMissingNode()) {
      return "null";
    }
    if (v.isTextual()) {
      return "a string '" + v.asText() + "'";
    }
    if (v.isNumber()) {
      return "a number " + v.asText();
    }
    if (v.isBoolean()) {
      return v.asText();
    }
    if (v.isArray()) {
      return "a list";
    }
    if (v.isObject()) {
      return "a mapping";
    }
    return v.getNodeType().toString().toLowerCase();
  }

  private ConfigException fail(String path, String problem) {
    return new ConfigException(index.locate(path), path, problem);
  }

  private static List<String> names(ObjectNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static Class<?> raw(Type type) {
    if (type instanceof Class<?> c) {
      return c;
    }
    if (type instanceof ParameterizedType pt) {
      return (Class<?>) pt.getRawType();
    }
    if (type instanceof GenericArrayType) {
      return Object[].class;
    }
    return Object.class;
  }

  private static Type elementType(Type type) {
    if (type instanceof Class<?> c && c.isArray()) {
      return c.getComponentType();
    }
    if (type instanceof GenericArrayType g) {
      return g.getGenericComponentType();
    }
    if (type instanceof ParameterizedType pt && pt.getActualTypeArguments().length == 1) {
      return pt.getActualTypeArguments()[0];
    }
    return Object.class;
  }

  /** Closest-key suggestions by edit distance. */
  static final class Suggest {
    private Suggest() {}

    /**
     * {@code " (did you mean 'x'?)"} when a candidate is close, else the list of valid keys, or ""
     * when there are no candidates.
     */
    static String hint(String given, Collection<String> candidates) {
      String best = closest(given, candidates);
      if (best != null) {
        return " (did you mean '" + best + "'?)";
      }
      return candidates.isEmpty() ? "" : " (valid keys: " + String.join(", ", candidates) + ")";
    }

    /** {@code " (did you mean 'x'?)"} when a candidate is close, else "". */
    static String didYouMean(String given, Collection<String> candidates) {
      String best = closest(given, candidates);
      return best == null ? "" : " (did you mean '" + best + "'?)";
    }

    /** The candidate nearest to {@code given}, or null when none is near enough to suggest. */
    static String closest(String given, Collection<String> candidates) {
      String best = null;
      int bestDistance = Integer.MAX_VALUE;
      String g = given.toLowerCase();
      for (String c : candidates) {
        int d = distance(g, c.toLowerCase());
        if (d < bestDistance) {
          best = c;
          bestDistance = d;
        }
      }
      int allowed = Math.max(2, given.length() / 3);
      return best != null && bestDistance <= allowed && bestDistance < given.length() ? best : null;
    }

    /** Levenshtein distance, with an adjacent transposition counted as one edit. */
    static int distance(String a, String b) {
      int[][] d = new int[a.length() + 1][b.length() + 1];
      for (int i = 0; i <= a.length(); i++) {
        d[i][0] = i;
      }
      for (int j = 0; j <= b.length(); j++) {
        d[0][j] = j;
      }
      for (int i = 1; i <= a.length(); i++) {
        for (int j = 1; j <= b.length(); j++) {
          int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
          d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
          if (i > 1
              && j > 1
              && a.charAt(i - 1) == b.charAt(j - 2)
              && a.charAt(i - 2) == b.charAt(j - 1)) {
            d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
          }
        }
      }
      return d[a.length()][b.length()];
    }

    static List<String> sorted(Collection<String> names) {
      String[] a = names.toArray(new String[0]);
      Arrays.sort(a);
      return List.of(a);
    }
  }
}
