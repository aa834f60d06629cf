package dev.faultline.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The demo runs the whole pipeline against the simulated downstream and stops by itself with exit code 0. */
class DemoCommandTest {

  @Test
  void stopsByItselfAfterItsDurationWithExitCodeZero() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine line = FaultlineCommand.newCommandLine();
    line.setOut(new PrintWriter(out));
    line.setErr(new PrintWriter(err));
    int code = line.execute("demo", "--duration", "2s", "--cycle", "1s", "--refresh", "250ms", "--plain",
        "--workers", "4");
    String text = out.toString();
    assertEquals(0, code, text + err);
    assertTrue(text.contains("faultline demo"), text);
    assertTrue(text.contains("breaker"), text);
    assertTrue(text.contains("demo finished after"), text);
  }

  @Test
  void rejectsAWorkerCountOutOfRange() {
    StringWriter err = new StringWriter();
    CommandLine line = FaultlineCommand.newCommandLine();
    line.setErr(new PrintWriter(err));
    assertEquals(2, line.execute("demo", "--workers", "0", "--duration", "1s"));
    assertTrue(err.toString().contains("--workers must be between 1 and 1024, but was 0"), err.toString());
  }
}
