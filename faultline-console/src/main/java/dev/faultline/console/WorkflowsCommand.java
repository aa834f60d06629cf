package dev.faultline.console;

import dev.faultline.core.ConfigurationException;
import dev.faultline.state.postgres.PostgresWorkflowStore;
import dev.faultline.state.workflow.WorkflowExecutor;
import dev.faultline.state.workflow.WorkflowInfo;
import dev.faultline.state.workflow.WorkflowStatus;
import dev.faultline.state.workflow.spi.StoredWorkflow;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code faultline workflows ...}: tools for the durable workflows of an embedded store directory or of a PostgreSQL
 * store ({@code --db}): list workflows, show one with its steps, request a cancellation or a resumption.
 *
 * <p>On a directory they work offline: the request is recorded for the next executor that opens the store, and each
 * command takes the store's lock while it runs, so it fails with {@code journal-locked} while an executor has the store
 * open. On PostgreSQL they work while executors run: a cancellation is seen by the workflow's owner at its next step
 * (or heartbeat, for a waiting timer); a resume request makes any node claim the workflow once its owner is gone. They
 * read the schema without migrating it (it must be current: {@code schema-missing}, {@code schema-outdated}
 * otherwise).
 */
@Command(
    name = "workflows",
    mixinStandardHelpOptions = true,
    description = "List, show, cancel and resume the durable workflows of an embedded workflow store directory or of"
        + " a PostgreSQL store (--db).",
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

  /** The store a command works on: a directory (the first positional argument) or a PostgreSQL database. */
  static final class Target {
    @Option(names = "--db", paramLabel = "JDBC_URL",
        description = "a PostgreSQL store instead of a directory: jdbc:postgresql://host:port/database")
    String url;

    @Option(names = "--db-user", paramLabel = "USER", defaultValue = "${env:FAULTLINE_DB_USER}",
        description = "the database user (default: $FAULTLINE_DB_USER, else the driver's default)")
    String user;

    @Option(names = "--db-password", paramLabel = "PASSWORD", arity = "0..1", interactive = true,
        defaultValue = "${env:FAULTLINE_DB_PASSWORD}",
        description = "the database password; without a value, asked for (default: $FAULTLINE_DB_PASSWORD)")
    String password;

    @Option(names = "--schema", paramLabel = "SCHEMA", defaultValue = "faultline",
        description = "the store's schema on PostgreSQL (default: ${DEFAULT-VALUE})")
    String schema;

    /**
     * The positional arguments left for the command once the directory (first argument, without {@code --db}) is
     * taken; checks there are {@code wanted} of them.
     */
    List<String> operands(CommandLine.Model.CommandSpec spec, List<String> positional, int wanted, String usage) {
      List<String> args = positional == null ? List.of() : positional;
      int expected = wanted + (url == null ? 1 : 0);
      if (args.size() != expected) {
        throw new CommandLine.ParameterException(spec.commandLine(), (url == null
            ? "expected the store directory" + (wanted > 0 ? " and " + usage : "")
            : "with --db, expected " + (wanted > 0 ? usage + " only (no directory)" : "no directory"))
            + "; got " + args);
      }
      return args.subList(url == null ? 1 : 0, args.size());
    }

    /** The directory, when there is no {@code --db}. */
    Path directory(List<String> positional) {
      return Path.of(positional.get(0));
    }

    /** Where the store is, for messages. */
    String where(List<String> positional) {
      return url != null ? schema + " at " + url : positional.get(0);
    }

    /** The command this target is mixed into, to name a refused option. */
    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec mixee;

    /**
     * Opens the database store.
     *
     * @throws CommandLine.ParameterException naming {@code --schema} if it is not a schema name, before connecting
     */
    PostgresWorkflowStore database() {
      try {
        return PostgresWorkflowStore.builder(url, blank(user), blank(password)).schema(schema).poolSize(2)
            .migrate(false).build();
      } catch (ConfigurationException e) {
        throw OptionErrors.refusal(mixee, e, Map.of("schema", "--schema"));
      }
    }

    private static String blank(String value) {
      return value == null || value.isEmpty() ? null : value;
    }

    /** The workflows with {@code status} (every one if null), by id. */
    List<WorkflowInfo> list(List<String> positional, WorkflowStatus status) {
      if (url == null) {
        return WorkflowExecutor.inspect(directory(positional)).stream()
            .filter(info -> status == null || info.status() == status).toList();
      }
      try (PostgresWorkflowStore store = database()) {
        return store.list(status);
      }
    }

    /** The workflow {@code id}, or null if the store has none: on PostgreSQL one row and its steps, not a list. */
    WorkflowInfo find(List<String> positional, String id) {
      if (url == null) {
        return WorkflowExecutor.inspect(directory(positional)).stream().filter(i -> i.workflowId().equals(id))
            .findFirst().orElse(null);
      }
      try (PostgresWorkflowStore store = database()) {
        StoredWorkflow found = store.find(id);
        return found == null ? null : found.info();
      }
    }
  }

  /** {@code workflows list (DIR | --db URL) [--status S] [--json]}: one line per workflow, by id. */
  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the workflows, by id.")
  static final class ListWorkflows implements Callable<Integer> {
    @Mixin
    Target target;

    @Parameters(arity = "0..1", paramLabel = "DIR", description = "the workflow store directory (not with --db)")
    List<String> positional;

    @Option(names = "--status", paramLabel = "STATUS",
        description = "only workflows with this status: ${COMPLETION-CANDIDATES}")
    WorkflowStatus status;

    @Option(names = "--json", description = "print one JSON object per workflow and line, steps included")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      target.operands(spec, positional, 0, "");
      PrintWriter out = spec.commandLine().getOut();
      List<WorkflowInfo> infos = target.list(positional, status);
      for (WorkflowInfo info : infos) {
        if (json) {
          writeJson(out, info);
        } else {
          out.printf("%s  %s  %s  queue %s  %d step(s)%s%n", text(info.workflowId()), text(info.workflowName()),
              info.status(), text(info.queue()), info.steps().size(),
              info.error() == null ? "" : "  " + text(info.error()));
        }
      }
      if (!json) {
        out.printf("%d workflow(s)%n", infos.size());
      }
      return 0;
    }
  }

  /** {@code workflows show (DIR | --db URL) ID [--json]}: one workflow and its recorded steps. */
  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a workflow and its recorded steps.")
  static final class Show implements Callable<Integer> {
    @Mixin
    Target target;

    @Parameters(arity = "1..2", paramLabel = "[DIR] ID",
        description = "the workflow store directory (not with --db), then the workflow id")
    List<String> positional;

    @Option(names = "--json", description = "print the workflow as one JSON object")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      String id = target.operands(spec, positional, 1, "the workflow id").get(0);
      WorkflowInfo info = target.find(positional, id);
      if (info == null) {
        spec.commandLine().getErr().println("faultline: no workflow with id " + text(id) + " in "
            + target.where(positional));
        return EXIT_UNKNOWN;
      }
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        writeJson(out, info);
        return 0;
      }
      out.printf("workflow %s%n  name %s%n  queue %s%n  status %s%n", text(info.workflowId()),
          text(info.workflowName()), text(info.queue()), info.status());
      if (info.error() != null) {
        out.printf("  error %s%n", text(info.error()));
      }
      for (WorkflowInfo.StepInfo step : info.steps()) {
        out.printf("  step %d  %s  %s%s%n", step.index(), text(step.name()), text(step.outcome()),
            step.compensated() ? "  compensated" : "");
      }
      return 0;
    }
  }

  /**
   * A value for the text output, on one line: control characters (a line break in an error message, an escape
   * sequence in an id) are written as {@code \n}, {@code \r} and {@code \t}, the others as a backslash, {@code u}
   * and their four hex digits (ESC as backslash-u001b), so one workflow stays one line and the terminal shows what the
   * store holds instead of obeying it ({@code --json} gives the exact values).
   */
  static String text(String value) {
    StringBuilder b = null;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c)) {
        if (b == null) {
          b = new StringBuilder(value.length() + 16).append(value, 0, i);
        }
        switch (c) {
          case '\n' -> b.append("\\n");
          case '\r' -> b.append("\\r");
          case '\t' -> b.append("\\t");
          default -> b.append(String.format("\\u%04x", (int) c));
        }
      } else if (b != null) {
        b.append(c);
      }
    }
    return b == null ? value : b.toString();
  }

  /** One workflow as one JSON object on one line. */
  static void writeJson(PrintWriter out, WorkflowInfo info) {
    JsonWriter json = new JsonWriter(out);
    json.beginObject().name("id").value(info.workflowId()).name("name").value(info.workflowName())
        .name("queue").value(info.queue()).name("status").value(info.status().name())
        .name("error").value(info.error()).name("compensated").value(info.compensated()).name("steps").beginArray();
    for (WorkflowInfo.StepInfo step : info.steps()) {
      json.beginObject().name("index").value(step.index()).name("name").value(step.name())
          .name("outcome").value(step.outcome()).name("compensated").value(step.compensated()).endObject();
    }
    json.endArray().endObject();
    out.println();
  }

  /**
   * A request recorded in the store for the workflow's executor to carry out: refused with {@link #EXIT_UNKNOWN} for
   * an unknown id; exit 1 when the workflow already finished.
   */
  abstract static class OfflineRequest implements Callable<Integer> {
    @Mixin
    Target target;

    @Parameters(arity = "1..2", paramLabel = "[DIR] ID",
        description = "the workflow store directory (not with --db), then the workflow id")
    List<String> positional;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The request's name in messages ("cancellation", "resume"). */
    abstract String what();

    /** The request's verb in messages ("cancel", "resume"). */
    abstract String verb();

    /** Records the request in a store directory; false if the workflow already finished. */
    abstract boolean record(Path directory, String id);

    /** Records the request in a PostgreSQL store; false if the workflow already finished. */
    abstract boolean record(PostgresWorkflowStore store, String id);

    @Override
    public Integer call() {
      String id = target.operands(spec, positional, 1, "the workflow id").get(0);
      boolean recorded;
      if (target.url == null) {
        boolean known = WorkflowExecutor.inspect(target.directory(positional)).stream()
            .anyMatch(i -> i.workflowId().equals(id));
        if (!known) {
          return unknown(id);
        }
        recorded = record(target.directory(positional), id);
      } else {
        try (PostgresWorkflowStore store = target.database()) {
          if (store.find(id) == null) {
            return unknown(id);
          }
          recorded = record(store, id);
        }
      }
      spec.commandLine().getOut().println(recorded ? what() + " of " + text(id) + " recorded"
          : text(id) + " already finished; nothing to " + verb());
      return recorded ? 0 : 1;
    }

    private int unknown(String id) {
      spec.commandLine().getErr().println("faultline: no workflow with id " + text(id) + " in "
          + target.where(positional));
      return EXIT_UNKNOWN;
    }
  }

  /** {@code workflows cancel (DIR | --db URL) ID}: records a cancellation that the workflow's executor carries out. */
  @Command(name = "cancel", mixinStandardHelpOptions = true,
      description = "Record a cancellation: the next executor to open the store directory, or the workflow's owner on"
          + " PostgreSQL, stops the workflow at its next step and compensates.")
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

    @Override
    boolean record(PostgresWorkflowStore store, String id) {
      return store.requestCancel(id);
    }
  }

  /** {@code workflows resume (DIR | --db URL) ID}: records a resume request that an executor carries out. */
  @Command(name = "resume", mixinStandardHelpOptions = true,
      description = "Record a resume request: the next executor to open the store directory (or, on PostgreSQL, any"
          + " node once the workflow's owner is gone) resumes the workflow even if it does not resume on start, and"
          + " retries a failed compensation.")
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

    @Override
    boolean record(PostgresWorkflowStore store, String id) {
      return store.requestResume(id);
    }
  }
}
