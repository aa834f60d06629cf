package dev.faultline.state.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.faultline.core.ConfigurationException;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The store's builder names the setting it refuses, before it connects to anything. */
class PostgresStoreBuilderTest {
  private static final String NOWHERE = "jdbc:postgresql://127.0.0.1:1/none";

  @Test
  void aNegativeRetentionIsRefused() {
    assertRefused("retainFinished", () -> PostgresWorkflowStore.builder(NOWHERE, "u", null)
        .retainFinished(Duration.ofSeconds(-1)).build());
  }

  @Test
  void writeConnectionsMustLeaveTheOwnedPoolAConnectionForEverythingElse() {
    assertRefused("writeConnections", () -> PostgresWorkflowStore.builder(NOWHERE, "u", null)
        .writeConnections(0).build());
    ConfigurationException e = assertRefused("writeConnections", () -> PostgresWorkflowStore
        .builder(NOWHERE, "u", null).poolSize(2).writeConnections(2).build());
    assertTrue(e.getMessage().contains("below the pool's 2 connections"), e.getMessage());
  }

  @Test
  void aLostStartWindowShorterThanTheLeaseIsRefused() {
    ConfigurationException e = assertRefused("lostStartWindow", () -> PostgresWorkflowStore.builder(NOWHERE, "u",
        null).leaseTime(Duration.ofSeconds(10)).lostStartWindow(Duration.ofSeconds(9)).build());
    assertTrue(e.getMessage().contains("at least leaseTime"), e.getMessage());
    assertRefused("lostStartWindow", () -> PostgresWorkflowStore.builder(NOWHERE, "u", null)
        .lostStartWindow(Duration.ZERO).build());
  }

  @Test
  void anEndlessRetentionKeepsEverything() throws Exception {
    PostgresWorkflowStore store = PostgresWorkflowStore.builder(TestDatabase.dataSource())
        .schema(TestDatabase.freshSchema("endless")).retainFinished(Duration.ofSeconds(Long.MAX_VALUE)).build();
    assertEquals(0, store.sweep());
    store.close();
  }

  @Test
  void theDefaultWriteConnectionsFitASmallPool() {
    PostgresWorkflowStore store = PostgresWorkflowStore.builder(TestDatabase.jdbcUrl(), "postgres", null)
        .schema(TestDatabase.freshSchema("small")).poolSize(2).build();
    store.close();
  }

  @Test
  void writeConnectionsMustLeaveAGivenHikariPoolAConnectionToo() {
    try (HikariDataSource pool = TestDatabase.pool(3)) {
      assertRefused("writeConnections", () -> PostgresWorkflowStore.builder(pool).writeConnections(3).build());
    }
  }

  private static ConfigurationException assertRefused(String field, Supplier<PostgresWorkflowStore> build) {
    ConfigurationException e = assertThrows(ConfigurationException.class, build::get);
    assertTrue(e.getMessage().contains(field), e.getMessage());
    return e;
  }
}
