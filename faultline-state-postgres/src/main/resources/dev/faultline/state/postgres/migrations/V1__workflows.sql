-- Durable workflows shared by several executor nodes. ${schema} is replaced by the store's schema name.

-- One row per executor node: its lease, renewed by heartbeats on the database clock.
CREATE TABLE ${schema}.workflow_nodes (
  node_id      text PRIMARY KEY,
  started_at   timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL,
  lease_until  timestamptz NOT NULL
);

-- One row per workflow. owner/epoch: the node that runs it and the fencing token of that ownership.
CREATE TABLE ${schema}.workflows (
  workflow_id      text PRIMARY KEY,
  name             text NOT NULL,
  queue            text NOT NULL,
  input            bytea,
  status           text NOT NULL
                   CHECK (status IN ('PENDING', 'COMPENSATING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
  owner            text,
  epoch            bigint NOT NULL DEFAULT 0 CHECK (epoch >= 0),
  cancel_requested boolean NOT NULL DEFAULT false,
  resume_requested boolean NOT NULL DEFAULT false,
  outcome          text CHECK (outcome IN ('FAILED', 'CANCELLED')),
  output           bytea,
  error            text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

-- The unfinished workflows, by owner: what heartbeats keep, and what a takeover looks for.
CREATE INDEX workflows_unfinished_by_owner ON ${schema}.workflows (owner, created_at)
  WHERE status IN ('PENDING', 'COMPENSATING');
CREATE INDEX workflows_by_status ON ${schema}.workflows (status, workflow_id);

-- One row per recorded step or timer; the primary key makes recording a step twice impossible.
CREATE TABLE ${schema}.workflow_steps (
  workflow_id text NOT NULL REFERENCES ${schema}.workflows (workflow_id) ON DELETE CASCADE,
  step_index  integer NOT NULL CHECK (step_index >= 0),
  name        text NOT NULL,
  sleep       boolean NOT NULL,
  result      bytea,
  error       text,
  wake_millis bigint NOT NULL DEFAULT 0,
  epoch       bigint NOT NULL,
  compensated boolean NOT NULL DEFAULT false,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workflow_id, step_index)
);
