-- 025 · Campaign matching in SQL. `/timesheet`, `/campaign` and an edit name a campaign the way
-- people type it ("aurora air", "AUR-2026-01", "fizwell sumer"); the handler used to load every
-- campaign the person may see and match in JavaScript. agency.campaign_shortlist returns the few
-- the text can mean, through trigram indexes on the four names people use (campaign name and
-- code, brand, client), and the JavaScript matcher decides among those (src/handlers/campaign-match.ts).
--
-- pg_trgm ships with PostgreSQL (contrib) and with PGlite. Where it is already installed, it is
-- used where it is; otherwise it goes where Supabase keeps extensions (schema `extensions`) when
-- that schema exists and this login may create in it, else in the default schema. Its operators
-- and operator classes are then named through that schema, so no login's search_path matters.
DO $do$
DECLARE
  trgm text;
BEGIN
  SELECT n.nspname INTO trgm FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
  IF trgm IS NULL THEN
    IF to_regnamespace('extensions') IS NOT NULL AND has_schema_privilege('extensions', 'CREATE') THEN
      CREATE EXTENSION pg_trgm WITH SCHEMA extensions;
    ELSE
      CREATE EXTENSION pg_trgm;
    END IF;
    SELECT n.nspname INTO trgm FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
  END IF;
  -- Actor transactions run as workroom_app, which calls the shortlist (SECURITY INVOKER: row
  -- security decides what it returns) and so uses pg_trgm's functions in that schema.
  IF NOT has_schema_privilege('workroom_app', trgm, 'USAGE') THEN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO workroom_app', trgm);
  END IF;

  -- What is matched is the name as the matcher reads it: decomposed (NFKD, so "Café" holds
  -- "cafe") and lower-cased; LIKE '%word%' uses these indexes.
  EXECUTE format('CREATE INDEX idx_campaigns_name_trgm ON agency.campaigns USING gin (lower(normalize(name, NFKD)) %I.gin_trgm_ops)', trgm);
  EXECUTE format('CREATE INDEX idx_campaigns_code_trgm ON agency.campaigns USING gin (lower(normalize(code, NFKD)) %I.gin_trgm_ops)', trgm);
  EXECUTE format('CREATE INDEX idx_clients_name_trgm ON agency.clients USING gin (lower(normalize(name, NFKD)) %I.gin_trgm_ops)', trgm);
  EXECUTE format('CREATE INDEX idx_brands_name_trgm ON agency.brands USING gin (lower(normalize(name, NFKD)) %I.gin_trgm_ops)', trgm);

  -- The campaigns a text can mean, for the matcher to choose from:
  --   p_words: the words typed, as the matcher normalises them; every campaign that holds the
  --     first word, or the longest, in one of its four names (a superset of what the matcher's
  --     word rules can accept: every word must start a word of those names, and a name followed
  --     by a note starts with the name's first word);
  --   p_query: the whole text, for typos: the p_fuzzy campaigns whose names are most like it
  --     (word similarity, weighted as the matcher's fuzzy scoring weighs the names), with no
  --     threshold: the matcher's fuzzy scoring finds a 3-letter word inside a longer one, which
  --     trigrams score low. This scores every visible campaign's names in SQL, on the typo path
  --     only (when the words name nothing). 0 skips it.
  -- Ordered by name like the list the matcher used to get. Row security applies to every table
  -- read (SECURITY INVOKER), so a campaign or client the actor may not see is not returned.
  EXECUTE format($f$
    CREATE FUNCTION agency.campaign_shortlist(p_words text[], p_query text, p_fuzzy integer)
    RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY INVOKER
    SET search_path = pg_catalog, %1$I
    AS $body$
      WITH pats AS (
        SELECT '%%' || p_words[1] || '%%' AS first,
               '%%' || (SELECT w FROM unnest(p_words) w ORDER BY length(w) DESC, w LIMIT 1) || '%%' AS longest
         WHERE cardinality(p_words) > 0
      ), worded AS (
        SELECT c.id FROM agency.campaigns c, pats
         WHERE lower(normalize(c.name, NFKD)) LIKE pats.first OR lower(normalize(c.name, NFKD)) LIKE pats.longest
            OR lower(normalize(c.code, NFKD)) LIKE pats.first OR lower(normalize(c.code, NFKD)) LIKE pats.longest
        UNION
        SELECT c.id FROM agency.clients cl JOIN agency.campaigns c ON c.client_id = cl.id, pats
         WHERE lower(normalize(cl.name, NFKD)) LIKE pats.first OR lower(normalize(cl.name, NFKD)) LIKE pats.longest
        UNION
        SELECT c.id FROM agency.brands b JOIN agency.campaigns c ON c.brand_id = b.id, pats
         WHERE lower(normalize(b.name, NFKD)) LIKE pats.first OR lower(normalize(b.name, NFKD)) LIKE pats.longest
      ), fuzzy AS (
        SELECT c.id FROM agency.campaigns c
          JOIN agency.clients cl ON cl.id = c.client_id LEFT JOIN agency.brands b ON b.id = c.brand_id
         ORDER BY 3 * %1$I.word_similarity(p_query, lower(normalize(c.name, NFKD)))
                + 2 * %1$I.word_similarity(p_query, lower(normalize(c.code, NFKD)))
                + coalesce(%1$I.word_similarity(p_query, lower(normalize(b.name, NFKD))), 0)
                + %1$I.word_similarity(p_query, lower(normalize(cl.name, NFKD))) DESC, c.name, c.id
         LIMIT greatest(p_fuzzy, 0)
      )
      SELECT id FROM worded UNION SELECT id FROM fuzzy
    $body$$f$, trgm);
END;
$do$;

-- The campaign list people page through in chat (`/campaign list`, src/handlers/campaign.ts):
-- 100 rows after the last one shown, in name order, read from this index whatever the list's size.
CREATE INDEX idx_campaigns_tenant_name ON agency.campaigns (tenant_id, name, id);
