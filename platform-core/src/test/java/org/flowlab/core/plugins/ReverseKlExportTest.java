package org.flowlab.core.plugins;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.onnx.ExportTolerance;
import org.flowlab.api.onnx.runtime.OnnxSession;
import org.flowlab.api.testkit.FlowChecks;
import org.flowlab.core.export.RunExporter;
import org.flowlab.registry.ModelCard;
import org.flowlab.registry.ModelStore;
import org.flowlab.registry.RegisteredFlow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Export of a reverse-KL fit whose family also has a density (an IAF stack from a real plugin jar,
 * fitted to the energy U1): the experiment has no data block, so the event shape comes from the
 * target, there is no preprocessing, and the parity check scores the flow's own samples. The
 * published {@code log_prob} and {@code sample} models agree with the JVM flow rebuilt from the
 * run's best checkpoint.
 */
class ReverseKlExportTest {
  @TempDir Path tmp;

  @Test
  void aReverseKlFitOfADensityFamilyExportsLogProbAndSample() throws Exception {
    String yaml =
        """
        name: iaf-u1-tiny
        seed: 2
        target: {name: u1, anneal_steps: 10}
        model: {family: test-iaf, params: {layers: 2}}
        training:
          objective: reverse_kl
          device: cpu
          batch_size: 64
          steps: 20
          checkpoint_every: 10
          optimizer: {lr: 5.0e-3}
        evaluation: {samples: 500, plots: false}
        """;
    try (PluginExport exported =
        PluginExport.trainAndExport(
            tmp, "testiaf", VaeFlowExportTest.FAMILY_CLASS, VaeFlowExportTest.FAMILY, yaml, null)) {
      ModelCard card = exported.card();
      assertEquals("test-iaf", card.family());
      assertEquals(ModelCard.DENSITY_GRAPHS, card.graphs());
      assertArrayEquals(new long[] {2}, card.eventShape(), "the target's dimension");
      assertEquals(List.of(), card.preprocessing());
      assertEquals(RunExporter.PARITY_POINTS, card.parity().points());
      assertTrue(card.parity().passed(), card.parity().toString());
      assertTrue(card.metrics().containsKey("test/reverse_kl"), card.metrics().toString());
      assertTrue(exported.printed().contains("on 512 samples of the flow"), exported.printed());
      ModelStore.Registered stored = exported.store().resolve("iaf-u1-tiny");
      assertTrue(Files.size(stored.logProbFile()) > 0 && Files.size(stored.sampleFile()) > 0);

      // Independently of the export's own check: ONNX Runtime's log p of points the JVM flow
      // draws equals the JVM flow's.
      int n = 64;
      try (NDManager m = NDManager.newBaseManager();
          RegisteredFlow ort = RegisteredFlow.open(stored, OnnxSession.Provider.CPU)) {
        Flow flow = exported.source().restore(new Shape(2), m);
        float[] x = ort.decode(ort.draws(n, 7), n, 1.0);
        float[] jvm = flow.logProb(m.create(x, new Shape(n, 2))).toFloatArray();
        double worst = FlowChecks.maxAbsDiff(ort.score(x, n), jvm);
        assertTrue(worst <= ExportTolerance.logProb(jvm), "max |Δ log p| " + worst);
      }
    }
  }
}
