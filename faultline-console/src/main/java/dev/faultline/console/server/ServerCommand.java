package dev.faultline.console.server;

import dev.faultline.console.DurationConverter;
import dev.faultline.console.OptionErrors;
import dev.faultline.core.ConfigurationException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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

  @Option(names = "--idempotency-window", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "How long an ingest request's Idempotency-Key is held after its batch was stored, from 1m to 30d"
          + " (default: 24h).")
  Duration idempotencyWindow;

  @Option(names = "--max-idempotency-keys", paramLabel = "N",
      description = "The most idempotency keys held in memory by the embedded store (--data); past it the oldest is"
          + " forgotten early (default: 100000; not with --db, which holds every key for the window).")
  Integer maxIdempotencyKeys;

  @Option(names = "--max-concurrent-analyses", paramLabel = "N",
      description = "The most fault tree analyses computed at once, from 1 to 64; one more is refused with 503 busy"
          + " (default: 2, or 1 on a single processor).")
  Integer maxConcurrentAnalyses;

  @Option(names = "--analysis-timeout", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "How long one fault tree analysis may compute before it is stopped (422 analysis-timed-out),"
          + " from 1ms to 24h (default: 60s).")
  Duration analysisTimeout;

  @Option(names = "--max-reliability-events", paramLabel = "N",
      description = "The most events per service the reliability metrics are computed from, the newest"
          + " (default: 50000).")
  Integer maxReliabilityEvents;

  @Option(names = "--max-instances-per-service", paramLabel = "N",
      description = "The most distinct heartbeat instances a service may report; a batch naming more new ones is"
          + " refused (422 too-many-instances) (default: 1000).")
  Integer maxInstancesPerService;

  @Option(names = "--max-components-per-service", paramLabel = "N",
      description = "The most distinct event sources (components) a service may report; a batch naming more new"
          + " ones is refused (422 too-many-components) (default: 1000).")
  Integer maxComponentsPerService;

  /**
   * The options above by the builder field (or {@link Tls} field) they set, so that a refused value is reported by its
   * option. {@code tls} is a key store's content: with {@code --tls-cert} only an unsupported key algorithm, which
   * {@link #identity} reports by {@code --tls-key}.
   */
  private static final Map<String, String> OPTION_OF_FIELD = Map.ofEntries(
      Map.entry("idempotencyWindow", "--idempotency-window"),
      Map.entry("maxIdempotencyKeys", "--max-idempotency-keys"),
      Map.entry("maxConcurrentAnalyses", "--max-concurrent-analyses"),
      Map.entry("analysisTimeout", "--analysis-timeout"),
      Map.entry("maxReliabilityEvents", "--max-reliability-events"),
      Map.entry("maxInstancesPerService", "--max-instances-per-service"),
      Map.entry("maxComponentsPerService", "--max-components-per-service"),
      Map.entry("tlsCert", "--tls-cert"),
      Map.entry("tlsKey", "--tls-key"),
      Map.entry("keystore", "--keystore"),
      Map.entry("tls", "--keystore"),
      Map.entry("workflows", "--workflows"),
      Map.entry("checkpoints", "--state"));

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** How long the started server serves before it is closed: until shutdown; tests close it at once. */
  Lifetime lifetime = ServerCommand::untilShutdown;

  /** Holds a started server for as long as the command serves, and closes it. */
  @FunctionalInterface
  interface Lifetime {
    void serve(ConsoleServer server) throws InterruptedException;
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    List<String> setupToken = new ArrayList<>(1);
    ConsoleServer.Builder builder = configure().setupTokenSink(setupToken::add);
    ConsoleServer server;
    try {
      server = builder.start();
    } catch (ConfigurationException e) {
      throw refusal(e, OPTION_OF_FIELD);
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
    lifetime.serve(server);
    return 0;
  }

  /** Serves until the process is stopped, then closes the server. */
  private static void untilShutdown(ConsoleServer server) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    // On Ctrl-C or SIGTERM, stop serving before the JVM exits, then let this thread return.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "faultline-server-shutdown"));
    stopped.await();
  }

  /**
   * The builder the options ask for, checked as far as the command can (the builder checks the rest when started);
   * without the setup token sink. Starts nothing and creates nothing.
   */
  ConsoleServer.Builder configure() {
    if (port < 0 || port > 65_535) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--port must be from 0 to 65535, but was " + port);
    }
    AddressAllowList allowList;
    try {
      allowList = allow.isEmpty() ? AddressAllowList.allowAll() : AddressAllowList.of(allow);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--allow: " + e.getMessage());
    }
    ConsoleServer.Builder builder = ConsoleServer.builder(data).bind(bind).port(port).allowList(allowList);
    if (idempotencyWindow != null) {
      builder.idempotencyWindow(idempotencyWindow);
    }
    if (maxIdempotencyKeys != null) {
      builder.maxIdempotencyKeys(maxIdempotencyKeys);
    }
    if (maxConcurrentAnalyses != null) {
      builder.maxConcurrentAnalyses(maxConcurrentAnalyses);
    }
    if (analysisTimeout != null) {
      builder.analysisTimeout(analysisTimeout);
    }
    if (maxReliabilityEvents != null) {
      builder.maxReliabilityEvents(maxReliabilityEvents);
    }
    if (maxInstancesPerService != null) {
      builder.maxInstancesPerService(maxInstancesPerService);
    }
    if (maxComponentsPerService != null) {
      builder.maxComponentsPerService(maxComponentsPerService);
    }
    Tls.Identity identity = identity();
    if (identity != null) {
      builder.tls(identity);
    }
    if (dbPasswordFile != null && db == null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--db-password-file needs --db");
    }
    if (maxIdempotencyKeys != null && db != null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--max-idempotency-keys cannot be combined with"
          + " --db: it bounds the keys the embedded store (--data) holds in memory, and the database holds every key"
          + " for --idempotency-window");
    }
    if (db != null) {
      String password = dbPasswordFile != null ? firstLine("--db-password-file", dbPasswordFile)
          : System.getenv(DB_PASSWORD_ENV);
      builder.database(db, dbUser, password == null ? null : password.toCharArray());
    }
    workflows.forEach(builder::workflowStore);
    states.forEach(builder::checkpointStore);
    return builder;
  }

  /** The first line of the password file {@code option} names, or a usage error naming the option and the file. */
  private String firstLine(String option, Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), option + " " + file + " cannot be read: " + e, e);
    }
    return lines.isEmpty() ? "" : lines.get(0);
  }

  /** The TLS identity the options ask for, or null for plain HTTP. */
  private Tls.Identity identity() {
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
          password = firstLine("--keystore-password-file", keystorePasswordFile);
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
      Map<String, String> optionOfField = new HashMap<>(OPTION_OF_FIELD);
      if (pem) {
        optionOfField.put("tls", "--tls-key");
      }
      throw refusal(e, optionOfField);
    }
    return null;
  }

  /**
   * A usage error for a configuration the server's builder or {@link Tls} refused: naming the option that set the
   * refused field, or in the library's own words for a field without an option of its own.
   */
  private CommandLine.ParameterException refusal(ConfigurationException e, Map<String, String> optionOfField) {
    RuntimeException refusal = OptionErrors.refusal(spec, e, optionOfField);
    return refusal instanceof CommandLine.ParameterException usage ? usage
        : new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
  }
}
