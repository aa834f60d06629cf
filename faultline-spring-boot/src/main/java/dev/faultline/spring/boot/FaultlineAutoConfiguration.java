package dev.faultline.spring.boot;

import dev.faultline.core.Clock;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.FaultEventListener;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Lazy;

/**
 * Auto-configuration of the {@link FaultlinePolicies} bean, built from the {@code faultline.*}
 * {@link FaultlineProperties}; backs off if the application defines its own {@code FaultlinePolicies}.
 *
 * <p>The policies are built with:
 * <ul>
 *   <li>every {@link FaultEventListener} bean as a listener of every policy, in the beans' order
 *       ({@link org.springframework.core.annotation.Order @Order}). Listeners receive events in the thread that made
 *       the decision, often on a call's hot path: they must be fast, take no lock and not throw (see
 *       {@code FaultEventListener}). Listener beans are created before the policies, so a listener bean must not
 *       depend on {@code FaultlinePolicies}. Events are not republished as Spring application events:
 *       {@code ApplicationEventPublisher.publishEvent} runs every {@code @EventListener} synchronously in the
 *       publishing thread, where a slow or throwing listener would delay or break the call being decided;
 *       a listener bean that hands what it needs to a queue is the explicit way to do that;
 *   <li>the {@link Clock} bean and the {@link Scheduler} bean if there is one (a test can declare a
 *       {@link dev.faultline.core.testing.FakeClock}, which is both), else {@link Clock#system()} and
 *       {@link Scheduler#system()}; a circuit breaker takes the scheduler only with {@code automatic-half-open}.
 * </ul>
 * A setting that breaks a policy's rule fails the application at startup with an
 * {@link org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException} naming the
 * property ({@code faultline.retry.instances.payments.max-attempts}), its value and the rule.
 */
@AutoConfiguration
@EnableConfigurationProperties(FaultlineProperties.class)
public final class FaultlineAutoConfiguration {

  /** Creates the auto-configuration (Spring Boot does). */
  public FaultlineAutoConfiguration() {}

  /**
   * The configured policies, built once. Never lazy, also with {@code spring.main.lazy-initialization=true}: an
   * invalid setting fails startup, not the first call.
   */
  @Bean
  @Lazy(false)
  @ConditionalOnMissingBean
  public FaultlinePolicies faultlinePolicies(FaultlineProperties properties, ObjectProvider<Clock> clock,
      ObjectProvider<Scheduler> scheduler, ObjectProvider<FaultEventListener> listeners) {
    List<FaultEventListener> ordered = listeners.orderedStream().toList();
    return new PolicyFactory(clock.getIfAvailable(Clock::system), scheduler.getIfAvailable(Scheduler::system),
        ordered).build(properties);
  }
}
