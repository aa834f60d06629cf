package dev.faultline.diagnosis.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Declared dependency graphs: reachability both ways, a deterministic topological order, cycles named. */
class DependencyGraphTest {

  @Test
  void answersDirectAndTransitiveDependenciesAndDependants() {
    DependencyGraph g = DependencyGraph.builder()
        .dependsOn("api", "orders", "auth")
        .dependsOn("orders", "db", "cache")
        .dependsOn("auth", "db")
        .component("metrics")
        .build();
    assertEquals(List.of("api", "auth", "cache", "db", "metrics", "orders"), List.copyOf(g.components()));
    assertEquals(List.of("auth", "orders"), List.copyOf(g.dependenciesOf("api")));
    assertEquals(List.of("auth", "cache", "db", "orders"), List.copyOf(g.transitiveDependenciesOf("api")));
    assertEquals(List.of("api", "auth", "orders"), List.copyOf(g.transitiveDependantsOf("db")));
    assertEquals(List.of("auth", "orders"), List.copyOf(g.dependantsOf("db")));
    assertTrue(g.dependsOn("api", "db"));
    assertFalse(g.dependsOn("db", "api"));
    assertTrue(g.dependenciesOf("unknown").isEmpty());
    assertEquals(List.of("api", "auth", "cache", "db", "metrics", "orders").size(), g.topologicalOrder().size());
    List<String> order = g.topologicalOrder();
    for (String component : g.components()) {
      for (String dependency : g.dependenciesOf(component)) {
        assertTrue(order.indexOf(dependency) < order.indexOf(component), dependency + " before " + component);
      }
    }
    assertEquals(List.of("db", "auth", "cache", "orders", "api", "metrics"), order);
  }

  @Test
  void aCycleIsRejectedAndNamed() {
    ConfigurationException e = assertThrows(ConfigurationException.class, () -> DependencyGraph.builder()
        .dependsOn("api", "orders")
        .dependsOn("orders", "db")
        .dependsOn("db", "api")
        .build());
    assertEquals("dependencies", e.field());
    assertEquals("api -> orders -> db -> api", e.value());
    assertTrue(e.getMessage().contains("be acyclic"), e.getMessage());

    ConfigurationException self = assertThrows(ConfigurationException.class,
        () -> DependencyGraph.builder().dependsOn("db", "db"));
    assertEquals("db -> db", self.value());
    assertThrows(ConfigurationException.class, () -> DependencyGraph.builder().component(" "));
  }
}
