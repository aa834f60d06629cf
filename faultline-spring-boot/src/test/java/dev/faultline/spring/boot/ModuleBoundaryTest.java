package dev.faultline.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The module exports its one package, whose public types are the API: the properties, the policy registry, the
 * workflow customizer and the auto-configurations (public because Spring Boot loads them by name). Everything else
 * (the policy factory, the health indicators) is package-private.
 */
class ModuleBoundaryTest {

  @Test
  void exportsOnlyItsPackage() {
    ModuleDescriptor descriptor = ModuleFinder.of(Path.of("target/classes")).find("dev.faultline.spring.boot")
        .orElseThrow(() -> new AssertionError("module dev.faultline.spring.boot not found in target/classes"))
        .descriptor();
    assertThat(descriptor.exports()).extracting(ModuleDescriptor.Exports::source)
        .containsExactly("dev.faultline.spring.boot");
    assertThat(descriptor.exports()).allSatisfy(e -> assertThat(e.isQualified()).isFalse());
    assertThat(descriptor.opens()).isEmpty();
    assertThat(descriptor.requires().stream().map(ModuleDescriptor.Requires::name).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder("java.base", "dev.faultline.core", "spring.beans", "spring.boot",
            "spring.boot.autoconfigure", "spring.context", "spring.core", "dev.faultline.micrometer",
            "dev.faultline.state", "dev.faultline.supervisor", "micrometer.core", "spring.boot.health",
            "com.fasterxml.jackson.annotation");
    // The optional integrations are optional for the module system too.
    assertThat(descriptor.requires().stream().filter(r -> r.modifiers().contains(ModuleDescriptor.Requires.Modifier
        .STATIC)).map(ModuleDescriptor.Requires::name).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder("dev.faultline.micrometer", "dev.faultline.state", "dev.faultline.supervisor",
            "micrometer.core", "spring.boot.health", "com.fasterxml.jackson.annotation");
  }

  @Test
  void implementationClassesArePackagePrivate() {
    for (Class<?> type : new Class<?>[] {PolicyFactory.class, CircuitBreakerHealthIndicator.class,
        SupervisorCheckHealthIndicator.class}) {
      assertThat(Modifier.isPublic(type.getModifiers())).as(type.getName()).isFalse();
    }
    assertThat(Arrays.stream(FaultlinePolicies.class.getConstructors())).as("FaultlinePolicies constructors")
        .isEmpty();
  }
}
