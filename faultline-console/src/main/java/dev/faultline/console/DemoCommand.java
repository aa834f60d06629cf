package dev.faultline.console;

import dev.faultline.console.demo.DemoRun;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code faultline demo}: a flaky simulated downstream called through a full pipeline of policies, with a live view of
 * what each policy does.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Calls a simulated flaky downstream (latency spikes, error bursts, an outage and its recovery)"
        + " through a pipeline of policies and shows what they do, live.")
public final class DemoCommand implements Callable<Integer> {

  @Option(names = "--duration", converter = DurationConverter.class,
      description = "Stop by itself after this long (e.g. 20s, 2m); without it the demo runs until interrupted.")
  Duration duration;

  @Option(names = "--workers", defaultValue = "16", description = "Concurrent callers (default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(names = "--cycle", converter = DurationConverter.class, defaultValue = "20s",
      description = "Length of one cycle of the downstream's phases (default: ${DEFAULT-VALUE}).")
  Duration cycle;

  @Option(names = "--refresh", converter = DurationConverter.class, defaultValue = "500ms",
      description = "How often the view is redrawn (default: ${DEFAULT-VALUE}).")
  Duration refresh;

  @Option(names = "--plain", description = "Print one line per refresh instead of redrawing the screen.")
  boolean plain;

  @Option(names = "--seed", defaultValue = "42", description = "Seed of the simulated downstream.")
  long seed;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (workers < 1 || workers > 1024) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--workers must be between 1 and 1024, but was "
          + workers);
    }
    PrintWriter out = spec.commandLine().getOut();
    boolean redraw = !plain && System.console() != null;
    try (DemoRun run = new DemoRun(workers, cycle, seed)) {
      run.start();
      run.awaitAndRender(duration, refresh, out, redraw);
      out.println(run.summary());
      out.flush();
    }
    return 0;
  }
}
