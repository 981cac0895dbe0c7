package org.flowlab.api.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.nn.ParameterScope;
import org.junit.jupiter.api.Test;

/** The vector-or-image dispatch every family that builds both shares. */
class BuildContextTest {
  @Test
  void vectorsAndImagesAreToldApartAndOtherShapesRefusedNamingTheFamily() {
    try (NDManager m = NDManager.newBaseManager()) {
      ParameterScope root = ParameterScope.root(m, 1);
      assertFalse(new BuildContext(new Shape(5), root).isImage("f"));
      assertTrue(new BuildContext(new Shape(1, 4, 4), root).isImage("f"));
      for (Shape bad : List.of(new Shape(), new Shape(4, 4), new Shape(1, 2, 3, 4))) {
        FamilyBuildException e =
            assertThrows(
                FamilyBuildException.class, () -> new BuildContext(bad, root).isImage("ffjord"));
        assertEquals(
            "ffjord supports vectors (d) and images (c, h, w), got event shape " + bad,
            e.problem());
        assertNull(e.key(), "no single key is at fault: located at model.family");
      }
    }
  }

  @Test
  void aContextIsRefusedForImagesOnly() {
    try (NDManager m = NDManager.newBaseManager()) {
      ParameterScope root = ParameterScope.root(m, 1);
      new BuildContext(new Shape(5), root, 3).requireVectorsForContext("f");
      new BuildContext(new Shape(1, 4, 4), root, 0).requireVectorsForContext("f");
      FamilyBuildException e =
          assertThrows(
              FamilyBuildException.class,
              () -> new BuildContext(new Shape(1, 4, 4), root, 3).requireVectorsForContext("nsf"));
      assertEquals("nsf reads a context with vector data only, not images (1, 4, 4)", e.problem());
    }
  }
}
