package dev.faultline.console.server;

import dev.faultline.core.ConfigurationException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    description = "Runs the Faultline console: HTTP API (ingest from services, queries, operations) and dashboard.")
public final class ServerCommand implements Callable<Integer> {
  /** The environment variable holding the key store's password when no password file is given. */
  static final String KEYSTORE_PASSWORD_ENV = "FAULTLINE_KEYSTORE_PASSWORD";
  /** The environment variable holding the database password when no password file is given. */
  static final String DB_PASSWORD_ENV = "FAULTLINE_DB_PASSWORD";

  @Option(names = "--port", defaultValue = "7070", description = "Port to listen on (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--bind", defaultValue = "127.0.0.1",
      description = "Address to listen on (default: ${DEFAULT-VALUE}, this machine only).")
  String bind;

  @Option(names = "--data", defaultValue = "faultline-data",
      description = "Directory of users, keys, the journal of reported data and the audit log"
          + " (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(names = "--allow", split = ",", paramLabel = "CIDR",
      description = "Allow only clients in these CIDR blocks or addresses (repeatable or comma-separated; default:"
          + " all clients that can reach --bind).")
  List<String> allow = new ArrayList<>();

  @Option(names = "--tls-cert", paramLabel = "PEM",
      description = "Serve HTTPS with this PEM certificate chain (server certificate first); needs --tls-key.")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "PEM",
      description = "The unencrypted PEM private key (PKCS#8, or PKCS#1 RSA) of --tls-cert.")
  Path tlsKey;

  @Option(names = "--keystore", paramLabel = "FILE",
      description = "Serve HTTPS with the key and certificate chain of this PKCS#12 or JKS key store.")
  Path keystore;

  @Option(names = "--keystore-password-file", paramLabel = "FILE",
      description = "File whose first line is the --keystore password (default: the environment variable "
          + KEYSTORE_PASSWORD_ENV + ").")
  Path keystorePasswordFile;

  @Option(names = "--db", paramLabel = "JDBC_URL",
      description = "Keep everything in this PostgreSQL database (jdbc:postgresql://host:port/db) instead of --data,"
          + " so that several console instances share it.")
  String db;

  @Option(names = "--db-user", paramLabel = "USER", description = "The database user (default: from the URL).")
  String dbUser;

  @Option(names = "--db-password-file", paramLabel = "FILE",
      description = "File whose first line is the database password (default: the environment variable "
          + DB_PASSWORD_ENV + ", if set).")
  Path dbPasswordFile;

  @Option(names = "--workflows", paramLabel = "NAME=DIR",
      description = "Serve a workflow store directory under NAME (repeatable); it is read and changed offline, so"
          + " its executor must not hold it open.")
  Map<String, Path> workflows = new LinkedHashMap<>();

  @Option(names = "--state", paramLabel = "NAME=DIR",
      description = "Serve the checkpoints of a state directory under NAME (repeatable); rollbacks run offline.")
  Map<String, Path> states = new LinkedHashMap<>();

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
    ConsoleServer.Builder builder = ConsoleServer.builder(data).bind(bind).port(port).allowList(allowList)
        .setupTokenSink(setupToken::add);
    Tls.Identity identity = identity();
    if (identity != null) {
      builder.tls(identity);
    }
    if (dbPasswordFile != null && db == null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--db-password-file needs --db");
    }
    if (db != null) {
      String password = dbPasswordFile != null ? firstLine(dbPasswordFile) : System.getenv(DB_PASSWORD_ENV);
      builder.database(db, dbUser, password == null ? null : password.toCharArray());
    }
    workflows.forEach(builder::workflowStore);
    states.forEach(builder::checkpointStore);
    ConsoleServer server;
    try {
      server = builder.start();
    } catch (ConfigurationException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    out.println("Faultline console listening on " + server.baseUri() + " (data in "
        + (db != null ? "the database " + db : data.toAbsolutePath().toString()) + ")");
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

  private static String firstLine(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    return lines.isEmpty() ? "" : lines.get(0);
  }

  /** The TLS identity the options ask for, or null for plain HTTP. */
  private Tls.Identity identity() throws IOException {
    boolean pem = tlsCert != null || tlsKey != null;
    if (pem && keystore != null) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "give either --tls-cert with --tls-key, or --keystore, not both");
    }
    if (pem && (tlsCert == null || tlsKey == null)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--tls-cert and --tls-key go together");
    }
    if (keystorePasswordFile != null && keystore == null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--keystore-password-file needs --keystore");
    }
    try {
      if (pem) {
        return Tls.fromPem(tlsCert, tlsKey);
      }
      if (keystore != null) {
        String password;
        if (keystorePasswordFile != null) {
          password = firstLine(keystorePasswordFile);
        } else {
          password = System.getenv(KEYSTORE_PASSWORD_ENV);
          if (password == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--keystore needs its password: give"
                + " --keystore-password-file or set " + KEYSTORE_PASSWORD_ENV);
          }
        }
        return Tls.fromKeyStore(keystore, password.toCharArray());
      }
    } catch (ConfigurationException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    return null;
  }
}
