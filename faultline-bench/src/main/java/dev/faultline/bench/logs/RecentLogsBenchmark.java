package dev.faultline.bench.logs;

import dev.faultline.diagnosis.incident.LogLine;
import dev.faultline.diagnosis.incident.RecentLogs;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What log capture adds to the logging path: {@link RecentLogs#add} of a line already built (as the Logback appender
 * and the java.util.logging handler call it), for a thread's ring alone and for a thread's and a trace's, the trace
 * changing every 16 lines (so rings are created and swept as in a busy service). Run with {@code -t 2} for two
 * logging threads.
 *
 * <pre>
 * ./mvnw -B -q -o -pl faultline-bench -am package -DskipTests
 * java -jar faultline-bench/target/benchmarks.jar RecentLogsBenchmark -t 1
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RecentLogsBenchmark {

  /** The store shared by the benchmark threads. */
  @State(Scope.Benchmark)
  public static class Store {
    RecentLogs logs;

    /** Default settings: 32 lines per thread and trace, 256 threads, 1024 traces. */
    @Setup
    public void setUp() {
      logs = RecentLogs.builder().build();
    }
  }

  /** One logging thread's line and trace ids. */
  @State(Scope.Thread)
  public static class Thread {
    final LogLine line = new LogLine(1_700_000_000_000L, "INFO", "com.acme.Orders", "worker-1",
        "reserved 3 items for order 42");
    final long id = java.lang.Thread.currentThread().getId();
    final String[] traces = new String[4096];
    int next;

    /** Trace ids made before measuring. */
    @Setup
    public void setUp() {
      for (int i = 0; i < traces.length; i++) {
        traces[i] = id + "-" + Integer.toHexString(i * 7919);
      }
    }
  }

  /** A line kept for its thread only. */
  @Benchmark
  public void threadOnly(Store store, Thread t) {
    store.logs.add(t.id, null, t.line);
  }

  /** A line kept for its thread and its trace. */
  @Benchmark
  public void threadAndTrace(Store store, Thread t) {
    int n = t.next++;
    store.logs.add(t.id, t.traces[(n >>> 4) & (t.traces.length - 1)], t.line);
  }
}
