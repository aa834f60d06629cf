package dev.faultline.supervisor.health;

import dev.faultline.core.internal.Validate;
import dev.faultline.supervisor.watchdog.DeadlockedThread;
import dev.faultline.supervisor.watchdog.Deadlocks;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import javax.sql.DataSource;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Built-in health checks: free disk space, heap use, deadlocked threads, JDBC ping and HTTP ping. Each check is
 * thread-safe.
 */
public final class HealthChecks {
  private HealthChecks() {}

  /** UP while the file store holding {@code path} has at least {@code minFreeBytes} usable. */
  public static HealthCheck diskSpace(Path path, long minFreeBytes) {
    Validate.notNull("path", path);
    if (minFreeBytes < 0) {
      throw new dev.faultline.core.ConfigurationException("minFreeBytes", "be at least 0", minFreeBytes);
    }
    return () -> {
      FileStore store;
      try {
        store = Files.getFileStore(path);
      } catch (IOException e) {
        return Health.down("cannot read the file store of " + path + ": " + e.getMessage());
      }
      long free = store.getUsableSpace();
      String detail = free + " bytes free at " + path + " (minimum " + minFreeBytes + ")";
      return free >= minFreeBytes ? Health.up(detail) : Health.down(detail);
    };
  }

  /** UP while the used heap is at most {@code maxUsedFraction} of the maximum heap (or of the committed heap). */
  public static HealthCheck heap(double maxUsedFraction) {
    Validate.between("maxUsedFraction", maxUsedFraction, 0.0, 1.0);
    return heap(maxUsedFraction, () -> ManagementFactory.getMemoryMXBean().getHeapMemoryUsage());
  }

  static HealthCheck heap(double maxUsedFraction, Supplier<MemoryUsage> usage) {
    return () -> {
      MemoryUsage u = usage.get();
      long limit = u.getMax() > 0 ? u.getMax() : u.getCommitted();
      double used = limit > 0 ? (double) u.getUsed() / limit : 0.0;
      String detail = String.format(java.util.Locale.ROOT, "heap %.1f%% used (%d of %d bytes; limit %.1f%%)",
          used * 100, u.getUsed(), limit, maxUsedFraction * 100);
      return used <= maxUsedFraction ? Health.up(detail) : Health.down(detail);
    };
  }

  /** UP while no thread of this JVM is deadlocked; DOWN names the threads and the locks. */
  public static HealthCheck deadlocks() {
    return () -> {
      List<DeadlockedThread> found = Deadlocks.find();
      if (found.isEmpty()) {
        return Health.up("no deadlocked threads");
      }
      return Health.down(found.size() + " deadlocked threads: "
          + found.stream().map(DeadlockedThread::describe).collect(Collectors.joining("; ")));
    };
  }

  /**
   * UP while a connection from {@code dataSource} answers {@link Connection#isValid(int)} within {@code timeout}
   * (rounded up to whole seconds, as JDBC counts it).
   */
  public static HealthCheck jdbc(DataSource dataSource, Duration timeout) {
    Validate.notNull("dataSource", dataSource);
    Validate.positive("timeout", timeout);
    int seconds = (int) Math.max(1, Math.min(Integer.MAX_VALUE, (timeout.toMillis() + 999) / 1000));
    return () -> {
      try (Connection c = dataSource.getConnection()) {
        return c.isValid(seconds) ? Health.up("database answered")
            : Health.down("database did not answer within " + seconds + " s");
      }
    };
  }

  /** UP while a GET of {@code uri} answers with a 2xx status within {@code timeout}. */
  public static HealthCheck http(URI uri, Duration timeout) {
    Validate.notNull("uri", uri);
    Validate.positive("timeout", timeout);
    HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build();
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
    return () -> {
      HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
      String detail = "GET " + uri + " answered " + response.statusCode();
      return response.statusCode() / 100 == 2 ? Health.up(detail) : Health.down(detail);
    };
  }
}
