/**
 * Spring Boot auto-configuration for Faultline: policies from {@code faultline.*} properties, their events, metrics
 * and health, and a durable workflow executor.
 */
// Spring and Micrometer are automatic modules (no module-info); the auto-configurations' public signatures name
// their types, hence transitive.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.faultline.spring.boot {
  requires transitive dev.faultline.core;
  // Spring Boot is brought by the application (a provided dependency) but needed whenever this module runs.
  requires transitive spring.beans;
  requires transitive spring.boot;
  requires transitive spring.boot.autoconfigure;
  requires transitive spring.context;
  requires transitive spring.core;
  // Optional integrations: each auto-configuration checks that its classes are present.
  requires static transitive dev.faultline.micrometer;
  requires static transitive dev.faultline.state;
  requires static transitive dev.faultline.supervisor;
  requires static transitive micrometer.core;
  requires static transitive spring.boot.health;
  // Boot's Health carries Jackson annotations, which javac reads when it reads Health.
  requires static com.fasterxml.jackson.annotation;

  exports dev.faultline.spring.boot;
}
