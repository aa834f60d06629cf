package dev.faultline.bench;

import dev.faultline.state.journal.Durability;
import dev.faultline.state.journal.Journal;
import dev.faultline.state.journal.JournalCursor;
import dev.faultline.state.journal.JournalRecord;
import dev.faultline.state.journal.SegmentSummary;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Replay throughput of the journal against the physical reference, in one run: {@code sequentialRead} reads the
 * journal's segment files front to back through a 1 MiB direct buffer (the fastest way to get the bytes in);
 * {@code replay} reads every record through a cursor of the open journal (frame checks, CRC32C, payload copied into
 * its own array); {@code replayPoll} reads them through the same cursor's {@link JournalCursor#poll}, which hands
 * each payload over as a view of the cursor's window instead of a new array; {@code openAndReplay} opens the directory read-only and reads every record, which is what a
 * recovery does (the open scans and checks every frame, then the cursor reads them). Every operation covers the same
 * bytes, so the ratio of scores is the ratio of throughputs; MB/s is ops/s times the journal's size.
 *
 * <p>With {@code cache=hot} the files stay in the page cache, so this compares the CPU cost of getting the records
 * out against a plain copy from the cache. With {@code cache=cold} each operation starts with the journal's own
 * pages evicted ({@code dd iflag=nocache count=0} on each file: no other file's cache is touched; first a collection,
 * so that the mapping a cursor of the previous operation left is released, and then {@code fincore} checks that no
 * page stayed), so every byte comes from the device: the physical reference.
 *
 * <pre>
 * java -jar faultline-bench/target/benchmarks.jar JournalReplayBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class JournalReplayBenchmark {

  /** Payload size of each record. */
  @Param({"100", "1000"})
  public int payloadBytes;

  /** Total journal size to write, in MiB. */
  @Param({"128"})
  public int megabytes;

  /** Whether the journal's pages are in the page cache ("hot") or evicted before each operation ("cold"). */
  @Param({"hot", "cold"})
  public String cache;

  private Path directory;
  private Journal journal;
  private List<Path> segments;
  private long records;
  private ByteBuffer buffer;

  /** Writes the journal once and keeps it open. */
  @Setup(Level.Trial)
  public void write() throws IOException {
    directory = Files.createTempDirectory("faultline-replay-bench");
    byte[] payload = new byte[payloadBytes];
    long count = ((long) megabytes << 20) / (payloadBytes + 16);
    try (Journal writer = Journal.builder(directory).durability(Durability.ASYNC).open()) {
      for (long i = 0; i < count; i++) {
        payload[(int) (i % payloadBytes)] = (byte) i;
        writer.write(payload);
      }
      writer.force();
    }
    journal = Journal.builder(directory).open();
    records = journal.lastSequence();
    segments = new ArrayList<>();
    for (SegmentSummary segment : Journal.verify(directory).segments()) {
      segments.add(segment.file());
    }
    buffer = ByteBuffer.allocateDirect(1 << 20);
    System.out.printf("%njournal: %d records, %d segment(s), %.1f MiB%n", records, segments.size(),
        bytes() / 1048576.0);
  }

  private long bytes() throws IOException {
    long total = 0;
    for (Path segment : segments) {
      total += Files.size(segment);
    }
    return total;
  }

  /** With {@code cache=cold}, evicts the journal's pages (and only them) from the page cache. */
  @Setup(Level.Invocation)
  public void evict() throws IOException, InterruptedException {
    if (!cache.equals("cold")) {
      return;
    }
    // A page still mapped by a cursor of the previous operation cannot be evicted: let its mapping be collected
    // (the cursor is closed and unreachable; its buffer is unmapped once the collector clears it), evict, and check
    // with fincore (util-linux) that nothing of the journal stayed resident, trying again while some did.
    long resident = -1;
    for (int attempt = 0; attempt < 20 && resident != 0; attempt++) {
      System.gc();
      Thread.sleep(50);
      for (Path segment : segments) {
        run("dd", "if=" + segment, "iflag=nocache", "count=0", "status=none");
      }
      resident = residentPages();
    }
    if (resident > 0) {
      throw new IOException(resident + " pages of the journal stayed in the page cache after eviction");
    }
  }

  /** Pages of the journal's segments in the page cache (fincore), or 0 if fincore is not installed. */
  private long residentPages() throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("fincore", "--noheadings", "--raw", "--output", "PAGES"));
    for (Path segment : segments) {
      command.add(segment.toString());
    }
    String output;
    try {
      output = run(command.toArray(new String[0]));
    } catch (IOException e) {
      return 0;
    }
    long pages = 0;
    for (String line : output.split("\\s+")) {
      if (!line.isEmpty()) {
        pages += Long.parseLong(line);
      }
    }
    return pages;
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (process.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + output);
    }
    return output;
  }

  /** Closes the journal and deletes its files. */
  @TearDown(Level.Trial)
  public void delete() throws IOException {
    journal.close();
    try (Stream<Path> files = Files.walk(directory)) {
      for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(file);
      }
    }
  }

  /** The physical reference: every byte of every segment file, read in order. */
  @Benchmark
  public long sequentialRead() throws IOException {
    long total = 0;
    for (Path segment : segments) {
      try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ)) {
        int n;
        while ((n = channel.read(buffer.clear())) > 0) {
          total += n;
        }
      }
    }
    return total;
  }

  /** Every record through a cursor of the open journal. */
  @Benchmark
  public long replay(Blackhole blackhole) {
    long count = 0;
    try (JournalCursor cursor = journal.read(1)) {
      while (cursor.hasNext()) {
        JournalRecord record = cursor.next();
        blackhole.consume(record);
        count++;
      }
    }
    check(count);
    return count;
  }

  /**
   * Every record through a cursor of the open journal, handed to a handler as a read-only view of the cursor's window
   * ({@link JournalCursor#poll}): no record object or payload array per record.
   */
  @Benchmark
  public long replayPoll(Blackhole blackhole) {
    long count = 0;
    try (JournalCursor cursor = journal.read(1)) {
      long polled;
      while ((polled = cursor.poll((sequence, payload) -> blackhole.consume(payload.get(payload.position())),
          4096)) > 0) {
        count += polled;
      }
    }
    check(count);
    return count;
  }

  /** What recovery does: open (scan and check every frame), then read every record. */
  @Benchmark
  public long openAndReplay(Blackhole blackhole) {
    long count = 0;
    try (JournalCursor cursor = Journal.readOnly(directory, 1)) {
      while (cursor.hasNext()) {
        blackhole.consume(cursor.next());
        count++;
      }
    }
    check(count);
    return count;
  }

  private void check(long count) {
    if (count != records) {
      throw new IllegalStateException("replayed " + count + " of " + records + " records");
    }
  }
}
