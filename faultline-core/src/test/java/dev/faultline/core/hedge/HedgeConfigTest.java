package dev.faultline.core.hedge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import dev.faultline.core.PolicyKind;
import dev.faultline.core.Scheduler;
import dev.faultline.core.testing.FakeClock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Hedge configuration: defaults, copies, and every rule naming its field, rule and value. */
class HedgeConfigTest {

  private static Hedge.Builder valid() {
    return Hedge.builder("search").delay(Duration.ofMillis(50));
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of((UnaryOperator<Hedge.Builder>) b -> Hedge.builder(" ").delay(Duration.ZERO), "name",
            "not be blank", "\" \""),
        Arguments.of((UnaryOperator<Hedge.Builder>) b -> Hedge.builder("no-delay"), "delay",
            "be a duration of zero or more", "null"),
        Arguments.of((UnaryOperator<Hedge.Builder>) b -> b.delay(Duration.ofMillis(-1)), "delay",
            "be a duration of zero or more", "PT-0.001S"),
        Arguments.of((UnaryOperator<Hedge.Builder>) b -> b.maxHedges(0), "maxHedges", "be between 1 and 32", 0),
        Arguments.of((UnaryOperator<Hedge.Builder>) b -> b.maxHedges(33), "maxHedges", "be between 1 and 32", 33),
        Arguments.of((UnaryOperator<Hedge.Builder>) b -> b.delayPercentile(0), "delayPercentile",
            "be greater than 0 and at most 100", 0.0),
        Arguments.of((UnaryOperator<Hedge.Builder>) b -> b.delayPercentile(100.5), "delayPercentile",
            "be greater than 0 and at most 100", 100.5),
        Arguments.of((UnaryOperator<Hedge.Builder>) b -> b.delayPercentile(Double.NaN), "delayPercentile",
            "be greater than 0 and at most 100", Double.NaN),
        Arguments.of((UnaryOperator<Hedge.Builder>) b -> b.sampleWindow(0), "sampleWindow",
            "be between 1 and 65536", 0),
        Arguments.of((UnaryOperator<Hedge.Builder>) b -> b.sampleWindow(65_537), "sampleWindow",
            "be between 1 and 65536", 65_537),
        Arguments.of((UnaryOperator<Hedge.Builder>) b -> b.minSamples(0), "minSamples", "be at least 1", 0),
        Arguments.of((UnaryOperator<Hedge.Builder>) b -> b.sampleWindow(10).minSamples(11), "minSamples",
            "be at most sampleWindow (10)", 11));
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void buildRejectsInvalidSettingsNamingFieldRuleAndValue(UnaryOperator<Hedge.Builder> setting, String field,
      String rule, Object value) {
    ConfigurationException e = assertThrows(ConfigurationException.class, () -> setting.apply(valid()).build());

    assertEquals(field, e.field());
    assertEquals(rule, e.rule());
    assertEquals(value, e.value());
    assertEquals(field + " must " + rule + ", but was " + value, e.getMessage());
  }

  @Test
  void settersRejectNullsNamingTheField() {
    Hedge.Builder builder = valid();
    assertEquals("executor", assertThrows(ConfigurationException.class, () -> builder.executor(null)).field());
    assertEquals("clock", assertThrows(ConfigurationException.class, () -> builder.clock(null)).field());
    assertEquals("scheduler", assertThrows(ConfigurationException.class, () -> builder.scheduler(null)).field());
    assertEquals("listener", assertThrows(ConfigurationException.class, () -> builder.listener(null)).field());
    assertEquals("hedgeOnFailure",
        assertThrows(ConfigurationException.class, () -> builder.hedgeOnFailure(null)).field());
    assertEquals("hedgeOnResult",
        assertThrows(ConfigurationException.class, () -> builder.hedgeOnResult(null)).field());
  }

  @Test
  void replicasMustBeANonEmptyListWithoutNulls() {
    ConfigurationException none = assertThrows(ConfigurationException.class, () -> valid().build(List.of()));
    assertEquals("replicas", none.field());
    assertEquals("hold at least one replica", none.rule());

    ConfigurationException withNull =
        assertThrows(ConfigurationException.class, () -> valid().build(Arrays.asList("a", null)));
    assertEquals("replicas", withNull.field());
    assertEquals("not hold null (at index 1)", withNull.rule());

    assertEquals("replicas", assertThrows(ConfigurationException.class, () -> valid().build(null)).field());
  }

  @Test
  void defaultsAreResolvedByBuild() {
    HedgeConfig config = valid().build().config();

    assertEquals("search", config.name());
    assertEquals(Duration.ofMillis(50), config.delay());
    assertEquals(1, config.maxHedges());
    assertFalse(config.delayPercentile().isPresent());
    assertEquals(20, config.minSamples());
    assertEquals(128, config.sampleWindow());
    assertFalse(config.executor().isPresent());
    assertSame(Clock.system(), config.clock());
    assertSame(Scheduler.system(), config.scheduler());
    assertTrue(config.listeners().isEmpty());
    assertFalse(config.hedgeOnResult().isPresent());
    assertTrue(config.hedgeOnFailure().test(new RuntimeException("any")));
  }

  @Test
  void aDelayTooLongForNanosecondsIsAcceptedAndSaturates() {
    // A delay of centuries is how a caller says "hedge on failures only": it passes validation, so build must not
    // then fail converting it to nanoseconds.
    FakeClock clock = new FakeClock();
    Hedge hedge = valid().delay(Duration.ofDays(365_000)).clock(clock).build();

    assertEquals(Duration.ofDays(365_000), hedge.config().delay());
    assertEquals(Duration.ofNanos(Long.MAX_VALUE), hedge.metrics().delay());
  }

  @Test
  void aClockThatIsAlsoASchedulerIsTheDefaultScheduler() {
    FakeClock clock = new FakeClock();
    FakeClock other = new FakeClock();

    assertSame(clock, valid().clock(clock).build().config().scheduler());
    assertSame(other, valid().clock(clock).scheduler(other).build().config().scheduler());
  }

  @Test
  void buildCopiesTheConfigurationAndTheReplicas() {
    Executor executor = Runnable::run;
    Hedge.Builder builder = valid().delayPercentile(95).minSamples(5).sampleWindow(50).maxHedges(3)
        .executor(executor).listener(event -> { });
    java.util.List<String> replicas = new java.util.ArrayList<>(List.of("a", "b"));
    Hedge.Replicated<String> hedge = builder.build(replicas);

    builder.maxHedges(7).listener(event -> { });
    replicas.add("c");

    HedgeConfig config = hedge.config();
    assertEquals(3, config.maxHedges());
    assertEquals(1, config.listeners().size());
    assertEquals(95.0, config.delayPercentile().getAsDouble());
    assertEquals(5, config.minSamples());
    assertEquals(50, config.sampleWindow());
    assertSame(executor, config.executor().orElseThrow());
    assertEquals(List.of("a", "b"), hedge.replicas());
    assertEquals("search", hedge.name());
    assertEquals(PolicyKind.HEDGE, hedge.kind());
    assertEquals(7, builder.build().config().maxHedges());
  }
}
