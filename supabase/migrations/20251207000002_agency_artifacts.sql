-- 002 · Creative content: artifacts, their version history and threaded comments.
-- Spec §2: auto-versioning on content change, full-text and tag indexes, file metadata,
-- embedding status for RAG.

CREATE TABLE agency.artifacts (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id        uuid NOT NULL,
  campaign_id      uuid,            -- NULL: an agency-wide asset (template, credentials deck)
  phase_id         uuid,
  title            text NOT NULL CHECK (length(btrim(title)) > 0),
  artifact_type    text NOT NULL
                     CHECK (artifact_type IN ('brief', 'script', 'deck', 'board', 'copy', 'design',
                                              'video', 'audio', 'document', 'other')),
  status           text NOT NULL DEFAULT 'draft'
                     CHECK (status IN ('draft', 'in_review', 'approved', 'rejected', 'archived')),
  description      text,
  content          text,
  file_url         text,
  file_name        text,
  file_size_bytes  bigint CHECK (file_size_bytes IS NULL OR file_size_bytes >= 0),
  mime_type        text,
  thumbnail_url    text,
  tags             text[] NOT NULL DEFAULT '{}',
  owner_id         uuid NOT NULL,
  current_version  integer NOT NULL DEFAULT 1,
  embedding_status text NOT NULL DEFAULT 'pending'
                     CHECK (embedding_status IN ('pending', 'processing', 'embedded', 'failed', 'skipped')),
  embedded_at      timestamptz,
  search_vector    tsvector GENERATED ALWAYS AS (
                     setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
                     setweight(to_tsvector('english', coalesce(description, '')), 'B') ||
                     setweight(to_tsvector('english', coalesce(content, '')), 'C')) STORED,
  metadata         jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT artifacts_campaign_fk FOREIGN KEY (campaign_id, tenant_id)
    REFERENCES agency.campaigns (id, tenant_id) ON DELETE CASCADE,
  CONSTRAINT artifacts_phase_fk FOREIGN KEY (phase_id, tenant_id)
    REFERENCES agency.campaign_phases (id, tenant_id) ON DELETE SET NULL (phase_id),
  CONSTRAINT artifacts_id_tenant_key UNIQUE (id, tenant_id)
);
CREATE INDEX idx_artifacts_tenant ON agency.artifacts (tenant_id);
CREATE INDEX idx_artifacts_campaign ON agency.artifacts (campaign_id);
CREATE INDEX idx_artifacts_phase ON agency.artifacts (phase_id);
CREATE INDEX idx_artifacts_owner ON agency.artifacts (owner_id);
CREATE INDEX idx_artifacts_type_status ON agency.artifacts (tenant_id, artifact_type, status);
CREATE INDEX idx_artifacts_updated ON agency.artifacts (tenant_id, updated_at DESC);
CREATE INDEX idx_artifacts_tags ON agency.artifacts USING gin (tags);
CREATE INDEX idx_artifacts_search ON agency.artifacts USING gin (search_vector);
CREATE INDEX idx_artifacts_pending_embedding ON agency.artifacts (tenant_id, created_at)
  WHERE embedding_status = 'pending';
CREATE TRIGGER trg_artifacts_updated_at BEFORE UPDATE ON agency.artifacts
  FOR EACH ROW EXECUTE FUNCTION agency.set_updated_at();
ALTER TABLE agency.artifacts ENABLE ROW LEVEL SECURITY;

CREATE TABLE agency.artifact_versions (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id        uuid NOT NULL,
  artifact_id      uuid NOT NULL,
  version_number   integer NOT NULL CHECK (version_number > 0),
  title            text NOT NULL,
  content          text,
  file_url         text,
  file_size_bytes  bigint,
  mime_type        text,
  change_summary   text,
  created_by       uuid,
  created_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT artifact_versions_artifact_fk FOREIGN KEY (artifact_id, tenant_id)
    REFERENCES agency.artifacts (id, tenant_id) ON DELETE CASCADE,
  CONSTRAINT artifact_versions_artifact_version_key UNIQUE (artifact_id, version_number)
);
CREATE INDEX idx_artifact_versions_tenant ON agency.artifact_versions (tenant_id);
CREATE INDEX idx_artifact_versions_created ON agency.artifact_versions (artifact_id, created_at DESC);
ALTER TABLE agency.artifact_versions ENABLE ROW LEVEL SECURITY;

CREATE TABLE agency.artifact_comments (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id         uuid NOT NULL,
  artifact_id       uuid NOT NULL,
  parent_comment_id uuid REFERENCES agency.artifact_comments (id) ON DELETE CASCADE,
  author_id         uuid NOT NULL,
  body              text NOT NULL CHECK (length(btrim(body)) > 0),
  version_number    integer,
  is_resolved       boolean NOT NULL DEFAULT false,
  resolved_by       uuid,
  resolved_at       timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT artifact_comments_artifact_fk FOREIGN KEY (artifact_id, tenant_id)
    REFERENCES agency.artifacts (id, tenant_id) ON DELETE CASCADE
);
CREATE INDEX idx_artifact_comments_tenant ON agency.artifact_comments (tenant_id);
CREATE INDEX idx_artifact_comments_artifact ON agency.artifact_comments (artifact_id, created_at);
CREATE INDEX idx_artifact_comments_parent ON agency.artifact_comments (parent_comment_id);
CREATE INDEX idx_artifact_comments_author ON agency.artifact_comments (author_id);
CREATE INDEX idx_artifact_comments_open ON agency.artifact_comments (artifact_id) WHERE NOT is_resolved;
CREATE TRIGGER trg_artifact_comments_updated_at BEFORE UPDATE ON agency.artifact_comments
  FOR EACH ROW EXECUTE FUNCTION agency.set_updated_at();
ALTER TABLE agency.artifact_comments ENABLE ROW LEVEL SECURITY;

-- Auto-versioning ------------------------------------------------------------------------------
-- Every artifact has its versions in artifact_versions, version 1 included. A change of
-- content, file or title bumps current_version and snapshots the new state. SECURITY DEFINER
-- because the history is system-written: the application role may read versions (RLS) but
-- never insert or rewrite them itself.
CREATE OR REPLACE FUNCTION agency.artifact_snapshot_version() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, agency AS $$
DECLARE
  author text := current_setting('app.current_user_id', true);
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NEW.content IS NOT DISTINCT FROM OLD.content
       AND NEW.file_url IS NOT DISTINCT FROM OLD.file_url
       AND NEW.title IS NOT DISTINCT FROM OLD.title THEN
      NEW.current_version := OLD.current_version;  -- metadata-only change: no new version
      RETURN NEW;
    END IF;
    NEW.current_version := OLD.current_version + 1;
    NEW.embedding_status := 'pending';
  END IF;
  INSERT INTO agency.artifact_versions
    (tenant_id, artifact_id, version_number, title, content, file_url, file_size_bytes, mime_type,
     change_summary, created_by)
  VALUES
    (NEW.tenant_id, NEW.id, NEW.current_version, NEW.title, NEW.content, NEW.file_url,
     NEW.file_size_bytes, NEW.mime_type,
     -- metadata.change_summary describes this change only if it was set by this update
     CASE WHEN TG_OP = 'INSERT' THEN 'Created'
          WHEN NEW.metadata ->> 'change_summary' IS DISTINCT FROM OLD.metadata ->> 'change_summary'
          THEN NULLIF(NEW.metadata ->> 'change_summary', '') END,
     -- a malformed setting records no author rather than failing the write
     CASE WHEN author ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
          THEN author::uuid END);
  RETURN NEW;
END;
$$;

-- BEFORE on update (so current_version moves in the same row write), AFTER on insert (the
-- version row references the artifact by foreign key).
CREATE TRIGGER trg_artifacts_version_on_update BEFORE UPDATE ON agency.artifacts
  FOR EACH ROW EXECUTE FUNCTION agency.artifact_snapshot_version();
CREATE TRIGGER trg_artifacts_version_on_insert AFTER INSERT ON agency.artifacts
  FOR EACH ROW EXECUTE FUNCTION agency.artifact_snapshot_version();
