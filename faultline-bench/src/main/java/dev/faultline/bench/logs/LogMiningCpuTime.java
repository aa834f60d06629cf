package dev.faultline.bench.logs;

import dev.faultline.diagnosis.logs.TemplateMiner;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Locale;

/**
 * Lines mined per second of this thread's CPU time, for machines too busy for {@link LogMiningBenchmark}'s wall-clock
 * figures to mean much (a shared CI runner, say): the same corpora and trained miners, timed by
 * {@link ThreadMXBean#getCurrentThreadCpuTime()}. Prints the best of ten rounds per mode and corpus.
 *
 * <pre>
 * java -cp faultline-bench/target/benchmarks.jar dev.faultline.bench.logs.LogMiningCpuTime
 * </pre>
 */
public final class LogMiningCpuTime {
  private LogMiningCpuTime() {}

  /** Runs the measurement; the arguments name the corpora (default: synthetic and loghub). */
  public static void main(String[] args) throws Exception {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    if (!threads.isCurrentThreadCpuTimeSupported()) {
      throw new IllegalStateException("this JVM cannot measure thread CPU time");
    }
    for (String corpus : args.length == 0 ? new String[] {"synthetic", "loghub"} : args) {
      String[] messages = LogCorpus.load(corpus).toArray(new String[0]);
      for (String mode : List.of("default", "drain")) {
        TemplateMiner miner = mode.equals("default") ? TemplateMiner.standard()
            : TemplateMiner.drain().maskingRegex("(\\d+\\.){3}\\d+(:\\d+)?").similarityThreshold(0.5).depth(4).build();
        long sink = 0;
        for (int warm = 0; warm < 20; warm++) {
          for (String m : messages) {
            sink += miner.add(m).templateId();
          }
        }
        double best = 0;
        for (int round = 0; round < 10; round++) {
          long start = threads.getCurrentThreadCpuTime();
          for (int r = 0; r < 5; r++) {
            for (String m : messages) {
              sink += miner.add(m).templateId();
            }
          }
          long nanos = threads.getCurrentThreadCpuTime() - start;
          best = Math.max(best, 5.0 * messages.length / nanos * 1e9);
        }
        System.out.printf(Locale.ROOT, "%-9s %-8s %,12.0f lines per CPU-second (checksum %d)%n", corpus, mode, best,
            sink);
      }
    }
  }
}
