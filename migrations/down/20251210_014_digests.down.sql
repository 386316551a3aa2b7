-- Reverts 014.
DROP TABLE IF EXISTS workroom.digest_runs;
DROP TABLE IF EXISTS workroom.digest_subscriptions;
