package org.flowlab.core.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.flowlab.core.train.StopRequest;
import sun.misc.Signal;

/**
 * Clean stop of a training command on SIGINT (Ctrl-C), SIGTERM (Slurm's time limit, preemption,
 * {@code scancel}) and SIGUSR1 (Slurm's warning before the limit, {@code --signal=B:USR1@120}): the
 * first signal asks training to stop at the next step boundary ({@link StopRequest}); the run then
 * writes a whole checkpoint, is marked KILLED and the command exits 130, 143 or 138. A second
 * signal exits at once ({@code halt}: no shutdown hook frees native memory a running op uses).
 *
 * <p>Without these handlers the JVM's own SIGTERM handling runs shutdown hooks while the compute
 * thread is inside libtorch, which crashed large models (SIGSEGV in {@code
 * dnnl_primitive_execute}).
 */
final class StopSignals {
  private static final Map<String, Integer> EXIT_CODES = new LinkedHashMap<>();

  static {
    EXIT_CODES.put("INT", 130);
    EXIT_CODES.put("TERM", 143);
    EXIT_CODES.put("USR1", 138);
  }

  private StopSignals() {}

  /** Installs the handlers for this process (a command that trains calls it first). */
  static void install() {
    for (Map.Entry<String, Integer> e : EXIT_CODES.entrySet()) {
      String name = e.getKey();
      int code = e.getValue();
      try {
        Signal.handle(new Signal(name), s -> onSignal(name, code));
      } catch (IllegalArgumentException unavailable) {
        // the JVM keeps this signal for itself (e.g. started with -Xrs): its default stays
      }
    }
  }

  private static void onSignal(String name, int code) {
    if (StopRequest.request(name, code)) {
      System.err.println(
          "flowlab: SIG"
              + name
              + ": stopping after the current training step with a checkpoint (send it again to"
              + " exit at once)");
    } else {
      System.err.println("flowlab: SIG" + name + " again: exiting now");
      System.err.flush();
      Runtime.getRuntime().halt(code);
    }
  }
}
