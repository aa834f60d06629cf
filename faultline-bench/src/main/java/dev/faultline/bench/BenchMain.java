package dev.faultline.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Entry point of {@code faultline-bench/target/benchmarks.jar}.
 *
 * <ul>
 *   <li>{@code java -jar benchmarks.jar report [--full] [REGEX]} runs the side-by-side benchmarks (short by default:
 *       1 fork, 3 warm-up and 5 measured iterations of 1 s) with the GC profiler and prints, per case, ns/op and B/op
 *       of every library and the ratio of each peer's time to Faultline's (above 1: Faultline is faster).
 *   <li>anything else is passed to JMH's own command line.
 * </ul>
 *
 * <p>Benchmark methods are named {@code <case>_<library>}, for example {@code retry_faultline} and
 * {@code retry_resilience4j}; the report groups them by case.
 */
public final class BenchMain {
  private static final String OURS = "faultline";

  private BenchMain() {}

  /** Runs the report or JMH. */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("ingest")) {
      IngestLoad.main(Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    if (args.length > 0 && args[0].equals("report")) {
      report(Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    org.openjdk.jmh.Main.main(args);
  }

  private static void report(String[] args) throws Exception {
    boolean full = false;
    String include = "dev\\.faultline\\.bench\\.PolicyBench\\..*";
    for (String arg : args) {
      if (arg.equals("--full")) {
        full = true;
      } else {
        include = arg;
      }
    }
    ChainedOptionsBuilder options = new OptionsBuilder()
        .include(include)
        .addProfiler(GCProfiler.class)
        .forks(1)
        .warmupIterations(full ? 5 : 3)
        .warmupTime(TimeValue.seconds(1))
        .measurementIterations(full ? 10 : 5)
        .measurementTime(TimeValue.seconds(1))
        .shouldDoGC(true);
    Collection<RunResult> results = new Runner(options.build()).run();
    System.out.println(table(results));
  }

  /** Formats the results as a Markdown table with ratios to Faultline. */
  static String table(Collection<RunResult> results) {
    Map<String, Map<String, double[]>> byCase = new TreeMap<>();
    for (RunResult result : results) {
      String benchmark = result.getParams().getBenchmark();
      String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
      int split = method.lastIndexOf('_');
      String caseName = method.substring(0, split);
      String library = method.substring(split + 1);
      double ns = result.getPrimaryResult().getScore();
      double bytes = Double.NaN;
      for (Map.Entry<String, Result> secondary : result.getSecondaryResults().entrySet()) {
        if (secondary.getKey().endsWith("gc.alloc.rate.norm")) {
          bytes = secondary.getValue().getScore();
        }
      }
      byCase.computeIfAbsent(caseName, k -> new TreeMap<>()).put(library, new double[] {ns, bytes});
    }
    StringBuilder out = new StringBuilder();
    out.append("| case | library | ns/op | B/op | peer time / Faultline time |\n");
    out.append("|---|---|---:|---:|---:|\n");
    for (Map.Entry<String, Map<String, double[]>> entry : byCase.entrySet()) {
      double[] ours = entry.getValue().get(OURS);
      List<String> libraries = new ArrayList<>(entry.getValue().keySet());
      libraries.remove(OURS);
      if (ours != null) {
        libraries.add(0, OURS);
      }
      for (String library : libraries) {
        double[] value = entry.getValue().get(library);
        String ratio = library.equals(OURS) || ours == null ? "" : String.format(Locale.ROOT, "%.2fx", value[0] / ours[0]);
        out.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %.0f | %s |%n", entry.getKey(), library, value[0],
            value[1], ratio));
      }
    }
    return out.toString();
  }
}
