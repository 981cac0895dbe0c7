package org.flowlab.core.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Atomic file replacement: write a temporary file in the target's folder, fsync it, rename it over
 * the target, fsync the folder. A reader sees the old file or the new one, never a torn one — also
 * after {@code kill -9}.
 */
public final class AtomicFiles {
  private static final String TEMP_SUFFIX = ".tmp";

  private AtomicFiles() {}

  /** Writes whatever {@code body} emits to {@code target} atomically. */
  public static void write(Path target, Body body) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    // Not createTempFile: it makes the file 0600, which the rename keeps; files here follow the
    // umask like any other (a shared registry or run store must be readable by colleagues).
    Path tmp =
        dir.resolve("." + target.getFileName() + "." + java.util.UUID.randomUUID() + TEMP_SUFFIX);
    Files.createFile(tmp);
    try {
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        // The body may close its stream (a ZipOutputStream does); the channel stays open for fsync.
        OutputStream out =
            new java.io.FilterOutputStream(java.nio.channels.Channels.newOutputStream(channel)) {
              @Override
              public void write(byte[] b, int off, int len) throws IOException {
                this.out.write(b, off, len);
              }

              @Override
              public void close() throws IOException {
                flush();
              }
            };
        OutputStream buffered = new java.io.BufferedOutputStream(out, 1 << 16);
        body.writeTo(buffered);
        buffered.flush();
        channel.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      fsyncDirectory(dir);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Deletes the temporary files an interrupted {@link #write} left in {@code dir} (a {@code kill
   * -9} between creating and renaming one). Only for folders one process writes at a time.
   */
  public static void deleteStaleTemporaries(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        String name = f.getFileName().toString();
        if (name.startsWith(".") && name.endsWith(TEMP_SUFFIX) && Files.isRegularFile(f)) {
          Files.deleteIfExists(f);
        }
      }
    }
  }

  /** Writes {@code bytes} to {@code target} atomically. */
  public static void write(Path target, byte[] bytes) throws IOException {
    write(target, out -> out.write(bytes));
  }

  /** Best-effort fsync of a folder, so that a rename or a new entry in it survives a crash. */
  public static void fsyncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException ignored) {
      // Some file systems cannot open a directory for reading; the rename itself is still atomic.
    }
  }

  /** The content of an atomic write. */
  @FunctionalInterface
  public interface Body {
    /** Writes the whole content. */
    void writeTo(OutputStream out) throws IOException;
  }
}
