package org.flowlab.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import org.flowlab.api.bijector.Logit;
import org.flowlab.api.distribution.StandardLogistic;
import org.flowlab.api.flow.Flow;
import org.flowlab.core.config.ExperimentConfig;
import org.flowlab.core.config.ExperimentConfig.TrainingConfig;
import org.flowlab.core.data.DataSplits;
import org.flowlab.core.data.Points;
import org.flowlab.core.data.Quantization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Pixel data through the trainer: dequantised batches and the figures evaluated on them. */
class DequantizedTrainingTest {
  @TempDir Path tmp;

  static final Shape IMAGE = new Shape(1, 4, 4);

  /** n random 1×4×4 images of 8-bit pixels. */
  static DataSplits images(int n, int nBits) {
    byte[] px = new byte[n * 16];
    new java.util.Random(3).nextBytes(px);
    return new DataSplits(
        "pixels",
        IMAGE,
        Points.pixels(px, 16),
        Points.pixels(Arrays.copyOf(px, 5 * 16), 16),
        Points.pixels(Arrays.copyOfRange(px, 16, 16 * 9), 16),
        OptionalDouble.empty(),
        new Quantization(nBits),
        null);
  }

  @Test
  void prefetchedBatchesEqualTheBatchesPreparedInPlaceAcrossEpochs() {
    DataSplits data = images(40, 8);
    try (NDManager m = NDManager.newBaseManager()) {
      Flow flow = new Flow(IMAGE, new StandardLogistic(), List.of(), List.of());
      TrainingConfig small =
          new TrainingConfig(
              "cpu",
              16,
              12L,
              null,
              new ExperimentConfig.OptimizerConfig(null, 1e-3, 0.0, null, null),
              new ExperimentConfig.ScheduleConfig("cosine", 0L, 0.1),
              0.0,
              12L,
              12L,
              null,
              null,
              null);
      // 40 images in batches of 16: 2 batches per epoch, so 12 steps cross 5 epoch boundaries.
      Trainer inPlace = new Trainer(small, 5, flow, data, m, tmp, "h", "y");
      Trainer ahead = new Trainer(small, 5, flow, data, m, tmp, "h", "y");
      BatchPrefetch prefetch = new BatchPrefetch(ahead::hostBatch);
      for (long step = 0; step < 12; step++) {
        assertArrayEquals(
            inPlace.batch(m, step).toFloatArray(), prefetch.take(step, 12), "step " + step);
      }
    }
  }

  @Test
  void batchesAreDequantisedWithFreshNoisePerStepAndTheSameNoiseForTheSameStep() {
    DataSplits data = images(40, 8);
    try (NDManager m = NDManager.newBaseManager()) {
      Flow flow = new Flow(IMAGE, new StandardLogistic(), List.of(), List.of());
      Trainer t = new Trainer(TrainerTest.training(10, 1e-3), 5, flow, data, m, tmp, "h", "y");
      float[] s0 = t.batch(m, 0).toFloatArray();
      float[] s0again = t.batch(m, 0).toFloatArray();
      float[] s1 = t.batch(m, 1).toFloatArray();
      assertEquals(40 * 16, s0.length); // batch 64 capped at the 40 images
      assertArrayEquals(s0, s0again, "same step, same batch");
      for (float v : s0) {
        assertTrue(v >= 0 && v < 1, "x = " + v);
      }
      // One batch per epoch here, so steps 0 and 1 each hold every image once (in another order):
      // compare the multisets of bins.
      int[] bins0 = bins(s0);
      int[] bins1 = bins(s1);
      Arrays.sort(bins0);
      Arrays.sort(bins1);
      assertArrayEquals(bins0, bins1, "each epoch covers the same pixels");
      // ... but the noise differs: the sorted values are not the same.
      float[] v0 = s0.clone();
      float[] v1 = s1.clone();
      Arrays.sort(v0);
      Arrays.sort(v1);
      assertFalse(Arrays.equals(v0, v1), "fresh noise per step");
      // Every value's bin is a pixel of the training set's bin multiset.
      int[] expected = new int[40 * 16];
      for (int i = 0; i < expected.length; i++) {
        expected[i] = data.train().pixels()[i] & 0xff;
      }
      Arrays.sort(expected);
      assertArrayEquals(expected, bins0);
    }
  }

  private static int[] bins(float[] x) {
    int[] out = new int[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = (int) Math.floor(x[i] * 256);
    }
    return out;
  }

  /**
   * logit(α + (1−α)x) with a standard logistic base has density exactly (1 − α) on [0, 1): the
   * logistic is the logit of a uniform. So the dequantised data scores n_bits − log2(1 − α)
   * bits/dim, whatever the pixels — a known answer that holds only if the logit's Jacobian is
   * counted. Evaluation noise is fixed: two evaluations agree to the bit.
   */
  @ParameterizedTest
  @CsvSource({"8, 0.0", "8, 0.05", "3, 0.05", "1, 0.3"})
  void logitOfAUniformScoresItsKnownBitsPerDim(int nBits, double alpha) {
    DataSplits data = images(30, nBits);
    try (NDManager m = NDManager.newBaseManager()) {
      Flow flow =
          new Flow(IMAGE, new StandardLogistic(), List.of(), List.of())
              .withPreprocessing(List.of(new Logit(alpha)));
      double nll = Trainer.meanNll(flow, data, data.test(), Trainer.evaluationNoise(1, "test"), m);
      double again =
          Trainer.meanNll(flow, data, data.test(), Trainer.evaluationNoise(1, "test"), m);
      assertEquals(nll, again, 0.0, "fixed evaluation noise");
      double bpd = data.quantization().bitsPerDim(nll, data.dim());
      double expected = nBits - Math.log(1 - alpha) / Math.log(2);
      assertEquals(expected, bpd, 2e-4, "nll " + nll);
    }
  }
}
