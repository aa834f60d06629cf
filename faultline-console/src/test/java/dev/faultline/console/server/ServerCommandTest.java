package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.console.FaultlineCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code faultline server}: its TLS and store options refuse bad combinations and bad files before serving. */
class ServerCommandTest {

  @TempDir
  Path dir;

  private record Run(int exit, String err) {}

  private static Run run(String... args) {
    StringWriter err = new StringWriter();
    CommandLine line = FaultlineCommand.newCommandLine();
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
}
