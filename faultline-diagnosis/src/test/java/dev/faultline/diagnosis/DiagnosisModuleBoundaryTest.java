package dev.faultline.diagnosis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The diagnosis module exports exactly its API packages; the fault-tree engine stays hidden. */
class DiagnosisModuleBoundaryTest {

  @Test
  void exportsOnlyApiPackages() {
    ModuleDescriptor descriptor = ModuleFinder.of(Path.of("target/classes")).find("dev.faultline.diagnosis")
        .orElseThrow(() -> new AssertionError("module dev.faultline.diagnosis not found in target/classes"))
        .descriptor();
    Set<String> exported = descriptor.exports().stream().map(ModuleDescriptor.Exports::source)
        .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(new TreeSet<>(Set.of("dev.faultline.diagnosis.fta")), exported);
    assertTrue(descriptor.packages().contains("dev.faultline.diagnosis.fta.internal"), "internal package exists");
    assertEquals(Set.of("dev.faultline.core", "java.base", "java.xml"),
        descriptor.requires().stream().map(ModuleDescriptor.Requires::name).collect(Collectors.toSet()),
        "diagnosis depends on core and the JDK's XML parser only");
  }
}
