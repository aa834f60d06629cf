package dev.faultline.console;

import dev.faultline.console.server.ServerCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code faultline} program: {@code java -jar faultline.jar --help} lists its subcommands.
 */
@Command(
    name = "faultline",
    mixinStandardHelpOptions = true,
    versionProvider = FaultlineCommand.Version.class,
    description = "Keeps JVM services running through failures: detect, locate, recover, tolerate.",
    subcommands = {CommandLine.HelpCommand.class, DemoCommand.class, ServerCommand.class, FtaCommand.class,
        LogsCommand.class, JournalCommand.class, WorkflowsCommand.class})
public final class FaultlineCommand implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** Runs the program and exits with its exit code. */
  public static void main(String[] args) {
    System.exit(newCommandLine().execute(args));
  }

  /** The command line with every subcommand registered, for the program and for tests. */
  public static CommandLine newCommandLine() {
    CommandLine commandLine = new CommandLine(new FaultlineCommand());
    commandLine.setExecutionExceptionHandler((exception, line, parseResult) -> {
      line.getErr().println("faultline: " + exception.getMessage());
      return 1;
    });
    return commandLine;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Reads the version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = FaultlineCommand.class.getPackage().getImplementationVersion();
      return new String[] {"faultline " + (version == null ? "development build" : version),
          "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"};
    }
  }
}
