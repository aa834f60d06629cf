-- Queue limits across nodes (WorkflowExecutor.Builder.globalQueueLimits, PostgresWorkflowStore.admit).

-- When the queue's limits across nodes admitted the workflow (NULL: not admitted, or its queue has no such limits).
-- An admitted unfinished workflow counts against its queue's concurrency across nodes, wherever it runs.
ALTER TABLE ${schema}.workflows ADD COLUMN admitted_at timestamptz;
CREATE INDEX workflows_admitted_unfinished ON ${schema}.workflows (queue)
  WHERE admitted_at IS NOT NULL AND status IN ('PENDING', 'COMPENSATING');

-- One row per queue with limits across nodes: locked by every admission (so that nodes admit one after another)
-- and holding the earliest time of its next admission under its rate, on the database clock.
CREATE TABLE ${schema}.workflow_queues (
  queue         text PRIMARY KEY,
  next_start_at timestamptz NOT NULL DEFAULT '-infinity'
);
