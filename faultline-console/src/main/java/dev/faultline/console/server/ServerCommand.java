package dev.faultline.console.server;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code faultline server}: runs the console's HTTP API ({@link ConsoleServer}) until the process is stopped.
 *
 * <p>On first start it prints a one-time setup token; {@code POST /api/v1/setup} with that token sets the admin's
 * password. There is never a default password. Not thread-safe: picocli fills its fields, then calls it once.
 */
@Command(name = "server", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Runs the Faultline console's HTTP API (ingest from services, queries, users and keys).")
public final class ServerCommand implements Callable<Integer> {

  @Option(names = "--port", defaultValue = "7070", description = "Port to listen on (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--bind", defaultValue = "127.0.0.1",
      description = "Address to listen on (default: ${DEFAULT-VALUE}, this machine only).")
  String bind;

  @Option(names = "--data", defaultValue = "faultline-data",
      description = "Directory of users, keys, events and the audit log (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(names = "--allow", split = ",", paramLabel = "CIDR",
      description = "Allow only clients in these CIDR blocks or addresses (repeatable or comma-separated; default:"
          + " all clients that can reach --bind).")
  List<String> allow = new ArrayList<>();

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (port < 0 || port > 65_535) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--port must be from 0 to 65535, but was " + port);
    }
    AddressAllowList allowList;
    try {
      allowList = allow.isEmpty() ? AddressAllowList.allowAll() : AddressAllowList.of(allow);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--allow: " + e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    CountDownLatch stopped = new CountDownLatch(1);
    List<String> setupToken = new ArrayList<>(1);
    ConsoleServer server = ConsoleServer.builder(data).bind(bind).port(port).allowList(allowList)
        .setupTokenSink(setupToken::add).start();
    out.println("Faultline console listening on " + server.baseUri() + " (data in " + data.toAbsolutePath() + ")");
    for (String token : setupToken) {
      out.println("First start: the admin has no password yet. This one-time setup token sets it:");
      out.println("  " + token);
      out.println("  curl -X POST -H 'Content-Type: application/json' \\");
      out.println("    -d '{\"token\":\"" + token + "\",\"password\":\"<at least 12 characters>\"}' \\");
      out.println("    " + server.baseUri() + "/api/v1/setup");
      out.println("It is shown only now; a restart before setup makes a new one and voids this one.");
    }
    out.flush();
    // On Ctrl-C or SIGTERM, stop serving before the JVM exits, then let this thread return.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "faultline-server-shutdown"));
    stopped.await();
    return 0;
  }
}
