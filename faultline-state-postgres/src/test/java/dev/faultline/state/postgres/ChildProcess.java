package dev.faultline.state.postgres;

import static org.junit.jupiter.api.Assertions.fail;

import dev.faultline.core.Clock;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A child JVM running {@link PgWorkflowChild}, whose output lines a reader thread timestamps (with the system clock)
 * and queues as they come; the test waits for lines with bounded waits, kills it with SIGKILL, or stops and
 * continues it with SIGSTOP / SIGCONT.
 *
 * <p>Thread-safe: the queue and the list of lines are concurrent.
 */
final class ChildProcess implements AutoCloseable {
  /** One output line and when the test received it (system clock, nanoseconds). */
  record Line(String text, long nanos) {}

  private static final Line END = new Line("<end of output>", 0);
  private static final Clock CLOCK = Clock.system();

  private final Process process;
  private final Path err;
  private final LinkedBlockingQueue<Line> queue = new LinkedBlockingQueue<>();
  private final List<Line> lines = Collections.synchronizedList(new ArrayList<>());
  private volatile boolean ended;

  /** The lines read so far, a copy (the reader thread keeps adding to the list while the child runs). */
  List<Line> lines() {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  private ChildProcess(Process process, Path err) {
    this.process = process;
    this.err = err;
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          Line l = new Line(line, CLOCK.nanoTime());
          lines.add(l);
          queue.add(l);
        }
      } catch (IOException e) {
        // The child died; its output ends here.
      } finally {
        queue.add(END);
      }
    }, "child-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@link PgWorkflowChild} with {@code args}; its standard error goes to {@code err}. */
  static ChildProcess start(Path err, List<String> args) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx96m",
        "-Xshare:auto", "-cp", System.getProperty("java.class.path"), PgWorkflowChild.class.getName()));
    command.addAll(args);
    return new ChildProcess(new ProcessBuilder(command).redirectError(Redirect.to(err.toFile())).start(), err);
  }

  /** The system clock's now, on the scale of {@link Line#nanos()}. */
  static long now() {
    return CLOCK.nanoTime();
  }

  long pid() {
    return process.pid();
  }

  /**
   * The next line matching {@code wanted} (earlier ones are consumed), or null if the output ended first.
   *
   * @throws AssertionError naming the child's standard error if nothing matched within {@code seconds}
   */
  Line await(Predicate<String> wanted, long seconds) throws InterruptedException {
    long deadline = now() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      if (ended) {
        return null;
      }
      long left = deadline - now();
      Line line = left <= 0 ? null : queue.poll(left, TimeUnit.NANOSECONDS);
      if (line == null) {
        fail("no expected line from child " + pid() + " within " + seconds + " s; its stderr:\n" + stderr());
      }
      if (line == END) {
        ended = true;
        return null;
      }
      if (wanted.test(line.text())) {
        return line;
      }
    }
  }

  /** Kills the child with SIGKILL and waits for it to be gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      fail("child " + pid() + " survived SIGKILL");
    }
  }

  /** Sends {@code signal} ({@code STOP}, {@code CONT}) to the child with kill(1). */
  void signal(String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid())).inheritIO().start();
    if (!kill.waitFor(30, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      fail("kill -" + signal + " " + pid() + " failed");
    }
  }

  /** Closes the child's standard input (a standby then closes its executor and exits). */
  void closeInput() throws IOException {
    process.getOutputStream().close();
  }

  /** Waits for the child to exit by itself and returns its exit code. */
  int awaitExit(long seconds) throws InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      fail("child " + pid() + " did not exit within " + seconds + " s; its stderr:\n" + stderr());
    }
    return process.exitValue();
  }

  String stderr() {
    try {
      String text = Files.readString(err);
      return text.length() > 20_000 ? text.substring(text.length() - 20_000) : text;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Kills the child if it is still running (SIGKILL; no wait, the JVM reaps it). */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
