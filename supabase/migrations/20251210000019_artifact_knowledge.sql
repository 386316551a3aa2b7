-- 019 · Artifacts are knowledge: an artifact's text (title, type, campaign, client, version,
-- description, content) is chunked and embedded into workroom.artifact_chunks, and retrieved beside
-- the knowledge base under the artifact's own visibility (007's artifacts policy).
--
-- The flow: a change to what the text is made of sets the artifact's embedding_status to
-- 'pending' (trigger below); a worker (src/rag/artifacts.ts) claims pending rows with
-- FOR UPDATE SKIP LOCKED ('processing', embedding_claimed_at), embeds outside any transaction,
-- then replaces the chunks and sets 'embedded' only if its claim still stands. Archived
-- artifacts lose their chunks ('skipped'); un-archiving makes them pending again.
-- Docs: docs/knowledge.md, "Artifacts are knowledge".

-- The claim: which worker's run a 'processing' row belongs to, and since when. A claim older than
-- a few minutes belongs to a crashed replica and may be taken over; the old worker's finish then
-- finds another claim and writes nothing.
ALTER TABLE agency.artifacts ADD COLUMN embedding_claimed_at timestamptz;
CREATE INDEX idx_artifacts_processing_embedding ON agency.artifacts (tenant_id, embedding_claimed_at)
  WHERE embedding_status = 'processing';

CREATE TABLE workroom.artifact_chunks (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id       uuid NOT NULL,
  artifact_id     uuid NOT NULL,
  version_number  integer NOT NULL CHECK (version_number > 0),  -- the version embedded, cited as "(vN)"
  chunk_index     integer NOT NULL CHECK (chunk_index >= 0),
  heading         text,
  content         text NOT NULL,
  token_count     integer,
  embedding       vector(1536),
  embedding_model text,
  content_tsv     tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('english', coalesce(heading, '')), 'A') ||
                    setweight(to_tsvector('english', content), 'B')) STORED,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT artifact_chunks_artifact_fk FOREIGN KEY (artifact_id, tenant_id)
    REFERENCES agency.artifacts (id, tenant_id) ON DELETE CASCADE,
  CONSTRAINT artifact_chunks_artifact_index_key UNIQUE (artifact_id, chunk_index)
);
CREATE INDEX idx_artifact_chunks_tenant ON workroom.artifact_chunks (tenant_id, embedding_model);
CREATE INDEX idx_artifact_chunks_fts ON workroom.artifact_chunks USING gin (content_tsv);
CREATE INDEX idx_artifact_chunks_embedding ON workroom.artifact_chunks USING hnsw (embedding vector_cosine_ops);
ALTER TABLE workroom.artifact_chunks ENABLE ROW LEVEL SECURITY;

-- Privileges: read, and insert/delete for the worker. No UPDATE: chunks are replaced, never edited.
GRANT SELECT, INSERT, DELETE ON workroom.artifact_chunks TO workroom_app;
-- 015 granted UPDATE column by column; a column added later needs its own grant. The worker sets
-- it (as a system actor); the trigger below keeps people from touching the bookkeeping columns.
GRANT UPDATE (embedding_claimed_at) ON agency.artifacts TO workroom_app;

-- A chunk is visible exactly when its artifact is: the EXISTS runs under the artifacts policy
-- (managers, the owner, the people on the artifact's campaign), as artifact_versions' does.
CREATE POLICY artifact_chunks_select ON workroom.artifact_chunks FOR SELECT TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id())
  AND EXISTS (SELECT 1 FROM agency.artifacts a WHERE a.id = artifact_id));

-- Writes: only the worker, i.e. the system actor (src/rag/ingest.ts systemActor: no person has
-- the nil id, and identity resolution only ever yields a person) in the leadership role (the role
-- that may set an artifact's embedding_status, 007's artifacts_update). We rejected "any admin",
-- as knowledge_chunks has it: an admin may not edit other people's artifacts, so must not be able
-- to put words in their mouths either. A chunk may only be inserted for an artifact the worker
-- has claimed ('processing') and only at its current version, so even the system actor cannot
-- attach text to an artifact nobody is embedding, nor label it with another version.
CREATE POLICY artifact_chunks_insert ON workroom.artifact_chunks FOR INSERT TO workroom_app WITH CHECK (
  tenant_id = (SELECT agency.current_tenant_id())
  AND (SELECT agency.current_user_id()) = '00000000-0000-0000-0000-000000000000'::uuid
  AND (SELECT agency.has_role('leadership'))
  AND EXISTS (SELECT 1 FROM agency.artifacts a
               WHERE a.id = artifact_id AND a.embedding_status = 'processing'
                 AND a.current_version = artifact_chunks.version_number));
CREATE POLICY artifact_chunks_delete ON workroom.artifact_chunks FOR DELETE TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id())
  AND (SELECT agency.current_user_id()) = '00000000-0000-0000-0000-000000000000'::uuid
  AND (SELECT agency.has_role('leadership')));

-- What makes an artifact pending again. On insert, and on an update that changes any column the
-- embedded text is made of (title, type, description, content, campaign — whose name and client
-- the text names — status, since archiving removes the chunks, and current_version), the
-- artifact is pending, unclaimed, not embedded. An update that touches only the embedding
-- bookkeeping (the worker's) is not an edit: updated_at keeps its value (set_updated_at had
-- bumped it). App writes by anyone but the system actor may not change the bookkeeping: an owner
-- marking an edited artifact 'embedded' would keep its old text in answers.
-- Not SECURITY DEFINER; row_security_active tells app writes from the owner's (seeds, imports).
CREATE OR REPLACE FUNCTION agency.mark_artifact_for_embedding() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, agency AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND NEW.title IS NOT DISTINCT FROM OLD.title AND NEW.artifact_type IS NOT DISTINCT FROM OLD.artifact_type
     AND NEW.description IS NOT DISTINCT FROM OLD.description AND NEW.content IS NOT DISTINCT FROM OLD.content
     AND NEW.campaign_id IS NOT DISTINCT FROM OLD.campaign_id AND NEW.status IS NOT DISTINCT FROM OLD.status
     AND NEW.current_version IS NOT DISTINCT FROM OLD.current_version THEN
    IF NEW.embedding_status IS NOT DISTINCT FROM OLD.embedding_status AND NEW.embedded_at IS NOT DISTINCT FROM OLD.embedded_at
       AND NEW.embedding_claimed_at IS NOT DISTINCT FROM OLD.embedding_claimed_at THEN
      RETURN NEW;  -- another edit (tags, file, metadata): the embedded text stands
    END IF;
    IF row_security_active(TG_RELID)
       AND agency.current_user_id() IS DISTINCT FROM '00000000-0000-0000-0000-000000000000'::uuid THEN
      RAISE EXCEPTION 'an artifact''s embedding status is kept by Workroom''s worker'
        USING ERRCODE = 'insufficient_privilege', TABLE = 'artifacts', SCHEMA = 'agency';
    END IF;
    -- Only the bookkeeping changed: the worker's own update, not an edit. (search_vector is not
    -- computed yet in a BEFORE trigger, and set_updated_at has already bumped updated_at.)
    IF (to_jsonb(NEW) - ARRAY['embedding_status', 'embedded_at', 'embedding_claimed_at', 'updated_at', 'search_vector'])
       = (to_jsonb(OLD) - ARRAY['embedding_status', 'embedded_at', 'embedding_claimed_at', 'updated_at', 'search_vector']) THEN
      NEW.updated_at := OLD.updated_at;
    END IF;
    RETURN NEW;
  END IF;
  NEW.embedding_status := 'pending';
  NEW.embedded_at := NULL;
  NEW.embedding_claimed_at := NULL;
  RETURN NEW;
END;
$$;
-- PostgreSQL fires the BEFORE triggers of one event in name order: "zz" puts this one after
-- set_updated_at (trg_artifacts_updated_at, whose bump it undoes for bookkeeping) and after the
-- versioning trigger (trg_artifacts_version_on_update, which moves current_version).
CREATE TRIGGER trg_artifacts_zz_embedding BEFORE INSERT OR UPDATE ON agency.artifacts
  FOR EACH ROW EXECUTE FUNCTION agency.mark_artifact_for_embedding();

-- FORCE, as 015 does for every tenant table, and for the same reason only when it is safe.
DO $$
BEGIN
  IF (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) THEN
    ALTER TABLE workroom.artifact_chunks FORCE ROW LEVEL SECURITY;
  ELSE
    RAISE NOTICE 'FORCE ROW LEVEL SECURITY skipped on workroom.artifact_chunks: % neither is a superuser nor has BYPASSRLS', current_user;
  END IF;
END;
$$;
