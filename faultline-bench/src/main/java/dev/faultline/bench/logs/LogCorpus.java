package dev.faultline.bench.logs;

import dev.faultline.diagnosis.logs.LogFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Messages to mine in the benchmarks: a seeded synthetic mix, or the Loghub-2k samples when they are present. */
final class LogCorpus {
  /** A JSON string literal whose only escapes are {@code \\} and {@code \"}. */
  private static final String STRING = "\"(?:[^\"\\\\]|\\\\.)*\"";

  private LogCorpus() {}

  /** {@code synthetic}, or {@code loghub} (the raw lines of every Loghub-2k sample under the shared data folder). */
  static List<String> load(String name) throws IOException {
    switch (name) {
      case "synthetic":
        return synthetic(20_000);
      case "loghub":
        return loghub();
      default:
        throw new IllegalArgumentException("corpus must be synthetic or loghub, but was " + name);
    }
  }

  /** Messages of a dozen service-log templates with random values, as a long-running service writes them. */
  static List<String> synthetic(int count) {
    Random r = new Random(42);
    String[] users = {"root", "admin", "oracle", "guest", "test", "deploy", "nagios", "pi", "ubuntu", "git"};
    List<String> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      String ip = (10 + r.nextInt(200)) + "." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256);
      String user = users[r.nextInt(users.length)];
      switch (r.nextInt(12)) {
        case 0 -> out.add("Accepted password for " + user + " from " + ip + " port " + r.nextInt(65536) + " ssh2");
        case 1 -> out.add("Invalid user " + user + " from " + ip);
        case 2 -> out.add("PacketResponder " + r.nextInt(3) + " for block blk_" + r.nextLong() + " terminating");
        case 3 -> out.add("Received block blk_" + r.nextLong() + " of size " + r.nextInt(1 << 26) + " from /" + ip);
        case 4 -> out.add("session opened for user " + user + " by (uid=" + r.nextInt(1000) + ")");
        case 5 -> out.add("Finished task " + r.nextInt(200) + ".0 in stage " + r.nextInt(20) + ".0 (TID "
            + r.nextInt(9999) + "). " + r.nextInt(5000) + " bytes result sent to driver");
        case 6 -> out.add("Established session 0x" + Long.toHexString(r.nextLong()) + " with negotiated timeout "
            + (r.nextInt(4) + 1) * 10000 + " for client /" + ip + ":" + r.nextInt(65536));
        case 7 -> out.add("GET /api/orders/" + r.nextInt(100000) + " 200 " + r.nextInt(900) + " ms traceId="
            + Long.toHexString(r.nextLong()));
        case 8 -> out.add("Connection pool stats: active=" + r.nextInt(50) + ", idle=" + r.nextInt(50)
            + ", waiting=" + r.nextInt(5));
        case 9 -> out.add("Block broadcast_" + r.nextInt(50) + " stored as values in memory (estimated size "
            + r.nextInt(999) + "." + r.nextInt(10) + " KB, free " + r.nextInt(999) + ".0 MB)");
        case 10 -> out.add("Retrying request to http://inventory.internal:8080/v1/items/" + r.nextInt(5000)
            + " after " + r.nextInt(3000) + " ms (attempt " + (r.nextInt(3) + 1) + " of 3)");
        default -> out.add("Health check ok");
      }
    }
    return out;
  }

  /** The messages of every Loghub-2k sample present, each line cut to its Content by the sample's log format. */
  private static List<String> loghub() throws IOException {
    Path root = sharedData().resolve("loghub-2k");
    String settings = Files.readString(root.resolve("drain-benchmark-settings.json"));
    Matcher m = Pattern.compile("\"(\\w+)\"\\s*:\\s*\\{\\s*\"log_format\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"")
        .matcher(settings);
    List<String> out = new ArrayList<>();
    while (m.find()) {
      Path log = root.resolve(m.group(1)).resolve(m.group(1) + "_2k.log");
      if (!Files.isRegularFile(log)) {
        continue;
      }
      LogFormat format = LogFormat.compile(m.group(2).replace("\\\\", "\\").replace("\\\"", "\""));
      for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
        format.parse(line).ifPresent(r -> out.add(r.content()));
      }
    }
    if (out.isEmpty()) {
      throw new IOException("no Loghub-2k sample under " + root);
    }
    return out;
  }

  /** One Loghub-2k system: its raw lines and its settings in the reference Drain benchmark. */
  record LoghubSystem(String name, String logFormat, List<String> regexes, double similarityThreshold, int depth,
      int maxChildren, List<String> rawLines) {}

  /** Every Loghub-2k system present under the shared data folder, with its settings, in the settings file's order. */
  static List<LoghubSystem> loghubSystems() throws IOException {
    Path root = sharedData().resolve("loghub-2k");
    String settings = Files.readString(root.resolve("drain-benchmark-settings.json"));
    Matcher system = Pattern.compile("\"(\\w+)\"\\s*:\\s*\\{([^{}]*)\\}").matcher(settings);
    List<LoghubSystem> out = new ArrayList<>();
    while (system.find()) {
      String name = system.group(1);
      String body = system.group(2);
      Path log = root.resolve(name).resolve(name + "_2k.log");
      if (!Files.isRegularFile(log)) {
        continue;
      }
      Matcher format = Pattern.compile("\"log_format\"\\s*:\\s*(" + STRING + ")").matcher(body);
      Matcher regexList = Pattern.compile("\"regex\"\\s*:\\s*\\[([^\\]]*)\\]").matcher(body);
      if (!format.find() || !regexList.find()) {
        throw new IOException("the settings of " + name + " have no log_format or regex list");
      }
      List<String> regexes = new ArrayList<>();
      Matcher item = Pattern.compile(STRING).matcher(regexList.group(1));
      while (item.find()) {
        regexes.add(unquote(item.group()));
      }
      out.add(new LoghubSystem(name, unquote(format.group(1)), regexes,
          Double.parseDouble(number(body, "similarity_threshold")), Integer.parseInt(number(body, "depth")),
          Integer.parseInt(number(body, "max_children")), Files.readAllLines(log, StandardCharsets.UTF_8)));
    }
    if (out.isEmpty()) {
      throw new IOException("no Loghub-2k sample under " + root);
    }
    return out;
  }

  private static String unquote(String literal) {
    StringBuilder out = new StringBuilder(literal.length());
    for (int i = 1; i < literal.length() - 1; i++) {
      char c = literal.charAt(i);
      out.append(c == '\\' ? literal.charAt(++i) : c);
    }
    return out.toString();
  }

  private static String number(String body, String key) throws IOException {
    Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*([-0-9.eE]+)").matcher(body);
    if (!m.find()) {
      throw new IOException("the settings have no number " + key + ": " + body);
    }
    return m.group(1);
  }

  private static Path sharedData() throws IOException {
    String property = System.getProperty("faultline.shared.data");
    if (property != null && Files.isDirectory(Path.of(property))) {
      return Path.of(property);
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("shared/data/loghub-2k"))) {
        return dir.resolve("shared/data");
      }
    }
    throw new IOException("the shared data folder is absent: set -Dfaultline.shared.data=DIR (it holds loghub-2k/)");
  }
}
