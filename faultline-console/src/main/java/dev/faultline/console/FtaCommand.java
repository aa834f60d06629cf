package dev.faultline.console;

import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import dev.faultline.diagnosis.fta.AnalysisStoppedException;
import dev.faultline.diagnosis.fta.CutSet;
import dev.faultline.diagnosis.fta.FaultTreeAnalysis;
import dev.faultline.diagnosis.fta.FaultTreeModel;
import dev.faultline.diagnosis.fta.FaultTreeResult;
import dev.faultline.diagnosis.fta.Importance;
import dev.faultline.diagnosis.fta.Literal;
import dev.faultline.diagnosis.fta.LiveEvaluation;
import dev.faultline.diagnosis.fta.MefReader;
import dev.faultline.diagnosis.fta.PrimeImplicant;
import java.io.BufferedWriter;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code faultline fta} command: analyses an Open-PSA MEF fault tree (several files are combined) and prints the
 * exact top-event probability, the rare-event and MCUB approximations, the number of minimal cut sets and their order
 * distribution, and on request the cut sets, importance measures and a live evaluation against failed events. With
 * {@code --prime-implicants} the products are the prime implicants instead (listed, with their negative literals).
 * With {@code --json} it prints one JSON object. Long analyses report their stages on standard error. With
 * {@code --timeout} an analysis that runs longer is stopped, and the command prints one line naming the timeout on
 * standard error, nothing on standard output, and exits with 1. Not thread-safe.
 */
@Command(name = "fta", mixinStandardHelpOptions = true,
    description = {"Fault tree analysis of Open-PSA MEF models: exact probability (BDD), minimal cut sets (ZBDD),",
        "rare-event and MCUB approximations, importance, live evaluation."})
public final class FtaCommand implements Callable<Integer> {
  /** Progress lines are shown once an analysis has run this long. */
  private static final long PROGRESS_AFTER_NANOS = 1_000_000_000L;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "MEF files, combined into one model")
  List<Path> files;

  @Option(names = "--json", description = "print one JSON object")
  boolean json;

  @Option(names = "--top", paramLabel = "GATE", description = "the gate to analyse (default: the only top gate)")
  String top;

  @Option(names = "--cut-sets", description = "list the minimal cut sets")
  boolean cutSets;

  @Option(names = "--prime-implicants",
      description = {"compute and list the prime implicants instead of the minimal cut sets: minimal conjunctions of",
          "failed and working (negated) events that fail the top; --limit-order counts literals, --cut-off uses",
          "1 - p for a working event"})
  boolean primeImplicants;

  @Option(names = "--limit-order", paramLabel = "N", description = "keep cut sets of at most N events")
  Integer limitOrder;

  @Option(names = "--cut-off", paramLabel = "P", description = "keep cut sets of probability at least P")
  Double cutOff;

  @Option(names = "--importance", description = "importance of every basic event (MIF, CIF, DIF, RAW, RRW, occurrence)")
  boolean importance;

  @Option(names = "--mission-time", paramLabel = "H", description = "mission time in hours (default 8760)")
  Double missionTime;

  @Option(names = "--failed", split = ",", paramLabel = "EVENT",
      description = "basic events failed now: report failed gates and complete or one-away cut sets")
  List<String> failed;

  @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
      description = {"stop the analysis if it runs longer (e.g. 30s, 5m) and print no results (default: no limit);",
          "listing cut sets or importance afterwards is not bounded"})
  Duration timeout;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** The clock that times the analysis and its timeout; tests may replace it. */
  Clock clock = Clock.system();

  /**
   * Runs the command on a thread with a 1 GiB stack (reserved, committed only as used): the analysis runs on a large
   * stack of its own, but listing cut sets, importance and the live evaluation walk the tree's nested modules and gates
   * recursively on the caller's, which a deep tree overflowed. The caller's interrupt is passed on.
   */
  @Override
  public Integer call() {
    // Listing the cut sets of a tree whose products of modules nest deep nests iterators as deep: on the caller's
    // stack it overflowed.
    return FaultTreeAnalysis.onLargeStack(this::analyse);
  }

  private Integer analyse() {
    if (primeImplicants && failed != null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--failed evaluates minimal cut sets; it cannot be"
          + " combined with --prime-implicants");
    }
    if (timeout != null && (timeout.isZero() || timeout.isNegative())) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--timeout must be a positive duration, but was "
          + OptionErrors.typed(spec, "--timeout"));
    }
    // The analysis's builder checks these too, but names its fields (cutOff) and only after the model was read.
    if (cutOff != null && !(cutOff >= 0 && cutOff <= 1)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--cut-off must lie in [0, 1], but was "
          + OptionErrors.typed(spec, "--cut-off"));
    }
    if (limitOrder != null && limitOrder < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--limit-order must be at least 1, but was "
          + OptionErrors.typed(spec, "--limit-order"));
    }
    if (missionTime != null && !(missionTime >= 0 && missionTime < Double.POSITIVE_INFINITY)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--mission-time must be a finite number of hours"
          + " >= 0, but was " + OptionErrors.typed(spec, "--mission-time"));
    }
    PrintWriter err = spec.commandLine().getErr();
    long start = clock.nanoTime();
    boolean[] showing = {false};
    FaultTreeModel model = MefReader.read(files);
    FaultTreeAnalysis.Builder b = FaultTreeAnalysis.builder(model).top(top).progress(stage -> {
      long elapsed = clock.nanoTime() - start;
      if (showing[0] || elapsed >= PROGRESS_AFTER_NANOS) {
        showing[0] = true;
        err.printf(Locale.ROOT, "fta: %6.1f s  %s%n", elapsed / 1e9, stage);
        err.flush();
      }
    });
    if (missionTime != null) {
      b.missionTime(missionTime);
    }
    if (limitOrder != null) {
      b.limitOrder(limitOrder);
    }
    if (cutOff != null) {
      b.cutOff(cutOff);
    }
    b.primeImplicants(primeImplicants);
    b.clock(clock);
    if (timeout != null) {
      b.timeout(timeout);
    }
    FaultTreeAnalysis analysis;
    try {
      analysis = b.build();
    } catch (ConfigurationException e) {
      if (!e.field().equals("top")) {
        throw e;
      }
      RuntimeException refusal = OptionErrors.refusal(spec, e, Map.of("top", "--top"));
      // Without --top on a model of several top gates: the option is what is missing.
      throw refusal != e ? refusal : new CommandLine.ParameterException(spec.commandLine(), "--top must " + e.rule()
          + ", but was not given", e);
    }
    FaultTreeResult r;
    try {
      r = analysis.run();
    } catch (AnalysisStoppedException e) {
      if (!e.timedOut()) {
        throw e;
      }
      err.println("fta: the analysis of top gate \"" + e.top() + "\" ran longer than --timeout "
          + OptionErrors.typed(spec, "--timeout") + " and was stopped after "
          + e.elapsed().toString().substring(2).toLowerCase(Locale.ROOT) + "; no results ("
          + AnalysisStoppedException.TIMED_OUT + ")");
      err.flush();
      return 1;
    }
    List<Importance> imp = importance ? r.importance() : List.of();
    LiveEvaluation live;
    try {
      live = failed == null ? null : r.evaluate(failed, 20);
    } catch (IllegalArgumentException e) {
      // An event not in the tree: a value of --failed, named by the library.
      throw new CommandLine.ParameterException(spec.commandLine(), "--failed: " + e.getMessage(), e);
    }
    double millis = (clock.nanoTime() - start) / 1e6;
    PrintWriter out = new PrintWriter(new BufferedWriter(spec.commandLine().getOut(), 1 << 16), false);
    if (json) {
      writeJson(out, r, imp, live, millis);
    } else {
      writeText(out, r, imp, live, millis);
    }
    out.flush();
    return 0;
  }

  private void writeJson(PrintWriter out, FaultTreeResult r, List<Importance> imp, LiveEvaluation live,
      double millis) {
    JsonWriter j = new JsonWriter(out);
    j.beginObject();
    j.name("top").value(r.top());
    j.name("files").beginArray();
    for (Path f : files) {
      j.value(f.toString());
    }
    j.endArray();
    j.name("missionTime").value(missionTime == null ? FaultTreeModel.DEFAULT_MISSION_TIME : missionTime);
    if (limitOrder != null) {
      j.name("limitOrder").value(limitOrder);
    }
    if (cutOff != null) {
      j.name("cutOff").value(cutOff);
    }
    j.name("basicEvents").value(r.basicEvents().size());
    j.name("probability").value(r.probability());
    j.name("rareEvent").value(r.rareEvent());
    j.name("mcub").value(r.mcub());
    j.name(primeImplicants ? "primeImplicantCount" : "cutSetCount").value(r.cutSetCount());
    j.name("orderDistribution").beginArray();
    for (BigInteger c : r.orderDistribution()) {
      j.value(c);
    }
    j.endArray();
    j.name("modules").value(r.modules());
    j.name("bddNodes").value(r.bddNodes());
    j.name("zbddNodes").value(r.zbddNodes());
    j.name("analysisMillis").value(Math.round(millis));
    if (importance) {
      j.name("importance").beginArray();
      for (Importance i : imp) {
        j.beginObject().name("event").value(i.event()).name("probability").value(i.probability())
            .name("occurrence").value(i.occurrence()).name("mif").measure(i.mif()).name("cif").measure(i.cif())
            .name("dif").measure(i.dif()).name("raw").measure(i.raw()).name("rrw").measure(i.rrw()).endObject();
      }
      j.endArray();
    }
    if (live != null) {
      j.name("live").beginObject();
      j.name("failed").beginArray();
      live.failedEvents().forEach(j::value);
      j.endArray();
      j.name("topFailed").value(live.topFailed());
      j.name("failedGates").beginArray();
      live.failedGates().forEach(j::value);
      j.endArray();
      j.name("completeCutSetCount").value(live.completeCount());
      j.name("completeCutSets").beginArray();
      live.complete().forEach(c -> cutSetJson(j, c));
      j.endArray();
      j.name("oneAwayCount").value(live.oneAwayCount());
      j.name("oneAway").beginArray();
      for (LiveEvaluation.OneAway o : live.oneAway()) {
        j.beginObject().name("missing").value(o.missing()).name("events").beginArray();
        o.cutSet().events().forEach(j::value);
        j.endArray().name("probability").value(o.cutSet().probability()).endObject();
      }
      j.endArray();
      j.endObject();
    }
    if (primeImplicants) {
      j.name("primeImplicants").beginArray();
      writePrimeImplicants(out, r);
      j.endArray();
    } else if (cutSets) {
      j.name("cutSets").beginArray();
      // The fast path: names escaped once, each cut set appended raw (the array holds nothing else).
      String[] quoted = new String[r.basicEvents().size()];
      for (int i = 0; i < quoted.length; i++) {
        quoted[i] = JsonWriter.quote(r.basicEvents().get(i));
      }
      StringBuilder line = new StringBuilder(256);
      // Cut-set probabilities repeat (products of few distinct event probabilities) and Double.toString is slow.
      java.util.HashMap<Long, String> probText = new java.util.HashMap<>();
      Iterator<int[]> it = r.cutSetIndices();
      boolean first = true;
      while (it.hasNext()) {
        int[] s = it.next();
        line.setLength(0);
        line.append(first ? "{\"events\":[" : ",{\"events\":[");
        first = false;
        double prob = 1;
        for (int k = 0; k < s.length; k++) {
          if (k > 0) {
            line.append(',');
          }
          line.append(quoted[s[k]]);
          prob *= r.basicEventProbability(s[k]);
        }
        String text = probText.get(Double.doubleToRawLongBits(prob));
        if (text == null) {
          text = Double.toString(prob);
          if (probText.size() < 65_536) {
            probText.put(Double.doubleToRawLongBits(prob), text);
          }
        }
        line.append("],\"probability\":").append(text).append('}');
        out.append(line);
      }
      j.endArray();
    }
    j.endObject();
    out.println();
  }

  /**
   * Appends every prime implicant as {@code {"literals":[{"event":"A","negated":false},...],"probability":P}},
   * comma-separated, streaming: each literal's JSON is built once.
   */
  private static void writePrimeImplicants(PrintWriter out, FaultTreeResult r) {
    String[] literal = new String[2 * r.basicEvents().size()];
    for (int i = 0; i < r.basicEvents().size(); i++) {
      String event = JsonWriter.quote(r.basicEvents().get(i));
      literal[2 * i] = "{\"event\":" + event + ",\"negated\":false}";
      literal[2 * i + 1] = "{\"event\":" + event + ",\"negated\":true}";
    }
    StringBuilder line = new StringBuilder(256);
    Iterator<int[]> it = r.primeImplicantLiterals();
    boolean first = true;
    while (it.hasNext()) {
      int[] s = it.next();
      line.setLength(0);
      line.append(first ? "{\"literals\":[" : ",{\"literals\":[");
      first = false;
      double prob = 1;
      for (int k = 0; k < s.length; k++) {
        if (k > 0) {
          line.append(',');
        }
        line.append(literal[s[k]]);
        prob *= r.literalProbability(s[k]);
      }
      line.append("],\"probability\":").append(prob).append('}');
      out.append(line);
    }
  }

  private static void cutSetJson(JsonWriter j, CutSet c) {
    j.beginObject().name("events").beginArray();
    c.events().forEach(j::value);
    j.endArray().name("probability").value(c.probability()).endObject();
  }

  /** A measure in the importance table: {@code undefined} for NaN (CIF and DIF when P(top) is 0), never "NaN". */
  private static String measure(double value) {
    return Double.isNaN(value) ? "undefined" : String.format(Locale.ROOT, "%.5g", value);
  }

  private void writeText(PrintWriter out, FaultTreeResult r, List<Importance> imp, LiveEvaluation live,
      double millis) {
    out.printf(Locale.ROOT, "top event:            %s%n", r.top());
    out.printf(Locale.ROOT, "basic events:         %d%n", r.basicEvents().size());
    out.printf(Locale.ROOT, "probability (exact):  %.6g%n", r.probability());
    out.printf(Locale.ROOT, "rare-event approx.:   %.6g%n", r.rareEvent());
    out.printf(Locale.ROOT, "MCUB approx.:         %.6g%n", r.mcub());
    out.printf(Locale.ROOT, primeImplicants ? "prime implicants:     %s%n" : "minimal cut sets:     %s%n",
        r.cutSetCount());
    List<String> orders = new ArrayList<>();
    for (int i = 0; i < r.orderDistribution().size(); i++) {
      orders.add((i + 1) + ":" + r.orderDistribution().get(i));
    }
    out.printf(Locale.ROOT, "by order:             %s%n", String.join(" ", orders));
    out.printf(Locale.ROOT, "analysis:             %.0f ms (%d modules, %d BDD nodes, %d ZBDD nodes)%n", millis,
        r.modules(), r.bddNodes(), r.zbddNodes());
    if (importance) {
      out.printf(Locale.ROOT, "%n%-24s %11s %10s %11s %11s %11s %11s %11s%n", "event", "probability", "occurrence",
          "MIF", "CIF", "DIF", "RAW", "RRW");
      for (Importance i : imp) {
        out.printf(Locale.ROOT, "%-24s %11.5g %10s %11.5g %11s %11s %11.5g %11.5g%n", i.event(), i.probability(),
            i.occurrence(), i.mif(), measure(i.cif()), measure(i.dif()), i.raw(), i.rrw());
      }
    }
    if (live != null) {
      out.printf(Locale.ROOT, "%nfailed now:           %s%n", String.join(" ", live.failedEvents()));
      out.printf(Locale.ROOT, "top event failed:     %s%n", live.topFailed() ? "yes" : "no");
      out.printf(Locale.ROOT, "failed gates:         %s%n", String.join(" ", live.failedGates()));
      out.printf(Locale.ROOT, "complete cut sets:    %s%n", live.completeCount());
      live.complete().forEach(c -> out.printf(Locale.ROOT, "  {%s}%n", String.join(", ", c.events())));
      out.printf(Locale.ROOT, "one event away:       %s%n", live.oneAwayCount());
      live.oneAway().forEach(o -> out.printf(Locale.ROOT, "  {%s} needs %s%n", String.join(", ",
          o.cutSet().events()), o.missing()));
    }
    if (primeImplicants) {
      out.printf(Locale.ROOT, "%n");
      Iterator<PrimeImplicant> it = r.primeImplicants().iterator();
      while (it.hasNext()) {
        PrimeImplicant pi = it.next();
        out.printf(Locale.ROOT, "%.6g {%s}%n", pi.probability(), pi.literals().stream().map(Literal::toString)
            .collect(java.util.stream.Collectors.joining(", ")));
      }
    } else if (cutSets) {
      out.printf(Locale.ROOT, "%n");
      Iterator<CutSet> it = r.cutSets().iterator();
      while (it.hasNext()) {
        CutSet c = it.next();
        out.printf(Locale.ROOT, "%.6g {%s}%n", c.probability(), String.join(", ", c.events()));
      }
    }
  }
}
