package dev.faultline.supervisor;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.internal.Validate;
import dev.faultline.core.Scheduler;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * How a supervisor runs one child: its name, a factory for a fresh instance per (re)start, and its
 * {@link RestartType}.
 *
 * <p>Immutable and thread-safe (if the factory is).
 */
public final class ChildSpec {
  private final String name;
  private final Supplier<? extends Component> factory;
  private final RestartType restart;

  private ChildSpec(String name, Supplier<? extends Component> factory, RestartType restart) {
    this.name = Validate.notBlank("name", name);
    if (name.indexOf('/') >= 0) {
      // '/' separates the names of a path through nested supervisors (Supervisor.restart).
      throw new ConfigurationException("name", "must not contain '/'", name);
    }
    this.factory = Validate.notNull("factory", factory);
    this.restart = Validate.notNull("restart", restart);
  }

  /** A permanent child made by {@code factory} at each start. */
  public static ChildSpec of(String name, Supplier<? extends Component> factory) {
    return new ChildSpec(name, factory, RestartType.PERMANENT);
  }

  /**
   * A permanent child that runs the agent made by {@code factory} on an {@link AgentRunner}; a failing
   * {@code doWork} is the child's failure, {@link AgentTerminationException} its normal exit, and stopping closes the
   * runner with {@code shutdownTimeout} timed on {@code scheduler}.
   */
  public static ChildSpec agent(String name, Supplier<? extends Agent> factory, Duration shutdownTimeout,
      Scheduler scheduler) {
    Validate.notNull("factory", factory);
    Validate.positive("shutdownTimeout", shutdownTimeout);
    Validate.notNull("scheduler", scheduler);
    return of(name, () -> new AgentComponent(factory.get(), shutdownTimeout, scheduler));
  }

  /** This spec with another restart type. */
  public ChildSpec restart(RestartType type) {
    return new ChildSpec(name, factory, type);
  }

  /** The child's name, unique within its supervisor. */
  public String name() {
    return name;
  }

  /** The restart type. */
  public RestartType restart() {
    return restart;
  }

  Component create() {
    Component c = factory.get();
    if (c == null) {
      throw new IllegalStateException("the factory of child '" + name + "' returned null");
    }
    return c;
  }

  /** An agent under a runner, seen as a component. */
  private static final class AgentComponent implements Component {
    private final Agent agent;
    private final Duration timeout;
    private final Scheduler scheduler;
    private volatile AgentRunner runner;

    AgentComponent(Agent agent, Duration timeout, Scheduler scheduler) {
      this.agent = Validate.notNull("agent", agent);
      this.timeout = timeout;
      this.scheduler = scheduler;
    }

    @Override
    public void start(ChildContext context) {
      AgentRunner r = new AgentRunner(agent, new AgentRunner.Listener() {
        @Override
        public void onFailure(Throwable failure) {
          context.failed(failure);
        }

        @Override
        public void onExit() {
          context.exited();
        }
      });
      runner = r;
      r.start();
    }

    @Override
    public void stop() {
      AgentRunner r = runner;
      if (r != null && !r.close(timeout, scheduler)) {
        throw new IllegalStateException("agent '" + agent.roleName() + "' did not stop within " + timeout
            + " nor after an interrupt");
      }
    }
  }
}
