package org.flowlab.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.bijector.ActNorm;
import org.flowlab.api.distribution.StandardNormal;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.Parameter;
import org.flowlab.api.nn.ParameterScope;
import org.junit.jupiter.api.Test;

/**
 * {@link Trainer#restore} refuses a checkpoint written by another model (a plugin whose layers
 * changed shape, or other model params) with one message naming the parameter and both shapes.
 */
class CheckpointMismatchTest {
  @Test
  void aParameterOfAnotherShapeIsNamedWithBothShapes() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDList saved = checkpoint(actNorm(manager, 4));
      CheckpointMismatchException e =
          assertThrows(
              CheckpointMismatchException.class, () -> Trainer.restore(actNorm(manager, 3), saved));
      assertEquals(
          "the checkpoint does not fit this model: a.bias is (4) in the checkpoint, (3) in the"
              + " model (written by another version of the family's plugin, or for other model"
              + " params?)",
          e.getMessage());
    }
  }

  @Test
  void aMissingParameterIsNamed() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDList saved = checkpoint(actNorm(manager, 3));
      saved.remove("a.log_scale");
      CheckpointMismatchException e =
          assertThrows(
              CheckpointMismatchException.class, () -> Trainer.restore(actNorm(manager, 3), saved));
      assertEquals(
          "the checkpoint does not fit this model: it lacks parameter a.log_scale (written by"
              + " another version of the family's plugin, or for other model params?)",
          e.getMessage());
    }
  }

  private static Flow actNorm(NDManager manager, int features) {
    ParameterScope scope = ParameterScope.root(manager, 1);
    ActNorm a = new ActNorm(scope.child("a"), new Shape(features));
    return new Flow(new Shape(features), new StandardNormal(), List.of(a), scope.parameters());
  }

  /** The flow's parameters by name, as a checkpoint holds them. */
  private static NDList checkpoint(Flow flow) {
    NDList params = new NDList();
    for (Parameter p : flow.parameters()) {
      NDArray copy = p.value().duplicate();
      copy.setName(p.name());
      params.add(copy);
    }
    return params;
  }
}
