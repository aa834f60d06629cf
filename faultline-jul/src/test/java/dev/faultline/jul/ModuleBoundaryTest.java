package dev.faultline.jul;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The module exports its one package and depends on diagnosis and the JDK only. */
class ModuleBoundaryTest {

  @Test
  void exportsOnlyItsPackage() {
    ModuleDescriptor descriptor = ModuleFinder.of(Path.of("target/classes")).find("dev.faultline.jul")
        .orElseThrow(() -> new AssertionError("module dev.faultline.jul not found in target/classes"))
        .descriptor();
    assertEquals(Set.of("dev.faultline.jul"), descriptor.exports().stream().map(ModuleDescriptor.Exports::source)
        .collect(Collectors.toSet()));
    assertEquals(new TreeSet<>(Set.of("java.base", "java.logging", "dev.faultline.diagnosis")),
        descriptor.requires().stream().map(ModuleDescriptor.Requires::name)
            .collect(Collectors.toCollection(TreeSet::new)));
  }
}
