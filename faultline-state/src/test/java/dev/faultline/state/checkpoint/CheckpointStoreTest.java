package dev.faultline.state.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.testing.FakeClock;
import dev.faultline.state.io.StorageIo;
import dev.faultline.state.testing.FaultInjectingStorage;
import dev.faultline.state.testing.SimulatedStorage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints: atomic, checksummed, selected by id, time and sequence, retained, and skipped when damaged. */
class CheckpointStoreTest {
  private static final Path DIR = Path.of("/sim/state");
  private final SimulatedStorage disk = new SimulatedStorage();
  private final FakeClock clock = new FakeClock(Instant.parse("2026-01-01T00:00:00Z"));

  private CheckpointStore store(int keep) {
    return CheckpointStore.builder(DIR).storage(disk).clock(clock).keep(keep).open();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(Checkpoint checkpoint) {
    return new String(checkpoint.snapshot(), StandardCharsets.UTF_8);
  }

  @Test
  void writesListsAndLoadsCheckpointsByIdTimeAndSequence() {
    CheckpointStore store = store(10);
    CheckpointInfo first = store.write(10, "first", bytes("state@10"));
    clock.advance(Duration.ofMinutes(1));
    CheckpointInfo second = store.write(25, "", bytes("state@25"));
    clock.advance(Duration.ofMinutes(1));
    CheckpointInfo third = store.write(40, "före", bytes("state@40"));

    assertEquals("cp-000000000001", first.id());
    assertEquals("cp-000000000002", second.id());
    assertEquals(DIR.resolve("cp-000000000003.checkpoint"), third.file());
    assertEquals(Instant.parse("2026-01-01T00:02:00Z"), third.time());
    assertEquals(List.of(first, second, third), store.list());
    assertEquals("före", store.load(third.id()).info().label());
    assertEquals("state@25", text(store.load("cp-2")));

    assertEquals(third, store.latestValid().checkpoint().orElseThrow().info());
    assertEquals(second, store.latestAtOrBefore(39).checkpoint().orElseThrow().info());
    assertEquals(first, store.latestAtOrBefore(Instant.parse("2026-01-01T00:00:59Z")).checkpoint().orElseThrow()
        .info());
    assertTrue(store.latestAtOrBefore(9).checkpoint().isEmpty());
    assertTrue(store.latestValid().skipped().isEmpty());
    assertTrue(store.problems().isEmpty());
  }

  @Test
  void aCheckpointSurvivesAPowerLossAsSoonAsWriteReturns() {
    store(3).write(7, "durable", bytes("state@7"));
    disk.crash();
    Checkpoint survived = store(3).latestValid().checkpoint().orElseThrow();
    assertEquals(7, survived.sequence());
    assertEquals("state@7", text(survived));
  }

  @Test
  void anUnfinishedWriteLeavesNothingBehindAndNumberingContinuesAfterTheLastCheckpoint() throws Exception {
    CheckpointStore store = store(3);
    store.write(1, "", bytes("one"));
    FaultInjectingStorage faulty = new FaultInjectingStorage(disk)
        .affecting(p -> p.toString().endsWith(".checkpoint.tmp")).failForces(FaultInjectingStorage.ioError());
    CheckpointStore failing = CheckpointStore.builder(DIR).storage(faulty).clock(clock).open();
    CheckpointException error = assertThrows(CheckpointException.class, () -> failing.write(2, "", bytes("two")));
    assertEquals("checkpoint-io", error.code());
    assertTrue(error.getMessage().contains("Input/output error"), error.getMessage());
    assertEquals(List.of("cp-000000000001.checkpoint"), disk.list(DIR).stream()
        .map(p -> p.getFileName().toString()).collect(Collectors.toList()));

    // A crash between writing the temporary file and renaming it leaves a .tmp: the next open removes it.
    disk.open(DIR.resolve("cp-000000000009.checkpoint.tmp"), StorageIo.OpenMode.CREATE_NEW).close();
    CheckpointStore reopened = store(3);
    assertFalse(disk.exists(DIR.resolve("cp-000000000009.checkpoint.tmp")));
    assertEquals("cp-000000000002", reopened.write(3, "", bytes("three")).id());
  }

  @Test
  void aWriteWhoseRenameCannotBeMadeDurableLeavesNothingBehind() throws Exception {
    CheckpointStore store = store(3);
    store.write(1, "", bytes("one"));
    FaultInjectingStorage faulty = new FaultInjectingStorage(disk).failDirectoryForces(FaultInjectingStorage.ioError());
    CheckpointStore failing = CheckpointStore.builder(DIR).storage(faulty).clock(clock).open();
    CheckpointException error = assertThrows(CheckpointException.class, () -> failing.write(2, "", bytes("two")));
    assertEquals("checkpoint-io", error.code());
    // write's contract: "checkpoint-io if it could not be written (nothing is left behind)".
    assertEquals(List.of("cp-000000000001.checkpoint"), disk.list(DIR).stream()
        .map(p -> p.getFileName().toString()).collect(Collectors.toList()));
    assertEquals(1, store.list().size());
  }

  @Test
  void aDamagedCheckpointIsReportedAndSkippedInFavourOfThePreviousOne() throws Exception {
    CheckpointStore store = store(5);
    store.write(10, "good", bytes("state@10"));
    CheckpointInfo bodyDamaged = store.write(20, "body", bytes("state@20"));
    CheckpointInfo headerDamaged = store.write(30, "header", bytes("state@30"));
    CheckpointInfo truncated = store.write(40, "short", bytes("state@40"));

    byte[] body = disk.contents(bodyDamaged.file());
    body[body.length - 6] ^= 0x10;
    disk.overwrite(bodyDamaged.file(), body);
    byte[] header = disk.contents(headerDamaged.file());
    header[25] ^= 0x01;
    disk.overwrite(headerDamaged.file(), header);
    byte[] shortened = disk.contents(truncated.file());
    disk.overwrite(truncated.file(), java.util.Arrays.copyOf(shortened, shortened.length - 3));

    CheckpointSelection latest = store.latestValid();
    assertEquals(10, latest.checkpoint().orElseThrow().sequence());
    assertEquals(List.of(truncated.id(), headerDamaged.id(), bodyDamaged.id()),
        latest.skipped().stream().map(CheckpointProblem::id).collect(Collectors.toList()));
    assertTrue(latest.skipped().get(0).reason().contains("bytes"), latest.skipped().get(0).reason());
    assertTrue(latest.skipped().get(1).reason().contains("header checksum"), latest.skipped().get(1).reason());
    assertTrue(latest.skipped().get(2).reason().contains("checksum mismatch"), latest.skipped().get(2).reason());

    assertEquals(List.of("cp-000000000001", "cp-000000000002"),
        store.list().stream().map(CheckpointInfo::id).collect(Collectors.toList()), "headers still valid");
    assertEquals(3, store.problems().size());
    CheckpointException corrupt = assertThrows(CheckpointException.class, () -> store.load(bodyDamaged.id()));
    assertEquals("checkpoint-corrupt", corrupt.code());
    assertTrue(corrupt.getMessage().contains(bodyDamaged.id()), corrupt.getMessage());
  }

  @Test
  void retentionKeepsTheNewestAndRollbackDeletesThoseAfterASequence() {
    CheckpointStore store = store(3);
    for (int i = 1; i <= 6; i++) {
      store.write(i * 10L, "", bytes("s" + i));
    }
    assertEquals(List.of(40L, 50L, 60L), store.list().stream().map(CheckpointInfo::sequence)
        .collect(Collectors.toList()));
    assertEquals(2, store.deleteAfter(45));
    assertEquals(List.of(40L), store.list().stream().map(CheckpointInfo::sequence).collect(Collectors.toList()));
    assertEquals(1, store.retain(0));
    assertTrue(store.list().isEmpty());
    assertEquals("cp-000000000007", store.write(70, "", bytes("s7")).id(), "numbers are not reused while open");
    assertTrue(store.delete("cp-000000000007"));
    assertFalse(store.delete("cp-000000000007"));
  }

  /** Regression: after a rollback deleted the newest checkpoints, a reopened store issued their ids again. */
  @Test
  void idsAreNeverReusedAfterTheNewestCheckpointsAreDeleted() throws Exception {
    CheckpointStore store = store(10);
    for (int i = 1; i <= 3; i++) {
      store.write(i * 10L, "", bytes("s" + i));
    }
    assertFalse(disk.exists(DIR.resolve("checkpoints.highest")), "retention and writing never need it");
    assertEquals(2, store.deleteAfter(10));
    disk.crash();
    CheckpointInfo fourth = store(10).write(20, "", bytes("other s2"));
    assertEquals("cp-000000000004", fourth.id(), "cp-2 and cp-3 named other snapshots");

    CheckpointStore reopened = store(10);
    assertTrue(reopened.delete(fourth.id()));
    assertEquals("cp-000000000005", store(10).write(20, "", bytes("s2 again")).id());
    CheckpointStore all = store(10);
    assertEquals(2, all.retain(0));
    disk.crash();
    assertEquals("cp-000000000006", store(10).write(30, "", bytes("s3")).id());

    Path highest = DIR.resolve("checkpoints.highest");
    byte[] recorded = disk.contents(highest);
    recorded[12] ^= 1;
    disk.overwrite(highest, recorded);
    CheckpointException corrupt = assertThrows(CheckpointException.class, () -> store(10));
    assertEquals("checkpoint-corrupt", corrupt.code());
    assertTrue(corrupt.getMessage().contains(highest.toString()) && corrupt.getMessage().contains("checksum"),
        corrupt.getMessage());
    assertEquals(1, CheckpointStore.builder(DIR).storage(disk).readOnly().open().list().size(),
        "tools reading the store do not need it");
    disk.delete(highest);
    assertEquals("cp-000000000007", store(10).write(40, "", bytes("s4")).id());
  }

  @Test
  void anOpenRefusedForADamagedHighestFileChangesNothing() throws Exception {
    store(3).write(1, "", bytes("one"));
    Path highest = DIR.resolve("checkpoints.highest");
    disk.open(highest, StorageIo.OpenMode.CREATE_NEW).close(); // 0 bytes: damaged
    Path unfinished = DIR.resolve("cp-000000000002.checkpoint.tmp");
    disk.open(unfinished, StorageIo.OpenMode.CREATE_NEW).close();
    byte[] key = new byte[32];
    java.util.Arrays.fill(key, (byte) 3);
    CheckpointException corrupt = assertThrows(CheckpointException.class, () -> CheckpointStore.builder(DIR)
        .storage(disk).clock(clock).keyProvider(dev.faultline.state.crypto.KeyProvider.of(1, java.util.Map.of(1, key)))
        .open());
    assertEquals("checkpoint-corrupt", corrupt.code());
    assertTrue(disk.exists(unfinished), "the refused open removed a file");
    assertFalse(disk.exists(DIR.resolve("directory.id")), "the refused open made the directory an identity");
  }

  @Test
  void badIdsAndSettingsAreRefusedByName() {
    CheckpointStore store = store(3);
    assertEquals("checkpoint-invalid-id", assertThrows(CheckpointException.class, () -> store.load("42")).code());
    assertEquals("checkpoint-invalid-id", assertThrows(CheckpointException.class, () -> store.load("cp-x")).code());
    assertEquals("checkpoint-not-found", assertThrows(CheckpointException.class, () -> store.load("cp-5")).code());
    assertThrows(IllegalArgumentException.class, () -> store.write(1, "x".repeat(5000), new byte[0]));
    assertThrows(IllegalArgumentException.class, () -> store.write(-1, "", new byte[0]));
    assertEquals("keep", assertThrows(ConfigurationException.class,
        () -> CheckpointStore.builder(DIR).keep(0).open()).field());
  }

  @Test
  void aReadOnlyStoreChangesNothing() throws Exception {
    store(3).write(1, "", bytes("one"));
    disk.open(DIR.resolve("cp-000000000002.checkpoint.tmp"), StorageIo.OpenMode.CREATE_NEW).close();
    CheckpointStore readOnly = CheckpointStore.builder(DIR).storage(disk).readOnly().open();
    assertTrue(disk.exists(DIR.resolve("cp-000000000002.checkpoint.tmp")), "a live writer's file is left alone");
    assertEquals(1, readOnly.list().size());
    assertEquals("checkpoint-read-only",
        assertThrows(CheckpointException.class, () -> readOnly.write(2, "", bytes("two"))).code());
    assertEquals("checkpoint-read-only", assertThrows(CheckpointException.class, () -> readOnly.retain(0)).code());
    assertEquals("checkpoint-io", assertThrows(CheckpointException.class,
        () -> CheckpointStore.builder(Path.of("/sim/none")).storage(disk).readOnly().open()).code());
  }

  @Test
  void worksOnTheRealFileSystem(@TempDir Path dir) throws Exception {
    CheckpointStore store = CheckpointStore.builder(dir).clock(clock).open();
    byte[] snapshot = new byte[100_000];
    new java.util.Random(1).nextBytes(snapshot);
    CheckpointInfo info = store.write(123, "real", snapshot);
    assertEquals(56 + 4 + 100_000 + 4, Files.size(info.file()));
    CheckpointStore reopened = CheckpointStore.open(dir);
    assertArrayEquals(snapshot, reopened.latestValid().checkpoint().orElseThrow().snapshot());
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count(), "no temporary file left");
    }
  }

  @Test
  void aCheckpointFileLargerThanACheckpointCanBeIsDamageNotAnOverflow() throws Exception {
    CheckpointStore store = store(10);
    CheckpointInfo older = store.write(10, "older", bytes("state@10"));
    CheckpointInfo newer = store.write(20, "x", bytes("state@20"));
    // The newer file's header, checksum and all, announces a 3 GiB snapshot, and the file is that large: a size no
    // checkpoint this store writes can have (it refuses files past 2^31 - 9 bytes), which a reader must not cast to
    // an int.
    long size = 3L << 30;
    byte[] file = disk.contents(newer.file());
    java.nio.ByteBuffer header = java.nio.ByteBuffer.wrap(file);
    header.putLong(44, size - 56 - 1 - 4);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(file, 0, 52);
    header.putInt(52, (int) crc.getValue());
    disk.overwrite(newer.file(), file);
    StorageIo huge = new dev.faultline.state.testing.ForwardingStorage(disk) {
      @Override
      public dev.faultline.state.io.StorageChannel open(Path path, OpenMode mode) throws java.io.IOException {
        dev.faultline.state.io.StorageChannel channel = delegate.open(path, mode);
        if (!path.equals(newer.file())) {
          return channel;
        }
        return new dev.faultline.state.testing.ForwardingChannel(channel) {
          @Override
          public long size() {
            return size;
          }
        };
      }
    };
    CheckpointStore reader = CheckpointStore.builder(DIR).storage(huge).open();
    CheckpointSelection selection = reader.latestValid();
    assertEquals(older, selection.checkpoint().orElseThrow().info());
    assertEquals(1, selection.skipped().size());
    assertTrue(selection.skipped().get(0).reason().contains(String.valueOf(size)), selection.skipped().toString());
    CheckpointException refused = assertThrows(CheckpointException.class, () -> reader.load(newer.id()));
    assertEquals("checkpoint-corrupt", refused.code());
    assertEquals(List.of(older), reader.list());
  }
}
