package dev.faultline.console;

import dev.faultline.console.demo.DemoRun;
import dev.faultline.console.demo.WebDemo;
import dev.faultline.core.Clock;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code faultline demo}: the console server with a demo shop whose services fail on purpose and recover, reporting
 * to it as real services would; the dashboard shows it live. {@code --no-web} runs the older terminal view of one
 * payment pipeline instead. Not thread-safe: picocli fills its fields, then calls it once.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Runs the Faultline console with a demo shop whose services fail on purpose and recover: a flaky"
        + " payment downstream behind retry, breaker and hedge; a worker that crashes and is restarted; durable order"
        + " workflows killed half-way and resumed; inventory rolled back to a checkpoint; a ledger replica failover;"
        + " incidents with their logs; the shop's fault tree, evaluated live. Open the printed address to watch.")
public final class DemoCommand implements Callable<Integer> {

  @Option(names = "--duration", converter = DurationConverter.class,
      description = "Stop by itself after this long (e.g. 20s, 2m); without it the demo runs until interrupted.")
  Duration duration;

  @Option(names = "--port", defaultValue = "7070",
      description = "Port of the console (default: ${DEFAULT-VALUE}, or any free port if it is taken; 0: any).")
  int port;

  @Option(names = "--data", description = "Directory of the console's and the shop's data (default: a new temporary"
      + " directory, deleted at the end).")
  Path data;

  @Option(names = "--cycle", converter = DurationConverter.class, defaultValue = "20s",
      description = "Length of one cycle of the scripted faults, at least 15s (default: ${DEFAULT-VALUE}); with"
          + " --no-web, of the downstream's phases.")
  Duration cycle;

  @Option(names = "--seed", defaultValue = "42", description = "Seed of the simulated downstream.")
  long seed;

  @Option(names = "--no-web", description = "No console: show one payment pipeline in the terminal instead.")
  boolean noWeb;

  @Option(names = "--workers", defaultValue = "16",
      description = "With --no-web: concurrent callers (default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(names = "--refresh", converter = DurationConverter.class, defaultValue = "500ms",
      description = "With --no-web: how often the view is redrawn (default: ${DEFAULT-VALUE}).")
  Duration refresh;

  @Option(names = "--plain", description = "With --no-web: one line per refresh instead of redrawing the screen.")
  boolean plain;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /**
   * The library's own loggers ({@code dev.faultline}: recovery plans, rollbacks), held so the level set on them stays:
   * the demo prints its own story, so their routine lines are kept off the terminal.
   */
  private static final java.util.logging.Logger LIBRARY_LOG = java.util.logging.Logger.getLogger("dev.faultline");

  /** Counted down on Ctrl-C or SIGTERM: the demo stops early. */
  private final CountDownLatch shutdown = new CountDownLatch(1);
  /** Counted down once the demo has stopped and cleaned up, so that a shutdown waits for it. */
  private final CountDownLatch finished = new CountDownLatch(1);

  @Override
  public Integer call() throws Exception {
    requirePositive("--duration", duration);
    requirePositive("--refresh", refresh);
    requirePositive("--cycle", cycle);
    if (duration != null && duration.compareTo(MAX_DURATION) > 0) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--duration must be at most 100000d, but was "
          + typed("--duration", duration));
    }
    if (noWeb) {
      return terminal();
    }
    if (port < 0 || port > 65_535) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--port must be from 0 to 65535, but was " + port);
    }
    if (cycle.compareTo(Duration.ofSeconds(15)) < 0) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--cycle must be at least 15s, but was "
          + typed("--cycle", cycle));
    }
    PrintWriter out = spec.commandLine().getOut();
    java.util.logging.Level libraryLevel = LIBRARY_LOG.getLevel();
    LIBRARY_LOG.setLevel(java.util.logging.Level.WARNING);
    boolean temporary = data == null;
    Path dir = temporary ? Files.createTempDirectory("faultline-demo-") : data;
    Clock clock = Clock.system();
    long start = clock.nanoTime();
    // On Ctrl-C or SIGTERM: end the wait below, then let the JVM exit only once the demo stopped and cleaned up.
    Thread hook = new Thread(() -> {
      shutdown.countDown();
      try {
        finished.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "faultline-demo-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try (WebDemo demo = startDemo(dir, clock, out)) {
      out.println("Faultline demo: the console is at " + demo.baseUri() + "  (data in " + dir.toAbsolutePath() + ")");
      if (demo.setupToken().isPresent()) {
        out.println("One-time login: open");
        out.println("  " + demo.loginUri());
        out.println("and choose the admin's password (at least 12 characters). Or log in at " + demo.baseUri()
            + " with the setup token");
        out.println("  " + demo.setupToken().get());
      } else {
        out.println("Log in at " + demo.baseUri() + " with your users of this data directory.");
      }
      out.println(duration == null ? "Runs until interrupted (Ctrl-C)." : "Stops by itself after "
          + duration.toString().substring(2).toLowerCase(Locale.ROOT) + ".");
      out.flush();
      waitAndReport(demo, clock, start, out);
      out.println(String.format(Locale.ROOT, "demo finished after %.1fs: %s", (clock.nanoTime() - start) / 1e9,
          demo.system().summary()));
      out.flush();
    } finally {
      try {
        if (temporary) {
          deleteTree(dir);
        }
      } finally {
        LIBRARY_LOG.setLevel(libraryLevel);
        finished.countDown();
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // the JVM is shutting down: the hook is running and now returns
        }
      }
    }
    return 0;
  }

  /** The longest {@code --duration}: its nanoseconds, added to the clock's, must not overflow. */
  private static final Duration MAX_DURATION = Duration.ofDays(100_000);

  private void requirePositive(String option, Duration value) {
    if (value != null && (value.isZero() || value.isNegative())) {
      throw new CommandLine.ParameterException(spec.commandLine(), option + " must be a positive duration, but was "
          + typed(option, value));
    }
  }

  /** The value of {@code option} as it was typed ({@code 0s}, not {@code PT0S}), or {@code value} if not typed. */
  private String typed(String option, Duration value) {
    String typed = OptionErrors.typed(spec, option);
    return typed != null ? typed : String.valueOf(value);
  }

  private WebDemo startDemo(Path dir, Clock clock, PrintWriter out) throws IOException {
    boolean defaultPort = !spec.commandLine().getParseResult().hasMatchedOption("--port");
    if (defaultPort && !isFree(port)) {
      out.println("Port " + port + " is taken (another console?); the demo uses a free port instead.");
      return WebDemo.start(dir, 0, cycle, seed, clock);
    }
    try {
      return WebDemo.start(dir, port, cycle, seed, clock);
    } catch (IOException | RuntimeException e) {
      if (defaultPort && isBindFailure(e)) {
        // Taken between the check and the start: any free port will do for a demo.
        return WebDemo.start(dir, 0, cycle, seed, clock);
      }
      throw e;
    }
  }

  /** Whether the port can be listened on at the loopback address now. */
  private static boolean isFree(int port) {
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean isBindFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException) {
        return true;
      }
    }
    return false;
  }

  /** Waits for the duration (or a shutdown), printing one status line every 5 seconds. */
  private void waitAndReport(WebDemo demo, Clock clock, long start, PrintWriter out) throws InterruptedException {
    long end = duration == null ? Long.MAX_VALUE : start + duration.toNanos();
    long nextReport = start + TimeUnit.SECONDS.toNanos(5);
    while (clock.nanoTime() < end) {
      long wait = Math.min(end, nextReport) - clock.nanoTime();
      if (wait > 0 && shutdown.await(wait, TimeUnit.NANOSECONDS)) {
        return;
      }
      if (clock.nanoTime() >= nextReport && clock.nanoTime() < end) {
        out.println(String.format(Locale.ROOT, "%6.1fs  %s", (clock.nanoTime() - start) / 1e9,
            demo.system().summary()));
        out.flush();
        nextReport += TimeUnit.SECONDS.toNanos(5);
      }
    }
  }

  private int terminal() throws Exception {
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

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
