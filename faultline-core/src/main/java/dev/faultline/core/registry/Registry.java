package dev.faultline.core.registry;

import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import dev.faultline.core.FaultlineException;
import dev.faultline.core.internal.Exceptions;
import dev.faultline.core.internal.Validate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/**
 * Instances made per key on first use, for example one circuit breaker per downstream host, bounded so that per-key
 * use cannot leak memory: at most {@code maximumSize} instances are kept, the least recently used are evicted first,
 * and (optionally) an instance not used for {@code expireAfterAccess} on the registry's {@link Clock} is evicted.
 *
 * <p>{@link #get} returns the instance of a key, calling the factory once for a key that has none. Concurrent
 * {@code get}s of one key share one instance: one caller runs the factory, the others wait for it. A factory that
 * throws leaves no instance: its caller gets the factory's exception, the callers that waited get a
 * {@link FaultlineException} ({@code "registry-create-failed"}) caused by it, and the next {@code get} tries again.
 * An instance being created is never evicted, so while factories run the registry may hold up to one more instance
 * per running factory; the overflow is evicted as each factory finishes, and a newly made instance counts as just
 * used.
 *
 * <h2>Concurrency design</h2>
 * {@code lock} guards {@code entries}, a {@link LinkedHashMap} in access order (least recently used first), and every
 * {@code Entry.accessedAt}. The lock is held only to look up, insert, touch and evict entries — never while a factory
 * runs, nor while listeners run, nor while a caller waits for another caller's factory. An entry being created holds
 * a latch; its creator publishes the instance (or the failure) through volatile fields and then opens the latch.
 * The eviction listener is called after the lock is released, in the thread whose call evicted.
 *
 * <p>Thread-safe.
 *
 * @param <K> the key type (with consistent {@code equals} and {@code hashCode})
 * @param <P> the type of the instances
 */
public final class Registry<K, P> {

  /** Why an instance left the registry on its own. */
  public enum EvictionCause {
    /** The registry was full and the instance was the least recently used. */
    SIZE,
    /** The instance was not used for {@code expireAfterAccess}. */
    EXPIRED
  }

  /** Receives the instances the registry evicts, for example to release what they hold. */
  @FunctionalInterface
  public interface EvictionListener<K, P> {
    /**
     * Called once per eviction, outside the registry's lock. Must not throw: an exception is dropped (fatal errors
     * excepted).
     */
    void onEviction(K key, P instance, EvictionCause cause);
  }

  private final Function<? super K, ? extends P> factory;
  private final int maximumSize;
  private final long expireAfterAccessNanos;
  private final Clock clock;
  private final EvictionListener<? super K, ? super P> listener;
  private final Object lock = new Object();
  private final LinkedHashMap<K, Entry<P>> entries = new LinkedHashMap<>(16, 0.75f, true);

  private Registry(Builder<K, P> builder) {
    this.factory = builder.factory;
    this.maximumSize = builder.maximumSize;
    this.expireAfterAccessNanos = builder.expireAfterAccess == null ? 0L : builder.expireAfterAccess.toNanos();
    this.clock = builder.clock;
    this.listener = builder.listener;
  }

  /** Starts a builder of a registry whose instances {@code factory} makes from their key. */
  public static <K, P> Builder<K, P> builder(Function<? super K, ? extends P> factory) {
    return new Builder<>(factory);
  }

  /**
   * Returns the instance of {@code key}, made by the factory if the key has none; marks it most recently used.
   *
   * @throws IllegalStateException if called for a key by the factory that is making that key's instance
   * @throws FaultlineException if another caller's factory run for this key failed
   */
  public P get(K key) {
    Objects.requireNonNull(key, "key");
    Entry<P> entry;
    boolean create = false;
    List<Evicted<K, P>> evicted;
    synchronized (lock) {
      long now = now();
      evicted = expire(now, null);
      entry = entries.get(key);
      if (entry == null) {
        entry = new Entry<>(Thread.currentThread());
        entries.put(key, entry);
        create = true;
        evicted = evictOverflow(entry, evicted);
      }
      entry.accessedAt = now;
    }
    notifyEvicted(evicted);
    return create ? create(key, entry) : entry.await(key);
  }

  private P create(K key, Entry<P> entry) {
    P instance;
    try {
      instance = factory.apply(key);
      if (instance == null) {
        throw new NullPointerException("the registry factory returned null for key " + key);
      }
    } catch (Throwable t) {
      synchronized (lock) {
        entries.remove(key, entry);
      }
      entry.fail(t);
      throw t;
    }
    entry.complete(instance);
    List<Evicted<K, P>> evicted = null;
    synchronized (lock) {
      if (entries.get(key) == entry) {
        entry.accessedAt = now();
        evicted = evictOverflow(entry, null);
      }
    }
    notifyEvicted(evicted);
    return instance;
  }

  /** Returns the instance of {@code key} if it has one already made (marking it most recently used); makes none. */
  public Optional<P> getIfPresent(K key) {
    Objects.requireNonNull(key, "key");
    List<Evicted<K, P>> evicted;
    P instance = null;
    synchronized (lock) {
      long now = now();
      evicted = expire(now, null);
      Entry<P> entry = entries.get(key);
      if (entry != null && entry.instance != null) {
        entry.accessedAt = now;
        instance = entry.instance;
      }
    }
    notifyEvicted(evicted);
    return Optional.ofNullable(instance);
  }

  /**
   * Removes the instance of {@code key} and returns it; the eviction listener is not called. Removing a key whose
   * instance is still being made only forgets it: the callers waiting for it still get it.
   */
  public Optional<P> remove(K key) {
    Objects.requireNonNull(key, "key");
    Entry<P> entry;
    synchronized (lock) {
      entry = entries.remove(key);
    }
    return entry == null ? Optional.empty() : Optional.ofNullable(entry.instance);
  }

  /** The number of keys held (including those whose instance is being made), after evicting expired ones. */
  public int size() {
    List<Evicted<K, P>> evicted;
    int size;
    synchronized (lock) {
      evicted = expire(now(), null);
      size = entries.size();
    }
    notifyEvicted(evicted);
    return size;
  }

  /** A copy of the keys held, least recently used first, after evicting expired ones. */
  public Set<K> keys() {
    List<Evicted<K, P>> evicted;
    Set<K> keys;
    synchronized (lock) {
      evicted = expire(now(), null);
      keys = new LinkedHashSet<>(entries.keySet());
    }
    notifyEvicted(evicted);
    return Collections.unmodifiableSet(keys);
  }

  /** Evicts the instances that have expired by now, without waiting for the next call to do it. */
  public void cleanUp() {
    List<Evicted<K, P>> evicted;
    synchronized (lock) {
      evicted = expire(now(), null);
    }
    notifyEvicted(evicted);
  }

  private long now() {
    return expireAfterAccessNanos > 0 ? clock.nanoTime() : 0L;
  }

  /** Removes expired entries from the least recently used end. Caller holds {@code lock}. */
  private List<Evicted<K, P>> expire(long now, List<Evicted<K, P>> evicted) {
    if (expireAfterAccessNanos <= 0) {
      return evicted;
    }
    Iterator<Map.Entry<K, Entry<P>>> it = entries.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<K, Entry<P>> head = it.next();
      Entry<P> entry = head.getValue();
      if (now - entry.accessedAt < expireAfterAccessNanos) {
        break;
      }
      if (entry.instance != null) {
        it.remove();
        evicted = add(evicted, new Evicted<>(head.getKey(), entry.instance, EvictionCause.EXPIRED));
      }
    }
    return evicted;
  }

  /** Evicts least recently used made instances while the map is over its bound. Caller holds {@code lock}. */
  private List<Evicted<K, P>> evictOverflow(Entry<P> keep, List<Evicted<K, P>> evicted) {
    Iterator<Map.Entry<K, Entry<P>>> it = entries.entrySet().iterator();
    while (entries.size() > maximumSize && it.hasNext()) {
      Map.Entry<K, Entry<P>> eldest = it.next();
      Entry<P> entry = eldest.getValue();
      if (entry != keep && entry.instance != null) {
        it.remove();
        evicted = add(evicted, new Evicted<>(eldest.getKey(), entry.instance, EvictionCause.SIZE));
      }
    }
    return evicted;
  }

  private static <K, P> List<Evicted<K, P>> add(List<Evicted<K, P>> list, Evicted<K, P> evicted) {
    List<Evicted<K, P>> result = list == null ? new ArrayList<>() : list;
    result.add(evicted);
    return result;
  }

  private void notifyEvicted(List<Evicted<K, P>> evicted) {
    if (evicted == null || listener == null) {
      return;
    }
    for (Evicted<K, P> e : evicted) {
      try {
        listener.onEviction(e.key, e.instance, e.cause);
      } catch (Throwable t) {
        Exceptions.rethrowIfFatal(t);
      }
    }
  }

  @Override
  public String toString() {
    synchronized (lock) {
      return "Registry[size=" + entries.size() + ", maximumSize=" + maximumSize + "]";
    }
  }

  private record Evicted<K, P>(K key, P instance, EvictionCause cause) {}

  /** One key's instance, or its creation in progress. */
  private static final class Entry<P> {
    private final Thread creator;
    private final CountDownLatch created = new CountDownLatch(1);
    private volatile P instance;
    private volatile Throwable failure;
    /** Guarded by the registry's lock. */
    long accessedAt;

    Entry(Thread creator) {
      this.creator = creator;
    }

    void complete(P made) {
      instance = made;
      created.countDown();
    }

    void fail(Throwable t) {
      failure = t;
      created.countDown();
    }

    P await(Object key) {
      P made = instance;
      if (made != null) {
        return made;
      }
      if (creator == Thread.currentThread()) {
        throw new IllegalStateException("the registry factory asked for the instance of key " + key
            + " while making it");
      }
      boolean interrupted = false;
      while (true) {
        try {
          created.await();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      made = instance;
      if (made != null) {
        return made;
      }
      throw new FaultlineException("registry-create-failed", "making the instance of key " + key + " failed",
          failure);
    }
  }

  /**
   * Builds a {@link Registry}. {@link #build()} checks every value, naming the field, the rule and the value.
   *
   * <p>Not thread-safe.
   *
   * @param <K> the key type
   * @param <P> the type of the instances
   */
  public static final class Builder<K, P> {
    private final Function<? super K, ? extends P> factory;
    private int maximumSize = 10_000;
    private Duration expireAfterAccess;
    private Clock clock = Clock.system();
    private EvictionListener<? super K, ? super P> listener;

    private Builder(Function<? super K, ? extends P> factory) {
      this.factory = factory;
    }

    /** The most instances kept, at least 1 (default 10,000). */
    public Builder<K, P> maximumSize(int maximumSize) {
      this.maximumSize = maximumSize;
      return this;
    }

    /** Evicts an instance not used for {@code duration}, a positive duration (default: never). */
    public Builder<K, P> expireAfterAccess(Duration duration) {
      this.expireAfterAccess = duration;
      return this;
    }

    /** The clock that times {@link #expireAfterAccess} (default: the system clock). */
    public Builder<K, P> clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** The listener of evictions (default: none). */
    public Builder<K, P> evictionListener(EvictionListener<? super K, ? super P> listener) {
      this.listener = listener;
      return this;
    }

    /**
     * Checks the configuration and builds the registry.
     *
     * @throws ConfigurationException naming the field, the rule and the value, if a value is invalid
     */
    public Registry<K, P> build() {
      Validate.notNull("factory", factory);
      Validate.atLeast("maximumSize", maximumSize, 1);
      if (expireAfterAccess != null) {
        Validate.positive("expireAfterAccess", expireAfterAccess);
        try {
          expireAfterAccess.toNanos();
        } catch (ArithmeticException e) {
          throw new ConfigurationException("expireAfterAccess", "fit in a long of nanoseconds", expireAfterAccess);
        }
      }
      Validate.notNull("clock", clock);
      return new Registry<>(this);
    }
  }
}
