package dev.faultline.bench;

import dev.faultline.state.journal.Durability;
import dev.faultline.state.journal.Journal;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

/**
 * Durable appends per second for 1, 4, 16 and 64 concurrent writers: Faultline's journal in SYNC mode (group commit)
 * side by side with RocksDB (its write-ahead log with {@code WriteOptions.setSync(true)}, which also batches
 * concurrent writers into one WAL write and sync) and a naive journal that forces once per append under a lock, on
 * the same disk. Every append measured has returned only after its bytes were forced. MB/s is appends/s times
 * {@code payloadBytes + 16} for all three (RocksDB stores an 8-byte key and its own record header instead).
 *
 * <pre>
 * java -jar faultline-bench/target/benchmarks.jar JournalAppendBenchmark
 * </pre>
 * Files go to {@code java.io.tmpdir} (set {@code -Djava.io.tmpdir=...} to measure another disk).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class JournalAppendBenchmark {

  /** Which journal to measure. */
  @Param({"faultline-sync", "rocksdb-sync", "force-per-append"})
  public String journal;

  /** Payload size of each record. */
  @Param({"100"})
  public int payloadBytes;

  private Path directory;
  private Appender appender;
  private byte[] payload;

  /** One durable append. */
  interface Appender extends AutoCloseable {
    long append(byte[] payload) throws IOException;

    @Override
    void close() throws IOException;
  }

  /** Creates the journal in a fresh temporary directory. */
  @Setup(Level.Trial)
  public void open() throws IOException {
    directory = Files.createTempDirectory("faultline-journal-bench");
    payload = new byte[payloadBytes];
    if (journal.equals("faultline-sync")) {
      Journal opened = Journal.builder(directory).durability(Durability.SYNC).open();
      appender = new Appender() {
        @Override
        public long append(byte[] bytes) {
          return opened.append(bytes);
        }

        @Override
        public void close() {
          opened.close();
        }
      };
    } else if (journal.equals("rocksdb-sync")) {
      appender = new RocksDbAppender(directory.resolve("rocksdb"));
    } else {
      appender = new ForcePerAppend(directory.resolve("naive.journal"));
    }
  }

  /** Closes the journal and deletes its files. */
  @TearDown(Level.Trial)
  public void close() throws IOException {
    appender.close();
    try (Stream<Path> files = Files.walk(directory)) {
      for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(file);
      }
    }
  }

  /** One writer. */
  @Benchmark
  @Threads(1)
  public long writers01() throws IOException {
    return appender.append(payload);
  }

  /** Four concurrent writers. */
  @Benchmark
  @Threads(4)
  public long writers04() throws IOException {
    return appender.append(payload);
  }

  /** Sixteen concurrent writers. */
  @Benchmark
  @Threads(16)
  public long writers16() throws IOException {
    return appender.append(payload);
  }

  /** Sixty-four concurrent writers. */
  @Benchmark
  @Threads(64)
  public long writers64() throws IOException {
    return appender.append(payload);
  }

  /**
   * RocksDB with default options and every put synced: {@code WriteOptions.setSync(true)} makes each write wait for
   * the fsync of its WAL record; concurrent writers are grouped by RocksDB's write leader. Keys are the big-endian
   * append number. Thread-safe, as RocksDB is.
   */
  static final class RocksDbAppender implements Appender {
    static {
      RocksDB.loadLibrary();
    }

    private final Options options;
    private final WriteOptions sync;
    private final RocksDB db;
    private final AtomicLong sequence = new AtomicLong();

    RocksDbAppender(Path dir) throws IOException {
      options = new Options().setCreateIfMissing(true);
      sync = new WriteOptions().setSync(true);
      try {
        db = RocksDB.open(options, dir.toString());
      } catch (RocksDBException e) {
        sync.close();
        options.close();
        throw new IOException("cannot open RocksDB in " + dir + ": " + e.getMessage(), e);
      }
    }

    @Override
    public long append(byte[] bytes) throws IOException {
      long key = sequence.incrementAndGet();
      try {
        db.put(sync, ByteBuffer.allocate(8).putLong(0, key).array(), bytes);
      } catch (RocksDBException e) {
        throw new IOException("RocksDB put failed: " + e.getMessage(), e);
      }
      return key;
    }

    @Override
    public void close() {
      db.close();
      sync.close();
      options.close();
    }
  }

  /**
   * The naive baseline: the same frame (length, CRC32C, sequence, payload), written and forced under one lock, one
   * force per append. Thread-safe: everything is guarded by {@code this}.
   */
  static final class ForcePerAppend implements Appender {
    private final FileChannel channel;
    private long sequence;
    private long position;

    ForcePerAppend(Path file) throws IOException {
      channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    @Override
    public synchronized long append(byte[] bytes) throws IOException {
      ByteBuffer frame = ByteBuffer.allocate(16 + bytes.length);
      frame.putInt(0, bytes.length).putLong(8, ++sequence);
      System.arraycopy(bytes, 0, frame.array(), 16, bytes.length);
      CRC32C crc = new CRC32C();
      crc.update(frame.array(), 0, 4);
      crc.update(frame.array(), 8, 8 + bytes.length);
      frame.putInt(4, (int) crc.getValue());
      while (frame.hasRemaining()) {
        position += channel.write(frame, position);
      }
      channel.force(false);
      return sequence;
    }

    @Override
    public synchronized void close() throws IOException {
      channel.close();
    }
  }
}
