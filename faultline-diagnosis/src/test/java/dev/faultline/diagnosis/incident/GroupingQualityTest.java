package dev.faultline.diagnosis.incident;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.testing.FakeClock;
import dev.faultline.diagnosis.logs.GroupingScore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Grouping quality on synthetic failures with known causes ({@link SyntheticFailures}): pairwise F1 of the issues an
 * {@link IssueTracker} forms, against the labels.
 */
class GroupingQualityTest {
  private static final int SAMPLES = 2000;

  private static GroupingScore score(Fingerprinter fingerprinter, long seed) {
    List<SyntheticFailures.Sample> samples = new SyntheticFailures(seed).samples(SAMPLES);
    IssueTracker tracker = IssueTracker.inMemory(List.of());
    FakeClock clock = new FakeClock();
    List<String> truth = new ArrayList<>();
    List<String> grouped = new ArrayList<>();
    for (SyntheticFailures.Sample s : samples) {
      Incident incident = Incident.builder(s.failure()).component("shop").clock(clock).fingerprinter(fingerprinter)
          .build();
      grouped.add(tracker.record(incident).fingerprint());
      truth.add(s.label());
    }
    return GroupingScore.of(truth, grouped);
  }

  /** The application's packages, and its precondition helper declared not in-app. */
  private static Fingerprinter configured() {
    return Fingerprinter.builder().inAppPackages(List.of("com.acme."))
        .notInApp(List.of("com.acme.shop.util.Preconditions.")).build();
  }

  @Test
  void pairwiseF1AtLeast095WithInAppPackages() {
    for (long seed : new long[] {1, 2, 3}) {
      GroupingScore s = score(configured(), seed);
      System.out.printf("incident grouping, in-app com.acme. minus Preconditions, seed %d, %d samples: precision %.4f recall %.4f "
          + "F1 %.4f accuracy %.4f%n", seed, SAMPLES, s.precision(), s.recall(), s.f1(), s.accuracy());
      assertTrue(s.f1() >= 0.95, "pairwise F1 " + s.f1() + " < 0.95 for seed " + seed);
    }
  }

  @Test
  void sensitivityToSettingsIsReported() {
    GroupingScore defaults = score(Fingerprinter.defaults(), 1);
    GroupingScore inAppOnly = score(Fingerprinter.builder().inAppPackages(List.of("com.acme.")).build(), 1);
    GroupingScore twoFrames = score(Fingerprinter.builder().inAppPackages(List.of("com.acme."))
        .notInApp(List.of("com.acme.shop.util.Preconditions.")).frames(2).build(), 1);
    System.out.printf("incident grouping, default fingerprinter (no in-app packages): precision %.4f recall %.4f "
        + "F1 %.4f%n", defaults.precision(), defaults.recall(), defaults.f1());
    System.out.printf("incident grouping, in-app com.acme. (helper not declared): precision %.4f recall %.4f "
        + "F1 %.4f%n", inAppOnly.precision(), inAppOnly.recall(), inAppOnly.f1());
    System.out.printf("incident grouping, in-app com.acme. and 2 frames: precision %.4f recall %.4f F1 %.4f%n",
        twoFrames.precision(), twoFrames.recall(), twoFrames.f1());
    // Without in-app packages, Hibernate's frames are taken for application code and entity causes merge.
    assertTrue(defaults.precision() < 1.0, "entity proxy causes merge without in-app packages");
    // The shared precondition helper merges the two causes it throws for.
    assertTrue(inAppOnly.precision() < 1.0, "helper causes merge when the helper is in-app");
    // Two frames take the caller into the fingerprint, so one cause splits by call path.
    assertTrue(twoFrames.recall() < 0.5, "two frames split causes by call path: recall " + twoFrames.recall());
  }

  @Test
  void everyCauseIsReachedThroughManyDistinctStacks() {
    SyntheticFailures generator = new SyntheticFailures(7);
    for (SyntheticFailures.Cause c : generator.causes()) {
      Set<String> stacks = new HashSet<>();
      Set<String> messages = new HashSet<>();
      for (int i = 0; i < 20; i++) {
        Throwable t = generator.sample(c);
        stacks.add(java.util.Arrays.toString(t.getStackTrace()) + t.getClass().getName());
        messages.add(String.valueOf(t.getMessage()));
      }
      if (c.site() != SyntheticFailures.Site.NO_STACK) {
        assertTrue(stacks.size() >= 15, c.label() + " had only " + stacks.size() + " distinct stacks in 20 samples");
      }
      if (c.messageTemplate() != null && c.messageTemplate().contains("{")) {
        assertTrue(messages.size() >= 10, c.label() + " had only " + messages.size() + " distinct messages");
      }
    }
    assertEquals(27, generator.causes().size());
  }
}
