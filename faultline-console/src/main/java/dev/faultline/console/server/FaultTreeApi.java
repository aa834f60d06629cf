package dev.faultline.console.server;

import dev.faultline.console.server.Api.Endpoint;
import dev.faultline.console.server.Api.Principal;
import dev.faultline.console.server.Api.Reply;
import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import dev.faultline.diagnosis.fta.AnalysisStoppedException;
import dev.faultline.diagnosis.fta.CutSet;
import dev.faultline.diagnosis.fta.FaultTreeAnalysis;
import dev.faultline.diagnosis.fta.FaultTreeModel;
import dev.faultline.diagnosis.fta.FaultTreeResult;
import dev.faultline.diagnosis.fta.Importance;
import dev.faultline.diagnosis.fta.LiveEvaluation;
import dev.faultline.diagnosis.fta.MefException;
import dev.faultline.diagnosis.fta.MefReader;
import io.javalin.http.Context;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Function;

/**
 * The fault tree routes: upload (checked by {@link MefReader} before it is stored), list, delete, analysis
 * ({@link FaultTreeAnalysis}) and live state ({@link FaultTreeResult#evaluate}) given what is down now.
 *
 * <p>An analysis can take long on a large tree (minimal cut sets and the exact probability are exponential in the
 * worst case) and uses much memory, and its request's server thread waits for it. So at most
 * {@code maxConcurrentAnalyses} analyses compute at once across the server, and a request that needs one more is
 * refused at once — 503 {@code busy} with {@code Retry-After} — rather than wait on its thread: waiting, a few requests
 * with distinct parameters (a varied {@code missionTime}) held every server thread. The results of the last few are
 * kept, by tree version, top gate and mission time, and served whatever the analyses in progress.
 *
 * <p>Each analysis runs with a timeout ({@code analysisTimeout}, measured on the server's clock): one that runs past it
 * is stopped and answered 422 {@code analysis-timed-out}, and nothing is kept, so a later request computes it again
 * (and times out again, unless the tree or the setting changed). Closing the server interrupts the analyses in
 * progress: they stop, and their requests are answered 503 {@code analysis-interrupted}. A kept result also keeps its
 * importance list, computed at the first request that asks for it.
 *
 * <h2>Concurrency design</h2>
 * {@code models} and {@code results} are concurrent maps of immutable values (a result's importance is computed once,
 * under the lock of its {@link Analysed}, and published through a volatile field), keyed by the document's version
 * (its update time and a digest of its content, so that a tree replaced within the same millisecond, or after the
 * clock stepped back, is never answered from an old cache entry); {@code analyses} holds one permit per analysis
 * allowed at once, taken without waiting and given back in {@code finally} whatever the outcome. Two requests for the
 * same uncached analysis may both compute it (the second finds it cached only if the first finished before it took its
 * permit). {@code running} (the threads computing an analysis) and {@code closed} are guarded by {@code running}'s
 * lock: a thread registers itself only while the API is open, and {@link #close()} interrupts only registered
 * threads, so no interrupt outlives its analysis on a server thread. Thread-safe.
 */
final class FaultTreeApi {
  static final String KIND = "fault-trees";
  /** The {@code Retry-After} of a request refused because the most analyses are computing. */
  static final int BUSY_RETRY_AFTER_SECONDS = 5;
  private static final int RESULTS_KEPT = 8;
  private static final int LIVE_LISTED = 20;

  private record Parsed(String version, FaultTreeModel model) {}

  /**
   * A kept analysis and, once asked for, its importance list: computed once (under this object's lock), then served.
   */
  static final class Analysed {
    final FaultTreeResult result;
    private final Function<FaultTreeResult, List<Importance>> importance;
    private volatile List<Importance> computed;

    Analysed(FaultTreeResult result, Function<FaultTreeResult, List<Importance>> importance) {
      this.result = result;
      this.importance = importance;
    }

    List<Importance> importance() {
      List<Importance> list = computed;
      if (list == null) {
        synchronized (this) {
          list = computed;
          if (list == null) {
            list = List.copyOf(importance.apply(result));
            computed = list;
          }
        }
      }
      return list;
    }
  }

  /** Runs one analysis: {@link FaultTreeAnalysis#run} in the server; tests hold one in progress through it. */
  @FunctionalInterface
  interface Runner {
    FaultTreeResult run(FaultTreeAnalysis analysis) throws InterruptedException;
  }

  private final Clock clock;
  private final ConsoleStore store;
  private final QueryApi queries;
  private final long maxDocumentBytes;
  private final ConcurrentHashMap<String, Parsed> models = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Analysed> results = new ConcurrentHashMap<>();
  private final int maxConcurrentAnalyses;
  private final Semaphore analyses;
  private final Runner runner;
  private final Duration analysisTimeout;
  private final Function<FaultTreeResult, List<Importance>> importance;
  private final Set<Thread> running = new HashSet<>();
  private boolean closed;

  FaultTreeApi(Clock clock, ConsoleStore store, QueryApi queries, long maxDocumentBytes, int maxConcurrentAnalyses,
      Runner runner, Duration analysisTimeout, Function<FaultTreeResult, List<Importance>> importance) {
    this.analysisTimeout = analysisTimeout;
    this.importance = importance;
    this.maxConcurrentAnalyses = maxConcurrentAnalyses;
    this.analyses = new Semaphore(maxConcurrentAnalyses);
    this.runner = runner;
    this.clock = clock;
    this.store = store;
    this.queries = queries;
    this.maxDocumentBytes = maxDocumentBytes;
  }

  void bind(Map<String, Endpoint> routes) {
    routes.put("GET /api/v1/fault-trees", this::list);
    routes.put("PUT /api/v1/fault-trees/{name}", this::upload);
    routes.put("GET /api/v1/fault-trees/{name}", this::get);
    routes.put("DELETE /api/v1/fault-trees/{name}", this::delete);
    routes.put("GET /api/v1/fault-trees/{name}/analysis", this::analysis);
    routes.put("GET /api/v1/fault-trees/{name}/live", this::live);
  }

  /** Parses, checks and stores a tree; returns whether one of that name existed. */
  boolean put(String name, byte[] xml, String by) throws IOException {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(xml)).toString();
    } catch (CharacterCodingException e) {
      throw ApiException.badRequest("the fault tree must be MEF XML in UTF-8; the body is not valid UTF-8");
    }
    FaultTreeModel model = parse(name, text);
    if (model.topGates().isEmpty()) {
      throw ApiException.badRequest("the fault tree " + name + " defines no gate to analyse");
    }
    ConsoleStore.Document document = new ConsoleStore.Document(KIND, name, text, clock.wallMillis(), by);
    boolean existed = store.putDocument(document);
    models.put(name, new Parsed(version(document), model));
    return existed;
  }

  private static FaultTreeModel parse(String name, String xml) {
    try {
      return new MefReader().addText(name, xml).read();
    } catch (MefException e) {
      throw ApiException.badRequest("the fault tree is not a valid Open-PSA MEF model: " + e.getMessage());
    } catch (ConfigurationException e) {
      throw ApiException.badRequest("the fault tree is not a valid model: " + e.getMessage());
    }
  }

  /** The path's tree name, checked: Javalin decodes %2F into it, and the journal store makes it a file name. */
  private static String name(Context ctx) {
    return Requests.name(ctx.pathParam("name"), "the fault tree's name");
  }

  private ConsoleStore.Document document(Context ctx) {
    String name = name(ctx);
    return store.document(KIND, name).orElseThrow(() -> new ApiException(404, "not-found",
        "no fault tree is named '" + Requests.truncate(name) + "'"));
  }

  /**
   * What tells one stored version of a tree from another: its update time alone does not, as two uploads can carry the
   * same one.
   */
  private static String version(ConsoleStore.Document document) {
    return document.updatedAtMillis() + ":" + Secrets.digest(document.content());
  }

  private FaultTreeModel model(ConsoleStore.Document document) {
    Parsed parsed = models.get(document.name());
    String version = version(document);
    if (parsed == null || !parsed.version().equals(version)) {
      parsed = new Parsed(version, parse(document.name(), document.content()));
      models.put(document.name(), parsed);
    }
    return parsed.model();
  }

  private Map<String, Object> summary(ConsoleStore.Document document, boolean names) {
    FaultTreeModel model = model(document);
    Map<String, Object> item = new LinkedHashMap<>();
    item.put("name", document.name());
    item.put("uploadedAt", Views.time(document.updatedAtMillis()));
    item.put("uploadedBy", document.updatedBy());
    item.put("tops", model.topGates());
    item.put("basicEvents", model.basicEvents().size());
    item.put("gates", model.gates().size());
    if (names) {
      item.put("basicEventNames", new TreeSet<>(model.basicEvents().keySet()));
      item.put("gateNames", new TreeSet<>(model.gates().keySet()));
    }
    return item;
  }

  private Reply list(Context ctx, Principal principal) {
    List<Map<String, Object>> list = new ArrayList<>();
    for (ConsoleStore.Document document : store.documents(KIND)) {
      list.add(summary(document, false));
    }
    return Reply.ok(Map.of("faultTrees", list));
  }

  private Reply upload(Context ctx, Principal principal) throws IOException {
    String name = name(ctx);
    byte[] xml = Requests.body(ctx, maxDocumentBytes, "application/xml", "text/xml");
    boolean existed = put(name, xml, principal.name());
    ConsoleStore.Document stored = store.document(KIND, name).orElseThrow();
    return new Reply(existed ? 200 : 201, summary(stored, false), (existed ? "replaced" : "uploaded")
        + " fault tree " + name);
  }

  private Reply get(Context ctx, Principal principal) {
    return Reply.ok(summary(document(ctx), true));
  }

  private Reply delete(Context ctx, Principal principal) throws IOException {
    String name = name(ctx);
    if (!store.deleteDocument(KIND, name)) {
      throw new ApiException(404, "not-found", "no fault tree is named '" + Requests.truncate(name) + "'");
    }
    models.remove(name);
    results.keySet().removeIf(key -> key.startsWith(name + "\n"));
    return new Reply(200, Map.of("deleted", name), "deleted fault tree " + name);
  }

  /**
   * Interrupts the analyses in progress, which stop and answer 503 {@code analysis-interrupted}, and refuses any
   * further one; for the server's close.
   */
  void close() {
    synchronized (running) {
      closed = true;
      for (Thread t : running) {
        t.interrupt();
      }
    }
  }

  /** The analysis of a tree (cached by version, top and mission time). */
  private Analysed result(ConsoleStore.Document document, String top, double missionTime) {
    String key = document.name() + "\n" + version(document) + "\n" + top + "\n" + missionTime;
    Analysed cached = results.get(key);
    if (cached != null) {
      return cached;
    }
    FaultTreeAnalysis analysis;
    try {
      analysis = FaultTreeAnalysis.builder(model(document)).top(top).missionTime(missionTime)
          .timeout(analysisTimeout).clock(clock).build();
    } catch (ConfigurationException e) {
      throw ApiException.badRequest("the analysis of " + document.name() + ": " + e.getMessage());
    }
    if (!analyses.tryAcquire()) {
      throw new ApiException(503, "busy", "the server is computing " + maxConcurrentAnalyses + " fault tree"
          + " analyses, the most it computes at once; try again later (analyses already computed are served)",
          BUSY_RETRY_AFTER_SECONDS);
    }
    Thread self = Thread.currentThread();
    try {
      Analysed done = results.get(key);
      if (done != null) {
        return done;
      }
      synchronized (running) {
        if (closed) {
          throw new ApiException(503, AnalysisStoppedException.INTERRUPTED, "the server is closing; it starts no"
              + " analysis");
        }
        running.add(self);
      }
      FaultTreeResult result;
      try {
        result = runner.run(analysis);
      } finally {
        synchronized (running) {
          running.remove(self);
          if (closed) {
            // Only close() interrupts a registered thread: the interrupt was for this analysis, not for the server
            // thread, which Jetty may still use to answer.
            Thread.interrupted();
          }
        }
      }
      Analysed entry = new Analysed(result, importance);
      if (results.size() >= RESULTS_KEPT) {
        results.clear();
      }
      results.put(key, entry);
      return entry;
    } catch (MefException e) {
      throw ApiException.badRequest("the analysis of " + document.name() + " failed: " + e.getMessage());
    } catch (AnalysisStoppedException e) {
      // Not kept: a timed-out analysis is computed again by the next request, an interrupted one by the next server.
      throw e.timedOut()
          ? new ApiException(422, e.code(), e.getMessage() + "; the server's analysisTimeout bounds every analysis")
          : new ApiException(503, e.code(), e.getMessage() + ": the server is closing");
    } catch (InterruptedException e) {
      boolean byClose;
      synchronized (running) {
        byClose = closed;
      }
      if (byClose) {
        throw new ApiException(503, AnalysisStoppedException.INTERRUPTED, "the analysis was interrupted: the server"
            + " is closing");
      }
      Thread.currentThread().interrupt();
      throw new ApiException(503, "busy", "interrupted while the analysis ran");
    } finally {
      analyses.release();
    }
  }

  private static double missionTime(Context ctx) {
    String value = ctx.queryParam("missionTime");
    if (value == null) {
      return FaultTreeModel.DEFAULT_MISSION_TIME;
    }
    try {
      double hours = Double.parseDouble(value);
      if (hours >= 0 && hours <= 1e7) {
        return hours;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw ApiException.badRequest("query parameter missionTime must be a number of hours from 0 to 10000000, but"
        + " was '" + Requests.truncate(value) + "'");
  }

  private static Map<String, Object> cutSet(CutSet c) {
    Map<String, Object> item = new LinkedHashMap<>();
    item.put("events", c.events());
    item.put("probability", c.probability());
    return item;
  }

  private Reply analysis(Context ctx, Principal principal) {
    ConsoleStore.Document document = document(ctx);
    double missionTime = missionTime(ctx);
    int cutSets = Requests.intParam(ctx, "cutSets", 20, 0, 1000);
    boolean importance = Requests.boolParam(ctx, "importance", false);
    long start = clock.nanoTime();
    Analysed analysed = result(document, ctx.queryParam("top"), missionTime);
    FaultTreeResult r = analysed.result;
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put("name", document.name());
    reply.put("top", r.top());
    reply.put("missionTime", missionTime);
    reply.put("basicEvents", r.basicEvents().size());
    reply.put("probability", r.probability());
    reply.put("rareEvent", r.rareEvent());
    reply.put("mcub", r.mcub());
    reply.put("cutSetCount", r.cutSetCount().toString());
    reply.put("orderDistribution", r.orderDistribution().stream().map(BigInteger::toString).toList());
    reply.put("cutSets", r.cutSets().limit(cutSets).map(FaultTreeApi::cutSet).toList());
    if (importance) {
      List<Map<String, Object>> list = new ArrayList<>();
      for (Importance i : analysed.importance()) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("event", i.event());
        item.put("probability", i.probability());
        item.put("occurrence", i.occurrence().toString());
        item.put("mif", i.mif());
        item.put("cif", measure(i.cif()));
        item.put("dif", measure(i.dif()));
        item.put("raw", measure(i.raw()));
        item.put("rrw", measure(i.rrw()));
        list.add(item);
      }
      reply.put("importance", list);
    }
    reply.put("analysisMillis", (clock.nanoTime() - start) / 1_000_000);
    return Reply.ok(reply);
  }

  /**
   * An importance measure as JSON, which has no NaN or infinity: a finite number as itself, an undefined one (NaN: CIF
   * and DIF when the top cannot occur) as null, an infinite one (RAW, RRW) as the string {@code "Infinity"} (or
   * {@code "-Infinity"}), as Protocol Buffers' JSON mapping writes it and as Jackson, JavaScript's {@code Number} and
   * Python's {@code float} read it back.
   */
  static Object measure(double value) {
    if (Double.isNaN(value)) {
      return null;
    }
    if (Double.isInfinite(value)) {
      return value > 0 ? "Infinity" : "-Infinity";
    }
    return value;
  }

  private Reply live(Context ctx, Principal principal) {
    ConsoleStore.Document document = document(ctx);
    FaultTreeResult r = result(document, ctx.queryParam("top"), FaultTreeModel.DEFAULT_MISSION_TIME).result;
    Set<String> failed = new LinkedHashSet<>();
    Set<String> given = Requests.listParam(ctx, "failed");
    if (given != null) {
      failed.addAll(given);
    }
    List<String> auto = new ArrayList<>();
    if (Requests.boolParam(ctx, "auto", true)) {
      Set<String> events = new TreeSet<>(r.basicEvents());
      for (String down : queries.downNow()) {
        if (events.contains(down)) {
          auto.add(down);
          failed.add(down);
        }
      }
    }
    LiveEvaluation live;
    try {
      live = r.evaluate(failed, LIVE_LISTED);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("query parameter failed: " + e.getMessage());
    }
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put("name", document.name());
    reply.put("top", r.top());
    reply.put("failed", live.failedEvents());
    reply.put("autoFailed", auto);
    reply.put("topFailed", live.topFailed());
    reply.put("failedGates", live.failedGates());
    reply.put("completeCutSetCount", live.completeCount().toString());
    reply.put("completeCutSets", live.complete().stream().map(FaultTreeApi::cutSet).toList());
    reply.put("oneAwayCount", live.oneAwayCount().toString());
    List<Map<String, Object>> oneAway = new ArrayList<>();
    for (LiveEvaluation.OneAway o : live.oneAway()) {
      Map<String, Object> item = cutSet(o.cutSet());
      item.put("missing", o.missing());
      oneAway.add(item);
    }
    reply.put("oneAway", oneAway);
    return Reply.ok(reply);
  }
}
