-- 005 · Knowledge base and assistant: documents, embedded chunks, conversations, messages.
-- Spec §5. Needs pgvector. Embeddings are 1536-dimensional (OpenAI text-embedding-3-small, and
-- the offline hashing embedder of the same width); every chunk records the model that made it,
-- because vectors of different models must never be compared.

CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE agency.knowledge_documents (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id      uuid NOT NULL,
  client_id      uuid,   -- NULL: tenant-wide; set: only people working with that client see it
  title          text NOT NULL CHECK (length(btrim(title)) > 0),
  doc_type       text NOT NULL DEFAULT 'other',
  source_type    text NOT NULL DEFAULT 'upload'
                   CHECK (source_type IN ('upload', 'file', 'notion', 'gdrive', 'web', 'seed', 'manual')),
  -- Stable id in the source system (Notion page id, file path); re-ingesting the same source
  -- with the same content_hash is a no-op, a new hash replaces the chunks.
  source_id      text,
  source_url     text,
  content_hash   text,
  mime_type      text,
  language       text NOT NULL DEFAULT 'en',
  status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'processing', 'failed', 'archived')),
  chunk_count    integer NOT NULL DEFAULT 0,
  embedding_model text,
  metadata       jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_by     uuid,
  last_synced_at timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT knowledge_documents_client_fk FOREIGN KEY (client_id, tenant_id)
    REFERENCES agency.clients (id, tenant_id) ON DELETE CASCADE,
  CONSTRAINT knowledge_documents_id_tenant_key UNIQUE (id, tenant_id)
);
CREATE INDEX idx_knowledge_documents_tenant ON agency.knowledge_documents (tenant_id);
CREATE INDEX idx_knowledge_documents_client ON agency.knowledge_documents (client_id);
CREATE INDEX idx_knowledge_documents_type ON agency.knowledge_documents (tenant_id, doc_type);
CREATE UNIQUE INDEX idx_knowledge_documents_source ON agency.knowledge_documents (tenant_id, source_id)
  WHERE source_id IS NOT NULL;
CREATE INDEX idx_knowledge_documents_title_search ON agency.knowledge_documents
  USING gin (to_tsvector('english', title));
CREATE TRIGGER trg_knowledge_documents_updated_at BEFORE UPDATE ON agency.knowledge_documents
  FOR EACH ROW EXECUTE FUNCTION agency.set_updated_at();
ALTER TABLE agency.knowledge_documents ENABLE ROW LEVEL SECURITY;

CREATE TABLE agency.knowledge_chunks (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id       uuid NOT NULL,
  document_id     uuid NOT NULL,
  client_id       uuid,           -- copied from the document so RLS needs no join per chunk
  chunk_index     integer NOT NULL CHECK (chunk_index >= 0),
  heading         text,           -- heading path, e.g. "Brand guidelines › Colour"
  content         text NOT NULL,
  token_count     integer,
  embedding       vector(1536),
  embedding_model text,
  content_tsv     tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('english', coalesce(heading, '')), 'A') ||
                    setweight(to_tsvector('english', content), 'B')) STORED,
  metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT knowledge_chunks_document_fk FOREIGN KEY (document_id, tenant_id)
    REFERENCES agency.knowledge_documents (id, tenant_id) ON DELETE CASCADE,
  CONSTRAINT knowledge_chunks_document_index_key UNIQUE (document_id, chunk_index)
);
CREATE INDEX idx_knowledge_chunks_tenant ON agency.knowledge_chunks (tenant_id, embedding_model);
CREATE INDEX idx_knowledge_chunks_client ON agency.knowledge_chunks (client_id);
CREATE INDEX idx_knowledge_chunks_fts ON agency.knowledge_chunks USING gin (content_tsv);
-- HNSW over cosine distance (spec: optimal below ~1M vectors). Defaults m=16, ef_construction=64.
CREATE INDEX idx_knowledge_chunks_embedding ON agency.knowledge_chunks
  USING hnsw (embedding vector_cosine_ops);
ALTER TABLE agency.knowledge_chunks ENABLE ROW LEVEL SECURITY;

CREATE TABLE agency.ai_conversations (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id       uuid NOT NULL,
  user_id         uuid NOT NULL,
  title           text,
  platform        text NOT NULL DEFAULT 'web',
  channel_id      text,
  thread_ref      text,           -- Slack thread_ts / Teams reply-chain id
  client_id       uuid,
  status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
  metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
  last_message_at timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ai_conversations_id_tenant_key UNIQUE (id, tenant_id)
);
CREATE INDEX idx_ai_conversations_tenant ON agency.ai_conversations (tenant_id);
CREATE INDEX idx_ai_conversations_user ON agency.ai_conversations (user_id, last_message_at DESC);
CREATE UNIQUE INDEX idx_ai_conversations_thread ON agency.ai_conversations
  (tenant_id, platform, channel_id, thread_ref) WHERE thread_ref IS NOT NULL;
CREATE TRIGGER trg_ai_conversations_updated_at BEFORE UPDATE ON agency.ai_conversations
  FOR EACH ROW EXECUTE FUNCTION agency.set_updated_at();
ALTER TABLE agency.ai_conversations ENABLE ROW LEVEL SECURITY;

CREATE TABLE agency.ai_messages (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id         uuid NOT NULL,
  conversation_id   uuid NOT NULL,
  role              text NOT NULL CHECK (role IN ('user', 'assistant', 'system', 'tool')),
  content           text NOT NULL,
  -- [{document_id, chunk_id, title, url, snippet, score}], numbered as cited
  citations         jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(citations) = 'array'),
  model             text,
  latency_ms        integer,
  prompt_tokens     integer,
  completion_tokens integer,
  feedback          smallint CHECK (feedback IS NULL OR feedback IN (-1, 1)),
  metadata          jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ai_messages_conversation_fk FOREIGN KEY (conversation_id, tenant_id)
    REFERENCES agency.ai_conversations (id, tenant_id) ON DELETE CASCADE
);
CREATE INDEX idx_ai_messages_tenant ON agency.ai_messages (tenant_id);
CREATE INDEX idx_ai_messages_conversation ON agency.ai_messages (conversation_id, created_at);
CREATE INDEX idx_ai_messages_citations ON agency.ai_messages USING gin (citations jsonb_path_ops);
ALTER TABLE agency.ai_messages ENABLE ROW LEVEL SECURITY;

-- Vector similarity search. SECURITY INVOKER (the default, stated for the reader): the caller's
-- RLS policies filter chunks, so a tenant never receives another tenant's rows.
-- filters (all optional): {"client_id": uuid, "doc_type": text, "doc_types": [text],
--   "embedding_model": text, "document_ids": [uuid], "include_tenant_wide": bool}
-- Ordering by distance with a LIMIT lets the planner use idx_knowledge_chunks_embedding; the
-- threshold is applied after the index scan.
CREATE OR REPLACE FUNCTION agency.search_knowledge(
  query_embedding vector(1536),
  match_threshold double precision DEFAULT 0.7,
  match_count     integer DEFAULT 10,
  filters         jsonb DEFAULT '{}'::jsonb)
RETURNS TABLE (chunk_id uuid, document_id uuid, title text, content text, heading text,
               chunk_index integer, client_id uuid, doc_type text, source_url text,
               embedding_model text, similarity double precision)
LANGUAGE sql STABLE SECURITY INVOKER PARALLEL SAFE
SET search_path = pg_catalog, agency, public, extensions
AS $$
  SELECT hit.id, hit.document_id, d.title, hit.content, hit.heading, hit.chunk_index,
         hit.client_id, d.doc_type, d.source_url, hit.embedding_model, 1 - hit.distance
    FROM (
      SELECT c.id, c.document_id, c.content, c.heading, c.chunk_index, c.client_id,
             c.embedding_model, c.embedding <=> query_embedding AS distance
        FROM agency.knowledge_chunks c
       WHERE c.embedding IS NOT NULL
         AND (filters ->> 'embedding_model' IS NULL OR c.embedding_model = filters ->> 'embedding_model')
         AND (filters ->> 'client_id' IS NULL
              OR c.client_id = (filters ->> 'client_id')::uuid
              OR (coalesce((filters ->> 'include_tenant_wide')::boolean, true) AND c.client_id IS NULL))
         AND (filters -> 'document_ids' IS NULL
              OR c.document_id IN (SELECT jsonb_array_elements_text(filters -> 'document_ids')::uuid))
       ORDER BY c.embedding <=> query_embedding
       LIMIT greatest(match_count, 1) * CASE WHEN filters ? 'doc_type' OR filters ? 'doc_types' THEN 4 ELSE 1 END
    ) hit
    JOIN agency.knowledge_documents d ON d.id = hit.document_id
   WHERE 1 - hit.distance >= match_threshold
     AND (filters ->> 'doc_type' IS NULL OR d.doc_type = filters ->> 'doc_type')
     AND (filters -> 'doc_types' IS NULL
          OR d.doc_type IN (SELECT jsonb_array_elements_text(filters -> 'doc_types')))
   ORDER BY hit.distance
   LIMIT greatest(match_count, 1);
$$;
