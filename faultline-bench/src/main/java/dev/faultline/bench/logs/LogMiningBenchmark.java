package dev.faultline.bench.logs;

import dev.faultline.diagnosis.logs.LogFormat;
import dev.faultline.diagnosis.logs.LogRecord;
import dev.faultline.diagnosis.logs.TemplateMiner;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Throughput of log template mining on one thread, in lines per second (each invocation mines {@value #BATCH} lines).
 *
 * <p>The miners are trained on the corpus once before measuring, so the figures are those of a long-running miner
 * that already knows the log's templates: every message is still masked, tokenised and matched. {@code drainMode}
 * uses generic Drain settings (IP masking, threshold 0.5, depth 4); {@code headerAndDefaultMode} also splits a
 * typical header off each raw line with a {@link LogFormat} first.
 *
 * <pre>
 * ./mvnw -B -q -o -pl faultline-bench -am package -DskipTests
 * java -jar faultline-bench/target/benchmarks.jar LogMiningBenchmark -t 1
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class LogMiningBenchmark {
  static final int BATCH = 1024;

  /** Which messages: {@code synthetic} or {@code loghub} (the Loghub-2k samples, if present). */
  @Param({"synthetic", "loghub"})
  public String corpus;

  private String[] messages;
  private String[] rawLines;
  private LogFormat format;
  private TemplateMiner standard;
  private TemplateMiner drain;
  private int next;

  /** Loads the corpus and trains the miners on it. */
  @Setup
  public void setUp() throws IOException {
    List<String> lines = LogCorpus.load(corpus);
    messages = lines.toArray(new String[0]);
    rawLines = new String[messages.length];
    for (int i = 0; i < messages.length; i++) {
      rawLines[i] = String.format("2024-03-01 10:%02d:%02d,%03d INFO [worker-%d] %s", (i / 60) % 60, i % 60, i % 1000,
          i % 8, messages[i]);
    }
    format = LogFormat.compile("<Date> <Time> <Level> \\[<Thread>\\] <Content>");
    standard = TemplateMiner.standard();
    drain = TemplateMiner.drain().maskingRegex("(\\d+\\.){3}\\d+(:\\d+)?").similarityThreshold(0.5).depth(4)
        .build();
    for (String m : messages) {
      standard.add(m);
      drain.add(m);
    }
  }

  private String nextMessage() {
    String m = messages[next];
    next = next + 1 == messages.length ? 0 : next + 1;
    return m;
  }

  /** Default mode: generic masking and token-class matching. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void defaultMode(Blackhole bh) {
    for (int i = 0; i < BATCH; i++) {
      bh.consume(standard.add(nextMessage()));
    }
  }

  /** Drain mode: masking regexes, prefix tree and similarity. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void drainMode(Blackhole bh) {
    for (int i = 0; i < BATCH; i++) {
      bh.consume(drain.add(nextMessage()));
    }
  }

  /** Default mode on raw lines: the header is split off by a log format first. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void headerAndDefaultMode(Blackhole bh) {
    for (int i = 0; i < BATCH; i++) {
      String line = rawLines[next];
      next = next + 1 == rawLines.length ? 0 : next + 1;
      LogRecord r = format.parse(line).orElseThrow();
      bh.consume(standard.add(r.content()));
    }
  }
}
