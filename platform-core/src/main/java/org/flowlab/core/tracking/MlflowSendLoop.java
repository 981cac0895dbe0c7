package org.flowlab.core.tracking;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The one thread that talks to the MLflow server while runs train: callers only mark runs as having
 * new records ({@link #request}), which never blocks. The loop sends marked runs (and every open
 * run each {@code interval}); while the server is down or not answering it backs off (up to {@code
 * maxBackoff}) and the records wait in the local store.
 */
final class MlflowSendLoop {
  private final Predicate<String> push;
  private final Supplier<String> probe;
  private final Supplier<Set<String>> openRuns;
  private final java.util.function.BiConsumer<String, String> warn;
  private final Duration interval;
  private final Duration maxBackoff;
  private final Duration firstPassWait;
  private final Thread thread;

  private final Set<String> pending = new LinkedHashSet<>();
  private boolean stopping;
  private boolean sending;
  private long passes;
  private long backoffUntil;
  private long backoffMs;
  private volatile String lastFailure;
  private boolean everSent;

  /**
   * @param push sends one run, true when nothing is left
   * @param probe null when the server answers, else why not
   * @param openRuns the runs to send on every tick
   * @param warn (run id, reason) when the server is down
   */
  MlflowSendLoop(
      Predicate<String> push,
      Supplier<String> probe,
      Supplier<Set<String>> openRuns,
      java.util.function.BiConsumer<String, String> warn,
      Duration interval,
      Duration maxBackoff,
      Duration firstPassWait) {
    this.push = push;
    this.probe = probe;
    this.openRuns = openRuns;
    this.warn = warn;
    this.interval = interval;
    this.maxBackoff = maxBackoff;
    this.firstPassWait = firstPassWait;
    this.thread = new Thread(this::loop, "flowlab-mlflow-sender");
    thread.setDaemon(true);
    thread.start();
  }

  /** Marks a run as having records to send; returns at once. */
  synchronized void request(String runId) {
    pending.add(runId);
    notifyAll();
  }

  /** Why the last attempt failed, or null when it succeeded (or none was made yet). */
  String lastFailure() {
    return lastFailure;
  }

  /**
   * Waits until a pass that starts after this call has ended, at most {@code max}. Returns early,
   * false, as soon as a pass fails (the server is down or not answering: waiting would only delay
   * the caller), and at once when the last pass failed; waits at most {@code firstPassWait} for a
   * first pass that is still in progress.
   *
   * @return true when such a pass ended in time and sent everything
   */
  synchronized boolean drain(Duration max) throws InterruptedException {
    if (lastFailure != null) {
      return false;
    }
    if (!everSent && sending) {
      // The first pass is still waiting for the server: it has not shown it answers at all.
      max = max.compareTo(firstPassWait) < 0 ? max : firstPassWait;
    }
    long target = passes + (sending ? 2 : 1);
    backoffUntil = 0;
    notifyAll();
    long deadline = System.nanoTime() + max.toNanos();
    while (passes < target && !stopping) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      long before = passes;
      wait(Math.max(1, left / 1_000_000));
      if (passes > before && lastFailure != null) {
        return false;
      }
    }
    return passes >= target && lastFailure == null;
  }

  /** Stops the thread after the pass in progress (it is a daemon: it never holds the JVM up). */
  synchronized void stop() {
    stopping = true;
    notifyAll();
  }

  private void loop() {
    long nextTick = System.currentTimeMillis() + interval.toMillis();
    while (true) {
      Set<String> runs;
      synchronized (this) {
        try {
          while (!stopping) {
            long now = System.currentTimeMillis();
            long readyAt = Math.max(backoffUntil, pending.isEmpty() ? nextTick : now);
            if (readyAt <= now) {
              break;
            }
            wait(readyAt - now);
          }
        } catch (InterruptedException e) {
          return;
        }
        if (stopping) {
          return;
        }
        if (System.currentTimeMillis() >= nextTick) {
          pending.addAll(openRuns.get());
          nextTick = System.currentTimeMillis() + interval.toMillis();
        }
        runs = new LinkedHashSet<>(pending);
        pending.clear();
        sending = true;
      }
      String failure = runs.isEmpty() ? null : sendAll(runs);
      synchronized (this) {
        sending = false;
        passes++;
        lastFailure = failure;
        if (failure != null) {
          pending.addAll(runs);
          backoffMs = Math.min(maxBackoff.toMillis(), Math.max(500, backoffMs * 2));
          backoffUntil = System.currentTimeMillis() + backoffMs;
        } else {
          everSent = everSent || !runs.isEmpty();
          backoffMs = 0;
          backoffUntil = 0;
        }
        notifyAll();
      }
    }
  }

  /** One pass over {@code runs}; null when all were sent, else why not. */
  private String sendAll(Set<String> runs) {
    String down = probe.get();
    if (down != null) {
      for (String id : runs) {
        warn.accept(id, "MLflow unreachable (" + down + ")");
      }
      return down;
    }
    String failure = null;
    for (String id : runs) {
      if (!push.test(id)) {
        failure = "run " + id + " not fully sent";
      }
    }
    return failure;
  }
}
