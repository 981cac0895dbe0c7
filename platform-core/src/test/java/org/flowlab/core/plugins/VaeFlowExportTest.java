package org.flowlab.core.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import org.flowlab.api.nn.Scalars;
import org.flowlab.api.onnx.ExportTolerance;
import org.flowlab.api.onnx.runtime.OnnxSession;
import org.flowlab.core.data.TestFiles;
import org.flowlab.core.vae.VaeModel;
import org.flowlab.registry.ModelCard;
import org.flowlab.registry.RegisteredFlow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Export of a VAE whose posterior is a flow from a real plugin jar (an IAF stack with context): the
 * run's encoder, flow and decoder are rebuilt through the plugin and its best checkpoint restored,
 * and the published generator decodes as the trained JVM decoder does.
 */
class VaeFlowExportTest {
  @TempDir Path tmp;

  static final String FAMILY_CLASS = "org.flowlab.plugins.testiaf.TestIafFamily";

  static final String FAMILY =
      """
      package org.flowlab.plugins.testiaf;

      import java.util.List;
      import org.flowlab.api.bijector.AffineTransform;
      import org.flowlab.api.bijector.Autoregressive;
      import org.flowlab.api.distribution.StandardNormal;
      import org.flowlab.api.flow.Flow;
      import org.flowlab.api.nn.Activation;
      import org.flowlab.api.spi.BuildContext;
      import org.flowlab.api.spi.FlowFamily;
      import org.pf4j.Extension;

      @Extension
      public class TestIafFamily implements FlowFamily<TestIafFamily.Config> {
        public record Config(int layers) {}

        public String name() { return "test-iaf"; }
        public String description() { return "IAF stack with context"; }
        public Class<Config> configType() { return Config.class; }
        public Flow build(Config config, BuildContext context) {
          int d = Math.toIntExact(context.eventShape().size());
          return new Flow(context.eventShape(), new StandardNormal(),
              Autoregressive.stack(context.parameters(), d, config.layers(), "reversed",
                  List.of(8), Activation.ELU, false, AffineTransform.softClamped(3),
                  Autoregressive.Direction.IAF, false, true, context.contextDim()),
              context.parameters().parameters());
        }
      }
      """;

  @Test
  void aVaeWithAFlowPosteriorPublishesItsTrainedGenerator() throws Exception {
    Path data = TestFiles.mnist(tmp.resolve("data"), 100, 20, 8);
    String yaml =
        """
        name: flowvae
        seed: 4
        data: {name: mnist, path: %s}
        model:
          kind: vae
          vae: {latent_dim: 3, hidden: [16, 8], iw_samples: 4, iw_images: 5}
          family: test-iaf
          params: {layers: 2}
        training: {device: cpu, batch_size: 10, steps: 6, validate_every: 3, checkpoint_every: 3}
        evaluation: {plots: false}
        """
            .formatted(data);
    try (PluginExport exported =
        PluginExport.trainAndExport(tmp, "testiaf", FAMILY_CLASS, FAMILY, yaml, null)) {
      ModelCard card = exported.card();
      assertEquals("vae/test-iaf", card.family());
      assertTrue(card.has(ModelCard.GENERATOR) && !card.has(ModelCard.LOG_PROB), card.toJson());
      assertEquals(256, card.parity().latents());
      assertTrue(
          exported.printed().contains("parity (ONNX Runtime CPU vs JVM, generator)"),
          exported.printed());

      int n = 8;
      try (NDManager m = NDManager.newBaseManager();
          RegisteredFlow ort =
              RegisteredFlow.open(exported.store().resolve("flowvae"), OnnxSession.Provider.CPU)) {
        VaeModel vae = exported.source().restoreVae(64, m);
        assertTrue(vae.hasFlow());
        float[] z = ort.draws(n, 11);
        float[] onnx = ort.decode(z, n, 1.0);
        float[] jvm = vae.means(Scalars.mul(m.create(z, new Shape(n, 3)), 1.0)).toFloatArray();
        double worst = 0;
        for (int i = 0; i < jvm.length; i++) {
          worst = Math.max(worst, Math.abs(onnx[i] - jvm[i]));
        }
        assertTrue(worst <= ExportTolerance.sample(jvm), "max |Δ mean| " + worst);
      }
    }
  }
}
