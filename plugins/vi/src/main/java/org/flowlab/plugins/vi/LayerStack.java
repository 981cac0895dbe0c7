package org.flowlab.plugins.vi;

import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.distribution.StandardNormal;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.spi.FamilyBuildException;

/** Builds a flow of K layers of one kind on vectors, over a standard normal base. */
final class LayerStack {
  private LayerStack() {}

  /** Makes layer {@code index} (0-based) of a stack on vectors of dimension d. */
  interface LayerMaker {
    Bijector make(ParameterScope scope, int index, int d);
  }

  /**
   * Layer k (0-based) is applied k-th in the sampling direction, {@code z_K = f_K∘…∘f_1(z_0)}; its
   * parameters are named {@code layer.k.*}.
   *
   * @param family the family name, for the error on other shapes
   * @param layer makes each layer in its own scope
   */
  static Flow build(String family, BuildContext context, int layers, LayerMaker layer) {
    Shape shape = context.eventShape();
    if (shape.dimension() != 1 || shape.get(0) < 1) {
      throw new FamilyBuildException(
          null, family + " supports vectors (d) only, got event shape " + shape);
    }
    int d = Math.toIntExact(shape.get(0));
    ParameterScope root = context.parameters();
    List<Bijector> dataToLatent = new ArrayList<>();
    for (int k = 0; k < layers; k++) {
      dataToLatent.add(0, layer.make(root.child("layer." + k), k, d));
    }
    return new Flow(shape, new StandardNormal(), dataToLatent, root.parameters());
  }
}
