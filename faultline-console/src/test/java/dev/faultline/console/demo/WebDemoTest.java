package dev.faultline.console.demo;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.Clock;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A demo whose shop cannot start leaves nothing running: not the console's port, not the shop's threads. */
class WebDemoTest {
  @TempDir
  Path dir;

  @Test
  void aShopThatCannotStartClosesTheConsoleAndTheServicesStartedBeforeIt() throws Exception {
    // The order service cannot open its workflows: its directory is a file.
    Files.createDirectories(dir.resolve("shop"));
    Files.writeString(dir.resolve("shop").resolve("orders"), "not a directory");
    int port;
    try (ServerSocket probe = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    assertThrows(RuntimeException.class, () -> WebDemo.start(dir, port, Duration.ofSeconds(15), 42, Clock.system()));

    try (ServerSocket again = new ServerSocket()) {
      again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    } catch (java.io.IOException e) {
      throw new AssertionError("the console still listens on port " + port + " after the failed start", e);
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    List<String> left;
    do {
      left = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
          .filter(n -> n.startsWith("faultline-demo-")).toList();
      if (!left.isEmpty()) {
        Thread.sleep(50);
      }
    } while (!left.isEmpty() && System.nanoTime() < deadline);
    assertTrue(left.isEmpty(), "the shop's threads still run: " + left);
  }
}
