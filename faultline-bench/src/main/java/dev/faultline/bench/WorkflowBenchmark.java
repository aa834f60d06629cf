package dev.faultline.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.dbos.transact.DBOS;
import dev.dbos.transact.StartWorkflowOptions;
import dev.dbos.transact.config.DBOSConfig;
import dev.dbos.transact.context.WorkflowOptions;
import dev.faultline.state.journal.Durability;
import dev.faultline.state.postgres.PostgresWorkflowStore;
import dev.faultline.state.workflow.WorkflowExecutor;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Durable 3-step workflows with trivial steps, started and awaited by 1 and by 32 concurrent starters: Faultline's
 * executor on PostgreSQL, DBOS Transact Java on the same PostgreSQL (same server settings, same HikariCP pool size,
 * same JVM), and Faultline's embedded store on local disk. Each operation starts a workflow with a new id and waits
 * for its result; every step result is durable before the step returns, in all three (in the {@code -async} pair of
 * {@link #backend}: written before it returns and forced within milliseconds, in both libraries alike). Two ways to
 * do that, the same in both libraries ({@link #mode}): {@code start} hands the workflow to the library's workers and
 * waits for its result without a time limit ({@code WorkflowExecutor.start(...).result().get()}, which runs the
 * workflow in the waiting thread if no worker took it yet; {@code DBOS.startWorkflow(...).getResult()}), {@code call}
 * runs it in the starting thread ({@code WorkflowExecutor.call}, a DBOS workflow method called directly under
 * {@code WorkflowOptions} naming the id).
 *
 * <pre>
 * java -jar faultline-bench/target/benchmarks.jar WorkflowBenchmark
 * </pre>
 * Each fork starts its own embedded PostgreSQL server (a real PostgreSQL binary, default durability settings) in a
 * temporary directory. Sample-time mode: JMH prints mean, p50 and p99 latency; throughput (workflows/s) is the
 * number of starters divided by the mean latency (a closed loop: each starter has one workflow in flight).
 *
 * <p>The embedded store keeps its default of a checkpoint every 10 000 records (amortized: see
 * {@code RecoverableState.Builder.amortizeCheckpoints}); {@code -jvmArgsAppend -Dfaultline.bench.checkpointEvery=0}
 * turns them off, to measure what they cost.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class WorkflowBenchmark {

  /**
   * Which workflow library and store to measure. The {@code -async} pair relaxes durability the same way in both:
   * each record is written before the call returns and forced a few milliseconds later, so it survives a crash of
   * the process but a power loss can take the last of them (DBOS on a PostgreSQL server with
   * {@code synchronous_commit = off}; the embedded store in {@code Durability.ASYNC}, forced every 50 ms).
   */
  @Param({"faultline-postgres", "dbos-postgres", "faultline-embedded", "dbos-postgres-async",
      "faultline-embedded-async"})
  public String backend;

  /** How each operation runs its workflow: on the library's workers ({@code start}) or in its own thread. */
  @Param({"start", "call"})
  public String mode;

  /** The connection pool size of both PostgreSQL libraries. */
  @Param({"10"})
  public int poolSize;

  private final AtomicLong ids = new AtomicLong();
  private EmbeddedPostgres server;
  private HikariDataSource pool;
  private Path directory;
  private WorkflowExecutor executor;
  private DBOS dbos;
  private Flow flow;

  /** The DBOS workflow's interface (DBOS registers a proxy of it). */
  public interface Flow {
    /** Three trivial steps. */
    String run(String id);
  }

  /** The DBOS workflow: three trivial steps, like Faultline's. */
  public static final class DbosFlow implements Flow {
    private final DBOS dbos;

    DbosFlow(DBOS dbos) {
      this.dbos = dbos;
    }

    @Override
    @dev.dbos.transact.workflow.Workflow(name = "three-steps")
    public String run(String id) {
      String a = dbos.runStep(() -> id + "a", "a");
      String b = dbos.runStep(() -> a + "b", "b");
      return dbos.runStep(() -> b + "c", "c");
    }
  }

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    if (backend.startsWith("faultline-embedded")) {
      directory = Files.createTempDirectory("faultline-bench-workflows");
      executor = WorkflowExecutor.builder(directory).threads(32)
          .checkpointEvery(Long.getLong("faultline.bench.checkpointEvery", 10_000))
          .durability(backend.endsWith("-async") ? Durability.ASYNC : Durability.SYNC)
          .register("three-steps", this::threeSteps).open();
      return;
    }
    server = EmbeddedPostgres.builder().setServerConfig("max_connections", "200")
        .setServerConfig("synchronous_commit", backend.endsWith("-async") ? "off" : "on").start();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl("jdbc:postgresql://localhost:" + server.getPort() + "/postgres");
    config.setUsername("postgres");
    config.setMaximumPoolSize(poolSize);
    pool = new HikariDataSource(config);
    if (backend.equals("faultline-postgres")) {
      PostgresWorkflowStore store = PostgresWorkflowStore.builder(pool).schema("faultline").nodeId("bench").build();
      executor = WorkflowExecutor.builder(store).threads(32).register("three-steps", this::threeSteps).open();
    } else {
      dbos = new DBOS(DBOSConfig.defaults("bench").withDataSource(pool));
      flow = dbos.registerProxy(Flow.class, new DbosFlow(dbos));
      dbos.launch();
    }
  }

  private String threeSteps(dev.faultline.state.workflow.WorkflowContext ctx, String id) {
    String a = ctx.step("a", () -> id + "a");
    String b = ctx.step("b", () -> a + "b");
    return ctx.step("c", () -> b + "c");
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    if (executor != null) {
      executor.close();
    }
    if (dbos != null) {
      dbos.shutdown();
    }
    if (pool != null) {
      pool.close();
    }
    if (server != null) {
      server.close();
    }
    if (directory != null) {
      try (Stream<Path> files = Files.walk(directory)) {
        for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private String workflow() throws Exception {
    String id = "wf-" + ids.incrementAndGet();
    boolean call = mode.equals("call");
    if (dbos != null) {
      if (call) {
        try (WorkflowOptions.Guard named = new WorkflowOptions(id).setContext()) {
          return flow.run(id);
        }
      }
      return dbos.startWorkflow(() -> flow.run(id), new StartWorkflowOptions(id)).getResult();
    }
    if (call) {
      return executor.call("three-steps", id, id);
    }
    return executor.<String>start("three-steps", id, id).result().get();
  }

  /** One starter. */
  @Benchmark
  @Threads(1)
  public String starters01() throws Exception {
    return workflow();
  }

  /** 32 concurrent starters. */
  @Benchmark
  @Threads(32)
  public String starters32() throws Exception {
    return workflow();
  }
}
