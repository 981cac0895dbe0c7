package org.flowlab.plugins.realnvp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.core.config.ConfigLoader;
import org.flowlab.core.config.ExperimentConfig;
import org.flowlab.core.config.LoadedConfig;
import org.junit.jupiter.api.Test;

/**
 * The shipped RealNVP experiments load, bind their {@code model.params} and build a flow on their
 * data's event shape, so a typo in a key or a scale count that does not fit the image fails here
 * rather than at the start of a long run.
 */
class RealNvpExperimentsTest {
  private static final Path REPO = Path.of(System.getProperty("flowlab.repo.root", "../.."));

  @Test
  void everyRealNvpExperimentBuildsItsFlow() throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(REPO.resolve("experiments"))) {
      files =
          list.filter(p -> p.getFileName().toString().matches("realnvp-.*\\.yaml"))
              .sorted()
              .toList();
    }
    assertTrue(files.size() >= 6, "experiments found: " + files);
    for (Path file : files) {
      LoadedConfig loaded = ConfigLoader.load(file);
      ExperimentConfig config = loaded.config();
      assertEquals("realnvp", config.model().family(), file.toString());
      RealNvpConfig params = loaded.bindParams(RealNvpConfig.class);
      Shape shape = eventShape(config.data().name());
      try (NDManager m = NDManager.newBaseManager()) {
        Flow flow =
            new RealNvpFamily().build(params, new BuildContext(shape, ParameterScope.root(m, 0)));
        assertEquals(shape, flow.latentShape(), file.toString());
      }
      if (shape.dimension() == 3) {
        assertEquals(0.05, config.data().logitAlpha(), file + ": the paper's logit alpha");
        assertEquals(8, config.data().nBits(), file.toString());
        assertEquals(List.of(0.0, 0.7, 1.0), config.evaluation().temperatures(), file.toString());
      }
    }
  }

  private static Shape eventShape(String dataset) {
    return switch (dataset) {
      case "fashion-mnist", "mnist" -> new Shape(1, 28, 28);
      case "power" -> new Shape(6);
      default -> new Shape(2);
    };
  }
}
