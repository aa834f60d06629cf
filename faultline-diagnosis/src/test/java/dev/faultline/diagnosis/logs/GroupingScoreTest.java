package dev.faultline.diagnosis.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Scores computed as the Loghub evaluator computes them. */
class GroupingScoreTest {

  @Test
  void scoresAWorkedExample() {
    // truth: A A A B B C; parsed: x x y z z z
    List<String> truth = List.of("A", "A", "A", "B", "B", "C");
    List<String> parsed = List.of("x", "x", "y", "z", "z", "z");
    GroupingScore s = GroupingScore.of(truth, parsed);
    // true pairs 3 + 1 = 4; parsed pairs 1 + 0 + 3 = 4; correct pairs: x{A,A}=1, z{B,B}=1 -> 2
    assertEquals(0.5, s.precision(), 1e-12);
    assertEquals(0.5, s.recall(), 1e-12);
    assertEquals(0.5, s.f1(), 1e-12);
    // no parsed group holds exactly a true group
    assertEquals(0.0, s.accuracy(), 1e-12);
    GroupingScore perfect = GroupingScore.of(truth, List.of("p", "p", "p", "q", "q", "r"));
    assertEquals(1.0, perfect.accuracy(), 1e-12);
    assertEquals(1.0, perfect.f1(), 1e-12);
  }

  @Test
  void linesWithoutTruthAreLeftOut() {
    GroupingScore s = GroupingScore.of(Arrays.asList("A", null, "A", "B"), List.of("x", "x", "x", "y"));
    assertEquals(1.0, s.accuracy(), 1e-12);
  }

  @Test
  void mismatchedLengthsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> GroupingScore.of(List.of("A"), List.of("x", "y")));
  }
}
