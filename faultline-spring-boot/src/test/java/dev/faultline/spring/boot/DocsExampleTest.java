package dev.faultline.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The properties example of docs/integrations.md starts an application with the settings it shows. */
class DocsExampleTest {

  @Test
  void theDocumentedPropertiesWork() throws IOException {
    String doc = Files.readString(Path.of("../docs/integrations.md"));
    int section = doc.indexOf("## Spring Boot");
    int start = doc.indexOf("```properties\n", section) + "```properties\n".length();
    Properties properties = new Properties();
    properties.load(new StringReader(doc.substring(start, doc.indexOf("```", start))));
    List<String> pairs = new ArrayList<>();
    properties.forEach((k, v) -> pairs.add(k + "=" + v));
    assertThat(pairs).hasSizeGreaterThanOrEqualTo(30);

    new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(FaultlineAutoConfiguration.class))
        .withPropertyValues(pairs.toArray(String[]::new)).run(ctx -> {
          assertThat(ctx).hasNotFailed();
          FaultlinePolicies policies = ctx.getBean(FaultlinePolicies.class);
          assertThat(policies.all()).hasSize(5);
          assertThat(policies.retry("payments").config().backoff().max()).isEqualTo(Duration.ofSeconds(5));
          assertThat(policies.circuitBreaker("payments").config().maxWaitInOpen()).isEqualTo(Duration.ofMinutes(5));
          assertThat(policies.rateLimiter("payments").config().permits()).isEqualTo(100);
        });
  }
}
