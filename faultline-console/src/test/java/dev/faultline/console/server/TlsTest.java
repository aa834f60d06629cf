package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS from a key store and from PEM files, with HSTS and a Secure session cookie; bad TLS material is refused at
 * start, naming what is wrong.
 *
 * <p>The self-signed certificates are made by the JDK's own {@code keytool} (run as a process), so the test needs no
 * cryptography library: the JDK has no public API to issue a certificate, and BouncyCastle would be a dependency for
 * one test. The PEM files are written from the key store with the JDK's {@link KeyStore} API.
 */
class TlsTest {
  private static final char[] PASSWORD = "store-password".toCharArray();

  @TempDir
  static Path certificates;

  @TempDir
  Path dir;

  private static Path keyStore;

  /** Made once for the class: keytool starts a JVM, which is slow on a busy machine. */
  @BeforeAll
  static void makeCertificate() throws Exception {
    keyStore = keytool("server", "CN=127.0.0.1");
  }

  /** A PKCS#12 key store with a new RSA key and a self-signed certificate for 127.0.0.1 and localhost. */
  private static Path keytool(String name, String dname) throws IOException, InterruptedException {
    Path dir = certificates;
    Path file = dir.resolve(name + ".p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", name, "-keyalg", "RSA",
        "-keysize", "2048", "-validity", "2", "-dname", dname, "-ext", "san=ip:127.0.0.1,dns:localhost",
        "-storetype", "PKCS12", "-keystore", file.toString(), "-storepass", new String(PASSWORD), "-keypass",
        new String(PASSWORD)).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "keytool did not finish");
    assertEquals(0, process.exitValue(), output);
    return file;
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(der) + "\n-----END " + type + "-----\n";
  }

  /** Writes the key store's certificate and key as PEM files; returns {cert, key}. */
  private Path[] pemFiles(Path store, String alias) throws Exception {
    KeyStore ks = KeyStore.getInstance(store.toFile(), PASSWORD);
    Path cert = dir.resolve(alias + "-cert.pem");
    Path key = dir.resolve(alias + "-key.pem");
    Files.writeString(cert, pem("CERTIFICATE", ks.getCertificate(alias).getEncoded()));
    Files.writeString(key, pem("PRIVATE KEY", ks.getKey(alias, PASSWORD).getEncoded()));
    return new Path[] {cert, key};
  }

  /** A client that trusts the server's self-signed certificate, and only it. */
  private HttpClient trusting(Path store) throws Exception {
    KeyStore ks = KeyStore.getInstance(store.toFile(), PASSWORD);
    Certificate certificate = ks.getCertificate(ks.aliases().nextElement());
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("server", certificate);
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(context).build();
  }

  private void assertServesHttpsWithHsts(ServerFixture f) {
    assertEquals("https", f.server.baseUri().getScheme());
    ServerFixture.Reply health = f.get("/health", null);
    assertEquals(200, health.status(), health.body());
    assertEquals("max-age=31536000", health.headers().firstValue("Strict-Transport-Security").orElse(null));
    ServerFixture.Reply refused = f.get("/api/v1/services", null);
    assertEquals(401, refused.status());
    assertEquals("max-age=31536000", refused.headers().firstValue("Strict-Transport-Security").orElse(null),
        "errors carry HSTS too");
    f.setUpAndLogInAdmin();
    String cookie = f.post("/api/v1/login", null, "{\"user\":\"admin\",\"password\":\""
        + ServerFixture.ADMIN_PASSWORD + "\"}").headers().firstValue("Set-Cookie").orElseThrow();
    assertTrue(cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        cookie);
  }

  @Test
  void servesHttpsFromAKeyStore() throws Exception {
    Tls.Identity identity = Tls.fromKeyStore(keyStore, PASSWORD);
    try (ServerFixture f = new ServerFixture(dir.resolve("data"), b -> b.tls(identity), trusting(keyStore))) {
      assertServesHttpsWithHsts(f);
    }
  }

  @Test
  void servesHttpsFromPemFilesAndNotPlainHttp() throws Exception {
    Path[] pem = pemFiles(keyStore, "server");
    Tls.Identity identity = Tls.fromPem(pem[0], pem[1]);
    try (ServerFixture f = new ServerFixture(dir.resolve("data"), b -> b.tls(identity), trusting(keyStore))) {
      assertServesHttpsWithHsts(f);
      URI plain = URI.create("http://127.0.0.1:" + f.server.port() + "/health");
      assertThrows(IOException.class, () -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(plain).build(),
          HttpResponse.BodyHandlers.ofString()), "the TLS port does not speak plain HTTP");
      HttpClient stranger = HttpClient.newHttpClient();
      assertThrows(SSLHandshakeException.class, () -> stranger.send(HttpRequest.newBuilder(
          URI.create(f.server.baseUri() + "/health")).build(), HttpResponse.BodyHandlers.ofString()),
          "a client that does not trust the certificate cannot connect");
    }
  }

  @Test
  void badTlsMaterialIsRefusedNamingWhatIsWrong() throws Exception {
    Path[] pem = pemFiles(keyStore, "server");
    Path other = keytool("other", "CN=other");
    Path[] otherPem = pemFiles(other, "other");
    ConfigurationException mismatch = assertThrows(ConfigurationException.class,
        () -> Tls.fromPem(pem[0], otherPem[1]));
    assertEquals("tlsKey", mismatch.field(), mismatch.getMessage());
    assertTrue(mismatch.getMessage().contains("belongs to the certificate CN=127.0.0.1"), mismatch.getMessage());

    Path encrypted = dir.resolve("encrypted.pem");
    Files.writeString(encrypted, pem("ENCRYPTED PRIVATE KEY", new byte[] {1, 2, 3}));
    ConfigurationException e = assertThrows(ConfigurationException.class, () -> Tls.fromPem(pem[0], encrypted));
    assertEquals("tlsKey", e.field());
    assertTrue(e.getMessage().contains("openssl pkcs8 -topk8 -nocrypt"), e.getMessage());

    Path noCert = dir.resolve("empty.pem");
    Files.writeString(noCert, "not a certificate\n");
    assertEquals("tlsCert", assertThrows(ConfigurationException.class, () -> Tls.fromPem(noCert, pem[1])).field());

    ConfigurationException wrongPassword = assertThrows(ConfigurationException.class,
        () -> Tls.fromKeyStore(keyStore, "wrong".toCharArray()));
    assertEquals("keystore", wrongPassword.field());
    assertTrue(List.of(certificates.toFile().list()).contains("server.p12"));
  }
}
