package dev.faultline.state.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The module exports exactly its API packages; faultline-supervisor is an optional (static) dependency. */
class ModuleBoundaryTest {

  @Test
  void exportsOnlyApiPackages() {
    ModuleDescriptor descriptor = ModuleFinder.of(Path.of("target/classes")).find("dev.faultline.state.postgres")
        .orElseThrow(() -> new AssertionError("module dev.faultline.state.postgres not found in target/classes"))
        .descriptor();
    Set<String> exported = descriptor.exports().stream().map(ModuleDescriptor.Exports::source)
        .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(new TreeSet<>(Set.of("dev.faultline.state.postgres", "dev.faultline.state.postgres.lease")),
        exported);
    assertTrue(descriptor.exports().stream().noneMatch(ModuleDescriptor.Exports::isQualified));
    Set<String> required = descriptor.requires().stream().map(ModuleDescriptor.Requires::name)
        .filter(n -> !n.startsWith("java.")).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(new TreeSet<>(Set.of("dev.faultline.state", "dev.faultline.supervisor", "com.zaxxer.hikari",
        "org.postgresql.jdbc")), required);
    assertTrue(descriptor.requires().stream().filter(r -> r.name().equals("dev.faultline.supervisor"))
        .allMatch(r -> r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC)),
        "faultline-supervisor must stay optional");
  }
}
