package dev.faultline.console.demo;

import dev.faultline.core.event.ComponentEvent;
import dev.faultline.supervisor.ChildContext;
import dev.faultline.supervisor.Component;
import dev.faultline.supervisor.failover.FileLease;
import dev.faultline.supervisor.failover.Replica;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The demo's ledger: two {@link Replica}s, {@code ledger-a} and {@code ledger-b}, of one active-passive group sharing
 * a {@link FileLease}. Only the lease holder runs a ledger writer, fenced by the lease epoch. {@link #failActive()}
 * makes the active writer fail (its disk is full): it steps down and releases the lease, and the standby takes over
 * within one renew interval.
 *
 * <p>The replicas' own events name the group ({@code ledger}); so that the fault tree can tell the replicas apart, the
 * service also reports each replica as a component of its own: {@code ComponentFailed} for the owner that failed, and
 * {@code ComponentRecovered} when it may compete for the lease again (one time to live later), as a healthy standby.
 *
 * <p>Thread-safe: the active writer is an atomic reference; replicas and the lease are thread-safe.
 */
public final class LedgerService implements AutoCloseable {
  private static final Duration TTL = Duration.ofSeconds(1);
  private static final Duration RENEW = Duration.ofMillis(250);

  private final Wiring wiring;
  private final List<Replica> replicas;
  private final AtomicReference<Writer> active = new AtomicReference<>();
  private final AtomicLong failovers = new AtomicLong();

  /** The ledger of {@code wiring}, its lease kept in {@code leaseFile}. */
  public LedgerService(Wiring wiring, Path leaseFile) {
    this.wiring = wiring;
    // One lease object for both replicas: it serializes them within this process; the file lock does across processes.
    FileLease lease = new FileLease(leaseFile, wiring.clock());
    this.replicas = List.of(replica(lease, wiring.service() + "-a"), replica(lease, wiring.service() + "-b"));
  }

  private Replica replica(FileLease lease, String owner) {
    return Replica.builder(wiring.service(), owner).lease(lease).ttl(TTL).renewEvery(RENEW)
        .component(epoch -> new Writer(owner, epoch)).clock(wiring.clock()).scheduler(wiring.scheduler())
        .listener(wiring.events()).build();
  }

  /** Starts both replicas; the first to take the lease becomes active. */
  public void start() {
    replicas.forEach(Replica::start);
  }

  /** Makes the active writer fail; the standby replica takes over. */
  public void failActive() {
    Writer writer = active.get();
    if (writer != null) {
      writer.fail();
    }
  }

  /** The owner of the active writer, or null while none is active. */
  public String activeOwner() {
    Writer writer = active.get();
    return writer == null ? null : writer.owner;
  }

  /** How many times the active writer failed over. */
  public long failovers() {
    return failovers.get();
  }

  @Override
  public void close() {
    replicas.forEach(Replica::close);
  }

  /** The ledger writer of the lease holder, fenced by its epoch. */
  private final class Writer implements Component {
    private final String owner;
    private final long epoch;
    private volatile ChildContext context;

    Writer(String owner, long epoch) {
      this.owner = owner;
      this.epoch = epoch;
    }

    @Override
    public void start(ChildContext context) {
      this.context = context;
      active.set(this);
      wiring.log().info(owner + " is the active ledger writer (lease epoch " + epoch + ")");
    }

    void fail() {
      ChildContext c = context;
      if (c != null) {
        failovers.incrementAndGet();
        IOException full = new IOException("No space left on device: " + owner + " could not append to the ledger"
            + " (injected fault)");
        wiring.log().error(owner + " failed: " + full.getMessage());
        wiring.reportIncident(full, owner);
        long failedAt = wiring.clock().wallMillis();
        wiring.events().onEvent(new ComponentEvent.ComponentFailed(owner, Instant.ofEpochMilli(failedAt),
            full.toString(), full));
        c.failed(full);
        wiring.scheduler().schedule(() -> {
          long now = wiring.clock().wallMillis();
          wiring.log().info(owner + " is a healthy standby again");
          wiring.events().onEvent(new ComponentEvent.ComponentRecovered(owner, Instant.ofEpochMilli(now),
              Duration.ofMillis(now - failedAt)));
        }, TTL.toNanos());
      }
    }

    @Override
    public void stop() {
      active.compareAndSet(this, null);
      wiring.log().info(owner + " stopped writing (epoch " + epoch + ")");
    }
  }
}
