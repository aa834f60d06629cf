package dev.faultline.state.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.faultline.state.crypto.KeyProvider;
import dev.faultline.state.testing.SimulatedStorage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.crypto.SecretKey;
import org.junit.jupiter.api.Test;

/**
 * Regression: the key of the active segment was looked up for every record of a batch, after the records before it
 * had taken their sequences; a lookup that failed there (journal-crypto) failed the whole batch but kept those
 * sequences taken, so the next append skipped them and the journal held a gap that no cursor or open reads past.
 */
class SealingKeyLookupTest {
  private static final Path DIR = Path.of("/sim/journal");

  private static void awaitParked(Thread thread) {
    while (!GroupCommitTest.GatedStorage.parkedInJournal(thread)) {
      Thread.yield();
    }
  }

  private static Thread appender(Journal journal, String payload, Map<String, Object> outcome) {
    return new Thread(() -> outcome.put(payload, append(journal, payload)));
  }

  private static Object append(Journal journal, String payload) {
    try {
      return journal.append(payload.getBytes(StandardCharsets.UTF_8));
    } catch (JournalException e) {
      return e;
    }
  }

  private static List<String> readAll(Journal journal) {
    return JournalTest.readAll(journal, journal.firstSequence());
  }

  @Test
  void aKeyLookupThatFailsInsideABatchLeavesNoGapInTheSequences() throws Exception {
    byte[] bytes = new byte[32];
    Arrays.fill(bytes, (byte) 5);
    KeyProvider real = KeyProvider.of(1, Map.of(1, bytes));
    AtomicInteger lookups = new AtomicInteger(Integer.MIN_VALUE);
    KeyProvider flaky = new KeyProvider() {
      @Override
      public int currentKeyId() {
        return 1;
      }

      @Override
      public Optional<SecretKey> key(int keyId) {
        // The third lookup once counting starts finds nothing, as from a provider backed by a key service that
        // failed once.
        return lookups.incrementAndGet() == 3 ? Optional.empty() : real.key(keyId);
      }
    };
    HeldForce disk = new HeldForce(new SimulatedStorage());
    Map<String, Object> outcome = new ConcurrentHashMap<>();
    List<String> written;
    try (Journal journal = Journal.builder(DIR).storage(disk).keyProvider(flaky).yieldBeforePark(Duration.ZERO)
        .open()) {
      lookups.set(0);
      disk.armed.set(true);
      // "a" is written alone and its force held; "b" and "c" queue meanwhile, so one batch takes them both.
      Thread a = appender(journal, "a", outcome);
      a.start();
      disk.entered.await();
      Thread b = appender(journal, "b", outcome);
      b.start();
      awaitParked(b);
      Thread c = appender(journal, "c", outcome);
      c.start();
      awaitParked(c);
      disk.release.countDown();
      a.join();
      b.join();
      c.join();
      outcome.put("d", append(journal, "d"));
      outcome.put("e", append(journal, "e"));
      written = outcome.entrySet().stream().filter(e -> e.getValue() instanceof Long)
          .sorted(Comparator.comparing(e -> (Long) e.getValue())).map(Map.Entry::getKey).collect(Collectors.toList());
      List<Long> sequences = outcome.values().stream().filter(v -> v instanceof Long).map(v -> (Long) v).sorted()
          .collect(Collectors.toList());
      List<Long> contiguous = new ArrayList<>();
      for (long s = 1; s <= sequences.size(); s++) {
        contiguous.add(s);
      }
      assertEquals(contiguous, sequences, "sequences of the appends that succeeded: " + outcome);
      assertEquals(written, readAll(journal));
    }
    try (Journal reopened = Journal.builder(DIR).storage(disk).keyProvider(real).open()) {
      assertEquals(written, readAll(reopened));
    }
  }
}
