package org.flowlab.registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** A versioned model store laid out as {@code root/<name>/<version>/}, versions numbered from 1. */
public final class ModelStore {
  private final Path root;

  /** A store rooted at {@code root} (created on first write). */
  public ModelStore(Path root) {
    this.root = root;
  }

  /** The model names in the store, sorted. */
  public List<String> names() throws IOException {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> children = Files.list(root)) {
      return children
          .filter(Files::isDirectory)
          .map(p -> p.getFileName().toString())
          .sorted()
          .toList();
    }
  }

  /** The versions of {@code name}, ascending. */
  public List<Integer> versions(String name) throws IOException {
    Path dir = root.resolve(name);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> children = Files.list(dir)) {
      return children
          .map(p -> p.getFileName().toString())
          .filter(s -> s.matches("\\d+"))
          .map(Integer::parseInt)
          .sorted()
          .toList();
    }
  }

  /** The folder of one version. */
  public Path versionDir(String name, int version) {
    return root.resolve(name).resolve(Integer.toString(version));
  }
}
