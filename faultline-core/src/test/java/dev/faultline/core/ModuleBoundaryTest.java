package dev.faultline.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The module exports exactly its API packages; implementation packages stay hidden. */
class ModuleBoundaryTest {

  @Test
  void exportsOnlyApiPackages() {
    ModuleDescriptor descriptor = ModuleFinder.of(Path.of("target/classes")).find("dev.faultline.core")
        .orElseThrow(() -> new AssertionError("module dev.faultline.core not found in target/classes"))
        .descriptor();
    Set<String> exported = descriptor.exports().stream().map(ModuleDescriptor.Exports::source)
        .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(new TreeSet<>(Set.of(
        "dev.faultline.core",
        "dev.faultline.core.event",
        "dev.faultline.core.testing",
        "dev.faultline.core.bulkhead",
        "dev.faultline.core.circuitbreaker",
        "dev.faultline.core.fallback",
        "dev.faultline.core.hedge",
        "dev.faultline.core.limit",
        "dev.faultline.core.ratelimiter",
        "dev.faultline.core.registry",
        "dev.faultline.core.retry",
        "dev.faultline.core.timeout",
        "dev.faultline.core.internal")), exported);
    assertTrue(descriptor.exports().stream()
            .filter(e -> e.source().equals("dev.faultline.core.internal"))
            .allMatch(e -> e.isQualified() && e.targets().stream().allMatch(t -> t.startsWith("dev.faultline."))),
        "internal is exported only to Faultline modules: " + descriptor.exports());
    assertTrue(descriptor.packages().contains("dev.faultline.core.internal"), "internal package exists");
    assertTrue(descriptor.requires().stream().allMatch(r -> r.name().startsWith("java.")),
        "core depends on the JDK only: " + descriptor.requires());
  }
}
