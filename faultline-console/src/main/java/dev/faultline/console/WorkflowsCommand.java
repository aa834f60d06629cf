package dev.faultline.console;

import dev.faultline.state.workflow.WorkflowExecutor;
import dev.faultline.state.workflow.WorkflowInfo;
import dev.faultline.state.workflow.WorkflowStatus;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code faultline workflows ...}: offline tools for the store directory of an embedded
 * {@link WorkflowExecutor}: list workflows, show one with its steps, request a cancellation or a resumption (carried
 * out by the next executor that opens the store). Each takes the store's
 * lock while it runs, so it fails with {@code journal-locked} while an executor has the store open.
 */
@Command(
    name = "workflows",
    mixinStandardHelpOptions = true,
    description = "List, show, cancel and resume the durable workflows of an embedded workflow store directory.",
    subcommands = {WorkflowsCommand.ListWorkflows.class, WorkflowsCommand.Show.class, WorkflowsCommand.Cancel.class,
        WorkflowsCommand.Resume.class})
public final class WorkflowsCommand implements Runnable {
  /** Exit code of {@code show} and {@code cancel} when the store has no workflow with that id. */
  static final int EXIT_UNKNOWN = 2;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code workflows list DIR [--status S]}: one line per workflow, by id. */
  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the workflows, by id.")
  static final class ListWorkflows implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "the workflow store directory")
    Path directory;

    @Option(names = "--status", paramLabel = "STATUS",
        description = "only workflows with this status: ${COMPLETION-CANDIDATES}")
    WorkflowStatus status;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      int shown = 0;
      for (WorkflowInfo info : WorkflowExecutor.inspect(directory)) {
        if (status == null || info.status() == status) {
          out.printf("%s  %s  %s  queue %s  %d step(s)%s%n", info.workflowId(), info.workflowName(), info.status(),
              info.queue(), info.steps().size(), info.error() == null ? "" : "  " + info.error());
          shown++;
        }
      }
      out.printf("%d workflow(s)%n", shown);
      return 0;
    }
  }

  /** {@code workflows show DIR ID}: one workflow and its recorded steps. */
  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a workflow and its recorded steps.")
  static final class Show implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "the workflow store directory")
    Path directory;

    @Parameters(index = "1", paramLabel = "ID", description = "the workflow id")
    String id;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      List<WorkflowInfo> infos = WorkflowExecutor.inspect(directory);
      WorkflowInfo info = infos.stream().filter(i -> i.workflowId().equals(id)).findFirst().orElse(null);
      if (info == null) {
        spec.commandLine().getErr().println("faultline: no workflow with id " + id + " in " + directory);
        return EXIT_UNKNOWN;
      }
      PrintWriter out = spec.commandLine().getOut();
      out.printf("workflow %s%n  name %s%n  queue %s%n  status %s%n", info.workflowId(), info.workflowName(),
          info.queue(), info.status());
      if (info.error() != null) {
        out.printf("  error %s%n", info.error());
      }
      for (WorkflowInfo.StepInfo step : info.steps()) {
        out.printf("  step %d  %s  %s%s%n", step.index(), step.name(), step.outcome(),
            step.compensated() ? "  compensated" : "");
      }
      return 0;
    }
  }

  /**
   * A request recorded in the store for the next executor to carry out: refused with {@link #EXIT_UNKNOWN} for an
   * unknown id; exit 1 when the workflow already finished.
   */
  abstract static class OfflineRequest implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "the workflow store directory")
    Path directory;

    @Parameters(index = "1", paramLabel = "ID", description = "the workflow id")
    String id;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The request's name in messages ("cancellation", "resume"). */
    abstract String what();

    /** The request's verb in messages ("cancel", "resume"). */
    abstract String verb();

    /** Records the request; false if the workflow already finished. */
    abstract boolean record(Path directory, String id);

    @Override
    public Integer call() {
      boolean known = WorkflowExecutor.inspect(directory).stream().anyMatch(i -> i.workflowId().equals(id));
      if (!known) {
        spec.commandLine().getErr().println("faultline: no workflow with id " + id + " in " + directory);
        return EXIT_UNKNOWN;
      }
      boolean recorded = record(directory, id);
      spec.commandLine().getOut().println(recorded ? what() + " of " + id + " recorded"
          : id + " already finished; nothing to " + verb());
      return recorded ? 0 : 1;
    }
  }

  /** {@code workflows cancel DIR ID}: records a cancellation that the next executor carries out. */
  @Command(name = "cancel", mixinStandardHelpOptions = true,
      description = "Record a cancellation; the next executor to open the store stops the workflow and compensates.")
  static final class Cancel extends OfflineRequest {
    @Override
    String what() {
      return "cancellation";
    }

    @Override
    String verb() {
      return "cancel";
    }

    @Override
    boolean record(Path directory, String id) {
      return WorkflowExecutor.cancelOffline(directory, id);
    }
  }

  /** {@code workflows resume DIR ID}: records a resume request that the next executor carries out. */
  @Command(name = "resume", mixinStandardHelpOptions = true,
      description = "Record a resume request; the next executor to open the store resumes the workflow even if it"
          + " does not resume on start, and retries a failed compensation.")
  static final class Resume extends OfflineRequest {
    @Override
    String what() {
      return "resume";
    }

    @Override
    String verb() {
      return "resume";
    }

    @Override
    boolean record(Path directory, String id) {
      return WorkflowExecutor.resumeOffline(directory, id);
    }
  }
}
