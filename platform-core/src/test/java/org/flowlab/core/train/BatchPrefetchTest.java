package org.flowlab.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BatchPrefetchTest {
  @Test
  void stepsComeInOrderPreparedOnTheHostThreadAndNeverPastTheEnd() {
    Set<String> threads = ConcurrentHashMap.newKeySet();
    AtomicLong highest = new AtomicLong(-1);
    BatchPrefetch prefetch =
        new BatchPrefetch(
            step -> {
              threads.add(Thread.currentThread().getName());
              highest.accumulateAndGet(step, Math::max);
              return new float[] {step, step * 0.5f};
            });
    for (long step = 0; step < 10; step++) {
      assertArrayEquals(new float[] {step, step * 0.5f}, prefetch.take(step, 10));
    }
    assertEquals(Set.of("flowlab-batches"), threads);
    assertEquals(9, highest.get(), "nothing prepared past the last step");
  }

  @Test
  void askingForAnotherStepStartsAgainFromIt() {
    BatchPrefetch prefetch = new BatchPrefetch(step -> new float[] {step});
    assertArrayEquals(new float[] {0}, prefetch.take(0, 100));
    assertArrayEquals(new float[] {1}, prefetch.take(1, 100));
    assertArrayEquals(new float[] {40}, prefetch.take(40, 100), "a resume jumps ahead");
    assertArrayEquals(new float[] {3}, prefetch.take(3, 100), "a repeat goes back");
    assertArrayEquals(new float[] {4}, prefetch.take(4, 100));
  }

  @Test
  void aFailureWhilePreparingSurfacesOnTheStepThatNeedsIt() {
    BatchPrefetch prefetch =
        new BatchPrefetch(
            step -> {
              if (step == 2) {
                throw new IllegalArgumentException("bad row in step 2");
              }
              return new float[] {step};
            });
    prefetch.take(0, 5);
    prefetch.take(1, 5);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> prefetch.take(2, 5));
    assertTrue(e.getMessage().contains("step 2"), e.getMessage());
  }
}
