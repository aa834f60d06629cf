package dev.faultline.bench;

import dev.faultline.state.journal.Durability;
import dev.faultline.state.journal.Journal;
import dev.faultline.state.journal.JournalCursor;
import dev.faultline.state.journal.SegmentSummary;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * {@link JournalReplayBenchmark}'s hot-cache comparison timed by this thread's CPU time
 * ({@link ThreadMXBean#getCurrentThreadCpuTime()}, user and system), for machines too busy for wall-clock figures to
 * mean much: the same 128 MiB journals of 100- and 1000-byte records, the same four ways of reading them (plain
 * sequential read through a 1 MiB direct buffer, replay through a cursor of the open journal, replay through the
 * same kind of cursor's {@link JournalCursor#poll} (payload views instead of a record and an array per record),
 * read-only open and replay). Prints the best of ten rounds of each, in MB per CPU-second, and each one's ratio to the plain read.
 *
 * <pre>
 * java -cp faultline-bench/target/benchmarks.jar dev.faultline.bench.JournalReplayCpuTime
 * </pre>
 */
public final class JournalReplayCpuTime {
  private JournalReplayCpuTime() {}

  /** Runs the measurement; the arguments are payload sizes (default 100 and 1000). */
  public static void main(String[] args) throws IOException {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    if (!threads.isCurrentThreadCpuTimeSupported()) {
      throw new IllegalStateException("this JVM cannot measure thread CPU time");
    }
    for (String size : args.length == 0 ? new String[] {"100", "1000"} : args) {
      int payloadBytes = Integer.parseInt(size);
      Path directory = Files.createTempDirectory("faultline-replay-cpu");
      try {
        measure(threads, directory, payloadBytes);
      } finally {
        try (Stream<Path> files = Files.walk(directory)) {
          for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
            Files.delete(file);
          }
        }
      }
    }
  }

  private static void measure(ThreadMXBean threads, Path directory, int payloadBytes) throws IOException {
    byte[] payload = new byte[payloadBytes];
    long count = (128L << 20) / (payloadBytes + 16);
    try (Journal writer = Journal.builder(directory).durability(Durability.ASYNC).open()) {
      for (long i = 0; i < count; i++) {
        payload[(int) (i % payloadBytes)] = (byte) i;
        writer.write(payload);
      }
      writer.force();
    }
    List<Path> segments = new ArrayList<>();
    long bytes = 0;
    for (SegmentSummary segment : Journal.verify(directory).segments()) {
      segments.add(segment.file());
      bytes += segment.fileBytes();
    }
    ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
    double[] best = new double[4];
    long sink = 0;
    try (Journal journal = Journal.open(directory)) {
      for (int round = 0; round < 13; round++) {
        long start = threads.getCurrentThreadCpuTime();
        for (Path segment : segments) {
          try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ)) {
            while (channel.read(buffer.clear()) > 0) {
              sink += buffer.get(0);
            }
          }
        }
        long read = threads.getCurrentThreadCpuTime();
        try (JournalCursor cursor = journal.read(1)) {
          while (cursor.hasNext()) {
            sink += cursor.next().payload().length;
          }
        }
        long replay = threads.getCurrentThreadCpuTime();
        long[] polledSum = new long[1];
        try (JournalCursor cursor = journal.read(1)) {
          long polled;
          do {
            polled = cursor.poll((sequence, view) -> polledSum[0] += view.get(view.position()), 4096);
          } while (polled > 0);
        }
        sink += polledSum[0];
        long poll = threads.getCurrentThreadCpuTime();
        try (JournalCursor cursor = Journal.readOnly(directory, 1)) {
          while (cursor.hasNext()) {
            sink += cursor.next().payload().length;
          }
        }
        long openAndReplay = threads.getCurrentThreadCpuTime();
        if (round >= 3) { // the first rounds warm the JIT up
          best[0] = Math.max(best[0], bytes / 1e6 / ((read - start) / 1e9));
          best[1] = Math.max(best[1], bytes / 1e6 / ((replay - read) / 1e9));
          best[2] = Math.max(best[2], bytes / 1e6 / ((openAndReplay - poll) / 1e9));
          best[3] = Math.max(best[3], bytes / 1e6 / ((poll - replay) / 1e9));
        }
      }
    }
    System.out.printf(Locale.ROOT, "%5d-byte records, %d of them, %.0f MiB: sequential read %,.0f MB/CPU-s;"
        + " replay %,.0f (%.0f%%); replay by poll %,.0f (%.0f%%); open and replay %,.0f (%.0f%%)  (checksum %d)%n",
        payloadBytes, count, bytes / 1048576.0, best[0], best[1], 100 * best[1] / best[0], best[3],
        100 * best[3] / best[0], best[2], 100 * best[2] / best[0], sink);
  }
}
