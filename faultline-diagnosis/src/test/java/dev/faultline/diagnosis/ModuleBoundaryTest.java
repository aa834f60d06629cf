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

/** The diagnosis module exports exactly its API packages and depends on core and the JDK only. */
class ModuleBoundaryTest {

  @Test
  void exportsOnlyApiPackages() {
    ModuleDescriptor descriptor = ModuleFinder.of(Path.of("target/classes")).find("dev.faultline.diagnosis")
        .orElseThrow(() -> new AssertionError("module dev.faultline.diagnosis not found in target/classes"))
        .descriptor();
    Set<String> exported = descriptor.exports().stream().map(ModuleDescriptor.Exports::source)
        .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(new TreeSet<>(Set.of("dev.faultline.diagnosis.fta", "dev.faultline.diagnosis.logs",
        "dev.faultline.diagnosis.incident", "dev.faultline.diagnosis.metrics", "dev.faultline.diagnosis.model")),
        exported);
    assertTrue(descriptor.packages().contains("dev.faultline.diagnosis.fta.internal"), "fta internals exist");
    Set<String> requires = descriptor.requires().stream().map(ModuleDescriptor.Requires::name)
        .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(new TreeSet<>(Set.of("java.base", "java.net.http", "java.xml", "dev.faultline.core")), requires);
  }
}
