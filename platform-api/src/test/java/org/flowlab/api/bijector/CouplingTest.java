package org.flowlab.api.bijector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.flowlab.api.distribution.BaseDistribution;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.linalg.Lu;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Conv2d;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.Mlp;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.onnx.OnnxTransformed;
import org.flowlab.api.onnx.runtime.OnnxSession;
import org.flowlab.api.onnx.runtime.OnnxSession.Input;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.testkit.FlowChecks;
import org.junit.jupiter.api.Test;

/**
 * The coupling shape written once, on perturbed (non-identity) conditioners, for every elementwise
 * transform and both ways to divide the input: the kept part passes unchanged, the log-det is the
 * brute-force one (reverse-mode Jacobian), the inverse is exact, ONNX Runtime agrees with the JVM
 * in both directions, and a conditional coupling reads its context and refuses a missing one.
 */
class CouplingTest {
  private static final int D = 4;
  private static final int K = 2;
  private static final int N = 3;

  /**
   * Each transform, built in a scope (the learned bound registers its factor there, of the given
   * shape).
   */
  private static final Map<String, BiFunction<ParameterScope, Shape, ElementwiseTransform>>
      TRANSFORMS = transforms();

  @Test
  void vectorCouplingsHaveTheBruteForceLogDetAnExactInverseAndOnnxParity() {
    List<float[]> masks =
        List.of(new float[] {1, 1, 0, 0}, new float[] {0, 0, 1, 1}, new float[] {1, 0, 1, 0});
    for (float[] mask : masks) {
      for (var entry : TRANSFORMS.entrySet()) {
        try (NDManager m = NDManager.newBaseManager()) {
          ParameterScope scope = ParameterScope.root(m, 7);
          ElementwiseTransform transform = entry.getValue().apply(scope, new Shape(2));
          Partition partition = new Partition(mask, m);
          int changed = partition.changedSize();
          Mlp net =
              new Mlp(
                  scope.child("net"),
                  partition.keptSize(),
                  List.of(8),
                  transform.paramsPerElement() * changed,
                  Activation.TANH,
                  true);
          Coupling coupling = new Coupling(partition, new Shape(changed), net, transform, 0);
          String label = entry.getKey() + " mask " + java.util.Arrays.toString(mask);
          NDArray x = normal(m, new Shape(N, D), "x");
          checkBijection(perturbed(coupling, scope, new Shape(D)), x, mask, label);
          checkOnnxParity(coupling, x, null, new Shape(D), label);
        }
      }
    }
  }

  @Test
  void aMaskedImageCouplingKeepsTheMaskedPixelsAndMatchesTheBruteForceLogDet() {
    Shape shape = new Shape(2, 2, 2);
    float[] checkerboard = {1, 0, 0, 1, 0, 1, 1, 0};
    for (var entry : TRANSFORMS.entrySet()) {
      if (List.of("gated", "sigmoid", "spline").contains(entry.getKey())) {
        continue; // not exactly the identity at θ = 0 (the spline is, to rounding), as a mask needs
      }
      try (NDManager m = NDManager.newBaseManager()) {
        ParameterScope scope = ParameterScope.root(m, 5);
        ElementwiseTransform transform = entry.getValue().apply(scope, new Shape(2, 1, 1));
        int p = transform.paramsPerElement();
        Conv2d net = new Conv2d(scope.child("net"), 2, p * 2, 3, true);
        Coupling coupling = Coupling.masked(checkerboard, shape, m, net, transform);
        NDArray x = normal(m, new Shape(N, 2, 2, 2), "x");
        String label = "masked " + entry.getKey();
        checkBijection(perturbed(coupling, scope, shape), x, checkerboard, label);
        checkOnnxParity(coupling, x, null, shape, label);
      }
    }
  }

  @Test
  void aConditionalCouplingReadsItsContextAndRefusesAMissingOne() {
    try (NDManager m = NDManager.newBaseManager()) {
      ParameterScope scope = ParameterScope.root(m, 3);
      Partition partition = new Partition(new float[] {1, 1, 0, 0}, m);
      Mlp net = new Mlp(scope.child("net"), 2 + K, List.of(8), 4, Activation.TANH, true);
      Coupling coupling =
          new Coupling(partition, new Shape(2), net, AffineTransform.softClamped(3), K);
      perturbed(coupling, scope, new Shape(D));
      assertEquals(K, coupling.contextDim());
      NDArray x = normal(m, new Shape(N, D), "x");
      NDArray c1 = normal(m, new Shape(N, K), "c1");
      NDArray c2 = normal(m, new Shape(N, K), "c2");
      NDArray z1 = coupling.forward(x, c1, LogDetMode.EXACT).value();
      NDArray z2 = coupling.forward(x, c2, LogDetMode.EXACT).value();
      assertTrue(FlowChecks.maxAbsDiff(z1, z2) > 1e-3, "the context changes the map");
      assertTrue(FlowChecks.maxAbsDiff(coupling.inverse(z1, c1), x) < 1e-5, "inverse given c1");
      assertTrue(FlowChecks.maxAbsDiff(coupling.inverse(z2, c2), x) < 1e-5, "inverse given c2");
      var missing =
          assertThrows(IllegalArgumentException.class, () -> coupling.forward(x, LogDetMode.EXACT));
      assertTrue(missing.getMessage().contains("none was given"), missing.getMessage());
      checkOnnxParity(coupling, x, c1, new Shape(D), "conditional");
    }
  }

  @Test
  void anUnconditionalCouplingRefusesAContext() {
    try (NDManager m = NDManager.newBaseManager()) {
      ParameterScope scope = ParameterScope.root(m, 3);
      Partition partition = new Partition(new float[] {1, 1, 0, 0}, m);
      Mlp net = new Mlp(scope.child("net"), 2, List.of(8), 2, Activation.TANH, true);
      Coupling coupling = new Coupling(partition, new Shape(2), net, AdditiveTransform.SHIFT, 0);
      NDArray x = normal(m, new Shape(N, D), "x");
      assertThrows(
          IllegalArgumentException.class,
          () -> coupling.forward(x, normal(m, new Shape(N, K), "c"), LogDetMode.EXACT));
    }
  }

  @Test
  void aMaskOfTheWrongSizeIsRefused() {
    try (NDManager m = NDManager.newBaseManager()) {
      Conv2d net = new Conv2d(ParameterScope.root(m, 1).child("net"), 2, 4, 3, true);
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  Coupling.masked(
                      new float[] {1, 0, 1}, new Shape(2, 2, 2), m, net, AffineTransform.gated()));
      assertEquals("the mask has 3 values for an event of shape (2, 2, 2)", e.getMessage());
    }
  }

  /**
   * Kept entries unchanged, the map not the identity, log-det = log|det J| by brute force, inverse
   * exact.
   */
  private static void checkBijection(Coupling coupling, NDArray x, float[] mask, String label) {
    Transformed forward = coupling.forward(x, LogDetMode.EXACT);
    NDArray z = forward.value();
    float[] xs = x.toFloatArray();
    float[] zs = z.toFloatArray();
    int d = mask.length;
    for (int i = 0; i < xs.length; i++) {
      if (mask[i % d] > 0.5f) {
        assertEquals(xs[i], zs[i], 0.0, label + ": kept entry " + i + " changed");
      }
    }
    assertTrue(FlowChecks.maxAbsDiff(z, x) > 1e-2, label + ": not the identity");
    double[][][] jac = FlowChecks.jacobians(v -> coupling.forward(v, LogDetMode.EXACT).value(), x);
    float[] logDet = forward.logDet().toFloatArray();
    for (int s = 0; s < jac.length; s++) {
      assertEquals(Lu.logAbsDet(jac[s]), logDet[s], 1e-4, label + " log-det " + s);
    }
    assertTrue(FlowChecks.maxAbsDiff(coupling.inverse(z), x) < 1e-5, label + " inverse");
  }

  /** The exported forward (value, log-det) and inverse agree with the JVM in ONNX Runtime. */
  private static void checkOnnxParity(
      Coupling coupling, NDArray x, NDArray context, Shape eventShape, String label) {
    Transformed jvm = coupling.forward(x, context, LogDetMode.EXACT);
    NDArray back = coupling.inverse(jvm.value(), context);
    OnnxGraph graph = new OnnxGraph("coupling");
    OnnxTensor xIn = graph.input("x", eventShape);
    OnnxTensor zIn = graph.input("z", eventShape);
    OnnxTensor cIn = context == null ? null : graph.input("c", new Shape(K));
    OnnxTransformed emitted = coupling.emitForward(graph, xIn, cIn);
    graph.output("value", emitted.value());
    graph.output("log_det", emitted.logDet());
    graph.output("inverse", coupling.emitInverse(graph, zIn, cIn));
    long[] dims = x.getShape().getShape();
    Map<String, Input> feed = new HashMap<>();
    feed.put("x", new Input(x.toFloatArray(), dims));
    feed.put("z", new Input(jvm.value().toFloatArray(), dims));
    if (context != null) {
      feed.put("c", new Input(context.toFloatArray(), context.getShape().getShape()));
    }
    try (OnnxSession model = OnnxSession.open(graph.toBytes(), OnnxSession.Provider.CPU)) {
      List<float[]> out = model.run(feed, List.of("value", "log_det", "inverse"));
      assertTrue(
          FlowChecks.maxAbsDiff(jvm.value().toFloatArray(), out.get(0)) < 1e-5, label + " z");
      assertTrue(
          FlowChecks.maxAbsDiff(jvm.logDet().toFloatArray(), out.get(1)) < 1e-4,
          label + " log-det");
      assertTrue(FlowChecks.maxAbsDiff(back.toFloatArray(), out.get(2)) < 1e-5, label + " x");
    }
  }

  /** {@code coupling} with its conditioner's (and the learned bound's) weights perturbed. */
  private static Coupling perturbed(Coupling coupling, ParameterScope scope, Shape shape) {
    Flow flow =
        new Flow(shape, BaseDistribution.named("normal"), List.of(coupling), scope.parameters());
    FlowChecks.perturb(flow, 5, 0.4);
    return coupling;
  }

  private static Map<String, BiFunction<ParameterScope, Shape, ElementwiseTransform>> transforms() {
    Map<String, BiFunction<ParameterScope, Shape, ElementwiseTransform>> all =
        new java.util.TreeMap<>();
    all.put("soft clamp", (s, f) -> AffineTransform.softClamped(3));
    all.put(
        "learned bound, s first",
        (s, f) ->
            AffineTransform.learnedBound(s.trainable("scale_factor", f, Initializer.ONES))
                .scaleFirst());
    all.put("gated", (s, f) -> AffineTransform.gated());
    all.put("sigmoid", (s, f) -> AffineTransform.sigmoidScaled());
    all.put("standardizing", (s, f) -> AffineTransform.standardizing());
    all.put("additive", (s, f) -> AdditiveTransform.SHIFT);
    all.put("spline", (s, f) -> new RationalQuadraticSpline(4, 3, 1e-3, 1e-3, 1e-3));
    return all;
  }

  private static NDArray normal(NDManager m, Shape shape, String purpose) {
    return m.create(Seeds.normal(Seeds.stream(9, purpose), Math.toIntExact(shape.size())), shape);
  }
}
