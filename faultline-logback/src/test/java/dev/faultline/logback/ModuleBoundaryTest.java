package dev.faultline.logback;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The module exports its one package and depends on diagnosis, Logback and SLF4J only. */
class ModuleBoundaryTest {

  @Test
  void exportsOnlyItsPackage() {
    ModuleDescriptor descriptor = ModuleFinder.of(Path.of("target/classes")).find("dev.faultline.logback")
        .orElseThrow(() -> new AssertionError("module dev.faultline.logback not found in target/classes"))
        .descriptor();
    assertEquals(Set.of("dev.faultline.logback"), descriptor.exports().stream().map(ModuleDescriptor.Exports::source)
        .collect(Collectors.toSet()));
    assertEquals(new TreeSet<>(Set.of("java.base", "dev.faultline.diagnosis", "ch.qos.logback.classic",
        "ch.qos.logback.core", "org.slf4j")), descriptor.requires().stream().map(ModuleDescriptor.Requires::name)
        .collect(Collectors.toCollection(TreeSet::new)));
  }
}
