package dev.faultline.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.LazyInitializationBeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * A setting that breaks a policy's rule fails the application at startup, naming the property, the value and the
 * rule (the builder's own message).
 */
class InvalidPropertiesTest {
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(FaultlineAutoConfiguration.class));

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', textBlock = """
      retry | max-attempts=-1 | max-attempts | -1 | be at least 1, but was -1
      retry | max-attempts=0 | max-attempts | 0 | be at least 1, but was 0
      retry | max-duration=0s | max-duration | PT0S | be a positive duration
      retry | backoff.kind=fixed,backoff.delay=-1s | backoff.delay | PT-1S | be a duration of zero or more
      retry | backoff.kind=exponential,backoff.initial=2s,backoff.max=1s | backoff.max | PT1S | be at least
      retry | backoff.kind=exponential,backoff.max=1s | backoff.initial | null | be set when backoff.kind is exponential
      retry | backoff.kind=fixed,backoff.delay=1s,backoff.initial=1s | backoff.initial | PT1S | not be set when
      retry | backoff.kind=decorrelated-jitter,backoff.jitter=true | backoff.jitter | true | not be set when
      retry | backoff.delay=1s | backoff.kind | null | be set (none, fixed, exponential or decorrelated-jitter)
      retry | retry-on=java.lang.String | retry-on | java.lang.String | list only Throwable types
      retry | retry-on=java.lang.OutOfMemoryError | retry-on | java.lang.OutOfMemoryError | not list a fatal error
      circuit-breaker | failure-rate-threshold=0 | failure-rate-threshold | 0.0 | be greater than 0 and at most 1
      circuit-breaker | failure-rate-threshold=50 | failure-rate-threshold | 50.0 | be greater than 0 and at most 1
      circuit-breaker | sliding-window-size=0 | sliding-window-size | 0 | be at least 1
      circuit-breaker | sliding-window-type=time-based | sliding-window-size | null | be set when slidingWindowType is
      circuit-breaker | sliding-window-size=10,minimum-number-of-calls=11 | minimum-number-of-calls | 11 | be at most
      circuit-breaker | wait-in-open=0s | wait-in-open | PT0S | be a positive duration
      circuit-breaker | wait-multiplier=2 | max-wait-in-open | null | be set when waitMultiplier is above 1.0
      circuit-breaker | permitted-calls-in-half-open=0 | permitted-calls-in-half-open | 0 | be at least 1
      circuit-breaker | slow-call-rate-threshold=0.5 | slow-call-duration | null | be set when slowCallRateThreshold
      timeout | interrupt-on-timeout=true | timeout | null | be a positive duration
      timeout | timeout=-5s | timeout | PT-5S | be a positive duration
      bulkhead | max-concurrent-calls=0 | max-concurrent-calls | 0 | be at least 1
      bulkhead | max-wait=-1ms | max-wait | PT-0.001S | be a duration of zero or more
      rate-limiter | period=1s | permits | null | be set (the rate is permits per period)
      rate-limiter | permits=10 | period | null | be a positive duration
      rate-limiter | permits=-3,period=1s | permits | -3 | be at least 1
      rate-limiter | permits=10,period=1s,burst=0 | burst | 0 | be at least 1
      """)
  void failsAtStartupNamingThePropertyAndTheValue(String kind, String settings, String setting, String value,
      String rule) {
    String prefix = "faultline." + kind + ".instances.payments.";
    String property = prefix + setting;
    String[] properties = Arrays.stream(settings.split(",")).map(p -> prefix + p).toArray(String[]::new);
    runner.withPropertyValues(properties).run(ctx -> {
      assertThat(ctx).hasFailed();
      InvalidConfigurationPropertyValueException invalid = find(ctx.getStartupFailure());
      assertThat(invalid.getName()).isEqualTo(property);
      if (value != null) {
        assertThat(String.valueOf(invalid.getValue())).isEqualTo(value);
      }
      // The builder's message: "<field> must <rule>, but was <value>", the field in the builder's spelling.
      assertThat(invalid.getReason()).contains(" must " + rule);
      assertThat(invalid.getMessage()).startsWith("Property " + property + " with value ").contains(rule);
    });
  }

  @Test
  void failsAtStartupAlsoWithLazyInitialization() {
    runner.withInitializer(ctx -> ctx.addBeanFactoryPostProcessor(new LazyInitializationBeanFactoryPostProcessor()))
        .withPropertyValues("faultline.retry.instances.payments.max-attempts=0").run(ctx -> {
          assertThat(ctx).hasFailed();
          assertThat(find(ctx.getStartupFailure()).getName())
              .isEqualTo("faultline.retry.instances.payments.max-attempts");
        });
  }

  private static InvalidConfigurationPropertyValueException find(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof InvalidConfigurationPropertyValueException invalid) {
        return invalid;
      }
    }
    throw new AssertionError("no InvalidConfigurationPropertyValueException in the cause chain of " + failure,
        failure);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      faultline.retry.instances.payments.max-attempts=three | faultline.retry.instances.payments.max-attempts
      faultline.circuit-breaker.instances.cb.wait-in-open=soon | faultline.circuit-breaker.instances.cb.wait-in-open
      faultline.retry.instances.payments.backoff.kind=linear | faultline.retry.instances.payments.backoff.kind
      faultline.retry.instances.payments.retry-on=com.example.Nope | faultline.retry.instances.payments.retry-on
      """)
  void aValueOfTheWrongTypeFailsBindingNamingTheProperty(String property, String name) {
    runner.withPropertyValues(property).run(ctx -> {
      assertThat(ctx).hasFailed();
      assertThat(ctx.getStartupFailure()).hasStackTraceContaining(name);
    });
  }
}
