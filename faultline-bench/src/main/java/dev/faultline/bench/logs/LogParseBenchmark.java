package dev.faultline.bench.logs;

import dev.faultline.diagnosis.logs.LogFormat;
import dev.faultline.diagnosis.logs.LogRecord;
import dev.faultline.diagnosis.logs.TemplateMiner;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Throughput of the whole parse a user sees, on one thread, in raw lines per second over every Loghub-2k system
 * present: each raw line is split by its system's log format, then its content is masked and mined, as
 * {@code faultline logs parse} does (without the file reading and CSV writing). {@code drainMode} uses each system's
 * reference Drain settings (masking regexes, threshold, depth, max children); {@code defaultMode} only the log format.
 *
 * <p>The lines of the systems are taken in turn (2000 of one system, then the next), so the figure is total lines
 * over total time: each system weighs by the time its 2000 lines take. The miners are trained on every line once
 * before measuring, as a long-running parser would be. Each invocation parses {@value #BATCH} lines.
 *
 * <pre>
 * ./mvnw -B -q -o package -DskipTests -pl faultline-bench -am
 * java -Dfaultline.shared.data=../shared/data -jar faultline-bench/target/benchmarks.jar LogParseBenchmark -t 1
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class LogParseBenchmark {
  static final int BATCH = 1024;

  private String[] lines;
  private LogFormat[] formats;
  private TemplateMiner[] drain;
  private TemplateMiner[] standard;
  private int next;

  /** Loads every Loghub-2k system present and trains one miner of each mode per system. */
  @Setup
  public void setUp() throws IOException {
    List<LogCorpus.LoghubSystem> systems = LogCorpus.loghubSystems();
    List<String> all = new ArrayList<>();
    List<LogFormat> byLine = new ArrayList<>();
    List<TemplateMiner> drainByLine = new ArrayList<>();
    List<TemplateMiner> standardByLine = new ArrayList<>();
    for (LogCorpus.LoghubSystem s : systems) {
      LogFormat format = LogFormat.compile(s.logFormat());
      TemplateMiner d = TemplateMiner.drain().maskingRegexes(s.regexes()).similarityThreshold(s.similarityThreshold())
          .depth(s.depth()).maxChildren(s.maxChildren()).build();
      TemplateMiner m = TemplateMiner.standard();
      for (String line : s.rawLines()) {
        all.add(line);
        byLine.add(format);
        drainByLine.add(d);
        standardByLine.add(m);
        format.parse(line).ifPresent(r -> {
          d.add(r.content());
          m.add(r.content());
        });
      }
    }
    lines = all.toArray(new String[0]);
    formats = byLine.toArray(new LogFormat[0]);
    drain = drainByLine.toArray(new TemplateMiner[0]);
    standard = standardByLine.toArray(new TemplateMiner[0]);
  }

  /** Header split, then default mode. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void defaultMode(Blackhole bh) {
    parse(standard, bh);
  }

  /** Header split, then drain mode with the system's reference settings. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void drainMode(Blackhole bh) {
    parse(drain, bh);
  }

  private void parse(TemplateMiner[] miners, Blackhole bh) {
    int i = next;
    for (int n = 0; n < BATCH; n++) {
      LogRecord r = formats[i].parse(lines[i]).orElse(null);
      if (r != null) {
        bh.consume(miners[i].add(r.content()));
      }
      i = i + 1 == lines.length ? 0 : i + 1;
    }
    next = i;
  }
}
