package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.console.FaultlineCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code faultline server}: its TLS and store options refuse bad combinations and bad files before serving; its limit
 * options reach the server's builder, and bad limits are refused naming the option.
 */
class ServerCommandTest {

  @TempDir
  Path dir;

  private record Run(int exit, String err) {}

  private static Run run(String... args) {
    StringWriter err = new StringWriter();
    CommandLine line = FaultlineCommand.newCommandLine();
    // A server that starts after all (a check that let a bad value through) is closed at once: the run fails, not hangs.
    ServerCommand server = line.getSubcommands().get("server").getCommand();
    server.lifetime = ConsoleServer::close;
    line.setErr(new PrintWriter(err));
    line.setOut(new PrintWriter(new StringWriter()));
    return new Run(line.execute(args), err.toString());
  }

  @Test
  void tlsOptionsGoTogetherAndBadFilesAreNamed() throws Exception {
    Path cert = Files.writeString(dir.resolve("cert.pem"), "not a certificate\n");
    Path key = Files.writeString(dir.resolve("key.pem"), "not a key\n");
    String data = dir.resolve("data").toString();

    Run alone = run("server", "--data", data, "--tls-cert", cert.toString());
    assertEquals(2, alone.exit());
    assertTrue(alone.err().contains("--tls-cert and --tls-key go together"), alone.err());

    Run both = run("server", "--data", data, "--tls-cert", cert.toString(), "--tls-key", key.toString(),
        "--keystore", key.toString());
    assertEquals(2, both.exit());
    assertTrue(both.err().contains("not both"), both.err());

    Run badCert = run("server", "--data", data, "--tls-cert", cert.toString(), "--tls-key", key.toString());
    assertEquals(2, badCert.exit());
    assertTrue(badCert.err().contains("tlsCert must hold at least one '-----BEGIN CERTIFICATE-----' block"),
        badCert.err());

    Run orphan = run("server", "--data", data, "--keystore-password-file", key.toString());
    assertEquals(2, orphan.exit());
    assertTrue(orphan.err().contains("--keystore-password-file needs --keystore"), orphan.err());

    Run badStore = run("server", "--data", data, "--keystore", key.toString(), "--keystore-password-file",
        key.toString());
    assertEquals(2, badStore.exit());
    assertTrue(badStore.err().contains("keystore must be a readable PKCS#12 or JKS key store"), badStore.err());
    assertTrue(!Files.exists(dir.resolve("data")), "nothing is created before the options are valid");
  }

  @Test
  void storeOptionsNeedValidNames() {
    Run bad = run("server", "--data", dir.resolve("data").toString(), "--workflows", "bad name=" + dir);
    assertEquals(2, bad.exit());
    assertTrue(bad.err().contains("workflows must be named by 1 to 64 letters"), bad.err());
  }

  /** The builder {@code faultline server args} would start, without starting it. */
  private static ConsoleServer.Builder configured(String... args) throws Exception {
    CommandLine line = FaultlineCommand.newCommandLine();
    line.parseArgs(args);
    ServerCommand command = line.getSubcommands().get("server").getCommand();
    return command.configure();
  }

  @Test
  void limitOptionsReachTheServer() throws Exception {
    String data = dir.resolve("data").toString();
    ConsoleServer.Builder set = configured("server", "--data", data, "--idempotency-window", "2h",
        "--max-idempotency-keys", "500", "--max-concurrent-analyses", "3", "--analysis-timeout", "90s",
        "--max-reliability-events", "1234", "--max-instances-per-service", "7", "--max-components-per-service", "8");
    assertEquals(Duration.ofHours(2), set.idempotencyWindow());
    assertEquals(500, set.maxIdempotencyKeys());
    assertEquals(3, set.maxConcurrentAnalyses());
    assertEquals(Duration.ofSeconds(90), set.analysisTimeout());
    assertEquals(1234, set.maxReliabilityEvents());
    assertEquals(7, set.maxInstancesPerService());
    assertEquals(8, set.maxComponentsPerService());

    ConsoleServer.Builder defaults = configured("server", "--data", data);
    ConsoleServer.Builder builder = ConsoleServer.builder(dir);
    assertEquals(builder.idempotencyWindow(), defaults.idempotencyWindow());
    assertEquals(Duration.ofHours(24), defaults.idempotencyWindow());
    assertEquals(builder.maxIdempotencyKeys(), defaults.maxIdempotencyKeys());
    assertEquals(builder.maxConcurrentAnalyses(), defaults.maxConcurrentAnalyses());
    assertEquals(builder.analysisTimeout(), defaults.analysisTimeout());
    assertEquals(builder.maxReliabilityEvents(), defaults.maxReliabilityEvents());
    assertEquals(builder.maxInstancesPerService(), defaults.maxInstancesPerService());
    assertEquals(builder.maxComponentsPerService(), defaults.maxComponentsPerService());
    assertTrue(!Files.exists(dir.resolve("data")), "configuring creates nothing");
  }

  @Test
  void badLimitsAreRefusedNamingTheOption() {
    String data = dir.resolve("data").toString();
    assertRefused("must be from 1 minute to 30 days, but was 30s", "--idempotency-window", "30s");
    assertRefused("must be from 1 minute to 30 days, but was 31d", "--idempotency-window", "31d");
    assertRefused("'soon' is not a duration", "--idempotency-window", "soon");
    assertRefused("must be at least 1, but was 0", "--max-idempotency-keys", "0");
    assertRefused("'many' is not an int", "--max-idempotency-keys", "many");
    assertRefused("must be from 1 to 64, but was 65", "--max-concurrent-analyses", "65");
    assertRefused("must be from 1 to 64, but was 0", "--max-concurrent-analyses", "0");
    assertRefused("must be from 1 ms to 24 hours, but was 0ms", "--analysis-timeout", "0ms");
    assertRefused("must be from 1 ms to 24 hours, but was 2d", "--analysis-timeout", "2d");
    assertRefused("'1 hour' is not a duration", "--analysis-timeout", "1 hour");
    assertRefused("must be at least 1, but was -3", "--max-reliability-events", "-3");
    assertRefused("must be at least 1, but was 0", "--max-instances-per-service", "0");
    assertRefused("must be at least 1, but was 0", "--max-components-per-service", "0");
    assertTrue(!Files.exists(dir.resolve("data")), "nothing is created before the options are valid: " + data);
  }

  /**
   * {@code --max-idempotency-keys} bounds the keys the embedded store holds in memory; PostgreSQL holds every key for
   * the window, so with {@code --db} the value was accepted and silently did nothing. It is refused instead, before
   * the database is opened.
   */
  @Test
  void maxIdempotencyKeysIsRefusedWithADatabaseWhereItWouldDoNothing() {
    String db = "jdbc:postgresql://127.0.0.1:1/faultline";
    CommandLine.ParameterException e = org.junit.jupiter.api.Assertions.assertThrows(
        CommandLine.ParameterException.class, () -> configured("server", "--db", db, "--max-idempotency-keys", "5"));
    assertTrue(e.getMessage().contains("--max-idempotency-keys") && e.getMessage().contains("--db"), e.getMessage());
    Run run = run("server", "--port", "0", "--db", db, "--max-idempotency-keys", "5");
    assertEquals(2, run.exit(), run.err());
    assertTrue(run.err().contains("--max-idempotency-keys cannot be combined with --db"), run.err());
  }

  private void assertRefused(String expected, String option, String value) {
    Run run = run("server", "--data", dir.resolve("data").toString(), "--port", "0", option, value);
    assertEquals(2, run.exit(), run.err());
    assertTrue(run.err().contains(option), option + " is named: " + run.err());
    assertTrue(run.err().contains(expected), run.err());
  }
}
