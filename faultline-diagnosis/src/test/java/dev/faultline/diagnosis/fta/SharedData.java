package dev.faultline.diagnosis.fta;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the third-party test data (never copied into the repository): the system property
 * {@code faultline.shared.data}, else {@code <project root>/../shared/data}, else {@code <project root>/../../shared/data}
 * (a git worktree one level deeper). Tests skip, saying so, when none exists.
 */
final class SharedData {
  private SharedData() {}

  /** The data folder, or null. */
  static Path folder() {
    List<Path> candidates = new ArrayList<>();
    String prop = System.getProperty("faultline.shared.data");
    if (prop != null && !prop.isBlank()) {
      candidates.add(Path.of(prop));
    }
    Path module = Path.of("").toAbsolutePath();
    Path root = Files.exists(module.resolve("mvnw")) ? module : module.getParent();
    if (root != null) {
      candidates.add(root.resolve("../shared/data").normalize());
      candidates.add(root.resolve("../../shared/data").normalize());
    }
    for (Path c : candidates) {
      if (Files.isDirectory(c)) {
        return c;
      }
    }
    return null;
  }

  /** The named sub-folder of the data, or skips the test with a message when it is absent. */
  static Path require(String sub) {
    Path f = folder();
    Path dir = f == null ? null : f.resolve(sub);
    assumeTrue(dir != null && Files.isDirectory(dir), () -> "skipped: shared test data " + sub
        + " not found (set -Dfaultline.shared.data or place it at ../shared/data beside the project)");
    return dir;
  }

  /** Whether the heavy suites run in full ({@code -Dfaultline.heavy=true}). */
  static boolean heavy() {
    return Boolean.getBoolean("faultline.heavy");
  }
}
