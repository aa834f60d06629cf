package dev.faultline.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code faultline demo} starts the console and the demo shop and stops by itself with exit code 0; {@code --no-web}
 * runs the terminal view of one pipeline instead.
 */
class DemoCommandTest {

  @Test
  void startsTheConsolePrintsTheOneTimeLoginAndStopsByItself() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine line = FaultlineCommand.newCommandLine();
    line.setOut(new PrintWriter(out));
    line.setErr(new PrintWriter(err));
    int code = line.execute("demo", "--duration", "3s", "--port", "0");
    String text = out.toString();
    assertEquals(0, code, text + err);
    assertTrue(text.matches("(?s).*the console is at http://127\\.0\\.0\\.1:[0-9]+ .*"), text);
    assertTrue(text.matches("(?s).*http://127\\.0\\.0\\.1:[0-9]+/#/setup/fsetup_[A-Za-z0-9_-]+\n.*"), text);
    assertTrue(text.contains("demo finished after"), text);
  }

  @Test
  void rejectsACycleTooShortForTheScript() {
    StringWriter err = new StringWriter();
    CommandLine line = FaultlineCommand.newCommandLine();
    line.setErr(new PrintWriter(err));
    assertEquals(2, line.execute("demo", "--cycle", "2s", "--duration", "1s", "--port", "0"));
    assertTrue(err.toString().contains("--cycle must be at least 15s, but was 2s"), err.toString());
  }

  @Test
  void terminalViewStopsByItselfAfterItsDurationWithExitCodeZero() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine line = FaultlineCommand.newCommandLine();
    line.setOut(new PrintWriter(out));
    line.setErr(new PrintWriter(err));
    int code = line.execute("demo", "--no-web", "--duration", "2s", "--cycle", "1s", "--refresh", "250ms", "--plain",
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
    assertEquals(2, line.execute("demo", "--no-web", "--workers", "0", "--duration", "1s"));
    assertTrue(err.toString().contains("--workers must be between 1 and 1024, but was 0"), err.toString());
  }

  @Test
  void rejectsDurationsThatAreNotPositiveOrTooLong() {
    String[][] cases = {
        {"--duration", "PT-1S", "--duration must be a positive duration, but was PT-1S"},
        {"--duration", "0s", "--duration must be a positive duration, but was 0s"},
        {"--duration", "200000d", "--duration must be at most 100000d, but was 200000d"},
        {"--refresh", "0s", "--refresh must be a positive duration, but was 0s"},
        {"--refresh", "PT-0.5S", "--refresh must be a positive duration, but was PT-0.5S"},
        {"--cycle", "0s", "--cycle must be a positive duration, but was 0s"}};
    for (String[] c : cases) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      CommandLine line = FaultlineCommand.newCommandLine();
      line.setOut(new PrintWriter(out));
      line.setErr(new PrintWriter(err));
      List<String> args = new ArrayList<>(List.of("demo", "--no-web", "--plain", "--workers", "2"));
      if (!c[0].equals("--duration")) {
        args.addAll(List.of("--duration", "1s"));
      }
      args.addAll(List.of(c[0], c[1]));
      assertEquals(2, line.execute(args.toArray(String[]::new)), c[1] + ": " + out + err);
      assertTrue(err.toString().contains(c[2]), err.toString());
    }
  }
}
