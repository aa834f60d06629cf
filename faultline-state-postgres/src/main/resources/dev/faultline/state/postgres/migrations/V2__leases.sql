-- Named leases of faultline-supervisor's failover (PostgresLease): one holder at a time, with an epoch that rises
-- whenever the lease changes hands (the fencing token). Expiry is on the database clock.
CREATE TABLE ${schema}.leases (
  name       text PRIMARY KEY,
  owner      text NOT NULL,
  epoch      bigint NOT NULL CHECK (epoch > 0),
  expires_at timestamptz NOT NULL
);
