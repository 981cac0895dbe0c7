package org.flowlab.core.data;

import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;

/**
 * The image datasets {@code mnist}, {@code fashion-mnist} (IDX files) and {@code cifar10} (binary
 * batches), as 8-bit pixels in (c, h, w) order.
 *
 * <p>Files in {@code data.path}: for mnist and fashion-mnist {@code train-images-idx3-ubyte} and
 * {@code t10k-images-idx3-ubyte} (or with {@code .gz}, or {@code -idx3} written {@code .idx3});
 * fashion-mnist defaults to {@value #FASHION_MNIST_DEFAULT} (Debian's {@code dataset-fashion-mnist}
 * package). For cifar10 {@code data_batch_1.bin} .. {@code data_batch_5.bin} and {@code
 * test_batch.bin}, in the folder or its {@code cifar-10-batches-bin} subfolder.
 *
 * <p>Splits: validation is the last {@code min(5000, n/10)} images (at least one) of the training
 * file (5,000 for MNIST's 60,000 and CIFAR-10's 50,000), training the images before them, test the
 * test file. {@code train_size}, {@code val_size}, {@code test_size} keep only the first so many of
 * each.
 */
public final class ImageDatasets {
  private ImageDatasets() {}

  /** Where {@code apt-get install dataset-fashion-mnist} puts Fashion-MNIST. */
  public static final String FASHION_MNIST_DEFAULT = "/usr/share/datasets/fashion-mnist";

  /** The image dataset names. */
  public static final List<String> NAMES = List.of("mnist", "fashion-mnist", "cifar10");

  /** Validation images carved from the end of the training file, at most. */
  public static final int VAL_IMAGES = 5000;

  /** The folder a dataset reads, from {@code data.path} or its default. */
  static Path folder(String name, String path) {
    if (path == null) {
      if (name.equals("fashion-mnist")) {
        return Path.of(FASHION_MNIST_DEFAULT);
      }
      throw new DatasetException(
          "path",
          name
              + " needs data.path, the folder holding "
              + String.join(" and ", expectedFiles(name)));
    }
    return Path.of(path);
  }

  private static List<String> expectedFiles(String name) {
    return name.equals("cifar10")
        ? List.of("data_batch_1.bin .. data_batch_5.bin", "test_batch.bin")
        : List.of("train-images-idx3-ubyte(.gz)", "t10k-images-idx3-ubyte(.gz)");
  }

  /**
   * The files a dataset needs: for IDX data {train, test}, for CIFAR-10 the five training batches
   * then the test batch.
   *
   * @throws DatasetException (key {@code path}) when the folder or a file is missing
   */
  static List<Path> files(String name, String path) {
    Path dir = folder(name, path);
    if (!Files.isDirectory(dir)) {
      throw new DatasetException(
          "path",
          (Files.exists(dir) ? "not a folder: " : "folder not found: ")
              + dir
              + (name.equals("fashion-mnist") && path == null
                  ? " (install it: apt-get install dataset-fashion-mnist)"
                  : ""));
    }
    List<Path> out = new ArrayList<>();
    if (name.equals("cifar10")) {
      Path sub = dir.resolve("cifar-10-batches-bin");
      Path base =
          Files.isRegularFile(dir.resolve("test_batch.bin")) || !Files.isDirectory(sub) ? dir : sub;
      for (int i = 1; i <= 5; i++) {
        out.add(require(base, "data_batch_" + i + ".bin"));
      }
      out.add(require(base, "test_batch.bin"));
    } else {
      out.add(idx(dir, "train"));
      out.add(idx(dir, "t10k"));
    }
    return out;
  }

  private static Path require(Path dir, String file) {
    Path f = dir.resolve(file);
    if (!Files.isRegularFile(f)) {
      throw new DatasetException("path", "no " + file + " in " + dir);
    }
    return f;
  }

  private static Path idx(Path dir, String prefix) {
    for (String stem : List.of(prefix + "-images-idx3-ubyte", prefix + "-images.idx3-ubyte")) {
      for (String suffix : List.of("", ".gz")) {
        Path f = dir.resolve(stem + suffix);
        if (Files.isRegularFile(f)) {
          return f;
        }
      }
    }
    throw new DatasetException("path", "no " + prefix + "-images-idx3-ubyte(.gz) in " + dir);
  }

  /**
   * Loads an image dataset.
   *
   * @param name {@code mnist}, {@code fashion-mnist} or {@code cifar10}
   * @param path the folder, or null for the default
   * @param trainSize keep at most this many training images (null: all)
   * @param valSize at most this many validation images (null: all)
   * @param testSize at most this many test images (null: all)
   * @param nBits the bit depth the pixels are dequantised at
   * @throws DatasetException for a missing folder or file (key {@code path}) or a malformed file
   */
  public static DataSplits load(
      String name, String path, Integer trainSize, Integer valSize, Integer testSize, int nBits) {
    List<Path> files = files(name, path);
    ImageFiles.Images trainFile;
    ImageFiles.Images testFile;
    try {
      if (name.equals("cifar10")) {
        trainFile = ImageFiles.readCifar(files.subList(0, 5).toArray(Path[]::new));
        testFile = ImageFiles.readCifar(files.get(5));
      } else {
        trainFile = ImageFiles.readIdx(files.get(0));
        testFile = ImageFiles.readIdx(files.get(1));
      }
    } catch (IOException e) {
      throw new DatasetException("path", e.getMessage());
    }
    if (trainFile.dim() != testFile.dim() || trainFile.height() != testFile.height()) {
      throw new DatasetException(
          "path",
          "training and test images differ in size: "
              + trainFile.height()
              + "×"
              + trainFile.width()
              + " vs "
              + testFile.height()
              + "×"
              + testFile.width());
    }
    return splits(name, trainFile, testFile, trainSize, valSize, testSize, nBits);
  }

  /** Splits loaded images as {@link #load} does. */
  static DataSplits splits(
      String name,
      ImageFiles.Images trainFile,
      ImageFiles.Images testFile,
      Integer trainSize,
      Integer valSize,
      Integer testSize,
      int nBits) {
    int dim = trainFile.dim();
    int n = trainFile.count();
    int nVal = n < 2 ? 0 : Math.max(1, Math.min(VAL_IMAGES, n / 10));
    int nTrain = n - nVal;
    if (nTrain < 1) {
      throw new DatasetException("path", "the training file holds no images");
    }
    byte[] all = trainFile.pixels();
    int keepTrain = cap(nTrain, trainSize);
    int keepVal = cap(nVal, valSize);
    int keepTest = cap(testFile.count(), testSize);
    byte[] train = Arrays.copyOfRange(all, 0, keepTrain * dim);
    byte[] val = Arrays.copyOfRange(all, nTrain * dim, (nTrain + keepVal) * dim);
    byte[] test = Arrays.copyOfRange(testFile.pixels(), 0, keepTest * dim);
    return new DataSplits(
        name,
        new Shape(trainFile.channels(), trainFile.height(), trainFile.width()),
        Points.pixels(train, dim),
        Points.pixels(val, dim),
        Points.pixels(test, dim),
        OptionalDouble.empty(),
        new Quantization(nBits),
        null);
  }

  private static int cap(int available, Integer size) {
    return size == null ? available : Math.min(available, size);
  }
}
