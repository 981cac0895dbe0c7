package org.flowlab.core.runtime;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The Python environment with the PyPI wheel {@code torch==2.7.1} (CUDA build) that the libtorch
 * tests load, named by {@value #ENV}. Missing: the tests fail under {@code CI=true} with the
 * install line, and skip elsewhere.
 */
public final class TestTorch {
  /** Environment variable naming the venv's python. */
  public static final String ENV = "FLOWLAB_TEST_TORCH_PYTHON";

  /** How to make one (what .ci/run does). */
  public static final String INSTALL =
      "python3 -m venv ~/.cache/flowlab/venv-torch271 && ~/.cache/flowlab/venv-torch271/bin/pip"
          + " install torch==2.7.1 && export "
          + ENV
          + "=~/.cache/flowlab/venv-torch271/bin/python";

  private TestTorch() {}

  /** The venv's python; fails (CI) or skips (elsewhere) when it is not there. */
  public static Path python() {
    String named = System.getenv(ENV);
    if (named != null && Files.isExecutable(Path.of(named))) {
      return Path.of(named);
    }
    String why =
        ENV + " does not name a python with torch 2.7.1 (" + named + "); install: " + INSTALL;
    if ("true".equals(System.getenv("CI"))) {
      fail(why);
    }
    Assumptions.abort(why);
    return null;
  }

  /** The lib folder of that python's torch, as torch itself reports it (imports torch). */
  public static Path libFolder(Path python) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(
                python.toString(),
                "-c",
                "import os, torch; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))")
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0 || out.isEmpty()) {
      fail(python + " cannot import torch; install: " + INSTALL);
    }
    return Path.of(out).toRealPath();
  }
}
