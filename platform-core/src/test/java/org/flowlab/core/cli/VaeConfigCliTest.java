package org.flowlab.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad VAE experiments stop before any work with exit code 2 and one line naming the file, line and
 * key: a dataset that cannot be binarised, a posterior family that is not installed (in an empty
 * plugins folder).
 */
class VaeConfigCliTest {
  @TempDir Path tmp;

  private Cli.Result validate(String yaml) throws Exception {
    Path file = Files.writeString(tmp.resolve("vae.yaml"), yaml);
    Path plugins = Files.createDirectories(tmp.resolve("plugins")); // none installed
    Cli.Result r = Cli.run("--plugins-dir", plugins.toString(), "validate", file.toString());
    List<String> lines =
        r.err().lines().filter(l -> !l.startsWith("warning: started without")).toList();
    assertEquals(1, lines.size(), "one line: " + r.err());
    assertFalse(lines.get(0).contains("Exception"), "no class names: " + r.err());
    assertEquals(2, r.code(), r.err());
    assertTrue(lines.get(0).contains(file + ":"), "names the file: " + r.err());
    return r;
  }

  @Test
  void aColourDatasetIsRefusedAtDataName() throws Exception {
    Cli.Result r =
        validate("name: v\ndata:\n  name: cifar10\n  path: /nowhere\nmodel:\n  kind: vae\n");
    assertTrue(r.err().contains(":3:3: data.name: a VAE reads binarised grey images"), r.err());
  }

  @Test
  void anUnknownPosteriorFamilyIsRefusedAtModelFamily() throws Exception {
    Cli.Result r =
        validate(
            "name: v\ndata:\n  name: mnist\n  path: /nowhere\nmodel:\n  kind: vae\n"
                + "  family: iaff\n");
    assertTrue(r.err().contains(":7:3: model.family: unknown family 'iaff'"), r.err());
  }
}
