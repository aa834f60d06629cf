package dev.faultline.state.checkpoint;

import dev.faultline.core.Clock;
import dev.faultline.state.crypto.KeyProvider;
import dev.faultline.state.internal.Aead;
import dev.faultline.state.internal.DirectoryIdentity;
import dev.faultline.state.io.StorageChannel;
import dev.faultline.state.io.StorageIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.zip.CRC32C;
import javax.crypto.AEADBadTagException;
import javax.crypto.SecretKey;

/**
 * The {@link CheckpointStore} implementation: one file per checkpoint, in the format drawn in
 * {@link CheckpointStore}'s Javadoc.
 *
 * <p>Thread-safe: {@code lock} guards {@code nextNumber} and {@code recordedHighest} and serialises every write and
 * deletion (file I/O is done under it because checkpoints are rare and their order matters); reads take no lock and
 * rely on atomic renames.
 */
final class FileCheckpointStore implements CheckpointStore {
  private static final System.Logger LOG = System.getLogger(CheckpointStore.class.getName());
  static final int MAGIC = 0x464C4350;
  /** The newest version: a sealed snapshot that authenticates the directory's identity too. Plain ones stay 1. */
  static final int VERSION = 2;
  /** The first version: plain snapshots, and sealed ones that authenticate only number, sequence and time. */
  static final int VERSION_UNBOUND = 1;
  /** The version of {@value #HIGHEST_FILE}. */
  static final int HIGHEST_VERSION = 1;
  static final int HEADER_SIZE = 56;
  static final int TRAILER_SIZE = 4;
  static final int MAX_LABEL_BYTES = 4096;
  /** The largest checkpoint file: it is written and read as one array. */
  static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;
  static final String PREFIX = "cp-";
  static final String SUFFIX = ".checkpoint";
  static final String TMP_SUFFIX = ".checkpoint.tmp";
  /** The file recording the highest checkpoint number ever issued, so that numbers are never reused. */
  static final String HIGHEST_FILE = "checkpoints.highest";
  static final int HIGHEST_MAGIC = 0x464C4348;
  static final int HIGHEST_SIZE = 20;

  private final Path directory;
  private final StorageIo io;
  private final Clock clock;
  private final int keep;
  private final boolean readOnly;
  private final KeyProvider keyProvider;
  private final boolean requireEncryption;
  /** The directory's identity, which version-2 snapshots authenticate; null if not read (no provider) or none. */
  private final byte[] identity;
  /**
   * The highest number a version-1 sealed checkpoint may have, from the identity file (version 2 of it); higher ones
   * were put here after the identity was made. {@link Long#MAX_VALUE} if unknown (an identity file of version 1, or
   * none read).
   */
  private final long lastUnboundCheckpoint;
  /** Why {@link #lastUnboundCheckpoint} is what it is, for error messages; null if it is unknown. */
  private final String unboundBounds;
  /** Why {@link #identity} is null although a provider was given (a read-only store opens anyway); else null. */
  private final String identityProblem;
  private final Object lock = new Object();
  private long nextNumber;
  private long recordedHighest;

  private FileCheckpointStore(CheckpointStore.Builder config, DirectoryIdentity.Identity identity,
      String identityProblem, long nextNumber, long recordedHighest) {
    this.directory = config.directory;
    this.io = config.storage;
    this.clock = config.clock;
    this.keep = config.keep;
    this.readOnly = config.readOnly;
    this.keyProvider = config.keyProvider;
    this.requireEncryption = config.requireEncryption;
    this.identity = identity == null ? null : identity.bytes();
    this.lastUnboundCheckpoint = identity == null ? Long.MAX_VALUE : identity.lastUnboundCheckpoint();
    this.unboundBounds = identity == null ? null : identity.describeBounds();
    this.identityProblem = identityProblem;
    this.nextNumber = nextNumber;
    this.recordedHighest = recordedHighest;
  }

  static CheckpointStore open(CheckpointStore.Builder config) {
    Path directory = config.directory;
    StorageIo io = config.storage;
    try {
      if (config.readOnly) {
        if (!io.exists(directory)) {
          throw new CheckpointException("checkpoint-io", "checkpoint directory " + directory + " does not exist");
        }
        DirectoryIdentity.Identity identity = null;
        String problem = null;
        if (config.keyProvider != null) {
          try {
            identity = DirectoryIdentity.read(io, directory).orElse(null);
            problem = identity == null ? "the directory has no identity file "
                + directory.resolve(DirectoryIdentity.FILE) + ", which snapshots of format version " + VERSION
                + " are bound to: it was deleted, or the checkpoint was copied here from another directory" : null;
          } catch (DirectoryIdentity.Damaged e) {
            problem = damagedIdentity(directory, e);
          }
        }
        return new FileCheckpointStore(config, identity, problem, Long.MAX_VALUE, Long.MAX_VALUE);
      }
      io.createDirectories(directory);
      // Read (and refuse a damaged one) before anything is made or removed: a refused open changes nothing.
      long recorded = readHighest(io, directory);
      DirectoryIdentity.Identity identity = config.keyProvider == null ? null : identity(io, directory);
      long max = 0;
      boolean removed = false;
      for (Path file : io.list(directory)) {
        String name = file.getFileName().toString();
        if ((name.startsWith(PREFIX) && name.endsWith(TMP_SUFFIX)) || name.equals(HIGHEST_FILE + ".tmp")) {
          io.delete(file);
          removed = true;
          LOG.log(System.Logger.Level.INFO, "removed unfinished checkpoint " + file);
        }
        max = Math.max(max, number(file));
      }
      if (removed) {
        io.forceDirectory(directory);
      }
      return new FileCheckpointStore(config, identity, null, Math.max(max, recorded) + 1, recorded);
    } catch (IOException e) {
      throw new CheckpointException("checkpoint-io", "cannot open checkpoint directory " + directory + ": " + e, e);
    }
  }

  private static String damagedIdentity(Path directory, DirectoryIdentity.Damaged e) {
    return "the identity file " + directory.resolve(DirectoryIdentity.FILE) + " is damaged (" + e.getMessage() + "):"
        + " the encrypted snapshots of this directory are bound to the identity it holds, so it cannot be made again;"
        + " restore it from a backup of this directory";
  }

  /**
   * The identity of {@code directory} for a store that writes there with a key provider: the one it has, or a new
   * one if it has none and no checkpoint is sealed for one yet (it was never opened with a key, or was written before
   * identities).
   *
   * @throws CheckpointException {@code checkpoint-crypto} if the identity file is damaged, or missing while a
   *     checkpoint is sealed for an identity (format version 2): a new one would leave its snapshot unreadable
   */
  private static DirectoryIdentity.Identity identity(StorageIo io, Path directory) throws IOException {
    try {
      Optional<DirectoryIdentity.Identity> found = DirectoryIdentity.read(io, directory);
      if (found.isPresent()) {
        return found.get();
      }
    } catch (DirectoryIdentity.Damaged e) {
      throw new CheckpointException("checkpoint-crypto", "cannot open checkpoint directory " + directory + ": "
          + damagedIdentity(directory, e) + ". Nothing was changed");
    }
    // The journal kept in the same directory (RecoverableState) shares the identity: its segments count too.
    Optional<Path> bound = DirectoryIdentity.boundFile(io, directory);
    if (bound.isPresent()) {
      throw new CheckpointException("checkpoint-crypto", "checkpoint directory " + directory + " has no identity"
          + " file " + directory.resolve(DirectoryIdentity.FILE) + ", but " + bound.get() + " is encrypted for one"
          + " (format version " + VERSION + "): the file was deleted, or that file was copied here from another"
          + " directory. A new identity would leave it unreadable, so none is made; restore " + DirectoryIdentity.FILE
          + " from a backup of this directory. Nothing was changed");
    }
    DirectoryIdentity.Identity created = DirectoryIdentity.create(io, directory);
    LOG.log(System.Logger.Level.INFO, "checkpoint directory " + directory + ": created its identity file "
        + DirectoryIdentity.FILE + "; snapshots sealed from now on are bound to this directory");
    return created;
  }

  /**
   * The number {@value #HIGHEST_FILE} records, 0 if there is none.
   *
   * @throws CheckpointException {@code checkpoint-corrupt} if the file is damaged
   */
  private static long readHighest(StorageIo io, Path directory) throws IOException {
    Path file = directory.resolve(HIGHEST_FILE);
    ByteBuffer bytes = ByteBuffer.allocate(HIGHEST_SIZE);
    long size;
    try (StorageChannel channel = io.open(file, StorageIo.OpenMode.READ)) {
      size = channel.size();
      if (size == HIGHEST_SIZE) {
        channel.readFully(bytes, 0);
      }
    } catch (NoSuchFileException e) {
      return 0;
    }
    String problem = size != HIGHEST_SIZE ? "it is " + size + " bytes instead of " + HIGHEST_SIZE
        : bytes.getInt(0) != HIGHEST_MAGIC ? String.format("bad magic 0x%08x", bytes.getInt(0))
        : crc(bytes.array(), 0, 16) != bytes.getInt(16) ? "checksum mismatch"
        : bytes.getInt(4) != HIGHEST_VERSION ? "format version " + bytes.getInt(4) + " is not supported"
        : bytes.getLong(8) < 0 ? "negative number " + bytes.getLong(8) : null;
    if (problem != null) {
      throw new CheckpointException("checkpoint-corrupt", file + " is damaged (" + problem + "): it records the"
          + " highest checkpoint number ever issued, so that a rollback's discarded ids are never reused; delete it"
          + " to open the store anyway, accepting that new checkpoints may reuse the ids of discarded ones");
    }
    return bytes.getLong(8);
  }

  /**
   * Before {@code doomed} files are deleted: if they include the highest-numbered checkpoint on disk, durably records
   * the highest number issued, so that the next store opened here does not issue a discarded number again.
   * Retention, which keeps the newest, never needs to. Called under {@code lock}.
   */
  private void protectNumbers(List<Path> doomed) throws IOException {
    long highestDoomed = -1;
    for (Path file : doomed) {
      highestDoomed = Math.max(highestDoomed, number(file));
    }
    long highest = nextNumber - 1;
    if (highestDoomed < 0 || recordedHighest >= highest) {
      return;
    }
    for (Path file : io.list(directory)) {
      if (number(file) > highestDoomed && !doomed.contains(file)) {
        return;
      }
    }
    ByteBuffer bytes = ByteBuffer.allocate(HIGHEST_SIZE).putInt(0, HIGHEST_MAGIC).putInt(4, HIGHEST_VERSION)
        .putLong(8, highest);
    bytes.putInt(16, crc(bytes.array(), 0, 16));
    Path tmp = directory.resolve(HIGHEST_FILE + ".tmp");
    io.delete(tmp);
    try (StorageChannel channel = io.open(tmp, StorageIo.OpenMode.CREATE_NEW)) {
      channel.writeFully(bytes, 0);
      channel.force();
    }
    io.move(tmp, directory.resolve(HIGHEST_FILE));
    io.forceDirectory(directory);
    recordedHighest = highest;
  }

  /** The number a checkpoint file name gives, or -1 if it is not a checkpoint file. */
  static long number(Path file) {
    String name = file.getFileName().toString();
    if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX)) {
      return -1;
    }
    String digits = name.substring(PREFIX.length(), name.length() - SUFFIX.length());
    return parseDigits(digits);
  }

  private static long parseDigits(String digits) {
    if (digits.isEmpty() || digits.length() > 18) {
      return -1;
    }
    for (int i = 0; i < digits.length(); i++) {
      if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
        return -1;
      }
    }
    return Long.parseLong(digits);
  }

  static String idOf(long number) {
    return String.format("%s%012d", PREFIX, number);
  }

  /** The number of a checkpoint id such as {@code cp-000000000042} or {@code cp-42}. */
  static long parseId(String id) {
    long number = id != null && id.startsWith(PREFIX) ? parseDigits(id.substring(PREFIX.length())) : -1;
    if (number < 0) {
      throw new CheckpointException("checkpoint-invalid-id",
          "a checkpoint id must look like cp-000000000042, but was " + id);
    }
    return number;
  }

  private void ensureWritable(String what) {
    if (readOnly) {
      throw new CheckpointException("checkpoint-read-only", "cannot " + what + ": checkpoint store " + directory
          + " was opened read-only");
    }
  }

  private Path fileOf(long number) {
    return directory.resolve(idOf(number) + SUFFIX);
  }

  // ------------------------------------------------------------------------------------------------ writing

  @Override
  public CheckpointInfo write(long sequence, String label, byte[] snapshot) {
    Objects.requireNonNull(snapshot, "snapshot");
    String text = label == null ? "" : label;
    byte[] labelBytes = text.getBytes(StandardCharsets.UTF_8);
    if (labelBytes.length > MAX_LABEL_BYTES) {
      throw new IllegalArgumentException("checkpoint label must be at most " + MAX_LABEL_BYTES
          + " UTF-8 bytes, but was " + labelBytes.length);
    }
    if (sequence < 0) {
      throw new IllegalArgumentException("checkpoint sequence must be at least 0, but was " + sequence);
    }
    ensureWritable("write a checkpoint");
    synchronized (lock) {
      long number = nextNumber++;
      String id = idOf(number);
      long time = clock.wallMillis();
      int keyId = keyProvider == null ? 0 : keyProvider.currentKeyId();
      byte[] stored = keyId == 0 ? snapshot : Aead.seal(key(keyId, id), snapshot, 0, snapshot.length,
          DirectoryIdentity.aad(MAGIC, identity, number, sequence, time));
      ByteBuffer[] parts = encode(number, sequence, time, keyId, labelBytes, stored);
      Path tmp = directory.resolve(id + TMP_SUFFIX);
      Path file = fileOf(number);
      boolean renamed = false;
      try {
        io.delete(tmp);
        try (StorageChannel channel = io.open(tmp, StorageIo.OpenMode.CREATE_NEW)) {
          long at = 0;
          for (ByteBuffer part : parts) {
            int length = part.remaining();
            channel.writeFully(part, at);
            at += length;
          }
          channel.force();
        }
        io.move(tmp, file);
        renamed = true;
        io.forceDirectory(directory);
      } catch (IOException e) {
        try {
          // Renamed but not made durable: taken back, as the caller is told that nothing was written.
          io.delete(renamed ? file : tmp);
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw new CheckpointException("checkpoint-io", "cannot write checkpoint " + id + " to " + directory + ": "
            + e, e);
      }
      CheckpointInfo info = new CheckpointInfo(id, sequence, Instant.ofEpochMilli(time), text, snapshot.length, file,
          keyId);
      try {
        retainLocked(keep);
      } catch (CheckpointException e) {
        LOG.log(System.Logger.Level.WARNING, "checkpoint " + id + " written, but retention failed: "
            + e.getMessage());
      }
      return info;
    }
  }

  private SecretKey key(int keyId, String id) {
    if (keyProvider == null) {
      throw new CheckpointException("checkpoint-crypto", "checkpoint " + id + " in " + directory
          + " is encrypted with key id " + keyId + "; open the store with a key provider");
    }
    return keyProvider.key(keyId).orElseThrow(() -> new CheckpointException("checkpoint-crypto", "checkpoint " + id
        + " in " + directory + " is encrypted with key id " + keyId + ", which the key provider does not have"));
  }

  /**
   * The file as three parts written one after another: header and label, the snapshot (not copied: a large state's
   * snapshot is written from the array its codec made), and the trailer, a CRC of everything before it.
   */
  private static ByteBuffer[] encode(long number, long sequence, long time, int keyId, byte[] label,
      byte[] snapshot) {
    long total = (long) HEADER_SIZE + label.length + snapshot.length + TRAILER_SIZE;
    if (total > MAX_FILE_BYTES) {
      throw new IllegalArgumentException("checkpoint of " + snapshot.length + " bytes is too large for one file");
    }
    ByteBuffer head = ByteBuffer.allocate(HEADER_SIZE + label.length);
    head.putInt(0, MAGIC).putInt(4, keyId == 0 ? VERSION_UNBOUND : VERSION).putInt(8, keyId).putInt(12, 0)
        .putLong(16, number)
        .putLong(24, sequence).putLong(32, time).putInt(40, label.length).putLong(44, snapshot.length);
    head.putInt(52, crc(head.array(), 0, 52));
    System.arraycopy(label, 0, head.array(), HEADER_SIZE, label.length);
    CRC32C whole = new CRC32C();
    whole.update(head.array(), 0, head.capacity());
    whole.update(snapshot, 0, snapshot.length);
    ByteBuffer trailer = ByteBuffer.allocate(TRAILER_SIZE).putInt(0, (int) whole.getValue());
    return new ByteBuffer[] {head, ByteBuffer.wrap(snapshot), trailer};
  }

  private static int crc(byte[] bytes, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, offset, length);
    return (int) crc.getValue();
  }

  // ------------------------------------------------------------------------------------------------ reading

  /** A damaged checkpoint; the message is the reason. */
  private static final class Damaged extends Exception {
    private static final long serialVersionUID = 1L;
    final String code;

    Damaged(String reason, boolean format) {
      this(reason, format ? "checkpoint-format" : "checkpoint-corrupt");
    }

    Damaged(String reason, String code) {
      super(reason, null, false, false);
      this.code = code;
    }
  }

  private List<Path> files() {
    try {
      List<Path> files = new ArrayList<>();
      for (Path file : io.list(directory)) {
        if (number(file) >= 0) {
          files.add(file);
        }
      }
      files.sort(Comparator.comparingLong(FileCheckpointStore::number));
      return files;
    } catch (IOException e) {
      throw new CheckpointException("checkpoint-io", "cannot list checkpoints in " + directory + ": " + e, e);
    }
  }

  /** Reads and checks the header (and the file size it implies); with {@code full}, also the checksum of it all. */
  private Checkpoint read(Path file, boolean full) throws Damaged, IOException {
    return read(file, full, full);
  }

  /**
   * As {@link #read(Path, boolean)}; with {@code decrypt}, also opens an encrypted snapshot (which needs its key),
   * without it the snapshot of an encrypted checkpoint is checked by checksum only and not returned.
   */
  private Checkpoint read(Path file, boolean full, boolean decrypt) throws Damaged, IOException {
    try (StorageChannel channel = io.open(file, StorageIo.OpenMode.READ)) {
      long size = channel.size();
      if (size < HEADER_SIZE + TRAILER_SIZE) {
        throw new Damaged("file is " + size + " bytes, shorter than a checkpoint header", false);
      }
      ByteBuffer header = ByteBuffer.allocate(HEADER_SIZE);
      channel.readFully(header, 0);
      if (header.getInt(0) != MAGIC) {
        throw new Damaged(String.format("bad magic 0x%08x", header.getInt(0)), false);
      }
      if (crc(header.array(), 0, 52) != header.getInt(52)) {
        throw new Damaged("header checksum mismatch", false);
      }
      int version = header.getInt(4);
      if (version != VERSION && version != VERSION_UNBOUND) {
        throw new Damaged("format version " + version + " is not supported (this build reads " + VERSION_UNBOUND
            + " and " + VERSION + ")", true);
      }
      if (version == VERSION && header.getInt(8) == 0) {
        throw new Damaged("format version " + version + " with key id 0, but version " + VERSION + " is only written"
            + " for encrypted snapshots", true);
      }
      long number = header.getLong(16);
      if (number != number(file)) {
        throw new Damaged("header gives number " + number + " but the file name gives " + number(file), false);
      }
      if (version == VERSION_UNBOUND && header.getInt(8) != 0 && number > lastUnboundCheckpoint) {
        throw new Damaged("the snapshot is sealed in format version " + VERSION_UNBOUND + ", not bound to this"
            + " directory, with number " + number + ", past " + lastUnboundCheckpoint + ": " + unboundBounds
            + ". So the checkpoint was put here later (perhaps copied from another directory under the same key)",
            "checkpoint-crypto");
      }
      int labelLength = header.getInt(40);
      long snapshotLength = header.getLong(44);
      if (labelLength < 0 || labelLength > MAX_LABEL_BYTES || snapshotLength < 0
          || size != HEADER_SIZE + labelLength + snapshotLength + TRAILER_SIZE) {
        throw new Damaged("file is " + size + " bytes but its header announces a label of " + labelLength
            + " and a snapshot of " + snapshotLength + " bytes", false);
      }
      if (size > MAX_FILE_BYTES) {
        throw new Damaged("file is " + size + " bytes, more than a checkpoint can be (" + MAX_FILE_BYTES + ")", false);
      }
      ByteBuffer body = ByteBuffer.allocate(full ? (int) size : HEADER_SIZE + labelLength);
      channel.readFully(body, 0);
      if (body.position() != body.capacity()) {
        throw new Damaged("file ended early", false);
      }
      byte[] all = body.array();
      if (full && crc(all, 0, (int) size - TRAILER_SIZE) != body.getInt((int) size - TRAILER_SIZE)) {
        throw new Damaged("checksum mismatch", false);
      }
      String label = new String(all, HEADER_SIZE, labelLength, StandardCharsets.UTF_8);
      int keyId = header.getInt(8);
      long sequence = header.getLong(24);
      long time = header.getLong(32);
      byte[] snapshot = null;
      if (full && keyId == 0 && requireEncryption) {
        throw new Damaged("the snapshot is not encrypted (key id 0 in its header), and this store requires"
            + " encryption: it was written before encryption was turned on, or put in place of encrypted data by"
            + " someone who could write the directory", "checkpoint-crypto");
      } else if (full && keyId == 0) {
        snapshot = java.util.Arrays.copyOfRange(all, HEADER_SIZE + labelLength, (int) size - TRAILER_SIZE);
      } else if (full && decrypt) {
        SecretKey key = key(keyId, idOf(number));
        if (version == VERSION && identity == null) {
          throw new Damaged("cannot decrypt: " + identityProblem, "checkpoint-crypto");
        }
        byte[] aad = version == VERSION_UNBOUND ? Aead.longs(number, sequence, time)
            : DirectoryIdentity.aad(MAGIC, identity, number, sequence, time);
        try {
          snapshot = Aead.open(key, all, HEADER_SIZE + labelLength, (int) snapshotLength, aad);
        } catch (AEADBadTagException e) {
          throw new Damaged("cannot decrypt: " + (version == VERSION_UNBOUND ? "" : "the checkpoint belongs to"
              + " another checkpoint directory (its snapshot is bound to the identity of the directory it was"
              + " written in), or ") + "the key with id " + keyId + " is wrong, or the snapshot was tampered with",
              "checkpoint-crypto");
        }
      }
      CheckpointInfo info = new CheckpointInfo(idOf(number), sequence, Instant.ofEpochMilli(time), label,
          snapshot != null ? snapshot.length : keyId == 0 ? snapshotLength : snapshotLength - Aead.OVERHEAD, file,
          keyId);
      return new Checkpoint(info, snapshot);
    }
  }

  private CheckpointProblem problem(Path file, Damaged damage) {
    CheckpointProblem problem = new CheckpointProblem(file, idOf(number(file)), damage.getMessage(), damage.code);
    LOG.log(System.Logger.Level.WARNING, problem.describe());
    return problem;
  }

  @Override
  public List<CheckpointInfo> list() {
    List<CheckpointInfo> infos = new ArrayList<>();
    for (Path file : files()) {
      try {
        infos.add(read(file, false).info());
      } catch (Damaged e) {
        problem(file, e);
      } catch (NoSuchFileException e) {
        // Deleted since listed: not a checkpoint any more.
      } catch (IOException e) {
        throw new CheckpointException("checkpoint-io", "cannot read checkpoint " + file + ": " + e, e);
      }
    }
    return infos;
  }

  @Override
  public List<CheckpointProblem> problems() {
    List<CheckpointProblem> problems = new ArrayList<>();
    for (Path file : files()) {
      try {
        read(file, true, keyProvider != null);
      } catch (Damaged e) {
        problems.add(problem(file, e));
      } catch (NoSuchFileException e) {
        // Deleted since listed.
      } catch (IOException e) {
        throw new CheckpointException("checkpoint-io", "cannot read checkpoint " + file + ": " + e, e);
      }
    }
    return problems;
  }

  @Override
  public Checkpoint load(String id) {
    Path file = fileOf(parseId(id));
    try {
      return read(file, true);
    } catch (Damaged e) {
      throw new CheckpointException(e.code,
          "checkpoint " + id + " (" + file + ") cannot be used: " + e.getMessage());
    } catch (NoSuchFileException e) {
      throw new CheckpointException("checkpoint-not-found", "no checkpoint " + id + " in " + directory, e);
    } catch (IOException e) {
      throw new CheckpointException("checkpoint-io", "cannot read checkpoint " + file + ": " + e, e);
    }
  }

  @Override
  public CheckpointSelection latestValid() {
    return latestValid(info -> true);
  }

  @Override
  public CheckpointSelection latestValid(Predicate<CheckpointInfo> filter) {
    List<Path> files = files();
    List<CheckpointProblem> skipped = new ArrayList<>();
    for (int i = files.size() - 1; i >= 0; i--) {
      Path file = files.get(i);
      try {
        CheckpointInfo info = read(file, false).info();
        if (!filter.test(info)) {
          continue;
        }
        return new CheckpointSelection(Optional.of(read(file, true)), skipped);
      } catch (Damaged e) {
        skipped.add(problem(file, e));
      } catch (NoSuchFileException e) {
        // Deleted since listed.
      } catch (IOException e) {
        throw new CheckpointException("checkpoint-io", "cannot read checkpoint " + file + ": " + e, e);
      }
    }
    return new CheckpointSelection(Optional.empty(), skipped);
  }

  // ------------------------------------------------------------------------------------------------ deleting

  @Override
  public boolean delete(String id) {
    Path file = fileOf(parseId(id));
    ensureWritable("delete checkpoint " + id);
    synchronized (lock) {
      try {
        protectNumbers(List.of(file));
        boolean existed = io.delete(file);
        io.forceDirectory(directory);
        return existed;
      } catch (IOException e) {
        throw new CheckpointException("checkpoint-io", "cannot delete checkpoint " + file + ": " + e, e);
      }
    }
  }

  @Override
  public int deleteAfter(long sequence) {
    ensureWritable("delete checkpoints");
    synchronized (lock) {
      int deleted = 0;
      try {
        List<Path> doomed = new ArrayList<>();
        for (CheckpointInfo info : list()) {
          if (info.sequence() > sequence) {
            doomed.add(info.file());
          }
        }
        protectNumbers(doomed);
        for (int i = doomed.size() - 1; i >= 0; i--) {
          io.delete(doomed.get(i));
          deleted++;
        }
        if (deleted > 0) {
          io.forceDirectory(directory);
        }
        return deleted;
      } catch (IOException e) {
        throw new CheckpointException("checkpoint-io", "cannot delete checkpoints after sequence " + sequence
            + " in " + directory + " (" + deleted + " deleted): " + e, e);
      }
    }
  }

  @Override
  public int retain(int keep) {
    if (keep < 0) {
      throw new IllegalArgumentException("keep must be at least 0, but was " + keep);
    }
    ensureWritable("apply retention");
    synchronized (lock) {
      return retainLocked(keep);
    }
  }

  private int retainLocked(int keep) {
    List<CheckpointInfo> infos = list();
    int deleted = 0;
    try {
      List<Path> doomed = new ArrayList<>();
      for (int i = 0; i < infos.size() - keep; i++) {
        doomed.add(infos.get(i).file());
      }
      protectNumbers(doomed);
      for (Path file : doomed) {
        io.delete(file);
        deleted++;
      }
      if (deleted > 0) {
        io.forceDirectory(directory);
      }
      return deleted;
    } catch (IOException e) {
      throw new CheckpointException("checkpoint-io", "checkpoint retention in " + directory + " failed after "
          + deleted + " deletion(s): " + e, e);
    }
  }

  @Override
  public Path directory() {
    return directory;
  }

  @Override
  public String toString() {
    return "CheckpointStore[" + directory + "]";
  }
}
