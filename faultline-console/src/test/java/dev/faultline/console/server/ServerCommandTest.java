package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.console.FaultlineCommand;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
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
    assertTrue(badCert.err().startsWith("--tls-cert must hold at least one '-----BEGIN CERTIFICATE-----' block, but"
        + " was " + cert), badCert.err());

    Run orphan = run("server", "--data", data, "--keystore-password-file", key.toString());
    assertEquals(2, orphan.exit());
    assertTrue(orphan.err().contains("--keystore-password-file needs --keystore"), orphan.err());

    Run badStore = run("server", "--data", data, "--keystore", key.toString(), "--keystore-password-file",
        key.toString());
    assertEquals(2, badStore.exit());
    assertTrue(badStore.err().startsWith("--keystore must be a readable PKCS#12 or JKS key store"), badStore.err());
    assertTrue(badStore.err().contains("but was " + key), badStore.err());
    assertTrue(!Files.exists(dir.resolve("data")), "nothing is created before the options are valid");
  }

  /** A self-signed EC certificate (CN=server-command-test) whose key this test does not need: it is never served. */
  private static final String CERTIFICATE = String.join("\n", "-----BEGIN CERTIFICATE-----",
      "MIIBlDCCATmgAwIBAgIUB6B6TO/CWZAuRfl8ynb5ybl+9E8wCgYIKoZIzj0EAwIw",
      "HjEcMBoGA1UEAwwTc2VydmVyLWNvbW1hbmQtdGVzdDAgFw0yNjExMjgwNDUxMTJa",
      "GA8yMTI2MTEwNDA0NTExMlowHjEcMBoGA1UEAwwTc2VydmVyLWNvbW1hbmQtdGVz",
      "dDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABBaErIO0hUpwhvyNeOccLa3tlvkq",
      "L0HWo9tvyxZFd1QnyPnSNli1mxFwBmJeslj6lfYth4Q383h70M+bLZSV+PCjUzBR",
      "MB0GA1UdDgQWBBTjDdUvSk5cbuIGpbx5f/ui3FfY+DAfBgNVHSMEGDAWgBTjDdUv",
      "Sk5cbuIGpbx5f/ui3FfY+DAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0kA",
      "MEYCIQDyvwYk/orv3f1bY3nTgnFv/3bSWkymmlO/uIP3ZtuDSgIhAMGkSzCfLZWU",
      "GxX2yy8Qi1IvxZ9WBfSXmi6Oip7MOXNO", "-----END CERTIFICATE-----", "");

  /**
   * Bad TLS material is named by the option that gave it, never by the field of {@code Tls} or the builder
   * ({@code tlsCert}, {@code tlsKey}, {@code keystore}, {@code tls}).
   */
  @Test
  void badTlsMaterialIsNamedByItsOption() throws Exception {
    String data = dir.resolve("data").toString();
    Path cert = Files.writeString(dir.resolve("cert.pem"), CERTIFICATE);
    Path notAKey = Files.writeString(dir.resolve("not-a-key.pem"), "not a key\n");
    Run badKey = run("server", "--data", data, "--tls-cert", cert.toString(), "--tls-key", notAKey.toString());
    assertEquals(2, badKey.exit(), badKey.err());
    assertTrue(badKey.err().startsWith("--tls-key must hold a PEM private key ('-----BEGIN PRIVATE KEY-----'), but"
        + " was " + notAKey), badKey.err());

    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(256);
    Path otherKey = Files.writeString(dir.resolve("other-key.pem"), "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder().encodeToString(generator.generateKeyPair().getPrivate().getEncoded())
        + "\n-----END PRIVATE KEY-----\n");
    Run mismatch = run("server", "--data", data, "--tls-cert", cert.toString(), "--tls-key", otherKey.toString());
    assertEquals(2, mismatch.exit(), mismatch.err());
    assertTrue(mismatch.err().startsWith("--tls-key must hold the private key that belongs to the certificate"
        + " CN=server-command-test (the first of the chain), but was " + otherKey), mismatch.err());

    Path missing = dir.resolve("missing.pem");
    Run unreadable = run("server", "--data", data, "--tls-cert", missing.toString(), "--tls-key", otherKey.toString());
    assertEquals(2, unreadable.exit(), unreadable.err());
    assertTrue(unreadable.err().startsWith("--tls-cert must be a readable PEM file"), unreadable.err());

    // A key store that opens with its password but holds a certificate and no private key.
    char[] password = "store-password".toCharArray();
    KeyStore noKey = KeyStore.getInstance("PKCS12");
    noKey.load(null, null);
    noKey.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(
        new ByteArrayInputStream(CERTIFICATE.getBytes(StandardCharsets.US_ASCII))));
    Path store = dir.resolve("no-key.p12");
    try (OutputStream out = Files.newOutputStream(store)) {
      noKey.store(out, password);
    }
    Path passwordFile = Files.writeString(dir.resolve("password"), new String(password) + "\n");
    Run keyless = run("server", "--data", data, "--keystore", store.toString(), "--keystore-password-file",
        passwordFile.toString());
    assertEquals(2, keyless.exit(), keyless.err());
    assertTrue(keyless.err().startsWith("--keystore must hold exactly one private key with its certificate chain,"
        + " but was 0 keys"), keyless.err());

    for (Run run : List.of(badKey, mismatch, unreadable, keyless)) {
      assertFalse(run.err().contains("tlsCert") || run.err().contains("tlsKey") || run.err().contains("tls must")
          || run.err().startsWith("keystore"), run.err());
    }
    assertTrue(!Files.exists(dir.resolve("data")), "nothing is created before the options are valid");
  }

  /** A password file that cannot be read is a usage error naming its option (it was exit 1 with the path alone). */
  @Test
  void anUnreadablePasswordFileIsNamedByItsOption() throws Exception {
    String data = dir.resolve("data").toString();
    Path missing = dir.resolve("no-such-password");
    Path store = Files.writeString(dir.resolve("store.p12"), "not read before its password\n");
    Run keystore = run("server", "--data", data, "--keystore", store.toString(), "--keystore-password-file",
        missing.toString());
    assertEquals(2, keystore.exit(), keystore.err());
    assertTrue(keystore.err().startsWith("--keystore-password-file " + missing + " cannot be read: "
        + "java.nio.file.NoSuchFileException"), keystore.err());
    Run db = run("server", "--db", "jdbc:postgresql://127.0.0.1:1/faultline", "--db-password-file",
        missing.toString());
    assertEquals(2, db.exit(), db.err());
    assertTrue(db.err().startsWith("--db-password-file " + missing + " cannot be read: "), db.err());
    assertTrue(!Files.exists(dir.resolve("data")), "nothing is created before the options are valid");
  }

  @Test
  void storeOptionsNeedValidNames() {
    Run bad = run("server", "--data", dir.resolve("data").toString(), "--port", "0", "--workflows",
        "ok=" + dir, "--workflows", "bad name=" + dir);
    assertEquals(2, bad.exit(), bad.err());
    assertTrue(bad.err().startsWith("--workflows must be named by 1 to 64 letters, digits or _.-, but was bad name"),
        bad.err());
    Run badState = run("server", "--data", dir.resolve("data").toString(), "--port", "0", "--state",
        "bad/name=" + dir);
    assertEquals(2, badState.exit(), badState.err());
    assertTrue(badState.err().startsWith("--state must be named by 1 to 64 letters, digits or _.-, but was bad/name"),
        badState.err());
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
