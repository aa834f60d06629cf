-- Retention (PostgresWorkflowStore.Builder.retainFinished): the finished workflows by the time they finished, so
-- that deleting those older than the retention reads only them.
CREATE INDEX workflows_finished_by_age ON ${schema}.workflows (updated_at)
  WHERE status IN ('SUCCEEDED', 'FAILED', 'CANCELLED');
