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
    // The shop's threads were told to stop: each must end (joined, at most 10 s in all).
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("faultline-demo-")) {
        t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      }
    }
    List<String> left = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> n.startsWith("faultline-demo-")).toList();
    assertTrue(left.isEmpty(), "the shop's threads still run: " + left);
  }
}
