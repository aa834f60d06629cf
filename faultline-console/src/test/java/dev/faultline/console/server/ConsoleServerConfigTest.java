package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.faultline.core.ConfigurationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bad server configuration fails at start, naming the field, and touches no data directory. */
class ConsoleServerConfigTest {

  @TempDir
  Path dir;

  private void assertRefused(String field, UnaryOperator<ConsoleServer.Builder> configure) {
    Path data = dir.resolve(field);
    ConfigurationException e = assertThrows(ConfigurationException.class,
        () -> configure.apply(ConsoleServer.builder(data)).start().close());
    assertEquals(field, e.field(), e.getMessage());
    assertFalse(Files.exists(data), "nothing is created for a refused configuration");
  }

  @Test
  void badValuesAreRefusedNamingTheField() {
    assertRefused("port", b -> b.port(70_000));
    assertRefused("bind", b -> b.bind(" "));
    assertRefused("maxBodyBytes", b -> b.maxBodyBytes(0));
    assertRefused("maxBatch", b -> b.maxBatch(0));
    assertRefused("maxInstancesPerService", b -> b.maxInstancesPerService(0));
    assertRefused("maxComponentsPerService", b -> b.maxComponentsPerService(-1));
    assertRefused("maxConcurrentAnalyses", b -> b.maxConcurrentAnalyses(0));
    assertRefused("maxConcurrentAnalyses", b -> b.maxConcurrentAnalyses(65));
    assertRefused("analysisTimeout", b -> b.analysisTimeout(Duration.ZERO));
    assertRefused("analysisTimeout", b -> b.analysisTimeout(Duration.ofHours(25)));
    assertRefused("analysisTimeout", b -> b.analysisTimeout(null));
    assertRefused("addressPermits", b -> b.addressRateLimit(0, Duration.ofSeconds(1)));
    assertRefused("credentialPeriod", b -> b.credentialRateLimit(1, Duration.ZERO));
    assertRefused("sessionTtl", b -> b.sessionTtl(Duration.ofSeconds(-1)));
    assertRefused("maxLock", b -> b.loginLockout(5, 20, Duration.ofMinutes(2), Duration.ofMinutes(1)));
    assertRefused("period", b -> b.addressRateLimit(1000, Duration.ofNanos(10)));
  }
}
