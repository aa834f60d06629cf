package dev.faultline.diagnosis.fta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * An analysis can be bounded and cancelled: a timeout on an injected clock and an interrupt of the caller of
 * {@link FaultTreeAnalysis#run()} both end it with an {@link AnalysisStoppedException}, stop its thread, and return
 * nothing; a timeout that is not reached changes nothing. Regression tests for analyses that held their threads for
 * ever.
 */
class FaultTreeAnalysisStopTest {

  /**
   * {@code x1 + ... + xn} and {@code x1 y1 + ... + xn yn}: the same function as the second alone, but the first
   * argument puts every x before every y in the variable order, so the BDD has about 2^(n+1) nodes (the classic
   * worst order). At n = 18, about 790 000 nodes: most of a second of work, and a few hundred MB (n = 20 no longer
   * fits the tests' 1 GB heap), where a stopped analysis ends within a few thousand nodes.
   */
  static FaultTreeModel hostile(int n) {
    FaultTreeModel.Builder b = FaultTreeModel.builder();
    List<Formula> xs = new ArrayList<>();
    List<Formula> pairs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      b.addBasicEvent(BasicEvent.of("x" + i, 0.01 + i * 0.001));
      b.addBasicEvent(BasicEvent.of("y" + i, 0.02 + i * 0.001));
      xs.add(Formula.basic("x" + i));
      pairs.add(Formula.Operation.of(Connective.AND, Formula.basic("x" + i), Formula.basic("y" + i)));
    }
    Formula top = Formula.Operation.of(Connective.AND,
        Formula.Operation.of(Connective.OR, xs.toArray(Formula[]::new)),
        Formula.Operation.of(Connective.OR, pairs.toArray(Formula[]::new)));
    b.addFaultTree(new FaultTree("hostile", List.of(Gate.of("top", top)), List.of()));
    return b.build();
  }

  /** A clock whose every reading is one second later than the one before, starting at 0; counts its readings. */
  static final class SteppingClock implements Clock {
    final AtomicLong readings = new AtomicLong();

    @Override
    public long nanoTime() {
      return Duration.ofSeconds(readings.getAndIncrement()).toNanos();
    }

    @Override
    public long wallMillis() {
      return 0;
    }

    @Override
    public void sleep(long nanos) {
      throw new UnsupportedOperationException("an analysis never sleeps");
    }
  }

  @Test
  void aTimeoutStopsTheAnalysisAtTheFirstPollPastItsDeadline() {
    SteppingClock clock = new SteppingClock();
    AtomicReference<Thread> worker = new AtomicReference<>();
    List<String> progress = new CopyOnWriteArrayList<>();
    FaultTreeAnalysis analysis = FaultTreeAnalysis.builder(hostile(18)).timeout(Duration.ofSeconds(10)).clock(clock)
        .progress(progress::add).onWorker(worker::set).build();

    AnalysisStoppedException e = assertThrows(AnalysisStoppedException.class, analysis::run);

    assertEquals("analysis-timed-out", e.code());
    assertTrue(e.timedOut());
    assertEquals("top", e.top());
    assertEquals(Duration.ofSeconds(10), e.timeout());
    // Readings: 0 at the start, then 1, 2, ... at each poll; the poll reading 10 s stops it, the caller reads 11 s.
    assertEquals(Duration.ofSeconds(11), e.elapsed());
    assertEquals(12, clock.readings.get());
    assertTrue(e.getMessage().contains("\"top\"") && e.getMessage().contains("PT10S")
        && e.getMessage().contains("PT11S"), e.getMessage());
    assertFalse(progress.contains("done"), progress.toString());
    assertNotNull(worker.get());
    assertFalse(worker.get().isAlive(), "the analysis thread ended before run() threw");
  }

  @Test
  void aTimeoutAlsoStopsTheCompilation() {
    // A chain of 2000 gates, each an OR of five events and the next gate: 14000 formulas to compile, a cheap BDD.
    FaultTreeModel.Builder b = FaultTreeModel.builder();
    List<Gate> gates = new ArrayList<>();
    for (int g = 0; g < 2000; g++) {
      List<Formula> args = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        b.addBasicEvent(BasicEvent.of("e" + g + "_" + i, 0.001));
        args.add(Formula.basic("e" + g + "_" + i));
      }
      if (g + 1 < 2000) {
        args.add(Formula.gate("g" + (g + 1)));
      }
      gates.add(Gate.of("g" + g, Formula.Operation.of(Connective.OR, args.toArray(Formula[]::new))));
    }
    b.addFaultTree(new FaultTree("chain", gates, List.of()));
    List<String> progress = new CopyOnWriteArrayList<>();
    SteppingClock clock = new SteppingClock();

    AnalysisStoppedException e = assertThrows(AnalysisStoppedException.class, () -> FaultTreeAnalysis
        .builder(b.build()).timeout(Duration.ofSeconds(2)).clock(clock).progress(progress::add).build().run());

    assertEquals("analysis-timed-out", e.code());
    assertEquals(List.of("compiling g0"), progress);
  }

  @Test
  void interruptingTheCallerStopsTheAnalysisAndItsThread() throws InterruptedException {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<Thread> worker = new AtomicReference<>();
    AtomicReference<Object> outcome = new AtomicReference<>();
    AtomicReference<Boolean> flagAfter = new AtomicReference<>();
    FaultTreeAnalysis analysis = FaultTreeAnalysis.builder(hostile(18)).onWorker(worker::set).progress(line -> {
      if (line.startsWith("preprocessed")) {
        // Hold the analysis thread just before the BDD, until the test lets it go or it is interrupted.
        started.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }).build();
    Thread caller = new Thread(() -> {
      try {
        outcome.set(analysis.run());
      } catch (RuntimeException e) {
        outcome.set(e);
      }
      flagAfter.set(Thread.currentThread().isInterrupted());
    }, "caller");
    caller.start();
    started.await();

    caller.interrupt();
    release.countDown();
    caller.join();

    AnalysisStoppedException e = assertInstanceOf(AnalysisStoppedException.class, outcome.get());
    assertEquals("analysis-interrupted", e.code());
    assertFalse(e.timedOut());
    assertEquals("top", e.top());
    assertTrue(e.getMessage().contains("interrupted"), e.getMessage());
    assertTrue(flagAfter.get(), "the caller's interrupt flag is set again");
    assertFalse(worker.get().isAlive(), "the analysis thread ended before run() threw");
  }

  @Test
  void aCallerInterruptedBeforeRunGetsNoResult() {
    Thread.currentThread().interrupt();
    try {
      FaultTreeAnalysis analysis = FaultTreeAnalysis.builder(hostile(3)).build();
      AnalysisStoppedException e = assertThrows(AnalysisStoppedException.class, analysis::run);
      assertEquals("analysis-interrupted", e.code());
      assertTrue(Thread.currentThread().isInterrupted());
    } finally {
      Thread.interrupted();
    }
  }

  /**
   * The race left in {@link #interruptingTheCallerStopsTheAnalysisAndItsThread}: the caller is interrupted, the work
   * released, and on a busy machine the work can run to its end (its last poll passed) before the caller's thread
   * runs again; the wait then ends with the work's result, and run() returned it to an interrupted caller. Set up
   * here without timing: the caller is interrupted by the work itself, after its last poll.
   */
  @Test
  void aCallerInterruptedAfterTheLastPollGetsNoResult() {
    Thread caller = Thread.currentThread();
    FaultTreeAnalysis analysis = FaultTreeAnalysis.builder(hostile(3)).progress(line -> {
      if (line.equals("done")) {
        caller.interrupt();
      }
    }).build();
    try {
      AnalysisStoppedException e = assertThrows(AnalysisStoppedException.class, analysis::run);
      assertEquals("analysis-interrupted", e.code());
      assertTrue(Thread.currentThread().isInterrupted(), "the caller's interrupt flag stays set");
    } finally {
      Thread.interrupted();
    }
  }

  /**
   * The race behind a flaky {@link #aCallerInterruptedBeforeRunGetsNoResult}: a short analysis could end before the
   * caller waited for it, and waiting on an ended thread never looks at the caller's interrupt flag, so the result
   * came back. The stop must be asked before the work starts, whatever the scheduling.
   */
  @Test
  void anInterruptBeforeTheCallAsksTheWorkToStopBeforeItStarts() {
    for (int i = 0; i < 200; i++) {
      AtomicBoolean stopAsked = new AtomicBoolean();
      AtomicReference<Boolean> workerInterrupted = new AtomicReference<>();
      Thread.currentThread().interrupt();
      try {
        boolean seen = FaultTreeAnalysis.onLargeStack(() -> {
          workerInterrupted.set(Thread.currentThread().isInterrupted());
          return stopAsked.get();
        }, () -> stopAsked.set(true), t -> { });
        assertTrue(seen, "the work saw the stop at its start, attempt " + i);
        assertTrue(Thread.currentThread().isInterrupted(), "the caller's flag is set again, attempt " + i);
      } finally {
        Thread.interrupted();
      }
    }
  }

  @Test
  void aGenerousTimeoutGivesExactlyTheSameResult() throws Exception {
    List<FaultTreeModel> models = new ArrayList<>();
    models.add(hostile(10));
    Random seeds = new Random(7L);
    for (int i = 0; i < 30; i++) {
      models.add(RandomTreeTest.randomModel(new Random(seeds.nextLong()), 16, false));
    }
    Path aralia = SharedData.folder() == null ? null
        : SharedData.folder().resolve("fault-trees/aralia/das9601.xml");
    if (aralia != null && Files.exists(aralia)) {
      models.add(MefReader.read(aralia));
    }
    for (FaultTreeModel model : models) {
      for (double cutOff : new double[] {0, 1e-6}) {
        FaultTreeAnalysis.Builder plain = FaultTreeAnalysis.builder(model)
            .top(model.gates().containsKey("g0") ? "g0" : null)
            .cutOff(cutOff);
        FaultTreeResult expected = plain.build().run();
        FaultTreeResult bounded = plain.timeout(Duration.ofDays(1)).build().run();
        assertEquals(expected.probability(), bounded.probability());
        assertEquals(expected.cutSetCount(), bounded.cutSetCount());
        assertEquals(expected.orderDistribution(), bounded.orderDistribution());
        assertEquals(expected.rareEvent(), bounded.rareEvent());
        assertEquals(expected.mcub(), bounded.mcub());
        assertEquals(expected.cutSets().limit(1000).collect(Collectors.toList()),
            bounded.cutSets().limit(1000).collect(Collectors.toList()));
      }
    }
  }

  @Test
  void theTimeoutMustBePositive() {
    FaultTreeAnalysis.Builder b = FaultTreeAnalysis.builder(hostile(2));
    for (Duration bad : new Duration[] {Duration.ZERO, Duration.ofMillis(-1)}) {
      ConfigurationException e = assertThrows(ConfigurationException.class, () -> b.timeout(bad).build());
      assertTrue(e.getMessage().contains("timeout"), e.getMessage());
    }
    assertThrows(NullPointerException.class, () -> b.timeout(null));
    // Longer than a clock's difference can hold is no timeout in practice, not an overflow.
    assertEquals(List.of(), FaultTreeAnalysis.builder(hostile(2)).timeout(Duration.ofSeconds(Long.MAX_VALUE)).build()
        .run().cutSets().filter(c -> c.events().size() != 2).toList());
  }
}
