package org.flowlab.plugins.vi;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import org.flowlab.api.flow.Chain;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.onnx.ExportTolerance;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.onnx.runtime.OnnxSession;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.testkit.FlowChecks;
import org.junit.jupiter.api.Test;

/**
 * The layers' latent → data emission ({@code emitInverse}, what a sampler export will use) run in
 * ONNX Runtime gives the JVM's samples, within the export tolerance.
 */
class SamplerEmissionTest {
  private static void assertEmissionMatches(Flow flow, int d) {
    try (NDManager m = NDManager.newBaseManager()) {
      FlowChecks.perturb(flow, 5, 0.3);
      OnnxGraph graph = new OnnxGraph("sampler");
      OnnxTensor z = graph.input("z", new Shape(d));
      graph.output("x", new Chain(flow.bijectors()).emitInverse(graph, z));
      float[] latents = Seeds.normal(Seeds.stream(5, "z"), 32 * d);
      NDArray jvm = flow.decodeWithLogDet(m.create(latents, new Shape(32, d))).value();
      float[] onnx;
      try (OnnxSession model = OnnxSession.open(graph.toBytes(), OnnxSession.Provider.CPU)) {
        onnx = model.run(Map.of("z", new OnnxSession.Input(latents, 32, d)), "x");
      }
      float[] expected = jvm.toFloatArray();
      double err = FlowChecks.maxAbsDiff(onnx, expected);
      assertTrue(err <= ExportTolerance.sample(expected), "max |x(ONNX) − x(JVM)| = " + err);
    }
  }

  @Test
  void planarRadialAndSylvesterSamplersRunInOnnxRuntime() {
    try (NDManager m = NDManager.newBaseManager()) {
      for (int d : new int[] {2, 5}) {
        BuildContext ctx = new BuildContext(new Shape(d), ParameterScope.root(m, 9));
        assertEmissionMatches(new PlanarFamily().build(new PlanarConfig(4, true), ctx), d);
        ctx = new BuildContext(new Shape(d), ParameterScope.root(m, 9));
        assertEmissionMatches(new RadialFamily().build(new RadialConfig(4), ctx), d);
        for (String variant : SylvesterConfig.VARIANTS) {
          ctx = new BuildContext(new Shape(d), ParameterScope.root(m, 9));
          SylvesterConfig config = new SylvesterConfig(4, variant, null, null);
          assertEmissionMatches(new SylvesterFamily().build(config, ctx), d);
        }
      }
    }
  }
}
