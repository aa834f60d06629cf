package dev.faultline.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.event.WorkflowEvent;
import dev.faultline.core.testing.EventRecorder;
import dev.faultline.state.workflow.WorkflowContext;
import dev.faultline.state.workflow.WorkflowExecutor;
import dev.faultline.state.workflow.WorkflowInfo;
import dev.faultline.state.workflow.WorkflowStatus;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.LazyInitializationBeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** A WorkflowExecutor on faultline.workflows.directory, with the workflows of the customizer beans. */
class WorkflowAutoConfigurationTest {
  @TempDir
  Path directory;

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(FaultlineAutoConfiguration.class,
          FaultlineWorkflowAutoConfiguration.class));

  @Configuration(proxyBeanMethods = false)
  static class Greetings {
    @Bean
    WorkflowExecutorCustomizer greetings() {
      return builder -> builder.register("greet",
          (WorkflowContext ctx, String name) -> ctx.step("compose", () -> "hello " + name));
    }

    @Bean
    EventRecorder recorder() {
      return new EventRecorder();
    }
  }

  @Test
  void runsTheCustomizersWorkflowsAndClosesWithTheContext() {
    AtomicReference<WorkflowExecutor> opened = new AtomicReference<>();
    runner.withUserConfiguration(Greetings.class)
        .withPropertyValues("faultline.workflows.directory=" + directory, "faultline.workflows.threads=2",
            "faultline.workflows.name=orders")
        .run(ctx -> {
          assertThat(ctx).hasSingleBean(WorkflowExecutor.class);
          WorkflowExecutor executor = ctx.getBean(WorkflowExecutor.class);
          opened.set(executor);
          assertThat(executor.name()).isEqualTo("orders");
          assertThat(executor.<String>call("greet", "w-1", "Ada")).isEqualTo("hello Ada");
          // The listener beans receive the executor's events too.
          assertThat(ctx.getBean(EventRecorder.class).events(WorkflowEvent.class)).isNotEmpty()
              .allSatisfy(e -> assertThat(e.source()).isEqualTo("orders"));
        });
    // Closed with the context: it no longer starts workflows, and the store's lock is released.
    assertThatThrownBy(() -> opened.get().start("greet", "w-2", "Bob")).hasMessageContaining("closed");

    // A new context on the same directory finds what the first recorded.
    runner.withUserConfiguration(Greetings.class)
        .withPropertyValues("faultline.workflows.directory=" + directory).run(ctx -> {
          List<WorkflowInfo> done = ctx.getBean(WorkflowExecutor.class).list(WorkflowStatus.SUCCEEDED);
          assertThat(done).extracting(WorkflowInfo::workflowId).containsExactly("w-1");
        });
  }

  @Test
  void opensAtStartupAlsoWithLazyInitialization() {
    runner.withUserConfiguration(Greetings.class)
        .withInitializer(ctx -> ctx.addBeanFactoryPostProcessor(new LazyInitializationBeanFactoryPostProcessor()))
        .withPropertyValues("faultline.workflows.directory=" + directory).run(ctx -> {
          // Made (and opened) during startup, before anything asked for it.
          assertThat(ctx.getSourceApplicationContext().getBeanFactory().containsSingleton(
              "faultlineWorkflowExecutor")).isTrue();
          assertThat(ctx.getSourceApplicationContext().getBeanFactory().containsSingleton("greetings")).isTrue();
        });
  }

  @Test
  void offWithoutTheDirectory() {
    runner.withUserConfiguration(Greetings.class).run(ctx -> assertThat(ctx).hasNotFailed()
        .doesNotHaveBean(WorkflowExecutor.class));
  }

  @Test
  void offWithoutFaultlineState() {
    runner.withUserConfiguration(Greetings.class).withClassLoader(new FilteredClassLoader(WorkflowExecutor.class))
        .withPropertyValues("faultline.workflows.directory=" + directory)
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean("faultlineWorkflowExecutor"));
  }

  @Test
  void withoutAWorkflowTheApplicationFailsToStart() {
    runner.withPropertyValues("faultline.workflows.directory=" + directory).run(ctx -> {
      assertThat(ctx).hasFailed();
      assertThat(ctx.getStartupFailure()).rootCause().isInstanceOf(ConfigurationException.class)
          .hasMessageContaining("register at least one workflow");
    });
  }

  @Test
  void anInvalidSettingFailsNamingTheProperty() {
    runner.withUserConfiguration(Greetings.class)
        .withPropertyValues("faultline.workflows.directory=" + directory, "faultline.workflows.threads=0")
        .run(ctx -> {
          assertThat(ctx).hasFailed();
          assertThat(ctx.getStartupFailure()).rootCause()
              .isInstanceOf(InvalidConfigurationPropertyValueException.class)
              .hasMessageContaining("faultline.workflows.threads").hasMessageContaining("'0'")
              .hasMessageContaining("threads must be at least 1");
        });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnExecutor {
    @Bean(destroyMethod = "close")
    WorkflowExecutor ownExecutor(@org.springframework.beans.factory.annotation.Value(
        "${faultline.workflows.directory}") Path directory) {
      return WorkflowExecutor.builder(directory.resolve("own"))
          .register("own", (WorkflowContext ctx, String in) -> in).open();
    }
  }

  @Test
  void backsOffWhenTheApplicationDefinesItsOwnExecutor() {
    runner.withUserConfiguration(OwnExecutor.class, Greetings.class)
        .withPropertyValues("faultline.workflows.directory=" + directory).run(ctx -> {
          assertThat(ctx).hasSingleBean(WorkflowExecutor.class).hasBean("ownExecutor")
              .doesNotHaveBean("faultlineWorkflowExecutor");
        });
  }
}
