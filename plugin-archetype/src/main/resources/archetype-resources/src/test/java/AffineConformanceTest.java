package ${package};

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.spi.FlowFamily;
import org.flowlab.api.testkit.FlowConformanceTest;
import org.junit.jupiter.api.Named;

/**
 * The shared conformance kit: invertibility, log-det against an autodiff Jacobian, normalisation,
 * seeds, checkpoints and ONNX export parity (Java and Python ONNX Runtime), on a vector, an odd
 * dimension and an image.
 */
class AffineConformanceTest extends FlowConformanceTest<AffineConfig> {
  @Override
  protected FlowFamily<AffineConfig> family() {
    return new AffineFamily();
  }

  @Override
  protected List<Named<AffineConfig>> configs() {
    return List.of(Named.of("one-step", new AffineConfig(1)), Named.of("defaults", new AffineConfig(null)));
  }

  @Override
  protected List<Shape> shapes() {
    return List.of(new Shape(2), new Shape(5), new Shape(1, 4, 4));
  }
}
