package dev.faultline.console;

import dev.faultline.core.ConfigurationException;
import dev.faultline.diagnosis.logs.DrainSettings;
import dev.faultline.diagnosis.logs.LogEvent;
import dev.faultline.diagnosis.logs.LogFileParser;
import dev.faultline.diagnosis.logs.LogFormat;
import dev.faultline.diagnosis.logs.ParsedLog;
import dev.faultline.diagnosis.logs.Suspect;
import dev.faultline.diagnosis.logs.TemplateMiner;
import dev.faultline.diagnosis.logs.Traceback;
import dev.faultline.diagnosis.logs.TracebackReport;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code faultline logs} command: {@code parse} mines the templates of a log into a structured CSV, and
 * {@code traceback} shows the timeline before a failure and the events most likely to be where it began.
 */
@Command(
    name = "logs",
    mixinStandardHelpOptions = true,
    description = "Log template mining and traceback.",
    subcommands = {LogsCommand.Parse.class, LogsCommand.TracebackCommand.class})
public final class LogsCommand implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code faultline logs parse}: one CSV record per line with its event id and template. */
  @Command(
      name = "parse",
      mixinStandardHelpOptions = true,
      description = {"Mines the templates of a log and writes LineId, the header fields, EventId and EventTemplate "
          + "as CSV.",
          "Mode default needs only the header format; mode drain is the reference Drain and takes its settings."})
  static final class Parse implements Callable<Integer> {
    /** The options by the field of the settings they set, so that a refused value is reported by its option. */
    private static final Map<String, String> OPTION_OF_FIELD = Map.of("logFormat", "--log-format",
        "maskingRegexes", "--regex", "similarityThreshold", "--st", "depth", "--depth", "maxChildren",
        "--max-children");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The log file.")
    Path file;

    @Option(names = "--log-format", required = true, paramLabel = "FMT",
        description = "Header format, e.g. '<Date> <Time> <Level>: <Content>'; <Content> is the message.")
    String logFormat;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "default",
        description = "default (no per-log settings) or drain (reference Drain). Default: ${DEFAULT-VALUE}.")
    String mode;

    @Option(names = "--regex", paramLabel = "R", description = "drain mode: a masking regex, repeatable, in order.")
    List<String> regexes = new ArrayList<>();

    @Option(names = "--st", paramLabel = "X", description = "drain mode: similarity threshold (default 0.4).")
    Double similarityThreshold;

    @Option(names = "--depth", paramLabel = "N", description = "drain mode: depth of the prefix tree (default 4).")
    Integer depth;

    @Option(names = "--max-children", paramLabel = "N",
        description = "drain mode: most children of a tree node (default 100).")
    Integer maxChildren;

    @Option(names = "--output", required = true, paramLabel = "OUT.csv", description = "Where to write the CSV.")
    Path output;

    @Override
    public Integer call() throws IOException {
      TemplateMiner miner;
      LogFormat format;
      try {
        miner = miner();
        format = LogFormat.compile(logFormat);
      } catch (ConfigurationException e) {
        throw OptionErrors.refusal(spec, e, OPTION_OF_FIELD);
      }
      requireFile(file);
      if (Files.exists(output) && Files.isSameFile(file, output)) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--output " + output
            + " is the log file itself: the CSV would replace the log; write it elsewhere");
      }
      Path dir = output.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path partial = Files.createTempFile(dir, output.getFileName().toString(), ".partial");
      ParsedLog parsed;
      try {
        try (BufferedWriter out = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
          parsed = new LogFileParser(format, miner).writeStructured(file, out);
        }
        try {
          Files.move(partial, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(partial, output, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(partial);
      }
      PrintWriter out = spec.commandLine().getOut();
      int templates = new HashSet<>(parsed.templates()).size();
      out.printf("%s: %d lines, %d templates (%s mode) -> %s%n", file, parsed.size(), templates,
          miner.mode().name().toLowerCase(Locale.ROOT), output);
      if (parsed.skippedCount() > 0) {
        out.printf("skipped %d lines that do not match the log format, first at lines %s%n", parsed.skippedCount(),
            parsed.skippedLines().subList(0, Math.min(10, parsed.skippedLines().size())));
      }
      out.flush();
      return 0;
    }

    private TemplateMiner miner() {
      switch (mode) {
        case "default":
          List<String> given = new ArrayList<>();
          if (!regexes.isEmpty()) {
            given.add("--regex");
          }
          if (similarityThreshold != null) {
            given.add("--st");
          }
          if (depth != null) {
            given.add("--depth");
          }
          if (maxChildren != null) {
            given.add("--max-children");
          }
          if (!given.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), String.join(", ", given)
                + " only apply to --mode drain: default mode takes no per-log settings");
          }
          return TemplateMiner.standard();
        case "drain":
          return TemplateMiner.drain(new DrainSettings(regexes, similarityThreshold == null ? 0.4 : similarityThreshold,
              depth == null ? 4 : depth, maxChildren == null ? 100 : maxChildren));
        default:
          throw new CommandLine.ParameterException(spec.commandLine(), "--mode must be drain or default, but was \""
              + mode + "\"");
      }
    }
  }

  /** {@code faultline logs traceback}: the timeline before a failure and its likely beginnings. */
  @Command(
      name = "traceback",
      mixinStandardHelpOptions = true,
      description = {"Merges logs into one timeline, finds the failure (the first error, or the last event at a time) "
          + "and ranks the events of the window before it by how likely they are to be where it began, with reasons."})
  static final class TracebackCommand implements Callable<Integer> {
    /** The options by the builder field they set, so that a refused value is reported by its option. */
    private static final Map<String, String> OPTION_OF_FIELD = Map.of("logFormat", "--log-format",
        "maxSuspects", "--suspects");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "The log files, merged by time.")
    List<Path> files;

    @ArgGroup(exclusive = true)
    Point point;

    @Option(names = "--log-format", paramLabel = "FMT",
        description = "Header format; without it, events are found by the timestamps that start lines.")
    String logFormat;

    @Option(names = "--window", paramLabel = "DURATION", defaultValue = "10m",
        description = "How far before the failure to look: 90s, 10m, 2h, or ISO PT10M. Default: ${DEFAULT-VALUE}.")
    String window;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "40",
        description = "Most timeline events to print (the latest). Default: ${DEFAULT-VALUE}.")
    int limit;

    @Option(names = "--suspects", paramLabel = "N", defaultValue = "10",
        description = "Most suspects to rank. Default: ${DEFAULT-VALUE}.")
    int suspects;

    /** Where the failure is: at a time, or the first error. */
    static final class Point {
      @Option(names = "--at", paramLabel = "TIME", description = "The time of the failure, e.g. '2015-07-29 17:41:44'.")
      String at;

      @Option(names = "--first-error", description = "The failure is the first error (the default).")
      boolean firstError;
    }

    @Override
    public Integer call() throws IOException {
      if (limit < 0) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be at least 0, but was " + limit);
      }
      LocalDateTime at = point != null && point.at != null ? time(point.at) : null;
      Traceback traceback;
      try {
        Traceback.Builder builder = Traceback.builder().window(duration(window)).maxSuspects(suspects);
        if (logFormat != null) {
          builder.logFormat(LogFormat.compile(logFormat));
        }
        traceback = builder.build();
      } catch (ConfigurationException e) {
        throw OptionErrors.refusal(spec, e, OPTION_OF_FIELD);
      }
      for (Path f : files) {
        requireFile(f);
      }
      TracebackReport report;
      if (at != null) {
        report = traceback.at(at, files);
      } else {
        report = traceback.fromFirstError(files);
      }
      print(report, spec.commandLine().getOut());
      return 0;
    }

    /** The time {@code --at} names, or a usage error naming the option and the value as typed. */
    private LocalDateTime time(String text) {
      try {
        return Traceback.parseTime(text);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--at must be a time such as 2015-07-29 17:41:44,"
            + " 2015-07-29T17:41:44.747 or Jun 14 15:16:01, but was \"" + text + "\"", e);
      }
    }

    private Duration duration(String text) {
      Matcher m = Pattern.compile("(\\d+)(ms|s|m|h|d)").matcher(text.strip());
      Duration d = null;
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        switch (m.group(2)) {
          case "ms":
            d = Duration.ofMillis(n);
            break;
          case "s":
            d = Duration.ofSeconds(n);
            break;
          case "m":
            d = Duration.ofMinutes(n);
            break;
          case "h":
            d = Duration.ofHours(n);
            break;
          default:
            d = Duration.ofDays(n);
        }
      } else {
        try {
          d = Duration.parse(text.strip());
        } catch (DateTimeParseException e) {
          d = null;
        }
      }
      if (d == null || d.isZero() || d.isNegative()) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--window must be a positive duration such as "
            + "90s, 10m or PT10M, but was \"" + text + "\"");
      }
      return d;
    }

    private void print(TracebackReport report, PrintWriter out) {
      LogEvent failure = report.failure();
      out.printf("Failure  %s  %s  %s%s%n", failure.time(), failure.location(), level(failure), failure.content());
      List<LogEvent> timeline = report.timeline();
      out.printf("%nTimeline from %s (%d events, %d before the window)%n", report.windowStart(), timeline.size(),
          report.baselineEvents());
      int from = Math.max(0, timeline.size() - limit);
      if (from > 0) {
        out.printf("  ... %d earlier events in the window%n", from);
      }
      List<LogEvent> suspected = report.suspects().stream().map(Suspect::event).toList();
      for (LogEvent e : timeline.subList(from, timeline.size())) {
        int rank = suspected.indexOf(e);
        String mark = e.equals(failure) ? "  <- failure" : rank >= 0 ? "  <- suspect #" + (rank + 1) : "";
        out.printf("  %s  %s  %s%s%s%n", e.time(), e.location(), level(e), e.content(), mark);
      }
      out.printf("%nWhere it most likely began%n");
      if (report.suspects().isEmpty()) {
        out.println("  nothing in the window stands out");
      }
      int rank = 1;
      for (Suspect s : report.suspects()) {
        LogEvent e = s.event();
        out.printf("  %d. %s  %s  %s%s  (score %d)%n", rank++, e.time(), e.location(), level(e), e.content(),
            s.score());
        out.printf("     template: %s%n", e.template());
        for (String reason : s.reasons()) {
          out.printf("     - %s%n", reason);
        }
      }
      for (String note : report.notes()) {
        out.printf("%nNote: %s%n", note);
      }
      out.flush();
    }

    private static String level(LogEvent e) {
      return e.level().isEmpty() ? "" : e.level() + "  ";
    }
  }

  private static void requireFile(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "no such log file");
    }
  }
}
