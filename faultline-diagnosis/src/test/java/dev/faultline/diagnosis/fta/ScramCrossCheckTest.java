package dev.faultline.diagnosis.fta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random trees cross-checked against SCRAM, the reference engine (Debian package {@code scram}): the same cut-set
 * count, order distribution and exact probability to SCRAM's 6 printed digits. Skipped, saying so, when {@code scram}
 * is not on the PATH; 40 trees by default, 400 with {@code -Dfaultline.heavy=true}.
 */
class ScramCrossCheckTest {
  private static final Pattern SUM = Pattern.compile(
      "<sum-of-products name=\"g0\" [^>]*products=\"(\\d+)\" probability=\"([^\"]+)\"(?: distribution=\"([^\"]*)\")?");

  static Path scram() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir, "scram");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  @Test
  void randomTreesAgreeWithScram(@TempDir Path dir) throws IOException, InterruptedException {
    Path scram = scram();
    assumeTrue(scram != null, "skipped: scram is not installed (apt-get install scram)");
    int trees = SharedData.heavy() ? 400 : 40;
    Random seeds = new Random(77L);
    for (int t = 0; t < trees; t++) {
      long seed = seeds.nextLong();
      FaultTreeModel model = RandomTreeTest.randomModel(new Random(seed), 16, true);
      Path file = dir.resolve("random-" + t + ".xml");
      Files.writeString(file, MefWriter.toXml(model));
      Path report = dir.resolve("report-" + t + ".xml");
      Process p = new ProcessBuilder(scram.toString(), "--probability", "true", file.toString(), "-o",
          report.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("scram.log").toFile()).start();
      assertEquals(true, p.waitFor(60, TimeUnit.SECONDS), "scram finished on seed " + seed);
      assertEquals(0, p.exitValue(), () -> "scram failed on seed " + seed + ": " + read(dir.resolve("scram.log"))
          + "\n" + MefWriter.toXml(model));
      Matcher m = SUM.matcher(Files.readString(report));
      FaultTreeResult ours = FaultTreeAnalysis.builder(model).top("g0").build().run();
      String ctx = "seed " + seed + "\n" + MefWriter.toXml(model);
      if (!m.find()) {
        // SCRAM writes no sum of products for a top that is constant false.
        assertEquals(BigInteger.ZERO, ours.cutSetCount(), ctx);
        continue;
      }
      assertEquals(new BigInteger(m.group(1)), ours.cutSetCount(), () -> "count, " + ctx);
      boolean unity = ours.cutSetCount().equals(BigInteger.ONE) && ours.orderDistribution().isEmpty();
      if (m.group(3) != null && !m.group(3).isBlank() && !unity) { // SCRAM writes "1" for the empty cut set
        List<BigInteger> theirs = java.util.Arrays.stream(m.group(3).trim().split(" ")).map(BigInteger::new)
            .collect(java.util.stream.Collectors.toCollection(java.util.ArrayList::new));
        while (!theirs.isEmpty() && theirs.get(theirs.size() - 1).signum() == 0) {
          theirs.remove(theirs.size() - 1);
        }
        assertEquals(theirs, ours.orderDistribution(), () -> "order distribution, " + ctx);
      }
      assertEquals(true, AraliaConformanceTest.sixDigits(m.group(2), ours.probability()),
          () -> "probability " + m.group(2) + " vs " + ours.probability() + ", " + ctx);
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return e.toString();
    }
  }
}
