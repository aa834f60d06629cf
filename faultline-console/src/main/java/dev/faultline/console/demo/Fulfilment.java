package dev.faultline.console.demo;

import dev.faultline.supervisor.ChildContext;
import dev.faultline.supervisor.Component;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo's fulfilment worker: a supervised {@link Component} whose thread takes one job every 150 ms. A job with a
 * malformed payload ({@link #injectPoisonJob()}) makes it crash; it reports the failure to its supervisor, which
 * restarts a fresh worker, and reports an incident with the log lines that led to it.
 *
 * <p>Thread-safe: the job counter and the poison flag are atomics shared by every incarnation of the worker.
 */
public final class Fulfilment {
  private static final long JOB_NANOS = TimeUnit.MILLISECONDS.toNanos(150);

  private final Wiring wiring;
  private final AtomicLong nextJob = new AtomicLong(1);
  private final AtomicBoolean poison = new AtomicBoolean();
  private final AtomicLong crashes = new AtomicLong();

  /** The fulfilment service of {@code wiring}. */
  public Fulfilment(Wiring wiring) {
    this.wiring = wiring;
  }

  /** A new incarnation of the worker, for the supervisor's child spec. */
  public Component newWorker() {
    return new Worker();
  }

  /** Makes the next job the worker takes carry a payload without its SKU. */
  public void injectPoisonJob() {
    poison.set(true);
  }

  /** How often the worker crashed. */
  public long crashes() {
    return crashes.get();
  }

  /** One incarnation: a thread taking jobs until stopped or until a job breaks it. */
  private final class Worker implements Component {
    private volatile Thread thread;

    @Override
    public void start(ChildContext context) {
      Thread t = new Thread(() -> run(context), "faultline-demo-fulfilment");
      t.setDaemon(true);
      thread = t;
      wiring.log().info("worker started");
      t.start();
    }

    private void run(ChildContext context) {
      try {
        while (!Thread.currentThread().isInterrupted()) {
          long job = nextJob.getAndIncrement();
          String payload = poison.getAndSet(false) ? "{\"order\":\"order-" + job + "\",\"qty\":2}"
              : "{\"order\":\"order-" + job + "\",\"sku\":\"sku-" + (job % 7) + "\",\"qty\":1}";
          if (job % 20 == 0 || !payload.contains("sku")) {
            wiring.log().info("took job " + job + " " + payload);
          }
          pick(job, payload);
          wiring.clock().sleep(JOB_NANOS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        crashes.incrementAndGet();
        wiring.log().error("worker crashed: " + e);
        wiring.reportIncident(e, wiring.service());
        context.failed(e);
      }
    }

    @Override
    public void stop() throws InterruptedException {
      Thread t = thread;
      if (t == Thread.currentThread()) {
        // The crashed worker's own report: the supervisor stops this incarnation on its thread, which ends on return.
        // Joining itself would only throw (its interrupt is pending), recorded as a stop that took too long.
        return;
      }
      if (t != null) {
        t.interrupt();
        t.join(TimeUnit.SECONDS.toMillis(5));
      }
    }
  }

  private void pick(long job, String payload) {
    String sku = field(payload, "sku");
    if (sku == null) {
      throw new IllegalStateException("job " + job + ": the payload has no 'sku' field: " + payload);
    }
  }

  private static String field(String json, String name) {
    String key = "\"" + name + "\":\"";
    int at = json.indexOf(key);
    if (at < 0) {
      return null;
    }
    int end = json.indexOf('"', at + key.length());
    return json.substring(at + key.length(), end);
  }
}
