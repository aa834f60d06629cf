package dev.faultline.console.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.faultline.console.server.Api.Endpoint;
import dev.faultline.console.server.Api.Principal;
import dev.faultline.console.server.Api.Reply;
import dev.faultline.core.Clock;
import dev.faultline.core.FaultlineException;
import dev.faultline.state.RollbackResult;
import dev.faultline.state.RollbackTarget;
import dev.faultline.state.checkpoint.CheckpointInfo;
import dev.faultline.state.workflow.WorkflowInfo;
import dev.faultline.state.workflow.WorkflowStatus;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The routes that act on a service's durable state: workflows (list, resume, cancel) and checkpoints (list, roll back
 * in two steps).
 *
 * <p>A rollback is confirmed: the first request (a target, no {@code confirm}) changes nothing and answers the plan
 * with a one-time confirm token, valid {@link #CONFIRM_TTL} for the same user, store and target; the second request
 * (the same target and that token) rolls back. A confirm that is refused (another user's, another store or target, an
 * expired token, a rollback the store refuses or that fails) changes nothing and leaves the token as it was; only the
 * rollback it confirms spends it. A rollback of a directory store is recorded as a
 * {@code StateRolledBack} event of the service {@value #CONSOLE_SERVICE}, so its data loss counts in the metrics (a
 * live store publishes its own).
 *
 * <h2>Concurrency design</h2>
 * {@code pending} is a concurrent map from a confirm token's digest to what it confirms. A confirm first checks the
 * entry without changing it, then claims it by an atomic {@code replace} with a claimed copy, so that of concurrent
 * confirms one rolls back and the others are refused while it runs; the claim is removed (the token spent) when the
 * rollback returns, and given back when it throws. The sources are thread-safe. Thread-safe.
 */
final class OperationsApi {
  static final Duration CONFIRM_TTL = Duration.ofMinutes(5);
  static final String CONSOLE_SERVICE = "faultline-console";
  private static final int MAX_PENDING = 1000;

  private record Pending(String user, String store, String target, long expiresAtNanos, boolean claimed) {
    Pending claim() {
      return new Pending(user, store, target, expiresAtNanos, true);
    }
  }

  private final ObjectMapper mapper;
  private final Clock clock;
  private final ConsoleStore store;
  private final Map<String, WorkflowSource> workflows;
  private final Map<String, CheckpointSource> checkpoints;
  private final long maxBodyBytes;
  private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();

  OperationsApi(ObjectMapper mapper, Clock clock, ConsoleStore store, Map<String, WorkflowSource> workflows,
      Map<String, CheckpointSource> checkpoints, long maxBodyBytes) {
    this.mapper = mapper;
    this.clock = clock;
    this.store = store;
    this.workflows = Map.copyOf(workflows);
    this.checkpoints = Map.copyOf(checkpoints);
    this.maxBodyBytes = maxBodyBytes;
  }

  void bind(Map<String, Endpoint> routes) {
    routes.put("GET /api/v1/workflows", this::listWorkflows);
    routes.put("GET /api/v1/workflows/{store}/{id}", this::workflow);
    routes.put("POST /api/v1/workflows/{store}/{id}/resume", (ctx, p) -> act(ctx, true));
    routes.put("POST /api/v1/workflows/{store}/{id}/cancel", (ctx, p) -> act(ctx, false));
    routes.put("GET /api/v1/checkpoints", this::listCheckpoints);
    routes.put("GET /api/v1/checkpoints/{store}", this::checkpointStore);
    routes.put("POST /api/v1/checkpoints/{store}/rollback", this::rollback);
  }

  // ------------------------------------------------------------------------------------------------- workflows

  private static Map<String, Object> workflowView(String storeName, WorkflowInfo info, boolean steps) {
    Map<String, Object> item = new LinkedHashMap<>();
    item.put("store", storeName);
    item.put("id", info.workflowId());
    item.put("name", info.workflowName());
    item.put("queue", info.queue());
    item.put("status", info.status().name());
    item.put("steps", info.steps().size());
    item.put("compensated", info.compensated());
    item.put("error", info.error());
    if (steps) {
      List<Map<String, Object>> list = new ArrayList<>();
      for (WorkflowInfo.StepInfo step : info.steps()) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("index", step.index());
        s.put("name", step.name());
        s.put("outcome", step.outcome());
        s.put("compensated", step.compensated());
        list.add(s);
      }
      item.put("stepList", list);
    }
    return item;
  }

  private static Map<String, Object> storeView(String name, String kind, String problem) {
    Map<String, Object> item = new LinkedHashMap<>();
    item.put("store", name);
    item.put("kind", kind);
    item.put("available", problem == null);
    item.put("problem", problem);
    return item;
  }

  private Reply listWorkflows(Context ctx, Principal principal) {
    String only = ctx.queryParam("store");
    if (only != null && !workflows.containsKey(only)) {
      throw new ApiException(404, "not-found", "no workflow store is named '" + Requests.truncate(only) + "'");
    }
    WorkflowStatus status = Requests.enumParam(ctx, "status", WorkflowStatus.class);
    int limit = Requests.limit(ctx);
    long cursor = Requests.cursor(ctx);
    long offset = cursor < 0 ? 0 : Math.min(Integer.MAX_VALUE, cursor - 1);
    List<Map<String, Object>> stores = new ArrayList<>();
    List<Map<String, Object>> all = new ArrayList<>();
    for (String name : new java.util.TreeSet<>(workflows.keySet())) {
      if (only != null && !only.equals(name)) {
        continue;
      }
      WorkflowSource source = workflows.get(name);
      try {
        for (WorkflowInfo info : source.list()) {
          if (status == null || info.status() == status) {
            all.add(workflowView(name, info, false));
          }
        }
        stores.add(storeView(name, source.kind(), null));
      } catch (ApiException | FaultlineException e) {
        stores.add(storeView(name, source.kind(), e.getMessage()));
      }
    }
    // In long: a cursor far beyond the list made the int offset plus the limit overflow (500 instead of an empty page).
    long end = Math.min(offset + limit, all.size());
    List<Map<String, Object>> page = all.subList((int) Math.min(offset, end), (int) end);
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put("stores", stores);
    reply.put("workflows", page);
    reply.put("next", offset + limit < all.size() ? Requests.nextCursor(offset + limit + 1) : null);
    return Reply.ok(reply);
  }

  private WorkflowSource workflowSource(Context ctx) {
    String name = ctx.pathParam("store");
    WorkflowSource source = workflows.get(name);
    if (source == null) {
      throw new ApiException(404, "not-found", "no workflow store is named '" + Requests.truncate(name) + "'");
    }
    return source;
  }

  private static WorkflowInfo find(WorkflowSource source, Context ctx) {
    String id = ctx.pathParam("id");
    return source.find(id).orElseThrow(() -> new ApiException(404, "not-found", "store " + ctx.pathParam("store")
        + " has no workflow with the id '" + Requests.truncate(id) + "'"));
  }

  private Reply workflow(Context ctx, Principal principal) {
    WorkflowSource source = workflowSource(ctx);
    return Reply.ok(workflowView(ctx.pathParam("store"), find(source, ctx), true));
  }

  private Reply act(Context ctx, boolean resume) {
    Requests.object(Requests.json(ctx, mapper, maxBodyBytes), "the body", Set.of());
    WorkflowSource source = workflowSource(ctx);
    WorkflowInfo info = find(source, ctx);
    String id = info.workflowId();
    String done = resume ? source.resume(id) : source.cancel(id);
    if (done == null) {
      throw new ApiException(409, "conflict", "workflow " + id + " has already finished (" + info.status()
          + "); nothing to " + (resume ? "resume" : "cancel"));
    }
    WorkflowInfo after = source.find(id).orElse(info);
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put("workflow", workflowView(ctx.pathParam("store"), after, false));
    reply.put("status", done);
    return new Reply(200, reply, done + ": workflow " + id + " of store " + ctx.pathParam("store"));
  }

  // ------------------------------------------------------------------------------------------------- checkpoints

  private static List<Map<String, Object>> checkpointViews(List<CheckpointInfo> infos) {
    List<Map<String, Object>> list = new ArrayList<>();
    for (CheckpointInfo info : infos) {
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("id", info.id());
      item.put("sequence", info.sequence());
      item.put("time", info.time().toString());
      item.put("label", info.label());
      item.put("bytes", info.snapshotBytes());
      list.add(item);
    }
    return list;
  }

  private Reply listCheckpoints(Context ctx, Principal principal) {
    List<Map<String, Object>> stores = new ArrayList<>();
    for (String name : new java.util.TreeSet<>(checkpoints.keySet())) {
      CheckpointSource source = checkpoints.get(name);
      Map<String, Object> item;
      try {
        List<Map<String, Object>> list = checkpointViews(source.list());
        item = storeView(name, source.kind(), null);
        item.put("checkpoints", list);
      } catch (ApiException | FaultlineException e) {
        item = storeView(name, source.kind(), e.getMessage());
        item.put("checkpoints", List.of());
      }
      stores.add(item);
    }
    return Reply.ok(Map.of("stores", stores));
  }

  private CheckpointSource checkpointSource(Context ctx) {
    String name = ctx.pathParam("store");
    CheckpointSource source = checkpoints.get(name);
    if (source == null) {
      throw new ApiException(404, "not-found", "no checkpoint store is named '" + Requests.truncate(name) + "'");
    }
    return source;
  }

  private Reply checkpointStore(Context ctx, Principal principal) {
    CheckpointSource source = checkpointSource(ctx);
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put("store", ctx.pathParam("store"));
    reply.put("kind", source.kind());
    reply.put("checkpoints", checkpointViews(source.list()));
    return Reply.ok(reply);
  }

  private Reply rollback(Context ctx, Principal principal) throws IOException {
    ObjectNode body = Requests.object(Requests.json(ctx, mapper, maxBodyBytes), "the body",
        Set.of("target", "confirm"));
    String targetText = Requests.text(body, "target", "the body");
    String confirm = Requests.optionalText(body, "confirm", "the body");
    String storeName = ctx.pathParam("store");
    CheckpointSource source = checkpointSource(ctx);
    RollbackTarget target;
    try {
      target = RollbackTarget.parse(targetText);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("the body.target: " + e.getMessage());
    }
    if (confirm == null) {
      return plan(source, storeName, targetText, target, principal);
    }
    String digest = Secrets.digest(confirm);
    Pending found = pending.get(digest);
    if (found == null || !found.user().equals(principal.name()) || !found.store().equals(storeName)
        || !found.target().equals(targetText) || clock.nanoTime() - found.expiresAtNanos() >= 0) {
      throw new ApiException(409, "conflict", "the confirm token is not valid for this user, store and target (it"
          + " may have expired or been used); ask for a new plan without 'confirm'");
    }
    Pending claimed = found.claim();
    if (found.claimed() || !pending.replace(digest, found, claimed)) {
      throw new ApiException(409, "conflict", "a rollback confirmed by this token is in progress; see its outcome in"
          + " the checkpoints");
    }
    RollbackResult result;
    boolean rolledBack = false;
    try {
      result = source.rollback(target);
      rolledBack = true;
    } catch (ApiException e) {
      throw e;
    } catch (FaultlineException e) {
      if ("state-rollback-invalid".equals(e.code())) {
        throw ApiException.badRequest(e.getMessage());
      }
      throw e;
    } finally {
      if (rolledBack) {
        pending.remove(digest, claimed);
      } else {
        pending.replace(digest, claimed, found);  // not rolled back: the token confirms it still
      }
    }
    if (source.kind().equals("directory") && result.discarded() > 0) {
      ObjectNode fields = JsonNodeFactory.instance.objectNode();
      fields.put("target", target.describe());
      fields.put("discarded", result.discarded());
      fields.put("by", principal.name());
      long now = clock.wallMillis();
      store.addEvents(CONSOLE_SERVICE, now, List.of(new ConsoleStore.NewEvent("StateRolledBack", storeName, now,
          fields)));
    }
    Map<String, Object> outcome = new LinkedHashMap<>();
    outcome.put("target", result.target().describe());
    outcome.put("checkpoint", result.checkpointId().orElse(null));
    outcome.put("sequence", result.sequence());
    result.opened().filter(o -> !o.clean()).ifPresent(o -> outcome.put("journalNotClosedCleanly", o.describe()));
    outcome.put("replayed", result.replayed());
    outcome.put("discarded", result.discarded());
    outcome.put("checkpointsDeleted", result.checkpointsDeleted());
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put("status", "rolled back");
    reply.put("store", storeName);
    reply.put("result", outcome);
    return new Reply(200, reply, "rolled " + storeName + " back to " + target.describe() + ": " + result.discarded()
        + " record(s) discarded");
  }

  /** The first step: what a rollback to {@code target} would do, and a token to confirm it. */
  private Reply plan(CheckpointSource source, String storeName, String targetText, RollbackTarget target,
      Principal principal) {
    List<CheckpointInfo> infos = source.list();
    CheckpointInfo checkpoint = null;
    long sequence;
    if (target instanceof RollbackTarget.ToCheckpoint c) {
      checkpoint = infos.stream().filter(i -> i.id().equals(c.id())).findFirst().orElseThrow(
          () -> ApiException.badRequest("store " + storeName + " has no checkpoint " + c.id()));
      sequence = checkpoint.sequence();
    } else if (target instanceof RollbackTarget.ToSequence s) {
      sequence = s.sequence();
      for (CheckpointInfo info : infos) {
        if (info.sequence() <= sequence) {
          checkpoint = info;
        }
      }
    } else {
      RollbackTarget.ToTime t = (RollbackTarget.ToTime) target;
      for (CheckpointInfo info : infos) {
        if (!info.time().isAfter(t.time())) {
          checkpoint = info;
        }
      }
      if (checkpoint == null) {
        throw ApiException.badRequest("store " + storeName + " has no checkpoint taken at or before " + t.time());
      }
      sequence = checkpoint.sequence();
    }
    long last = source.lastSequence();
    if (sequence > last) {
      throw ApiException.badRequest("store " + storeName + " stands at sequence " + last + "; it cannot roll back to "
          + sequence);
    }
    long now = clock.nanoTime();
    if (pending.size() >= MAX_PENDING) {
      pending.values().removeIf(p -> now - p.expiresAtNanos() >= 0);
      if (pending.size() >= MAX_PENDING) {
        throw new ApiException(503, "busy", "too many rollbacks await confirmation; try again in a few minutes");
      }
    }
    String token = Secrets.newSecret("fconfirm_");
    pending.put(Secrets.digest(token), new Pending(principal.name(), storeName, targetText,
        now + CONFIRM_TTL.toNanos(), false));
    Map<String, Object> plan = new LinkedHashMap<>();
    plan.put("checkpoint", checkpoint == null ? null : checkpoint.id());
    plan.put("sequence", sequence);
    plan.put("lastSequence", last);
    plan.put("discards", last - sequence);
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put("status", "confirm");
    reply.put("store", storeName);
    reply.put("target", targetText);
    reply.put("plan", plan);
    reply.put("confirm", token);
    reply.put("expiresAt", Views.time(clock.wallMillis() + CONFIRM_TTL.toMillis()));
    return new Reply(200, reply, "planned a rollback of " + storeName + " to " + target.describe() + " ("
        + (last - sequence) + " record(s) would be discarded)");
  }
}
