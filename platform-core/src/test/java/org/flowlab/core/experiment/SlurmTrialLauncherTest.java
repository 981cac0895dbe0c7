package org.flowlab.core.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.flowlab.core.config.ConfigException;
import org.flowlab.core.config.ConfigLoader;
import org.flowlab.core.config.LoadedConfig;
import org.flowlab.core.config.SweepConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job array's batch script (checked by bash itself), and Slurm messages on one line. */
class SlurmTrialLauncherTest {
  private static final String SWEEP =
      """
      name: s
      seed: 7
      data: {name: 8gaussians}
      model: {family: realnvp, params: {couplings: 4}}
      training: {steps: 50}
      sweep:
        seeds: [0, 1, 2]
        launcher: slurm
        slurm:
          partition: gpu
          time: "1:00:00"
          cpus_per_task: 4
          mem: 8G
          gpus: 1
          account: lab
          qos: normal
          extra: ["--constraint=a100", "#SBATCH --exclusive"]
          max_concurrent: 2
      """;

  @TempDir Path tmp;

  @Test
  void scriptAsksForTheBlocksResourcesAndRunsEachTrialByItsArrayIndex() throws Exception {
    LoadedConfig base = ConfigLoader.parse(SWEEP, "s.yaml", List.of());
    List<SweepPlan.Trial> trials = SweepPlan.expand(base);
    SweepConfig.SlurmConfig slurm = base.config().sweep().slurm();
    List<SweepPlan.Trial> missing = List.of(trials.get(0), trials.get(2));
    String text =
        SlurmTrialLauncher.script(
            "flowlab-abc",
            "abcdef",
            "parent-1",
            slurm,
            missing,
            tmp.resolve("logs"),
            tmp,
            List.of(
                "java",
                "-cp",
                "a b.jar",
                "Main",
                "sweep-trial",
                SlurmTrialLauncher.TRIAL_OPTIONS,
                "--",
                "it's.yaml"));
    for (String line :
        List.of(
            "#SBATCH --job-name=flowlab-abc",
            "#SBATCH --comment=flowlab-sweep-abcdef-parent-parent-1",
            "#SBATCH --array=0,2%2",
            "#SBATCH --requeue",
            "#SBATCH --signal=B:USR1@120",
            "#SBATCH --cpus-per-task=4",
            "#SBATCH --partition=gpu",
            "#SBATCH --time=1:00:00",
            "#SBATCH --mem=8G",
            "#SBATCH --gres=gpu:1",
            "#SBATCH --account=lab",
            "#SBATCH --qos=normal",
            "#SBATCH --constraint=a100",
            "#SBATCH --exclusive",
            "#SBATCH --output=" + tmp.resolve("logs") + "/slurm-%A_%a.out",
            "export OMP_NUM_THREADS=\"${OMP_NUM_THREADS:-4}\"")) {
      assertTrue(text.lines().anyMatch(line::equals), line + " in:\n" + text);
    }
    assertTrue(
        text.contains("    trial=('--trial' '2' '--trial-hash' '" + trials.get(2).hash()), text);
    assertTrue(!text.contains("'--trial' '1'"), "a trial not missing gets no task");
    assertTrue(
        text.contains(
            "exec 'java' '-cp' 'a b.jar' 'Main' 'sweep-trial' \"${trial[@]}\" '--' 'it'\\''s.yaml'"),
        text);

    // bash runs it: the array index picks the trial; a stub "java" prints its arguments.
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path script = tmp.resolve("array.sh");
    Files.writeString(script, text.replace("exec 'java'", "exec '" + bin.resolve("java") + "'"));
    Files.writeString(bin.resolve("java"), "#!/bin/bash\nprintf '%s\\n' \"$@\"\n");
    bin.resolve("java").toFile().setExecutable(true);
    Files.createDirectories(tmp.resolve("logs"));
    Process p = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true).start();
    p.getOutputStream().close();
    assertEquals(2, p.waitFor(), "no array index: no trial");
    ProcessBuilder two = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true);
    two.environment().put("SLURM_ARRAY_TASK_ID", "2");
    two.environment().remove("OMP_NUM_THREADS"); // a value the user set would win
    two.environment().remove("MKL_NUM_THREADS");
    Process ran = two.start();
    assertEquals(0, ran.waitFor(), new String(ran.getInputStream().readAllBytes()));
    String log =
        Files.readString(
            tmp.resolve("logs").resolve(trials.get(2).runName() + ".log"), StandardCharsets.UTF_8);
    assertTrue(log.startsWith("== ") && log.contains("OMP_NUM_THREADS=4"), log);
    assertTrue(
        log.contains(
            "sweep-trial\n--trial\n2\n--trial-hash\n"
                + trials.get(2).hash()
                + "\n--parent\nparent-1\n--\nit's.yaml\n"),
        log);
  }

  @Test
  void slurmMessagesBecomeOneLineAndBadValuesAreLocated() {
    assertEquals(
        "invalid partition specified: nope; Batch job submission failed: Invalid partition name"
            + " specified",
        SlurmCommands.oneLine(
            "sbatch: error: invalid partition specified: nope\n"
                + "sbatch: error: Batch job submission failed: Invalid partition name specified\n"));
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> ConfigLoader.parse(SWEEP, "s.yaml", List.of("sweep.slurm.partition=\"a b\"")));
    assertTrue(
        e.getMessage().contains("sweep.slurm.partition: must be a plain Slurm value"),
        e.getMessage());
    ConfigException launcher =
        assertThrows(
            ConfigException.class,
            () -> ConfigLoader.parse(SWEEP, "s.yaml", List.of("sweep.launcher=pbs")));
    assertTrue(
        launcher.getMessage().contains("sweep.launcher: must be one of [local, slurm]"),
        launcher.getMessage());
  }
}
