package org.flowlab.core.data;

import ai.djl.ndarray.types.Shape;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import org.flowlab.api.random.Seeds;
import org.flowlab.core.io.AtomicFiles;

/**
 * Statically binarised grey images (mnist, fashion-mnist) for a Bernoulli decoder: each pixel
 * becomes 1 with probability intensity/255, drawn once with the fixed seed {@value #SEED} from
 * {@code Seeds.stream(SEED, "binarize/<file>")}, and kept. The binarised files are IDX files like
 * the originals, written atomically under {@code <cacheDir>/<name>-binarized-seed0-<hash>/}, where
 * the hash is the SHA-256 of the original files: a rerun reads them back instead of drawing again,
 * and other original files get a folder of their own. Splits follow {@link ImageDatasets}; points
 * are floats in {0, 1}, with no dequantisation.
 */
public final class BinarizedImages {
  private BinarizedImages() {}

  /** The seed of the Bernoulli draw (the same binarisation for every run and every machine). */
  public static final long SEED = 0;

  /** The image datasets that can be binarised (one grey channel). */
  public static final List<String> NAMES = List.of("mnist", "fashion-mnist");

  /**
   * Loads {@code name}'s binarised images, drawing and caching them the first time.
   *
   * @param cacheDir the folder binarised datasets are kept in
   * @throws DatasetException (key {@code name}) for a dataset that cannot be binarised, (key {@code
   *     path}) for a missing or malformed file
   */
  public static DataSplits load(
      String name,
      String path,
      Integer trainSize,
      Integer valSize,
      Integer testSize,
      Path cacheDir) {
    if (!NAMES.contains(name)) {
      throw new DatasetException(
          "name",
          "a VAE reads binarised grey images: "
              + String.join(" or ", NAMES)
              + ", not '"
              + name
              + "'");
    }
    List<Path> files = ImageDatasets.files(name, path);
    try {
      Path folder = cacheDir.resolve(name + "-binarized-seed" + SEED + "-" + hash(files));
      ImageFiles.Images train = binarized(files.get(0), folder.resolve("train-images-idx3-ubyte"));
      ImageFiles.Images test = binarized(files.get(1), folder.resolve("t10k-images-idx3-ubyte"));
      DataSplits bytes = ImageDatasets.splits(name, train, test, trainSize, valSize, testSize, 8);
      return DataSplits.continuous(
          name + "-binarized",
          new Shape(train.channels(), train.height(), train.width()),
          floats(bytes.train()),
          floats(bytes.val()),
          floats(bytes.test()),
          OptionalDouble.empty());
    } catch (IOException e) {
      throw new DatasetException("path", e.getMessage());
    }
  }

  /** The cached binarisation of {@code original}, drawn and written to {@code cached} if absent. */
  private static ImageFiles.Images binarized(Path original, Path cached) throws IOException {
    if (Files.isRegularFile(cached)) {
      return ImageFiles.readIdx(cached);
    }
    ImageFiles.Images images = ImageFiles.readIdx(original);
    byte[] bits = binarize(images.pixels(), Seeds.stream(SEED, "binarize/" + cached.getFileName()));
    AtomicFiles.write(
        cached,
        out -> {
          DataOutputStream data = new DataOutputStream(out);
          data.writeInt(0x00000803);
          data.writeInt(images.count());
          data.writeInt(images.height());
          data.writeInt(images.width());
          data.write(bits);
          data.flush();
        });
    return new ImageFiles.Images(
        images.count(), images.channels(), images.height(), images.width(), bits);
  }

  /**
   * One Bernoulli draw per pixel: 1 with probability {@code pixel/255}, in order from {@code rng}.
   */
  static byte[] binarize(byte[] pixels, SplittableRandom rng) {
    byte[] out = new byte[pixels.length];
    for (int i = 0; i < pixels.length; i++) {
      out[i] = (byte) (rng.nextDouble() * 255 < (pixels[i] & 0xff) ? 1 : 0);
    }
    return out;
  }

  private static float[] floats(Points split) {
    byte[] bits = split.pixels();
    float[] out = new float[bits.length];
    for (int i = 0; i < bits.length; i++) {
      out[i] = bits[i];
    }
    return out;
  }

  /** The first 16 hex digits of the SHA-256 of the files' bytes, in order. */
  private static String hash(List<Path> files) throws IOException {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 16];
      for (Path f : files) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(f), sha)) {
          while (in.read(buffer) >= 0) {
            // the digest reads along
          }
        }
      }
      return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from the JVM", e);
    }
  }
}
