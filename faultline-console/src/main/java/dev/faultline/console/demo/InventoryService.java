package dev.faultline.console.demo;

import dev.faultline.core.event.ComponentEvent;
import dev.faultline.state.Codec;
import dev.faultline.state.RecoverableState;
import dev.faultline.state.RollbackResult;
import dev.faultline.state.RollbackTarget;
import dev.faultline.state.StateMachine;
import dev.faultline.state.checkpoint.CheckpointInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The demo's inventory: stock per SKU in {@link RecoverableState} (every movement journaled, a checkpoint after every
 * good batch). {@link #importBatch(boolean)} applies a batch of movements; a faulty batch (a unit mix-up that takes
 * twelve times the stock) leaves negative stock, which the invariant check catches: the service reports an incident and
 * rolls the state back to the last good checkpoint, discarding the batch's records (counted as data rolled back).
 * The inventory reports itself as a component: {@code ComponentFailed} when the check catches the broken invariant,
 * {@code ComponentRecovered} once the rollback restored a good state.
 *
 * <p>Thread-safe for reading and for rollbacks from elsewhere (the console), as {@link RecoverableState} is; batches
 * are imported by one thread at a time (the demo's script), so that no lock is held while events are published.
 */
public final class InventoryService implements AutoCloseable {
  private static final int SKUS = 7;

  private final Wiring wiring;
  private final RecoverableState<SortedMap<String, Integer>, String> state;
  private final AtomicInteger batches = new AtomicInteger();
  private final AtomicInteger rollbacks = new AtomicInteger();

  /** Opens (or recovers) the inventory kept in {@code directory}. */
  public InventoryService(Wiring wiring, Path directory) {
    this.wiring = wiring;
    this.state = RecoverableState.builder(directory, new Stock(), new StockCodec(), Codec.utf8())
        .name(wiring.service()).clock(wiring.clock()).scheduler(wiring.scheduler()).keepCheckpoints(8)
        .listener(wiring.events()).open();
    if (state.checkpoints().isEmpty()) {
      for (int sku = 0; sku < SKUS; sku++) {
        state.apply("sku-" + sku + ":+100");
      }
      state.checkpoint("opening stock");
    }
  }

  /**
   * Applies one batch of stock movements and checkpoints it; a {@code faulty} batch breaks the invariant (no
   * negative stock) and is rolled back to the last good checkpoint. One thread at a time.
   */
  public void importBatch(boolean faulty) {
    int batch = batches.incrementAndGet();
    List<CheckpointInfo> kept = state.checkpoints();
    CheckpointInfo lastGood = kept.get(kept.size() - 1);
    wiring.log().info("importing batch " + batch + (faulty ? " (from the legacy feed, quantities in dozens)" : ""));
    for (int i = 0; i < SKUS; i++) {
      String sku = "sku-" + ((batch + i) % SKUS);
      // The legacy feed sends the sku's whole stock in dozens, read as units: always more than there is, however
      // much the good batches have added over a long demo (a fixed -144 stopped breaking the invariant after ~16
      // cycles, and the faulty batch was then checkpointed as good).
      int quantity = faulty ? -12 * Math.max(1, state.state().getOrDefault(sku, 0))
          : (i % 2 == 0 ? 5 : -3);
      state.apply(sku + ":" + (quantity >= 0 ? "+" : "") + quantity);
    }
    List<String> negative = state.state().entrySet().stream().filter(e -> e.getValue() < 0)
        .map(e -> e.getKey() + "=" + e.getValue()).toList();
    if (negative.isEmpty()) {
      state.checkpoint("batch " + batch);
      return;
    }
    InventoryInvariantException broken = new InventoryInvariantException("stock went negative after batch " + batch
        + ": " + String.join(", ", negative));
    wiring.log().error(broken.getMessage() + "; rolling back to checkpoint " + lastGood.id());
    long failedAt = wiring.clock().wallMillis();
    wiring.events().onEvent(new ComponentEvent.ComponentFailed(wiring.service(), Instant.ofEpochMilli(failedAt),
        broken.toString(), broken));
    wiring.reportIncident(broken, wiring.service());
    RollbackResult result = state.rollback(new RollbackTarget.ToCheckpoint(lastGood.id()));
    long now = wiring.clock().wallMillis();
    wiring.events().onEvent(new ComponentEvent.ComponentRecovered(wiring.service(), Instant.ofEpochMilli(now),
        Duration.ofMillis(now - failedAt)));
    rollbacks.incrementAndGet();
    wiring.log().warn("rolled back to " + lastGood.id() + " (" + lastGood.label() + "): " + result.discarded()
        + " movements discarded");
  }

  /** The stock per SKU now. */
  public Map<String, Integer> stock() {
    return state.state();
  }

  /** The recoverable state itself, for the console to list its checkpoints and roll it back. */
  public RecoverableState<SortedMap<String, Integer>, String> state() {
    return state;
  }

  /** The checkpoints kept, oldest first. */
  public List<CheckpointInfo> checkpoints() {
    return state.checkpoints();
  }

  /** How many faulty batches were rolled back. */
  public int rollbacks() {
    return rollbacks.get();
  }

  @Override
  public void close() {
    state.close();
  }

  /** Movements {@code sku:+n} / {@code sku:-n} on an immutable sorted map. */
  private static final class Stock implements StateMachine<SortedMap<String, Integer>, String> {
    @Override
    public SortedMap<String, Integer> initial() {
      return Collections.emptySortedMap();
    }

    @Override
    public SortedMap<String, Integer> apply(SortedMap<String, Integer> stock, String movement) {
      int colon = movement.lastIndexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("a movement must be sku:+n or sku:-n, but was '" + movement + "'");
      }
      TreeMap<String, Integer> next = new TreeMap<>(stock);
      next.merge(movement.substring(0, colon), Integer.parseInt(movement.substring(colon + 1)), Integer::sum);
      return Collections.unmodifiableSortedMap(next);
    }
  }

  /** Stock as lines {@code sku=n}. */
  private static final class StockCodec implements Codec<SortedMap<String, Integer>> {
    @Override
    public byte[] encode(SortedMap<String, Integer> stock) {
      StringBuilder text = new StringBuilder();
      stock.forEach((sku, n) -> text.append(sku).append('=').append(n).append('\n'));
      return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public SortedMap<String, Integer> decode(byte[] bytes) {
      TreeMap<String, Integer> stock = new TreeMap<>();
      for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
        if (!line.isEmpty()) {
          int eq = line.indexOf('=');
          stock.put(line.substring(0, eq), Integer.parseInt(line.substring(eq + 1)));
        }
      }
      return Collections.unmodifiableSortedMap(stock);
    }
  }

  /** The inventory's invariant (no negative stock) was broken. */
  static final class InventoryInvariantException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    InventoryInvariantException(String message) {
      super(message);
    }
  }
}
