package org.flowlab.core.config;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Where each dotted key of a config came from: {@code file:line:column} of the key as written in
 * the YAML file, or the command-line override that set it. Keys that are missing entirely are
 * located at their nearest present parent.
 */
final class Locations {
  private final Map<String, String> where = new HashMap<>();
  private final Set<String> plainScalars = new HashSet<>();
  private String root;

  Locations(String root) {
    this.root = root;
  }

  void setRoot(String root) {
    this.root = root;
  }

  void put(String path, String location) {
    if (path.isEmpty()) {
      root = location;
    } else {
      where.putIfAbsent(path, location);
    }
  }

  /** The location of {@code path} itself, or null when it was not written anywhere. */
  String exact(String path) {
    return path.isEmpty() ? root : where.get(path);
  }

  /** The location of {@code path}, or of its nearest parent present in the source. */
  String locate(String path) {
    String p = path == null ? "" : path;
    while (!p.isEmpty()) {
      String w = where.get(p);
      if (w != null) {
        return w;
      }
      p = parent(p);
    }
    return root;
  }

  /** Marks the string value at {@code path} as an unquoted, untagged YAML scalar. */
  void markPlain(String path) {
    plainScalars.add(path);
  }

  boolean isPlain(String path) {
    return plainScalars.contains(path);
  }

  /** Forgets {@code path} and everything below it (before an override replaces that value). */
  void removeSubtree(String path) {
    where.keySet().removeIf(k -> isSelfOrBelow(k, path));
    plainScalars.removeIf(k -> isSelfOrBelow(k, path));
  }

  /** Copies every entry of {@code other} into this index. */
  void putAll(Locations other) {
    where.putAll(other.where);
    plainScalars.addAll(other.plainScalars);
  }

  private static boolean isSelfOrBelow(String key, String path) {
    return key.equals(path)
        || (key.startsWith(path)
            && (key.charAt(path.length()) == '.' || key.charAt(path.length()) == '['));
  }

  static String parent(String path) {
    int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
    return cut < 0 ? "" : path.substring(0, cut);
  }

  static String child(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }
}
