package org.flowlab.plugins.ffjord;

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
 * The shipped FFJORD experiments load, bind their {@code model.params} and build a flow on their
 * data's event shape (the Fashion-MNIST ones: the multiscale image model), so a typo in a key or a
 * scale count that does not fit the image fails here rather than at the start of a long run.
 */
class FfjordExperimentsTest {
  private static final Path REPO = Path.of(System.getProperty("flowlab.repo.root", "../.."));

  @Test
  void everyFfjordExperimentBuildsItsFlow() throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(REPO.resolve("experiments"))) {
      files =
          list.filter(p -> p.getFileName().toString().matches("ffjord-.*\\.yaml"))
              .sorted()
              .toList();
    }
    assertTrue(
        files.stream()
            .anyMatch(p -> p.getFileName().toString().equals("ffjord-fashion-mnist.yaml")),
        "experiments found: " + files);
    int images = 0;
    for (Path file : files) {
      LoadedConfig loaded = ConfigLoader.load(file);
      ExperimentConfig config = loaded.config();
      assertEquals("ffjord", config.model().family(), file.toString());
      FfjordConfig params = loaded.bindParams(FfjordConfig.class);
      Shape shape = eventShape(config.data().name());
      try (NDManager m = NDManager.newBaseManager()) {
        Flow flow =
            new FfjordFamily().build(params, new BuildContext(shape, ParameterScope.root(m, 0)));
        assertEquals(shape, flow.latentShape(), file.toString());
      }
      if (shape.dimension() == 3) {
        images++;
        assertTrue(
            config.data().logitAlpha() != null, file + ": images are modelled in logit space");
        assertEquals(List.of(0.0, 0.7, 1.0), config.evaluation().temperatures(), file.toString());
      }
    }
    assertEquals(2, images, "the CPU and the GPU Fashion-MNIST configs");
  }

  private static Shape eventShape(String dataset) {
    return switch (dataset) {
      case "fashion-mnist", "mnist" -> new Shape(1, 28, 28);
      case "power" -> new Shape(6);
      default -> new Shape(2);
    };
  }
}
