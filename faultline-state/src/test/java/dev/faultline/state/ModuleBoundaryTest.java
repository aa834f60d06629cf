package dev.faultline.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The module exports exactly its API, SPI and test-kit packages, and needs nothing but the JDK and core. */
class ModuleBoundaryTest {

  @Test
  void exportsOnlyApiPackages() {
    ModuleDescriptor descriptor = ModuleFinder.of(Path.of("target/classes")).find("dev.faultline.state")
        .orElseThrow(() -> new AssertionError("module dev.faultline.state not found in target/classes"))
        .descriptor();
    Set<String> exported = descriptor.exports().stream().map(ModuleDescriptor.Exports::source)
        .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(new TreeSet<>(Set.of("dev.faultline.state", "dev.faultline.state.journal", "dev.faultline.state.checkpoint",
        "dev.faultline.state.crypto",
        "dev.faultline.state.io",
        "dev.faultline.state.testing", "dev.faultline.state.workflow",
        "dev.faultline.state.workflow.spi")), exported);
    assertTrue(descriptor.exports().stream().noneMatch(ModuleDescriptor.Exports::isQualified));
    assertTrue(descriptor.requires().stream()
            .allMatch(r -> r.name().startsWith("java.") || r.name().equals("dev.faultline.core")),
        "state depends on the JDK and core only: " + descriptor.requires());
  }
}
