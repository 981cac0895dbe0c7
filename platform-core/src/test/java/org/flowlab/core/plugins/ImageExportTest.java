package org.flowlab.core.plugins;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.flowlab.core.data.TestFiles;
import org.flowlab.registry.ModelCard;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Export of a multi-scale image flow from a real plugin jar: 5-bit dequantised 1×4×4 images, the
 * host's logit preprocessing, actnorm → squeeze → factor-out with an actnorm inside. The export
 * rebuilds the run's flow, passes the ONNX Runtime parity check on dequantised test images and
 * records the preprocessing in the card.
 */
class ImageExportTest {
  @TempDir Path tmp;

  static final String FAMILY =
      """
      package org.flowlab.plugins.multiscale;

      import ai.djl.ndarray.types.Shape;
      import java.util.List;
      import org.flowlab.api.bijector.ActNorm;
      import org.flowlab.api.bijector.FactorOut;
      import org.flowlab.api.bijector.Squeeze;
      import org.flowlab.api.distribution.StandardNormal;
      import org.flowlab.api.flow.Chain;
      import org.flowlab.api.flow.Flow;
      import org.flowlab.api.spi.BuildContext;
      import org.flowlab.api.spi.FlowFamily;
      import org.pf4j.Extension;

      @Extension
      public class MultiScaleFamily implements FlowFamily<MultiScaleFamily.Config> {
        public record Config(Integer unused) {}

        public String name() { return "multiscale"; }
        public String description() { return "actnorm, squeeze, factor-out"; }
        public Class<Config> configType() { return Config.class; }
        public Flow build(Config config, BuildContext context) {
          Shape s = context.eventShape();
          var scope = context.parameters();
          Squeeze squeeze = new Squeeze(s);
          Shape sq = squeeze.outputShape();
          Shape kept = new Shape(sq.get(0) / 2, sq.get(1), sq.get(2));
          FactorOut out = new FactorOut(sq, kept.get(0),
              new Chain(List.of(new ActNorm(scope.child("inner"), kept))), kept);
          return new Flow(s, out.outputShape(), new StandardNormal(),
              List.of(new ActNorm(scope.child("norm"), s), squeeze, out), scope.parameters());
        }
      }
      """;

  @Test
  void multiScaleImageFlowWithLogitExportsWithinTolerance() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data"));
    TestFiles.idx(data.resolve("train-images-idx3-ubyte.gz"), 60, 4, 4);
    TestFiles.idx(data.resolve("t10k-images-idx3-ubyte"), 20, 4, 4);
    String yaml =
        """
        name: img
        seed: 3
        data: {name: mnist, path: %s, n_bits: 5, logit_alpha: 0.05}
        model: {family: multiscale}
        training: {device: cpu, batch_size: 8, steps: 6, validate_every: 3, checkpoint_every: 3}
        evaluation: {plots: false}
        """
            .formatted(data);
    try (PluginExport exported =
        PluginExport.trainAndExport(
            tmp,
            "multiscale",
            "org.flowlab.plugins.multiscale.MultiScaleFamily",
            FAMILY,
            yaml,
            "digits")) {
      ModelCard card = exported.card();
      assertEquals(1, card.version());
      assertEquals("multiscale", card.family());
      assertArrayEquals(new long[] {1, 4, 4}, card.eventShape());
      assertArrayEquals(new long[] {16}, card.latentShape());
      assertEquals(2, card.preprocessing().size(), card.preprocessing().toString());
      assertTrue(card.preprocessing().get(0).startsWith("dequantize(n_bits=5)"));
      assertEquals("logit(alpha=0.05)", card.preprocessing().get(1));
      assertEquals(20, card.parity().points(), "every test image");
      assertTrue(card.parity().logProbMaxAbsError() <= 1e-3, card.parity().toString());
      assertTrue(card.parity().sampleMaxAbsError() <= 1e-4, card.parity().toString());
      assertTrue(card.metrics().containsKey("test/bits_per_dim"), card.metrics().toString());
      assertEquals(
          card.toJson(), exported.store().resolve("digits").card().toJson(), "the stored card");
      assertTrue(exported.printed().contains("execution provider: CPU"));
      System.out.println("image export parity: " + card.parity());
    }
  }
}
