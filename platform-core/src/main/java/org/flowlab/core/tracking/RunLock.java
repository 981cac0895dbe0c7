package org.flowlab.core.tracking;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Locks on a run folder, through OS file locks (released by the OS when the process ends, even by
 * {@code kill -9}, so a stale lock cannot outlive its holder) and, for threads of one JVM, a lock
 * per file.
 *
 * <p>The writer lock ({@value #WRITER}) is held by the one process that trains a run, from {@code
 * start} or {@code resume} to {@code finish}; its file holds the holder's pid for the message a
 * second writer gets. The records lock ({@value #RECORDS}) is held for a moment around each
 * read-merge-write of {@code tags.json} and {@code params.json}, so concurrent writers (three
 * {@code export}s of one run) all keep their tags.
 */
public final class RunLock implements AutoCloseable {
  static final String WRITER = ".writer.lock";
  static final String RECORDS = ".records.lock";

  private static final ConcurrentHashMap<Path, ReentrantLock> IN_THIS_JVM =
      new ConcurrentHashMap<>();

  /** Writer lock files held by this JVM (released from any thread, unlike a ReentrantLock). */
  private static final java.util.Set<Path> WRITERS_HERE = ConcurrentHashMap.newKeySet();

  private final Path file;
  private final FileChannel channel;
  private final FileLock fileLock;

  private RunLock(Path file, FileChannel channel, FileLock fileLock) {
    this.file = file;
    this.channel = channel;
    this.fileLock = fileLock;
  }

  /**
   * Takes the writer lock of {@code runDir} without waiting.
   *
   * @throws RunLockedException naming the holder's pid when another process (or another run object
   *     in this JVM) holds it
   */
  static RunLock writer(Path runDir, String runId) throws IOException {
    Path file = runDir.resolve(WRITER).toAbsolutePath().normalize();
    if (!WRITERS_HERE.add(file)) {
      throw new RunLockedException(runId, ProcessHandle.current().pid(), file);
    }
    FileChannel channel = null;
    try {
      channel =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw new RunLockedException(runId, holder(channel), file);
      }
      byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
      channel.truncate(0);
      channel.write(ByteBuffer.wrap(pid), 0);
      channel.force(false);
      return new RunLock(file, channel, lock);
    } catch (IOException | RuntimeException e) {
      if (channel != null) {
        channel.close();
      }
      WRITERS_HERE.remove(file);
      throw e;
    }
  }

  /** Runs {@code action} holding the records lock of {@code runDir}, waiting for it if needed. */
  static <T> T withRecords(Path runDir, RecordsAction<T> action) throws IOException {
    Path file = runDir.resolve(RECORDS).toAbsolutePath().normalize();
    ReentrantLock jvmLock = IN_THIS_JVM.computeIfAbsent(file, k -> new ReentrantLock());
    jvmLock.lock();
    try (FileChannel channel =
            FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock ignored = channel.lock()) {
      return action.run();
    } finally {
      jvmLock.unlock();
    }
  }

  /** An update made under the records lock. */
  @FunctionalInterface
  interface RecordsAction<T> {
    /** Reads, merges and writes. */
    T run() throws IOException;
  }

  private static long holder(FileChannel channel) {
    try {
      ByteBuffer buf = ByteBuffer.allocate(32);
      channel.read(buf, 0);
      return Long.parseLong(
          new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII).strip());
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /** Releases the lock (the file stays: a later writer reuses it). */
  @Override
  public void close() throws IOException {
    try {
      fileLock.release();
      channel.close();
    } finally {
      WRITERS_HERE.remove(file);
    }
  }
}
