package dev.faultline.console.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.Clock;
import dev.faultline.core.Scheduler;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The inventory's scripted fault: every faulty batch breaks the invariant and is rolled back, however long it runs. */
class InventoryServiceTest {
  @TempDir
  Path dir;

  @Test
  void everyFaultyBatchIsRolledBackEvenAfterManyCyclesOfGoodBatches() {
    Wiring wiring = new Wiring("inventory", Clock.system(), Scheduler.system(), e -> { }, i -> { },
        new DemoLog("inventory", Clock.system(), 40));
    try (InventoryService inventory = new InventoryService(wiring, dir)) {
      // One cycle of the demo's script: a good batch, a faulty one, a good one. A long demo runs many cycles.
      for (int cycle = 1; cycle <= 60; cycle++) {
        inventory.importBatch(false);
        inventory.importBatch(true);
        inventory.importBatch(false);
        assertEquals(cycle, inventory.rollbacks(), "the faulty batch of cycle " + cycle + " was not rolled back,"
            + " stock now " + inventory.stock());
        assertTrue(inventory.stock().values().stream().allMatch(n -> n >= 0), inventory.stock().toString());
      }
    }
  }
}
