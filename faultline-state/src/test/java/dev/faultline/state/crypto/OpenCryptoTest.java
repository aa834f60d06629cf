package dev.faultline.state.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.state.Codec;
import dev.faultline.state.RecoverableState;
import dev.faultline.state.StateException;
import dev.faultline.state.checkpoint.CheckpointInfo;
import dev.faultline.state.checkpoint.CheckpointStore;
import dev.faultline.state.journal.Journal;
import dev.faultline.state.testing.SimulatedStorage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * {@link RecoverableState.Builder#open()} of state whose checkpoint cannot be decrypted fails with {@code state-crypto}
 * naming the checkpoint and its key id, as {@code readOffline} does, and changes nothing on disk. Regression: a key
 * provider without the checkpoint's key id made open throw the checkpoint store's raw {@code CheckpointException}
 * ({@code checkpoint-crypto}), and a wrong key where only checkpoints could recover the state was
 * {@code state-unrecoverable}, hiding why.
 *
 * <p>The journal here is plain (written without a provider) and the checkpoints are sealed by a store opened with a
 * provider of their own, so that the journal opens under the provider tried and only the checkpoints need a key it
 * lacks or has wrong (as after a key rotation that retired a checkpoint's key too early).
 */
class OpenCryptoTest {
  private static final Path DIR = Path.of("/sim/open-crypto");

  private final SimulatedStorage disk = new SimulatedStorage();

  private static byte[] key(int seed) {
    return EncryptionTest.key(seed);
  }

  private RecoverableState.Builder<Long, String> builder(KeyProvider keys) {
    return RecoverableState.builder(DIR, SumState.machine(), SumState.codec(), Codec.utf8()).storage(disk)
        .keyProvider(keys).checkpointExecutor(Runnable::run);
  }

  /** Writes the sum of 1..events in plain, checkpointed every {@code every} events (0: never). */
  private void writePlain(int events, long every, long segmentSize) {
    try (RecoverableState<Long, String> state = RecoverableState.builder(DIR, SumState.machine(), SumState.codec(),
        Codec.utf8()).storage(disk).checkpointEvery(every).checkpointExecutor(Runnable::run).segmentSize(segmentSize)
        .open()) {
      for (int i = 1; i <= events; i++) {
        state.apply(Integer.toString(i));
      }
    }
  }

  /** Every file of the directory and its bytes. */
  private Map<Path, List<Byte>> files() throws IOException {
    Map<Path, List<Byte>> files = new TreeMap<>();
    for (Path file : disk.list(DIR)) {
      byte[] bytes = disk.contents(file);
      Byte[] boxed = new Byte[bytes.length];
      Arrays.setAll(boxed, i -> bytes[i]);
      files.put(file, List.of(boxed));
    }
    return files;
  }

  private static StateException assertCrypto(RecoverableState.Builder<Long, String> builder, String... named) {
    StateException refused = assertThrows(StateException.class, builder::open);
    assertEquals("state-crypto", refused.code(), refused.getMessage());
    for (String part : named) {
      assertTrue(refused.getMessage().contains(part), refused.getMessage());
    }
    return refused;
  }

  @Test
  void aProviderWithoutTheCheckpointsKeyIdIsAStateCryptoErrorNamingItAndChangesNothing() throws IOException {
    writePlain(5, 0, 64 << 20);
    CheckpointInfo sealed = CheckpointStore.builder(DIR).storage(disk).keyProvider(KeyProvider.of(9, Map.of(9,
        key(9)))).open().write(5, "sealed", "15".getBytes(StandardCharsets.UTF_8));
    Map<Path, List<Byte>> before = files();

    assertCrypto(builder(KeyProvider.of(1, Map.of(1, key(1)))), "checkpoint " + sealed.id(), "key id 9",
        "does not have", "no checkpoint was deleted");
    assertCrypto(builder(null), "checkpoint " + sealed.id(), "key id 9", "without a key provider");
    assertEquals(before, files(), "the failed opens changed nothing on disk");

    try (RecoverableState<Long, String> state = builder(KeyProvider.of(9, Map.of(9, key(9)))).open()) {
      assertEquals(15L, state.state());
      assertEquals(sealed.id(), state.recovery().plan().checkpoint().orElseThrow().id());
    }
  }

  @Test
  void aWrongKeyWhereRetentionLeftOnlyCheckpointsIsAStateCryptoErrorNotAnUnrecoverableState() throws IOException {
    writePlain(300, 10, 1024);
    assertTrue(Journal.verify(DIR, disk).firstSequence() > 1, "retention deleted the first segments");
    // Each plain checkpoint sealed again under key id 1, then the plain one deleted.
    KeyProvider right = KeyProvider.of(1, Map.of(1, key(1)));
    CheckpointStore store = CheckpointStore.builder(DIR).storage(disk).keyProvider(right).keep(10).open();
    for (CheckpointInfo plain : store.list()) {
      store.write(plain.sequence(), "sealed", store.load(plain.id()).snapshot());
      store.delete(plain.id());
    }
    Map<Path, List<Byte>> before = files();

    assertCrypto(builder(KeyProvider.of(1, Map.of(1, key(7)))), "cannot be decrypted", "key with id 1 is wrong",
        "no checkpoint was deleted");
    assertEquals(before, files(), "the failed open changed nothing on disk");

    try (RecoverableState<Long, String> state = builder(right).open()) {
      assertEquals(300L * 301 / 2, state.state());
    }
  }
}
