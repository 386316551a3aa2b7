-- 030 · Full-text matches through the GIN indexes, for the person asking.
--
-- Under row security PostgreSQL tests a policy's conditions before any condition of the query
-- that is not leakproof, and `@@` is not: so `content_tsv @@ q` is never an index condition for
-- workroom_app, and every chunk of the tenant is read and tested instead (EXPLAIN: the tenant
-- index, thousands of rows removed by the filter; at 11k chunks 30–40 ms per question word).
--
-- These two functions read past row security to use the index, and apply the select policies'
-- own terms themselves, term for term: they return exactly the ids of the chunks the person may
-- read (test/db/full-text-matches.test.ts compares them with the policies, for every role of
-- every tenant). The caller's filters (a client, document or artifact types) are applied here
-- too, so the LIMIT is not spent on rows the caller drops; the caller still reads the rows back
-- under row security. Ids only, at most max_rows, no order. (ROWS 100, not the default 1,000: the
-- planner then reads the rows back by id, not by hashing every chunk of the tenant.)
CREATE FUNCTION agency.knowledge_chunks_matching(
  q tsquery, model text, max_rows integer,
  client uuid DEFAULT NULL, include_tenant_wide boolean DEFAULT true, doc_types text[] DEFAULT NULL)
RETURNS SETOF uuid ROWS 100
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, agency AS $$
  SELECT c.id FROM agency.knowledge_chunks c
   WHERE c.content_tsv @@ q
     AND (model IS NULL OR c.embedding_model = model)
     -- knowledge_chunks_select (007)
     AND c.tenant_id = (SELECT agency.current_tenant_id())
     AND (c.client_id IS NULL
          OR (SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin']))
          OR c.client_id = ANY ((SELECT agency.current_user_client_ids())::uuid[]))
     -- the caller's filters
     AND (client IS NULL OR c.client_id = client OR (include_tenant_wide AND c.client_id IS NULL))
     AND (doc_types IS NULL OR EXISTS (SELECT 1 FROM agency.knowledge_documents d
                                        WHERE d.id = c.document_id AND d.doc_type = ANY (doc_types)))
   LIMIT max_rows
$$;

-- An artifact's chunks are visible exactly when the artifact is (019's artifact_chunks_select,
-- which reads agency.artifacts under 007's artifacts_select). Archived artifacts are never
-- matches (retrieve-artifacts.ts).
CREATE FUNCTION workroom.artifact_chunks_matching(
  q tsquery, model text, max_rows integer,
  client uuid DEFAULT NULL, include_tenant_wide boolean DEFAULT true, artifact_types text[] DEFAULT NULL)
RETURNS SETOF uuid ROWS 100
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, agency AS $$
  SELECT c.id FROM workroom.artifact_chunks c
    JOIN agency.artifacts a ON a.id = c.artifact_id
   WHERE c.content_tsv @@ q
     AND (model IS NULL OR c.embedding_model = model)
     AND a.status <> 'archived'
     -- artifact_chunks_select (019)
     AND c.tenant_id = (SELECT agency.current_tenant_id())
     -- artifacts_select (007)
     AND a.tenant_id = (SELECT agency.current_tenant_id())
     AND ((SELECT agency.has_any_role(ARRAY['leadership', 'pm', 'admin']))
          OR a.owner_id = (SELECT agency.current_user_id())
          OR a.campaign_id = ANY ((SELECT agency.current_user_campaign_ids())::uuid[]))
     -- the caller's filters (a campaign's client; agency-wide artifacts have no campaign)
     AND (client IS NULL
          OR (include_tenant_wide AND a.campaign_id IS NULL)
          OR EXISTS (SELECT 1 FROM agency.campaigns cp WHERE cp.id = a.campaign_id AND cp.client_id = client))
     AND (artifact_types IS NULL OR a.artifact_type = ANY (artifact_types))
   LIMIT max_rows
$$;

REVOKE EXECUTE ON FUNCTION agency.knowledge_chunks_matching(tsquery, text, integer, uuid, boolean, text[]) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION workroom.artifact_chunks_matching(tsquery, text, integer, uuid, boolean, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION agency.knowledge_chunks_matching(tsquery, text, integer, uuid, boolean, text[]) TO workroom_app;
GRANT EXECUTE ON FUNCTION workroom.artifact_chunks_matching(tsquery, text, integer, uuid, boolean, text[]) TO workroom_app;
