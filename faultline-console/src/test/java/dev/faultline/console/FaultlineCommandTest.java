package dev.faultline.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class FaultlineCommandTest {

  @Test
  void helpListsSubcommands() {
    StringWriter out = new StringWriter();
    CommandLine line = FaultlineCommand.newCommandLine();
    line.setOut(new PrintWriter(out));
    assertEquals(0, line.execute("--help"));
    assertTrue(out.toString().contains("Commands:"), out.toString());
    assertTrue(out.toString().contains("server"), out.toString());
  }

  @Test
  void serverRefusesAPortOutOfRange() {
    StringWriter err = new StringWriter();
    CommandLine line = FaultlineCommand.newCommandLine();
    line.setErr(new PrintWriter(err));
    assertEquals(2, line.execute("server", "--port", "70000"));
    assertTrue(err.toString().contains("--port must be from 0 to 65535, but was 70000"), err.toString());
  }

  @Test
  void versionNamesTheProgram() {
    StringWriter out = new StringWriter();
    CommandLine line = FaultlineCommand.newCommandLine();
    line.setOut(new PrintWriter(out));
    assertEquals(0, line.execute("--version"));
    assertTrue(out.toString().startsWith("faultline "), out.toString());
  }

  @Test
  void unknownOptionIsAUsageError() {
    CommandLine line = FaultlineCommand.newCommandLine();
    line.setErr(new PrintWriter(new StringWriter()));
    assertEquals(2, line.execute("--no-such-option"));
  }
}
