package org.flowlab.core.train;

import java.util.ArrayDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;

/**
 * Prepares the host side of the next training batches (shuffle, copy, dequantisation noise) on a
 * background thread while the compute thread runs the current step, so a fast device does not wait
 * for the host. At most {@value #AHEAD} batches are prepared ahead. A batch depends only on (seed,
 * step), so which thread prepares it changes nothing: the same values, in the same order, as
 * preparing it in place; the device copy stays on the compute thread.
 */
final class BatchPrefetch {
  /** Batches prepared ahead of the one being trained on. */
  static final int AHEAD = 2;

  /** One host thread for every trainer in the JVM; it ends when idle. */
  private static final ThreadPoolExecutor HOST =
      new ThreadPoolExecutor(
          0,
          1,
          5,
          TimeUnit.SECONDS,
          new LinkedBlockingQueue<>(),
          r -> {
            Thread t = new Thread(r, "flowlab-batches");
            t.setDaemon(true);
            return t;
          });

  private record Pending(long step, Future<float[]> values) {}

  private final LongFunction<float[]> prepare;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private long next;

  /**
   * @param prepare the host values of a step's batch (a pure function of the step)
   */
  BatchPrefetch(LongFunction<float[]> prepare) {
    this.prepare = prepare;
  }

  /**
   * The values of {@code step}'s batch, and the next ones (below {@code end}) queued for
   * preparation. Asking for another step than the one queued first (a resumed or repeated run)
   * drops the queue and starts again from {@code step}.
   */
  float[] take(long step, long end) {
    if (queue.isEmpty() || queue.peekFirst().step() != step) {
      for (Pending p : queue) {
        p.values().cancel(false);
      }
      queue.clear();
      next = step;
    }
    while (queue.size() <= AHEAD && next < end) {
      long s = next++;
      queue.addLast(new Pending(s, HOST.submit(() -> prepare.apply(s))));
    }
    Pending head = queue.pollFirst();
    if (head == null) {
      return prepare.apply(step); // at or past the end: nothing to overlap with
    }
    try {
      return head.values().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for batch " + step, e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    }
  }
}
