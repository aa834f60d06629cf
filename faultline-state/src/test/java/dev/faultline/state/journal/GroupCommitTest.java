package dev.faultline.state.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.testing.FakeClock;
import dev.faultline.state.io.StorageChannel;
import dev.faultline.state.io.StorageIo;
import dev.faultline.state.testing.ForwardingChannel;
import dev.faultline.state.testing.ForwardingStorage;
import dev.faultline.state.testing.SimulatedStorage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Concurrent SYNC appenders share forces, and each append returns only once its record is durable. The wake-up tests
 * run twice: with waiters parking at once (every hand-off is an unpark, so a lost one hangs the test) and with the
 * default yielding before parking.
 */
class GroupCommitTest {
  private static final Path DIR = Path.of("/sim/journal");

  /**
   * A storage whose first segment force after {@link #arm} waits until every other writer thread is parked inside
   * the journal, its record queued: a slow disk, made deterministic. While the combiner forces, under its write lock,
   * the others can only queue their records and park; whoever combines next must take them all.
   */
  static final class GatedStorage extends ForwardingStorage {
    final AtomicBoolean armed = new AtomicBoolean();
    private final Object gate = new Object();
    private final List<Thread> writers = new CopyOnWriteArrayList<>();

    void arm() {
      armed.set(true);
    }

    ThreadFactory threads() {
      return task -> {
        Thread thread = new Thread(task);
        writers.add(thread);
        return thread;
      };
    }

    /** Whether {@code thread} is parked in the journal's {@code submit}, its record queued for a combiner. */
    static boolean parkedInJournal(Thread thread) {
      if (thread.getState() != Thread.State.WAITING) {
        return false;
      }
      for (StackTraceElement frame : thread.getStackTrace()) {
        if (frame.getClassName().equals(SegmentedJournal.class.getName()) && frame.getMethodName().equals("submit")) {
          return true;
        }
      }
      return false;
    }

    /** Polls (at most about 30 s) until every writer but the caller is parked in the journal. */
    private boolean awaitOthersQueued(int expected) throws InterruptedException {
      for (int round = 0; round < 30_000; round++) {
        int parked = 0;
        for (Thread writer : writers) {
          if (writer != Thread.currentThread() && parkedInJournal(writer)) {
            parked++;
          }
        }
        if (parked == expected) {
          return true;
        }
        synchronized (gate) {
          TimeUnit.MILLISECONDS.timedWait(gate, 1);
        }
      }
      return false;
    }

    @Override
    public StorageChannel open(Path file, OpenMode mode) throws IOException {
      return new ForwardingChannel(delegate.open(file, mode)) {
        @Override
        public void force() throws IOException {
          if (armed.compareAndSet(true, false)) {
            try {
              assertTrue(awaitOthersQueued(writers.size() - 1), "the other appenders never all queued");
            } catch (InterruptedException e) {
              throw new IOException(e);
            }
          }
          channel.force();
        }
      };
    }

  }

  @Test
  void appendersWaitingOnASlowForceShareTheNextOne() throws Exception {
    GatedStorage storage = new GatedStorage();
    int writers = 8;
    try (Journal journal = Journal.builder(DIR).storage(storage).open()) {
      long forcesBefore = journal.forces();
      storage.arm();
      CyclicBarrier start = new CyclicBarrier(writers);
      ExecutorService pool = Executors.newFixedThreadPool(writers, storage.threads());
      try {
        List<Future<Long>> results = new ArrayList<>();
        for (int t = 0; t < writers; t++) {
          int id = t;
          results.add(pool.submit(() -> {
            start.await();
            long sequence = journal.append(("writer-" + id).getBytes(StandardCharsets.UTF_8));
            assertTrue(journal.durableSequence() >= sequence, "returned before durable");
            return sequence;
          }));
        }
        Set<Long> sequences = new HashSet<>();
        for (Future<Long> result : results) {
          sequences.add(result.get(30, TimeUnit.SECONDS));
        }
        assertEquals(Set.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), sequences);
      } finally {
        pool.shutdownNow();
      }
      // The slow force opens once the 7 others are queued: whoever combines next takes them all, so at most 2 forces
      // for 8 appends instead of 8.
      long forces = journal.forces() - forcesBefore;
      assertTrue(forces <= 2, "8 appenders behind one slow force need at most one more, but took " + forces);
    }
  }

  @ParameterizedTest(name = "yield {0} ns before parking")
  @ValueSource(longs = {0, 300_000})
  void manyConcurrentAppendersGetUniqueDurableSequencesInTheirOwnOrder(long yieldNanos) throws Exception {
    SimulatedStorage disk = new SimulatedStorage();
    int threads = 16;
    int perThread = 200;
    try (Journal journal = Journal.builder(DIR).storage(disk).segmentSize(4096)
        .yieldBeforePark(Duration.ofNanos(yieldNanos)).open()) {
      CyclicBarrier start = new CyclicBarrier(threads);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<long[]>> results = new ArrayList<>();
      try {
        for (int t = 0; t < threads; t++) {
          int id = t;
          results.add(pool.submit(() -> {
            start.await();
            long[] mine = new long[perThread];
            for (int i = 0; i < perThread; i++) {
              mine[i] = journal.append((id + ":" + i).getBytes(StandardCharsets.UTF_8));
              assertTrue(journal.durableSequence() >= mine[i], "returned before durable");
            }
            return mine;
          }));
        }
        Set<Long> all = new HashSet<>();
        for (Future<long[]> result : results) {
          long[] mine = result.get(60, TimeUnit.SECONDS);
          for (int i = 0; i < mine.length; i++) {
            assertTrue(all.add(mine[i]));
            assertTrue(i == 0 || mine[i] > mine[i - 1]);
          }
        }
        assertEquals(threads * perThread, all.size());
      } finally {
        pool.shutdownNow();
      }
      assertEquals(threads * perThread, journal.lastSequence());
      long segments = Journal.verify(DIR, disk).segments().size();
      assertTrue(journal.forces() <= threads * perThread + segments,
          "never more than one force per append (and one per segment roll): " + journal.forces());
      int[] next = new int[threads];
      try (JournalCursor cursor = journal.read(1)) {
        while (cursor.hasNext()) {
          String[] parts = cursor.next().payloadUtf8().split(":");
          int id = Integer.parseInt(parts[0]);
          assertEquals(next[id]++, Integer.parseInt(parts[1]), "each writer's records in its own order");
        }
      }
    }
  }

  @ParameterizedTest(name = "yield {0} ns before parking")
  @ValueSource(longs = {0, 300_000})
  void writersWaitingForDurabilityBesideAppendersAndForcesAllFinishDurable(long yieldNanos) throws Exception {
    writeAndWaitForDurability(true, 4096, yieldNanos);
  }

  @ParameterizedTest(name = "yield {0} ns before parking")
  @ValueSource(longs = {0, 300_000})
  void writersWaitingForDurabilityAloneHandTheLeadOnAndAllFinishDurable(long yieldNanos) throws Exception {
    // No combiner force and no segment roll wakes them: only the leaders' targeted wake-ups and hand-offs do.
    writeAndWaitForDurability(false, 64L << 20, yieldNanos);
  }

  /** A simulated disk whose forces take a while (spinning, not sleeping), so that writers queue behind them. */
  static final class SlowForces extends ForwardingStorage {
    @Override
    public StorageChannel open(Path file, OpenMode mode) throws IOException {
      return new ForwardingChannel(delegate.open(file, mode)) {
        @Override
        public void force() throws IOException {
          for (int i = 0; i < 20_000; i++) {
            Thread.onSpinWait();
          }
          channel.force();
        }
      };
    }
  }

  private void writeAndWaitForDurability(boolean withAppenders, long segmentSize, long yieldNanos) throws Exception {
    StorageIo disk = new SlowForces();
    int threads = 16;
    int perThread = 300;
    try (Journal journal = Journal.builder(DIR).storage(disk).segmentSize(segmentSize)
        .yieldBeforePark(Duration.ofNanos(yieldNanos)).open()) {
      CyclicBarrier start = new CyclicBarrier(threads);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<Integer>> results = new ArrayList<>();
      try {
        for (int t = 0; t < threads; t++) {
          int id = t;
          results.add(pool.submit(() -> {
            start.await();
            for (int i = 0; i < perThread; i++) {
              byte[] payload = (id + ":" + i).getBytes(StandardCharsets.UTF_8);
              long sequence;
              if (withAppenders && id % 4 == 0) {
                sequence = journal.append(payload); // the combiner's own force, beside the waiters' leaders
              } else {
                sequence = journal.write(payload);
                if (i % 5 == 0) {
                  journal.force();
                } else {
                  journal.commit(sequence);
                }
              }
              assertTrue(journal.durableSequence() >= sequence, "returned before durable");
            }
            return perThread;
          }));
        }
        int done = 0;
        for (Future<Integer> result : results) {
          done += result.get(60, TimeUnit.SECONDS); // a lost wake-up parks a waiter for ever
        }
        assertEquals(threads * perThread, done);
      } finally {
        pool.shutdownNow();
      }
      assertEquals(threads * perThread, journal.lastSequence());
      assertEquals(threads * perThread, journal.durableSequence());
    }
  }

  /**
   * The yielding before a park is timed by the builder's clock: while a force is held, a second appender (or
   * durability waiter) keeps yielding as long as that clock has not passed the budget, and parks once it has.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({"append", "write-then-commit"})
  void aWaiterYieldsUntilTheInjectedClockPassesTheBudgetAndThenParks(String mode) throws Exception {
    HeldForce storage = new HeldForce();
    FakeClock clock = new FakeClock();
    try (Journal journal = Journal.builder(DIR).storage(storage).clock(clock)
        .yieldBeforePark(Duration.ofMillis(1)).open()) {
      storage.armed.set(true);
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        Future<Long> first = pool.submit(() -> durably(journal, mode, "first"));
        assertTrue(storage.entered.await(30, TimeUnit.SECONDS), "the first force never started");
        AtomicReference<Thread> second = new AtomicReference<>();
        Future<Long> waiting = pool.submit(() -> {
          second.set(Thread.currentThread());
          return durably(journal, mode, "second");
        });
        // The clock stands still: the second thread keeps yielding (runnable) inside the journal, and has not parked
        // after 50 polls a millisecond apart, 50 times its budget in real time.
        Thread thread = awaitInJournal(second, false);
        Object gate = new Object();
        for (int i = 0; i < 50; i++) {
          assertTrue(thread.getState() != Thread.State.WAITING, "parked before the clock passed the budget");
          synchronized (gate) {
            TimeUnit.MILLISECONDS.timedWait(gate, 1);
          }
        }
        clock.advance(Duration.ofMillis(2));
        awaitInJournal(second, true);
        storage.release.countDown();
        assertEquals(1, first.get(30, TimeUnit.SECONDS));
        assertEquals(2, waiting.get(30, TimeUnit.SECONDS)); // woken from its park
        assertEquals(2, journal.durableSequence());
      } finally {
        storage.release.countDown();
        pool.shutdownNow();
      }
    }
  }

  private static long durably(Journal journal, String mode, String text) {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    if (mode.equals("append")) {
      return journal.append(payload);
    }
    long sequence = journal.write(payload);
    journal.commit(sequence);
    return sequence;
  }

  /** Polls (at most about 30 s) until the thread in {@code holder} is inside the journal, parked or not as asked. */
  private static Thread awaitInJournal(AtomicReference<Thread> holder, boolean parked) throws InterruptedException {
    Object gate = new Object();
    for (int round = 0; round < 30_000; round++) {
      Thread thread = holder.get();
      if (thread != null && (thread.getState() == Thread.State.WAITING) == parked) {
        for (StackTraceElement frame : thread.getStackTrace()) {
          String method = frame.getMethodName();
          if (frame.getClassName().equals(SegmentedJournal.class.getName())
              && (method.equals("submit") || method.equals("awaitDurable"))) {
            return thread;
          }
        }
      }
      synchronized (gate) {
        TimeUnit.MILLISECONDS.timedWait(gate, 1);
      }
    }
    throw new AssertionError("the waiter never got " + (parked ? "parked" : "yielding") + " inside the journal");
  }
}
