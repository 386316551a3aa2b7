-- 015 · Write policies: who may write which column, the timesheet lock, and the roles around them.
-- Migration 007 decides which rows a person may write; it left the columns of those rows open.
-- An attacker with a legitimate actor context (withActor, as workroom_app) could: put a campaign
-- under a client they cannot see and so make it "theirs" (and read its documents); approve their
-- own time; log a bill rate of 5000; move a colleague's entry to themselves; rewrite a comment's
-- author or an artifact's campaign. The 14-day timesheet lock lived only in the bot. This file
-- closes those holes in the database, in the deepest layer that can express each rule:
--   column privileges  identity columns never change; rates are never written by the app
--   RESTRICTIVE policies  every write must also pass these (they AND with 007's permissive ones):
--                      writer columns pinned to the actor, parents re-checked visible
--   triggers           rules that compare the old row with the new (status transitions, moves,
--                      the lock), since a policy sees only the new row
-- Tests: test/db/rls-escalation.test.ts (attacker's side), test/db/catalog.test.ts (catalog rules).
--
-- Writer columns, table by table (who wrote or owns a row), and what 015 decides:
--   agency.clients.created_by             actor on insert (default + pin), immutable
--   agency.clients.account_lead_id        an assignment, not authorship: left to 007's policies
--   agency.campaigns.created_by           actor on insert (default + pin), immutable; it makes the
--                                         campaign "theirs", so the client must already be visible
--   agency.campaigns.*_lead_id, producer_id  staffing, set by whoever may write the campaign (a lead
--                                         shares a client they can see); not pinned
--   agency.artifacts.owner_id             actor on insert (007), immutable (no ownership transfer
--                                         by the app; an operator does it as the owner)
--   agency.artifact_versions.created_by   written by the versioning trigger only (002)
--   agency.artifact_comments.author_id    actor on insert (007), immutable
--   agency.artifact_comments.resolved_by  stamped with the actor when is_resolved changes; the app
--                                         may not write it
--   agency.timesheet_entries.user_id      actor on insert (007), immutable
--   agency.timesheet_entries.approved_by  the reviewer, stamped; never on one's own entry
--   agency.team_allocations.user_id       NOT pinned: pm and leadership allocate other people
--   agency.team_allocations.created_by    actor on insert (default + pin), immutable
--   agency.knowledge_documents.created_by actor on insert (default + pin), immutable
--   agency.ai_conversations.user_id       actor on insert and update (007), immutable
--   agency.integration_links.created_by   actor on insert (default + pin), immutable
--   workroom.digest_subscriptions.created_by  actor on insert and update (014): re-subscribing a
--                                         channel hands it to the new subscriber, so it stays updatable
--   workroom.tenants, people, chat_identities, and the platform ledgers: no app writes at all
--   (chat identities are linked through SECURITY DEFINER functions of 010).

-- 1. The timesheet lock, per tenant --------------------------------------------------------------
-- The bot reads TIMESHEET_LOCK_DAYS (default 14, 0..366); the database enforces this column.
ALTER TABLE workroom.tenants ADD COLUMN timesheet_lock_days integer NOT NULL DEFAULT 14
  CONSTRAINT tenants_timesheet_lock_days_check CHECK (timesheet_lock_days BETWEEN 0 AND 366);

-- 2. Writer columns default to the actor ----------------------------------------------------------
-- So the app never has to send them, and a pin (below) can require them. Outside any actor
-- context (seeds, imports, as the owner) the default is NULL, as before.
ALTER TABLE agency.clients ALTER COLUMN created_by SET DEFAULT agency.current_user_id();
ALTER TABLE agency.campaigns ALTER COLUMN created_by SET DEFAULT agency.current_user_id();
ALTER TABLE agency.team_allocations ALTER COLUMN created_by SET DEFAULT agency.current_user_id();
ALTER TABLE agency.knowledge_documents ALTER COLUMN created_by SET DEFAULT agency.current_user_id();
ALTER TABLE agency.integration_links ALTER COLUMN created_by SET DEFAULT agency.current_user_id();

-- 3. Column privileges ---------------------------------------------------------------------------
-- Identity columns are immutable for workroom_app: no UPDATE privilege at all, so an UPDATE that
-- names one fails with 42501 whoever runs it, before any policy or trigger. Money columns keep
-- 007's rule (no UPDATE). Table-level UPDATE is replaced by a grant on every other column; REVOKE
-- on a table also revokes its column grants, so each table starts clean.
DO $$
DECLARE
  immutable jsonb := '{
    "agency.clients":                ["id", "tenant_id", "created_by"],
    "agency.brands":                 ["id", "tenant_id"],
    "agency.campaigns":              ["id", "tenant_id", "created_by", "budget"],
    "agency.campaign_phases":        ["id", "tenant_id", "budget"],
    "agency.artifacts":              ["id", "tenant_id", "owner_id"],
    "agency.artifact_comments":      ["id", "tenant_id", "artifact_id", "parent_comment_id", "author_id", "resolved_by", "resolved_at"],
    "agency.timesheet_entries":      ["id", "tenant_id", "user_id", "cost_rate", "bill_rate", "cost_amount", "bill_amount"],
    "agency.team_allocations":       ["id", "tenant_id", "created_by"],
    "agency.knowledge_documents":    ["id", "tenant_id", "created_by"],
    "agency.knowledge_chunks":       ["id", "tenant_id", "document_id"],
    "agency.ai_conversations":       ["id", "tenant_id", "user_id"],
    "agency.ai_messages":            ["id", "tenant_id", "conversation_id"],
    "agency.integration_links":      ["id", "tenant_id", "created_by"],
    "agency.integration_sync_runs":  ["id", "tenant_id"],
    "workroom.digest_subscriptions": ["id", "tenant_id"]
  }';
  -- Never inserted by the app: rates are snapshotted by workroom.snapshot_timesheet_rates (and
  -- changed by finance through agency.adjust_timesheet_rates); resolution is stamped below.
  not_inserted jsonb := '{
    "agency.timesheet_entries": ["cost_rate", "bill_rate", "cost_amount", "bill_amount"],
    "agency.artifact_comments": ["resolved_by", "resolved_at"]
  }';
  rel text;
  cols text;
BEGIN
  FOR rel IN SELECT jsonb_object_keys(immutable) LOOP
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
      FROM pg_attribute
     WHERE attrelid = rel::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
       AND attname NOT IN (SELECT jsonb_array_elements_text(immutable -> rel));
    EXECUTE format('REVOKE UPDATE ON %s FROM workroom_app', rel);
    EXECUTE format('GRANT UPDATE (%s) ON %s TO workroom_app', cols, rel);
  END LOOP;
  FOR rel IN SELECT jsonb_object_keys(not_inserted) LOOP
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
      FROM pg_attribute
     WHERE attrelid = rel::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
       AND attname NOT IN (SELECT jsonb_array_elements_text(not_inserted -> rel));
    EXECUTE format('REVOKE INSERT ON %s FROM workroom_app', rel);
    EXECUTE format('GRANT INSERT (%s) ON %s TO workroom_app', cols, rel);
  END LOOP;
END;
$$;

-- 4. Restrictive policies ------------------------------------------------------------------------
-- AS RESTRICTIVE: a write must pass these in addition to one of 007's permissive policies, so
-- 007 keeps saying who may write which rows and these add what every such write must satisfy.
-- "Visible" means an EXISTS over the parent table, evaluated under the caller's own RLS.

-- A campaign makes its client "theirs" for its creator and leads (current_user_client_ids), so
-- it may only be put under a client the caller can already see, and its brand must be that
-- client's. On update the same check stops a move to a client the caller cannot see (an
-- account lead always sees the client of a campaign they lead, so unchanged rows pass).
CREATE POLICY campaigns_insert_rules ON agency.campaigns AS RESTRICTIVE FOR INSERT TO workroom_app WITH CHECK (
  created_by = (SELECT agency.current_user_id())
  AND EXISTS (SELECT 1 FROM agency.clients cl WHERE cl.id = client_id)
  AND (brand_id IS NULL OR EXISTS (SELECT 1 FROM agency.brands b WHERE b.id = brand_id AND b.client_id = campaigns.client_id)));
CREATE POLICY campaigns_update_rules ON agency.campaigns AS RESTRICTIVE FOR UPDATE TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id()))
  WITH CHECK (EXISTS (SELECT 1 FROM agency.clients cl WHERE cl.id = client_id)
              AND (brand_id IS NULL OR EXISTS (SELECT 1 FROM agency.brands b WHERE b.id = brand_id AND b.client_id = campaigns.client_id)));

CREATE POLICY clients_insert_rules ON agency.clients AS RESTRICTIVE FOR INSERT TO workroom_app
  WITH CHECK (created_by = (SELECT agency.current_user_id()));

CREATE POLICY campaign_phases_insert_rules ON agency.campaign_phases AS RESTRICTIVE FOR INSERT TO workroom_app
  WITH CHECK (EXISTS (SELECT 1 FROM agency.campaigns c WHERE c.id = campaign_id));
CREATE POLICY campaign_phases_update_rules ON agency.campaign_phases AS RESTRICTIVE FOR UPDATE TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id()))
  WITH CHECK (EXISTS (SELECT 1 FROM agency.campaigns c WHERE c.id = campaign_id));

-- A new entry is the person's own (007), on a phase of its campaign, and not yet reviewed:
-- 'draft' or 'submitted', no approval. Reviews are updates (trg_timesheet_review).
CREATE POLICY timesheet_entries_insert_rules ON agency.timesheet_entries AS RESTRICTIVE FOR INSERT TO workroom_app WITH CHECK (
  status IN ('draft', 'submitted') AND approved_by IS NULL AND approved_at IS NULL
  AND (phase_id IS NULL OR EXISTS (SELECT 1 FROM agency.campaign_phases p WHERE p.id = phase_id AND p.campaign_id = timesheet_entries.campaign_id)));
-- 007's update policy already requires the entry's campaign to be visible; its phases are then
-- visible too, so this check holds for unchanged rows.
CREATE POLICY timesheet_entries_update_rules ON agency.timesheet_entries AS RESTRICTIVE FOR UPDATE TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id()))
  WITH CHECK (phase_id IS NULL OR EXISTS (SELECT 1 FROM agency.campaign_phases p WHERE p.id = phase_id AND p.campaign_id = timesheet_entries.campaign_id));

-- pm and leadership allocate other people (user_id is theirs to choose), on campaigns they see.
CREATE POLICY team_allocations_insert_rules ON agency.team_allocations AS RESTRICTIVE FOR INSERT TO workroom_app WITH CHECK (
  created_by = (SELECT agency.current_user_id())
  AND EXISTS (SELECT 1 FROM agency.campaigns c WHERE c.id = campaign_id)
  AND (phase_id IS NULL OR EXISTS (SELECT 1 FROM agency.campaign_phases p WHERE p.id = phase_id AND p.campaign_id = team_allocations.campaign_id)));
CREATE POLICY team_allocations_update_rules ON agency.team_allocations AS RESTRICTIVE FOR UPDATE TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id()))
  WITH CHECK (EXISTS (SELECT 1 FROM agency.campaigns c WHERE c.id = campaign_id)
              AND (phase_id IS NULL OR EXISTS (SELECT 1 FROM agency.campaign_phases p WHERE p.id = phase_id AND p.campaign_id = team_allocations.campaign_id)));

CREATE POLICY knowledge_documents_insert_rules ON agency.knowledge_documents AS RESTRICTIVE FOR INSERT TO workroom_app WITH CHECK (
  created_by = (SELECT agency.current_user_id())
  AND (client_id IS NULL OR EXISTS (SELECT 1 FROM agency.clients cl WHERE cl.id = client_id)));
CREATE POLICY knowledge_documents_update_rules ON agency.knowledge_documents AS RESTRICTIVE FOR UPDATE TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id()))
  WITH CHECK (client_id IS NULL OR EXISTS (SELECT 1 FROM agency.clients cl WHERE cl.id = client_id));
-- A chunk's client_id is what RLS reads (it is copied so no join is needed per chunk): it must be
-- its document's, or a client document's text would reach the whole tenant.
CREATE POLICY knowledge_chunks_insert_rules ON agency.knowledge_chunks AS RESTRICTIVE FOR INSERT TO workroom_app WITH CHECK (
  EXISTS (SELECT 1 FROM agency.knowledge_documents d WHERE d.id = document_id AND d.client_id IS NOT DISTINCT FROM knowledge_chunks.client_id));
CREATE POLICY knowledge_chunks_update_rules ON agency.knowledge_chunks AS RESTRICTIVE FOR UPDATE TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id()))
  WITH CHECK (EXISTS (SELECT 1 FROM agency.knowledge_documents d WHERE d.id = document_id AND d.client_id IS NOT DISTINCT FROM knowledge_chunks.client_id));

CREATE POLICY integration_links_insert_rules ON agency.integration_links AS RESTRICTIVE FOR INSERT TO workroom_app WITH CHECK (
  created_by = (SELECT agency.current_user_id())
  AND EXISTS (SELECT 1 FROM agency.campaigns c WHERE c.id = campaign_id));
CREATE POLICY integration_links_update_rules ON agency.integration_links AS RESTRICTIVE FOR UPDATE TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id()))
  WITH CHECK (EXISTS (SELECT 1 FROM agency.campaigns c WHERE c.id = campaign_id));

-- 5. Triggers: rules that need the old row ------------------------------------------------------
-- An "app write" is one row security governs: row_security_active() is true for workroom_app and
-- any role that is a member of it (with or without a context), false for the table owner, a
-- superuser, and SECURITY DEFINER functions running as the owner. That is sturdier than testing
-- for an actor context: clearing app.current_user_id does not turn an app write into an
-- exempt one. Seeds, imports and the test fixture write as the owner and are exempt, as before.

-- An artifact moves only to a campaign the caller can see (or to none), and its phase must be a
-- phase of its campaign. Only on a change: an owner keeps editing an artifact that sits on a
-- campaign they cannot see (they own it), they just cannot put one there.
CREATE OR REPLACE FUNCTION agency.check_artifact_placement() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, agency AS $$
BEGIN
  IF NOT row_security_active(TG_RELID) THEN
    RETURN NEW;
  END IF;
  IF NEW.campaign_id IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.campaign_id IS DISTINCT FROM OLD.campaign_id)
     AND NOT EXISTS (SELECT 1 FROM agency.campaigns c WHERE c.id = NEW.campaign_id) THEN
    RAISE EXCEPTION 'an artifact can only be placed on a campaign you can see'
      USING ERRCODE = 'insufficient_privilege', TABLE = 'artifacts', SCHEMA = 'agency';
  END IF;
  IF NEW.phase_id IS NOT NULL
     AND (TG_OP = 'INSERT' OR NEW.phase_id IS DISTINCT FROM OLD.phase_id OR NEW.campaign_id IS DISTINCT FROM OLD.campaign_id)
     AND NOT EXISTS (SELECT 1 FROM agency.campaign_phases p WHERE p.id = NEW.phase_id AND p.campaign_id = NEW.campaign_id) THEN
    RAISE EXCEPTION 'an artifact''s phase must be a phase of its campaign'
      USING ERRCODE = 'insufficient_privilege', TABLE = 'artifacts', SCHEMA = 'agency';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER trg_artifacts_placement BEFORE INSERT OR UPDATE OF campaign_id, phase_id ON agency.artifacts
  FOR EACH ROW EXECUTE FUNCTION agency.check_artifact_placement();

-- Who resolved a comment is the person who flipped is_resolved, stamped here (the app has no
-- privilege on resolved_by / resolved_at).
CREATE OR REPLACE FUNCTION agency.stamp_comment_resolution() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, agency AS $$
BEGIN
  IF row_security_active(TG_RELID) AND (TG_OP = 'INSERT' OR NEW.is_resolved IS DISTINCT FROM OLD.is_resolved) THEN
    IF NEW.is_resolved THEN
      NEW.resolved_by := agency.current_user_id();
      NEW.resolved_at := now();
    ELSE
      NEW.resolved_by := NULL;
      NEW.resolved_at := NULL;
    END IF;
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER trg_artifact_comments_resolution BEFORE INSERT OR UPDATE OF is_resolved ON agency.artifact_comments
  FOR EACH ROW EXECUTE FUNCTION agency.stamp_comment_resolution();

-- An entry's content: everything but its review (status, approved_by, approved_at) and what
-- the database derives (updated_at, week_start_date; the generated amounts are not computed yet
-- in a BEFORE trigger).
CREATE OR REPLACE FUNCTION agency.timesheet_entry_content(e agency.timesheet_entries) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
  SELECT to_jsonb(e) - ARRAY['status', 'approved_by', 'approved_at', 'updated_at', 'week_start_date', 'cost_amount', 'bill_amount'];
$$;

-- Review rules (SQLSTATE 42501, insufficient_privilege, for every refusal):
--   * An approved entry is frozen: nothing but its review changes, and not by its owner, and it
--     is not deleted. An approver reopens it (status 'submitted') before anyone edits it.
--   * On your own entry you may move status between 'draft' and 'submitted' (also resubmitting
--     a 'rejected' one); any earlier review is then cleared. You never write approved_by or
--     approved_at, and never approve or reject your own time (pm and leadership included).
--   * On someone else's entry only pm and leadership change the review. approved_by, if sent,
--     must be the reviewer; approving or rejecting stamps approved_by = the reviewer and
--     approved_at = now(); reopening clears both.
-- Inserts are covered by timesheet_entries_insert_rules ('draft' or 'submitted', no review).
CREATE OR REPLACE FUNCTION agency.enforce_timesheet_review() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, agency AS $$
DECLARE
  me uuid := agency.current_user_id();
  own boolean;
  reviewed boolean;
BEGIN
  IF NOT row_security_active(TG_RELID) THEN
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  IF TG_OP = 'DELETE' THEN
    IF OLD.status = 'approved' THEN
      RAISE EXCEPTION 'an approved timesheet entry cannot be deleted; a pm or leadership reopens it first'
        USING ERRCODE = 'WR002', TABLE = 'timesheet_entries', SCHEMA = 'agency';
    END IF;
    RETURN OLD;
  END IF;

  own := OLD.user_id = me;
  reviewed := NEW.status IS DISTINCT FROM OLD.status OR NEW.approved_by IS DISTINCT FROM OLD.approved_by
              OR NEW.approved_at IS DISTINCT FROM OLD.approved_at;
  IF OLD.status = 'approved'
     AND (coalesce(own, false) OR agency.timesheet_entry_content(NEW) <> agency.timesheet_entry_content(OLD)) THEN
    RAISE EXCEPTION 'an approved timesheet entry cannot be changed; a pm or leadership reopens it first'
      USING ERRCODE = 'WR002', TABLE = 'timesheet_entries', SCHEMA = 'agency';
  END IF;
  IF NOT reviewed THEN
    RETURN NEW;
  END IF;

  IF coalesce(own, false) THEN
    IF NEW.status NOT IN ('draft', 'submitted')
       OR NEW.approved_by IS DISTINCT FROM OLD.approved_by OR NEW.approved_at IS DISTINCT FROM OLD.approved_at THEN
      RAISE EXCEPTION 'you cannot approve or reject your own time'
        USING ERRCODE = 'insufficient_privilege', TABLE = 'timesheet_entries', SCHEMA = 'agency';
    END IF;
    NEW.approved_by := NULL;   -- a resubmitted or withdrawn entry carries no earlier review
    NEW.approved_at := NULL;
    RETURN NEW;
  END IF;

  IF me IS NULL OR NOT agency.has_any_role(ARRAY['pm', 'leadership']) THEN
    RAISE EXCEPTION 'only pm and leadership approve or reject time'
      USING ERRCODE = 'insufficient_privilege', TABLE = 'timesheet_entries', SCHEMA = 'agency';
  END IF;
  IF NEW.approved_by IS DISTINCT FROM OLD.approved_by AND NEW.approved_by IS DISTINCT FROM me THEN
    RAISE EXCEPTION 'approved_by must be the person approving'
      USING ERRCODE = 'insufficient_privilege', TABLE = 'timesheet_entries', SCHEMA = 'agency';
  END IF;
  IF NEW.status IN ('approved', 'rejected') THEN
    NEW.approved_by := me;
    NEW.approved_at := now();
  ELSE
    NEW.approved_by := NULL;
    NEW.approved_at := NULL;
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER trg_timesheet_review BEFORE UPDATE OR DELETE ON agency.timesheet_entries
  FOR EACH ROW EXECUTE FUNCTION agency.enforce_timesheet_review();

-- The timesheet lock. An app write (insert, update, delete) touching an entry dated before
-- (today - the tenant's timesheet_lock_days - 1) is refused with SQLSTATE WR001, a code of our
-- own (class WR, "Workroom"; PostgreSQL defines no such class) so src/db can map it to the bot's
-- "locked period" reply without parsing messages. For an update, both the old and the new date
-- count: an old entry cannot be edited, and a recent one cannot be moved into the locked period.
--   * "Today" is the server's UTC date, not the session's TimeZone (a session could set its own).
--     The bot counts from the person's local day, which is at most one day behind the UTC date
--     (UTC-12) or ahead of it (UTC+14); the extra day of leniency means the database never
--     refuses what the bot accepts, and accepts at most one day the bot would have refused.
--   * A review only (pm or leadership approving or rejecting an old entry, nothing but status,
--     approved_by, approved_at changing) is allowed whatever the date: approving happens after
--     the period closes. trg_timesheet_review decides who may review.
--   * Writes that row security does not govern (the owner: seeds, imports, the test fixture,
--     and agency.adjust_timesheet_rates, since finance corrects rates after the lock) are exempt.
CREATE OR REPLACE FUNCTION agency.enforce_timesheet_lock() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, agency AS $$
DECLARE
  lock_days integer;
  oldest date;
BEGIN
  IF NOT row_security_active(TG_RELID) THEN
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  IF TG_OP = 'UPDATE' AND agency.timesheet_entry_content(NEW) = agency.timesheet_entry_content(OLD) THEN
    RETURN NEW;
  END IF;
  -- Read under the caller's RLS: their own tenant's row. A row of another tenant never passes the
  -- policies anyway; it gets the default.
  SELECT t.timesheet_lock_days INTO lock_days FROM workroom.tenants t
   WHERE t.id = CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant_id ELSE NEW.tenant_id END;
  lock_days := coalesce(lock_days, 14);
  oldest := least(CASE WHEN TG_OP <> 'INSERT' THEN OLD.entry_date END, CASE WHEN TG_OP <> 'DELETE' THEN NEW.entry_date END);
  IF oldest < (now() AT TIME ZONE 'UTC')::date - lock_days - 1 THEN
    RAISE EXCEPTION 'the timesheet entry of % is locked: entries older than % days are closed', to_char(oldest, 'YYYY-MM-DD'), lock_days
      USING ERRCODE = 'WR001', TABLE = 'timesheet_entries', SCHEMA = 'agency',
            HINT = 'A change to a closed period needs a Timesheet Amendment Request.';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
CREATE TRIGGER trg_timesheet_lock BEFORE INSERT OR UPDATE OR DELETE ON agency.timesheet_entries
  FOR EACH ROW EXECUTE FUNCTION agency.enforce_timesheet_lock();

-- Rates: an app write always takes the person's directory rates (the app has no INSERT privilege
-- on them, above; this also holds if a grant slips back). Outside any actor context (seeds,
-- imports, the test fixture, as the owner) explicit historical rates are kept and only NULLs are
-- filled, as in 011. SECURITY DEFINER (it reads workroom.people's rates), so row_security_active
-- would describe the owner here: the actor context is the test, and a write without one never
-- passes 007's insert policy (user_id = current_user_id()).
CREATE OR REPLACE FUNCTION workroom.snapshot_timesheet_rates() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, workroom AS $$
DECLARE
  app boolean := agency.current_user_id() IS NOT NULL;
  person_cost numeric;
  person_bill numeric;
BEGIN
  IF app OR NEW.cost_rate IS NULL OR NEW.bill_rate IS NULL THEN
    SELECT p.cost_rate, p.bill_rate INTO person_cost, person_bill
      FROM workroom.people p
     WHERE p.id = NEW.user_id AND p.tenant_id = NEW.tenant_id;
    IF app THEN
      NEW.cost_rate := person_cost;
      NEW.bill_rate := person_bill;
    ELSE
      NEW.cost_rate := coalesce(NEW.cost_rate, person_cost);
      NEW.bill_rate := coalesce(NEW.bill_rate, person_bill);
    END IF;
  END IF;
  RETURN NEW;
END;
$$;

-- 6. Finance changes rates through one narrow function ----------------------------------------
-- The only way the app changes a rate. Finance only, never on its own entries, only in the
-- caller's tenant; NULL keeps a rate. Returns the entry's new rates and amounts (finance may see
-- money), or no row when the tenant has no such entry. Not subject to the lock (see above).
CREATE OR REPLACE FUNCTION agency.adjust_timesheet_rates(p_entry_id uuid, p_cost_rate numeric, p_bill_rate numeric)
RETURNS TABLE (entry_id uuid, cost_rate numeric, bill_rate numeric, cost_amount numeric, bill_amount numeric)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, agency AS $$
#variable_conflict use_column
DECLARE
  tenant uuid := agency.current_tenant_id();
  me uuid := agency.current_user_id();
BEGIN
  IF tenant IS NULL OR me IS NULL OR NOT agency.has_role('finance') THEN
    RAISE EXCEPTION 'only finance adjusts timesheet rates' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF EXISTS (SELECT 1 FROM agency.timesheet_entries t WHERE t.id = p_entry_id AND t.tenant_id = tenant AND t.user_id = me) THEN
    RAISE EXCEPTION 'rates of your own time are adjusted by someone else in finance' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN QUERY
    UPDATE agency.timesheet_entries t
       SET cost_rate = coalesce(p_cost_rate, t.cost_rate), bill_rate = coalesce(p_bill_rate, t.bill_rate)
     WHERE t.id = p_entry_id AND t.tenant_id = tenant
    RETURNING t.id, t.cost_rate, t.bill_rate, t.cost_amount, t.bill_amount;
END;
$$;

-- 7. A production login role that owns nothing ---------------------------------------------------
-- The service should log in as a role that is only a member of workroom_app: then forgetting
-- SET ROLE, or an injected RESET ROLE, leaves it exactly as powerful as workroom_app (policies
-- apply to members), never the owner. Run by the owner (or any role with CREATEROLE and admin
-- on workroom_app), once per cluster:
--   SELECT workroom.create_login_role('workroom_service', 'a long secret');   -- or NULL: no password
-- Migrations, seeds and the operator commands (`workroom migrate|seed|link|people`) keep using
-- the owner's connection. The statements it runs, for those who prefer plain SQL:
--   CREATE ROLE workroom_service LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
--     INHERIT PASSWORD '…';
--   GRANT workroom_app TO workroom_service;
CREATE OR REPLACE FUNCTION workroom.create_login_role(p_name text, p_password text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog AS $$
BEGIN
  IF p_name IS NULL OR p_name !~ '^[a-z_][a-z0-9_]{0,62}$' THEN
    RAISE EXCEPTION 'a login role name is a lower-case identifier, got %', p_name USING ERRCODE = 'invalid_name';
  END IF;
  EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD %L',
                 p_name, p_password);
  EXECUTE format('GRANT workroom_app TO %I', p_name);
END;
$$;

-- 8. Functions: EXECUTE and search_path (splinter lints 0011, 0028, 0029) -----------------------
-- No SECURITY DEFINER function is executable by PUBLIC; workroom_app executes exactly the ones
-- the app and its policies call (the allow-list in test/db/catalog.test.ts). Trigger functions
-- need no EXECUTE privilege to fire.
REVOKE EXECUTE ON FUNCTION agency.current_user_campaign_ids() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION agency.current_user_client_ids() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION agency.campaign_financials(uuid, date) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION agency.artifact_snapshot_version() FROM PUBLIC, workroom_app;
REVOKE EXECUTE ON FUNCTION workroom.snapshot_timesheet_rates() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION agency.adjust_timesheet_rates(uuid, numeric, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION agency.adjust_timesheet_rates(uuid, numeric, numeric) TO workroom_app;
-- Not SECURITY DEFINER (it needs CREATEROLE of its caller), but an operator's tool all the same.
REVOKE EXECUTE ON FUNCTION workroom.create_login_role(text, text) FROM PUBLIC;
-- The two trigger functions of 001 and 003 were the only ones without a pinned search_path.
ALTER FUNCTION agency.set_updated_at() SET search_path = pg_catalog;
ALTER FUNCTION agency.set_week_start_date() SET search_path = pg_catalog;

-- 9. FORCE ROW LEVEL SECURITY on the tenant tables, when it is safe ---------------------------
-- FORCE subjects a table's owner to its policies. Our SECURITY DEFINER helpers
-- (current_user_campaign_ids, campaign_financials, the rate snapshot, the versioning trigger,
-- resolve_identity, …) read and write tenant tables as their owner, who is also the tables'
-- owner and a member of workroom_app (007): under FORCE, an owner that does not bypass RLS
-- would get workroom_app's policies there, so current_user_campaign_ids() would re-enter the
-- campaigns policy that calls it, and identity resolution (no context yet) would see nobody.
-- So FORCE is applied only when the migrating role is a superuser or has BYPASSRLS, which the
-- helpers then inherit as owners. It then guards the day the tables move to an owner that does
-- not bypass RLS (ALTER TABLE … OWNER TO a service role): that owner would be held to the
-- policies instead of silently reading everything. Otherwise a NOTICE says so; the protection
-- that matters in either case is logging in as a role that owns nothing (section 7).
-- Platform ledgers (chat_deliveries, slack_installations, teams_conversations, digest_runs) are
-- not tenant data, have no policies, and are left as they are.
DO $$
DECLARE
  rel text;
BEGIN
  IF (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) THEN
    FOREACH rel IN ARRAY ARRAY[
      'agency.clients', 'agency.brands', 'agency.campaigns', 'agency.campaign_phases', 'agency.artifacts',
      'agency.artifact_versions', 'agency.artifact_comments', 'agency.timesheet_entries', 'agency.team_allocations',
      'agency.knowledge_documents', 'agency.knowledge_chunks', 'agency.ai_conversations', 'agency.ai_messages',
      'agency.integration_links', 'agency.integration_sync_runs',
      'workroom.tenants', 'workroom.people', 'workroom.chat_identities', 'workroom.digest_subscriptions'] LOOP
      EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', rel);
    END LOOP;
  ELSE
    RAISE NOTICE 'FORCE ROW LEVEL SECURITY skipped: % neither is a superuser nor has BYPASSRLS, and the SECURITY DEFINER helpers it owns would be held to the policies they implement', current_user;
  END IF;
END;
$$;
