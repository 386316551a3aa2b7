-- Reverts 002.
DROP TABLE IF EXISTS agency.artifact_comments;
DROP TABLE IF EXISTS agency.artifact_versions;
DROP TABLE IF EXISTS agency.artifacts;
DROP FUNCTION IF EXISTS agency.artifact_snapshot_version();
