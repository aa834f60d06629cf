package dev.faultline.supervisor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** A test component that logs its lifecycle into a shared log and fails its first starts when told to. */
final class Probe implements Component {
  final String name;
  final List<String> log;
  final AtomicInteger failStarts;
  volatile ChildContext context;

  Probe(String name, List<String> log, AtomicInteger failStarts) {
    this.name = name;
    this.log = log;
    this.failStarts = failStarts;
  }

  /** A factory whose instances log into {@code log}, remembering the latest in {@code latest}. */
  static Supplier<Component> factory(String name, List<String> log, AtomicInteger failStarts, Probe[] latest) {
    return () -> {
      Probe p = new Probe(name, log, failStarts);
      latest[0] = p;
      return p;
    };
  }

  static Supplier<Component> factory(String name, List<String> log, Probe[] latest) {
    return factory(name, log, new AtomicInteger(), latest);
  }

  @Override
  public void start(ChildContext ctx) {
    synchronized (log) {
      log.add("start " + name);
    }
    if (failStarts.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new IllegalStateException(name + " cannot start");
    }
    context = ctx;
  }

  @Override
  public void stop() {
    synchronized (log) {
      log.add("stop " + name);
    }
  }

  static List<String> newLog() {
    return new ArrayList<>();
  }
}
