package dev.faultline.state.journal;

import dev.faultline.core.Clock;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.FaultEventListener;
import dev.faultline.core.internal.Validate;
import dev.faultline.state.crypto.KeyProvider;
import dev.faultline.state.internal.Aead;
import dev.faultline.state.io.StorageIo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Configures and opens a {@link Journal}. {@link #open()} validates every setting, naming the field, the rule and the
 * value of the first that is wrong.
 *
 * <p>Not thread-safe.
 */
public final class JournalBuilder {
  /** The default segment size: 64 MiB. */
  public static final long DEFAULT_SEGMENT_SIZE = 64L << 20;
  /** The default largest payload: 16 MiB. */
  public static final int DEFAULT_MAX_RECORD_SIZE = 16 << 20;
  /** The longest interval a timer takes: {@code Long.MAX_VALUE} nanoseconds (about 292 years). */
  static final Duration MAX_INTERVAL = Duration.ofNanos(Long.MAX_VALUE);
  /** The default time a thread waiting for a force yields before it parks: 300 µs. */
  public static final Duration DEFAULT_YIELD_BEFORE_PARK = Duration.ofNanos(300_000);

  final Path directory;
  Durability durability = Durability.SYNC;
  Duration asyncForceInterval = Duration.ofMillis(50);
  long asyncMaxUnforcedRecords = 10_000;
  Duration yieldBeforePark = DEFAULT_YIELD_BEFORE_PARK;
  long segmentSize = DEFAULT_SEGMENT_SIZE;
  int maxRecordSize = DEFAULT_MAX_RECORD_SIZE;
  StorageIo storage = StorageIo.system();
  Clock clock = Clock.system();
  Scheduler scheduler = Scheduler.system();
  String name;
  KeyProvider keyProvider;
  boolean requireEncryption;
  final List<FaultEventListener> listeners = new ArrayList<>();

  JournalBuilder(Path directory) {
    this.directory = Validate.notNull("directory", directory);
  }

  /** When an append counts as done; {@link Durability#SYNC} by default. */
  public JournalBuilder durability(Durability durability) {
    this.durability = durability;
    return this;
  }

  /**
   * In {@code ASYNC} mode, how often a timer forces what was written; in {@code SYNC}, the longest a record committed
   * with {@link Journal#commitLater} waits for a force. 50 ms by default, at most 2<sup>63</sup> - 1 nanoseconds.
   */
  public JournalBuilder asyncForceInterval(Duration interval) {
    this.asyncForceInterval = interval;
    return this;
  }

  /** In {@code ASYNC} mode, how many unforced records make an appender force at once; 10 000 by default. */
  public JournalBuilder asyncMaxUnforcedRecords(long records) {
    this.asyncMaxUnforcedRecords = records;
    return this;
  }

  /**
   * How long a thread waiting for another's force to cover its record yields its CPU (checking between yields)
   * before it parks; 300 µs by default, zero to park at once, at most 1 s. A parked thread costs a wake-up when its
   * force completes (a system call by the thread that forced, and a context switch or an interrupt to another CPU),
   * paid one waiter after another; a yielding one notices by itself. With many concurrent appenders on few cores
   * those wake-ups are what limits the rate: on two cores and forces of about 0.13 ms, 64 SYNC appenders made about
   * 1.8 times the appends per second yielding as parking at once. A yield gives way to any other runnable thread, so
   * the time is spent spinning only when a CPU has nothing else to do; the cost is then up to this much CPU per wait
   * whose force takes longer (a slow disk). RocksDB makes the same trade for its waiting writers (up to 100 µs).
   */
  public JournalBuilder yieldBeforePark(Duration time) {
    this.yieldBeforePark = time;
    return this;
  }

  /** The size at which a segment is closed and a new one begun; 64 MiB by default, at least 1 KiB. */
  public JournalBuilder segmentSize(long bytes) {
    this.segmentSize = bytes;
    return this;
  }

  /**
   * The largest payload accepted; 16 MiB by default, at most 2<sup>30</sup> - 16 bytes (2<sup>30</sup> - 44 with a
   * {@link #keyProvider}: sealing adds 28 bytes).
   */
  public JournalBuilder maxRecordSize(int bytes) {
    this.maxRecordSize = bytes;
    return this;
  }

  /** The file system seam; {@link StorageIo#system()} by default. Tests inject faults or simulate crashes here. */
  public JournalBuilder storage(StorageIo storage) {
    this.storage = storage;
    return this;
  }

  /**
   * The clock that stamps events and times {@link #yieldBeforePark}; {@link Clock#system()} by default. A clock that
   * does not move keeps waiters yielding until their force completes.
   */
  public JournalBuilder clock(Clock clock) {
    this.clock = clock;
    return this;
  }

  /** The scheduler of the {@code ASYNC} force timer; {@link Scheduler#system()} by default. */
  public JournalBuilder scheduler(Scheduler scheduler) {
    this.scheduler = scheduler;
    return this;
  }

  /**
   * Encrypts records at rest with AES-256-GCM under the provider's current key (none by default). New segments carry
   * the key id in their header; segments sealed with older keys stay readable as long as the provider has them; a
   * plain segment left from before stays readable, and appends move on to a new, encrypted segment. The provider's
   * current key is asked at each write: once it names another key, the next append begins a new segment sealed with
   * it (one the provider does not have fails that append with {@code journal-crypto}, writing nothing). Records are
   * bound to the directory by its identity file, made on the first open with a provider (see {@link Journal}).
   */
  public JournalBuilder keyProvider(KeyProvider keyProvider) {
    this.keyProvider = keyProvider;
    return this;
  }

  /**
   * Refuses, when the journal opens, a segment holding records that are not encrypted (key id 0 in its header), naming
   * it, instead of reading it as plain: without this, someone who can write the directory could put forged plain
   * records in place of encrypted ones. Off by default, so that records written before encryption was turned on stay
   * readable; turn it on once no such segment is left (retention removed them). Needs a {@link #keyProvider}.
   * Even off, a plain segment after an encrypted one is refused: the journal never writes one.
   */
  public JournalBuilder requireEncryption(boolean require) {
    this.requireEncryption = require;
    return this;
  }

  /** The source name of published events; the directory's name by default. */
  public JournalBuilder name(String name) {
    this.name = name;
    return this;
  }

  /** Adds a listener for the journal's {@link dev.faultline.core.event.StateEvent}s (data lost on open). */
  public JournalBuilder listener(FaultEventListener listener) {
    listeners.add(Validate.notNull("listener", listener));
    return this;
  }

  /**
   * Validates the configuration, locks the directory, scans it, cuts off a torn tail and opens the journal.
   *
   * @throws dev.faultline.core.ConfigurationException if a setting is invalid
   * @throws JournalException {@code journal-locked}, {@code journal-io}, {@code journal-format}
   * @throws JournalCorruptedException if the journal is corrupt before its tail
   */
  public Journal open() {
    Validate.notNull("durability", durability);
    Validate.positive("asyncForceInterval", asyncForceInterval);
    if (asyncForceInterval.compareTo(MAX_INTERVAL) > 0) {
      // The timer takes nanoseconds in a long; a longer interval overflowed there, after the journal had opened.
      throw new dev.faultline.core.ConfigurationException("asyncForceInterval", "be at most " + MAX_INTERVAL
          + " (2^63 - 1 nanoseconds)", asyncForceInterval);
    }
    Validate.atLeast("asyncMaxUnforcedRecords", asyncMaxUnforcedRecords, 1);
    Validate.notNull("yieldBeforePark", yieldBeforePark);
    if (yieldBeforePark.isNegative() || yieldBeforePark.compareTo(Duration.ofSeconds(1)) > 0) {
      throw new dev.faultline.core.ConfigurationException("yieldBeforePark", "be between 0 and 1 s", yieldBeforePark);
    }
    Validate.atLeast("segmentSize", segmentSize, 1024);
    Validate.atLeast("maxRecordSize", maxRecordSize, 1);
    if (maxRecordSize > Format.MAX_PAYLOAD) {
      throw new dev.faultline.core.ConfigurationException("maxRecordSize", "be at most " + Format.MAX_PAYLOAD,
          maxRecordSize);
    }
    if (keyProvider != null && maxRecordSize > Format.MAX_PAYLOAD - Aead.OVERHEAD) {
      // A sealed record is nonce and tag longer than its payload, and the format reads no longer frame.
      throw new dev.faultline.core.ConfigurationException("maxRecordSize", "be at most "
          + (Format.MAX_PAYLOAD - Aead.OVERHEAD) + " with a keyProvider (the format's " + Format.MAX_PAYLOAD
          + " less the " + Aead.OVERHEAD + " bytes that sealing adds)", maxRecordSize);
    }
    Validate.notNull("storage", storage);
    Validate.notNull("clock", clock);
    Validate.notNull("scheduler", scheduler);
    if (name != null) {
      Validate.notBlank("name", name);
    }
    if (requireEncryption && keyProvider == null) {
      throw new dev.faultline.core.ConfigurationException("requireEncryption", "be set only together with a"
          + " keyProvider", true);
    }
    return SegmentedJournal.open(this);
  }
}
