-- Reverts 019.
DROP TRIGGER IF EXISTS trg_artifacts_zz_embedding ON agency.artifacts;
DROP FUNCTION IF EXISTS agency.mark_artifact_for_embedding();
DROP TABLE IF EXISTS workroom.artifact_chunks;
DROP INDEX IF EXISTS agency.idx_artifacts_processing_embedding;
ALTER TABLE agency.artifacts DROP COLUMN IF EXISTS embedding_claimed_at;
