package org.flowlab.core.tracking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunTagsTest {
  @TempDir Path tmp;

  @Test
  void gitStateIsUnknownOutsideARepoAndTracksCommitAndDirtiness() throws Exception {
    Map<String, String> none = RunTags.git(tmp);
    assertEquals(RunTags.UNKNOWN, none.get(RunTags.GIT_COMMIT));
    assertEquals(RunTags.UNKNOWN, none.get(RunTags.GIT_DIRTY));

    Assumptions.assumeTrue(git(tmp, "init", "-q") == 0, "git is not installed");
    Files.writeString(tmp.resolve("a.txt"), "a");
    assertEquals(0, git(tmp, "add", "a.txt"));
    assertEquals(
        0, git(tmp, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "c"));
    Map<String, String> clean = RunTags.git(tmp);
    assertTrue(clean.get(RunTags.GIT_COMMIT).matches("[0-9a-f]{40}"), clean.toString());
    assertEquals("false", clean.get(RunTags.GIT_DIRTY));
    Files.writeString(tmp.resolve("a.txt"), "changed");
    assertEquals("true", RunTags.git(tmp).get(RunTags.GIT_DIRTY));
  }

  @Test
  void systemAndDjlTagsAreFilled() {
    Map<String, String> tags = RunTags.collect(tmp);
    assertTrue(tags.get(RunTags.JVM).startsWith(System.getProperty("java.version")));
    assertTrue(tags.get(RunTags.OS).startsWith(System.getProperty("os.name")));
    assertFalse(tags.get(RunTags.HOST).isBlank());
    assertTrue(tags.get(RunTags.DJL_VERSION).matches("\\d+\\.\\d+\\.\\d+.*"), tags.toString());
    assertTrue(tags.get(RunTags.ENGINE).startsWith("PyTorch "), tags.toString());
  }

  private static int git(Path dir, String... args) throws Exception {
    String[] cmd = new String[args.length + 1];
    cmd[0] = "git";
    System.arraycopy(args, 0, cmd, 1, args.length);
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor();
  }
}
