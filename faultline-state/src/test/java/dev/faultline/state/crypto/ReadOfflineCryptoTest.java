package dev.faultline.state.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.state.Codec;
import dev.faultline.state.RecoverableState;
import dev.faultline.state.StateException;
import dev.faultline.state.io.StorageIo;
import dev.faultline.state.journal.Journal;
import dev.faultline.state.testing.SimulatedStorage;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RecoverableState#readOffline} of encrypted state fails with {@code state-crypto} naming what cannot be
 * decrypted and why. Regression: without a key it threw the checkpoint store's raw {@code CheckpointException}, which
 * it does not document, and there was no way to pass a key at all.
 */
class ReadOfflineCryptoTest {
  private static final Path DIR = Path.of("/sim/offline");
  private static final KeyProvider KEYS = KeyProvider.of(1, Map.of(1, key(1)));

  @TempDir Path temp;

  private final SimulatedStorage disk = new SimulatedStorage();

  private static byte[] key(int seed) {
    return EncryptionTest.key(seed);
  }

  /** Writes the sum of 1..events, encrypted, checkpointed every {@code every} events (0: never). */
  private static void writeState(Path directory, StorageIo storage, int events, long every, long segmentSize) {
    try (RecoverableState<Long, String> state = RecoverableState.builder(directory, SumState.machine(),
        SumState.codec(), Codec.utf8()).storage(storage).keyProvider(KEYS).checkpointEvery(every)
        .checkpointExecutor(Runnable::run).segmentSize(segmentSize).open()) {
      for (int i = 1; i <= events; i++) {
        state.apply(Integer.toString(i));
      }
    }
  }

  private static StateException assertCrypto(Executable read, String... named) {
    StateException refused = assertThrows(StateException.class, read);
    assertEquals("state-crypto", refused.code(), refused.getMessage());
    for (String part : named) {
      assertTrue(refused.getMessage().contains(part), refused.getMessage());
    }
    return refused;
  }

  private Long read(KeyProvider keys) {
    return RecoverableState.readOffline(DIR, SumState.machine(), SumState.codec(), Codec.utf8(), disk, keys);
  }

  @Test
  void withoutAKeyACheckpointedStateIsAStateCryptoErrorNamingTheKeyId() {
    writeState(temp, StorageIo.system(), 5, 2, 64 << 20);
    assertCrypto(() -> RecoverableState.readOffline(temp, SumState.machine(), SumState.codec(), Codec.utf8()),
        "without a key provider", "key id 1");
  }

  @Test
  void withoutAKeyAJournalOnlyStateIsAStateCryptoErrorNamingTheKeyId() {
    writeState(temp, StorageIo.system(), 5, 0, 64 << 20);
    assertCrypto(() -> RecoverableState.readOffline(temp, SumState.machine(), SumState.codec(), Codec.utf8()),
        "without a key provider", "key id 1");
  }

  @Test
  void withTheKeyItReadsTheState() {
    writeState(DIR, disk, 5, 2, 64 << 20);
    assertEquals(15L, read(KEYS));
  }

  @Test
  void aProviderWithoutTheKeyIdIsAStateCryptoErrorNamingIt() {
    writeState(DIR, disk, 5, 2, 64 << 20);
    assertCrypto(() -> read(KeyProvider.of(2, Map.of(2, key(2)))), "key id 1", "does not have");
    writeState(Path.of("/sim/journal-only"), disk, 5, 0, 64 << 20);
    assertCrypto(() -> RecoverableState.readOffline(Path.of("/sim/journal-only"), SumState.machine(),
        SumState.codec(), Codec.utf8(), disk, KeyProvider.of(2, Map.of(2, key(2)))), "key id 1");
  }

  @Test
  void aWrongKeyIsAStateCryptoError() {
    writeState(DIR, disk, 5, 2, 64 << 20);
    assertCrypto(() -> read(KeyProvider.of(1, Map.of(1, key(7)))), "decrypt");
  }

  @Test
  void aWrongKeyWhereRetentionLeftOnlyCheckpointsIsAStateCryptoErrorNotAnUnrecoverableState() {
    writeState(DIR, disk, 300, 10, 1024);
    assertTrue(Journal.verify(DIR, disk).firstSequence() > 1, "retention deleted the first segments");
    assertEquals(300L * 301 / 2, read(KEYS));
    assertCrypto(() -> read(KeyProvider.of(1, Map.of(1, key(7)))), "cannot be decrypted", "key with id 1 is wrong");
  }
}
