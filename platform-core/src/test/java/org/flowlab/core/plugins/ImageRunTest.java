package org.flowlab.core.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.flowlab.core.config.ConfigLoader;
import org.flowlab.core.data.Quantization;
import org.flowlab.core.data.TestFiles;
import org.flowlab.core.experiment.ExperimentRunner;
import org.flowlab.core.experiment.TrackerFactory;
import org.flowlab.core.tracking.MetricPoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An image run end to end through {@link ExperimentRunner}: IDX files the test writes (1×4×4
 * images), a tiny family from a real plugin jar (actnorm only: the realnvp plugin is vector-only),
 * logit preprocessing, dequantisation at 5 bits, bits/dim and sample grids as artifacts. Lives here
 * for {@link PluginJars}.
 */
class ImageRunTest {
  @TempDir Path tmp;

  static final String FAMILY =
      """
      package org.flowlab.plugins.tinyimage;

      import java.util.List;
      import org.flowlab.api.bijector.ActNorm;
      import org.flowlab.api.distribution.StandardNormal;
      import org.flowlab.api.flow.Flow;
      import org.flowlab.api.spi.BuildContext;
      import org.flowlab.api.spi.FlowFamily;
      import org.pf4j.Extension;

      @Extension
      public class TinyImageFamily implements FlowFamily<TinyImageFamily.Config> {
        public record Config(Integer unused) {}

        public String name() { return "tinyimage"; }
        public String description() { return "actnorm on images"; }
        public Class<Config> configType() { return Config.class; }
        public Flow build(Config config, BuildContext context) {
          var s = context.eventShape();
          var scope = context.parameters();
          return new Flow(s, new StandardNormal(),
              List.of(new ActNorm(scope.child("norm"), s)), scope.parameters());
        }
      }
      """;

  @Test
  void imageRunLogsBitsPerDimAndSampleGridsAndRepeatsBitwise() throws Exception {
    Path plugins = Files.createDirectories(tmp.resolve("plugins"));
    PluginJars.plugin("tinyimage")
        .source("org.flowlab.plugins.tinyimage.TinyImageFamily", FAMILY)
        .writeJar(plugins);
    Path data = Files.createDirectories(tmp.resolve("data"));
    TestFiles.idx(data.resolve("train-images-idx3-ubyte.gz"), 60, 4, 4);
    TestFiles.idx(data.resolve("t10k-images-idx3-ubyte"), 20, 4, 4);
    Path yaml =
        Files.writeString(
            tmp.resolve("img.yaml"),
            """
            name: img
            seed: 3
            data:
              name: mnist
              path: %s
              n_bits: 5
              logit_alpha: 0.05
            model:
              family: tinyimage
            training:
              device: cpu
              batch_size: 8
              steps: 6
              validate_every: 3
              checkpoint_every: 3
              log_every: 1
            evaluation:
              sample_grid: 3
              temperatures: [0.0, 0.7, 1.0]
            """
                .formatted(data));
    try (PluginHost host = PluginHost.start(plugins, false, PluginHostTest.hostInjector())) {
      TrackerFactory trackers = new TrackerFactory(tmp.resolve("runs"));
      ExperimentRunner runner = new ExperimentRunner(host, trackers);
      PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
      ExperimentRunner.Outcome a = runner.run(ConfigLoader.load(yaml), (String) null, quiet);
      ExperimentRunner.Outcome b = runner.run(ConfigLoader.load(yaml), (String) null, quiet);

      Quantization q = new Quantization(5);
      Map<String, Double> m = a.metrics();
      double bpd = m.get("test/bits_per_dim");
      assertTrue(Double.isFinite(bpd), "bits/dim " + bpd);
      assertEquals(q.bitsPerDim(m.get("test/nll"), 16), bpd, 1e-12);
      assertEquals(bpd, b.metrics().get("test/bits_per_dim"), 0.0, "same seed, same figure");
      double inverseError = m.get("test/inverse_error");
      assertTrue(inverseError < 1e-4, "decode(encode(x)) on test images, error " + inverseError);

      List<MetricPoint> val = trackers.localStore().metricHistory(a.runId(), "val/bits_per_dim");
      List<MetricPoint> valNll = trackers.localStore().metricHistory(a.runId(), "val/nll");
      assertEquals(List.of(3L, 6L), val.stream().map(MetricPoint::step).toList());
      for (int i = 0; i < val.size(); i++) {
        assertEquals(q.bitsPerDim(valNll.get(i).value(), 16), val.get(i).value(), 1e-9);
      }

      Path eval = a.runDir().resolve("evaluation");
      for (String t : List.of("0", "0.7", "1")) {
        Path png = eval.resolve("samples_T" + t + ".png");
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(2 + 3 * (4 + 2), img.getWidth(), png.toString());
        assertEquals(2 + 3 * (4 + 2), img.getHeight(), png.toString());
        assertTrue(
            Files.exists(
                a.runDir().resolve("artifacts").resolve("evaluation/samples_T" + t + ".png")),
            "grid logged as an artifact");
      }
      assertTrue(Files.exists(eval.resolve("samples.npz")));
      assertTrue(!Files.exists(eval.resolve("density.png")), "no 2D density plot for images");
    }
  }
}
