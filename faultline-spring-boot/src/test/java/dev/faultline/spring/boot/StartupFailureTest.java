package dev.faultline.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalysisReporter;
import org.springframework.context.annotation.Configuration;

/**
 * A whole SpringApplication: Boot's failure analysis (the "APPLICATION FAILED TO START" report) names the property,
 * the value and the rule. The analyses are read through a reporter registered in the tests' META-INF/spring.factories.
 */
class StartupFailureTest {

  /** Records what Spring Boot reports, besides its logging reporter. */
  public static final class RecordingReporter implements FailureAnalysisReporter {
    static final List<FailureAnalysis> REPORTED = new CopyOnWriteArrayList<>();

    @Override
    public void report(FailureAnalysis analysis) {
      REPORTED.add(analysis);
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ImportAutoConfiguration(FaultlineAutoConfiguration.class)
  static class App {}

  @Test
  void bootReportsTheInvalidProperty() {
    RecordingReporter.REPORTED.clear();
    SpringApplication application = new SpringApplication(App.class);
    application.setWebApplicationType(WebApplicationType.NONE);
    assertThatThrownBy(() -> application.run("--faultline.circuit-breaker.instances.payments.wait-in-open=0s"))
        .hasStackTraceContaining("faultline.circuit-breaker.instances.payments.wait-in-open");

    assertThat(RecordingReporter.REPORTED).hasSize(1);
    FailureAnalysis analysis = RecordingReporter.REPORTED.get(0);
    // Boot looks the property up again: the value as written, and where it came from.
    assertThat(analysis.getDescription())
        .contains("Invalid value '0s' for configuration property "
            + "'faultline.circuit-breaker.instances.payments.wait-in-open'")
        .contains("from property source \"commandLineArgs\"")
        .contains("waitInOpen must be a positive duration, but was PT0S");
    assertThat(analysis.getAction()).isEqualTo("Review the value of the property with the provided reason.");
  }
}
