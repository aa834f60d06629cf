package dev.faultline.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The module exports exactly its API packages and depends on the JDK and faultline-core only. */
class ModuleBoundaryTest {

  @Test
  void exportsOnlyApiPackages() {
    ModuleDescriptor descriptor = ModuleFinder.of(Path.of("target/classes")).find("dev.faultline.supervisor")
        .orElseThrow(() -> new AssertionError("module dev.faultline.supervisor not found in target/classes"))
        .descriptor();
    Set<String> exported = descriptor.exports().stream().map(ModuleDescriptor.Exports::source)
        .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(new TreeSet<>(Set.of(
        "dev.faultline.supervisor",
        "dev.faultline.supervisor.failover",
        "dev.faultline.supervisor.health",
        "dev.faultline.supervisor.heartbeat",
        "dev.faultline.supervisor.recovery",
        "dev.faultline.supervisor.watchdog")), exported);
    assertTrue(descriptor.requires().stream()
            .allMatch(r -> r.name().startsWith("java.") || r.name().equals("dev.faultline.core")),
        "supervisor depends on the JDK and faultline-core only: " + descriptor.requires());
  }
}
