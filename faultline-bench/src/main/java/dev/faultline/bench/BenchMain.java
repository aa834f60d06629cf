package dev.faultline.bench;

/**
 * Entry point of {@code faultline-bench/target/benchmarks.jar}: runs JMH with the given arguments.
 */
public final class BenchMain {
  private BenchMain() {}

  /** Runs JMH. */
  public static void main(String[] args) throws Exception {
    org.openjdk.jmh.Main.main(args);
  }
}
