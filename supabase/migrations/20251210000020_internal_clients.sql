-- 020 · Internal time: the agency as its own client.
-- Agencies book time that no client pays for to codes of their own: Northwind's timesheet policy
-- (§4, "Non-billable codes") names NW-ADMIN, NW-PITCH, NW-LEARN, NW-LEAVE and NW-CULTURE, and
-- Southpaw's SP-OPS, SP-BIZDEV, SP-LEARNING and SP-PTO. The spec models time only as entries on a
-- campaign of a client, so those codes are campaigns of one client per tenant that stands for the
-- agency itself, marked here. Three rules follow, each in the deepest layer that can hold it:
--   * everyone in the tenant sees the internal client and its campaigns (anyone may log leave or
--     admin time), through the two "my campaigns / my clients" helpers the policies of 007 call;
--   * time on them is never billable (the policy: "time that is not chargeable to a client");
--   * the app cannot mark a client internal, nor unmark one: that would hand a client's campaigns,
--     artifacts and documents to the whole tenant. Operators and the seed set it, as the owner.
-- Docs: docs/timesheet.md, "Internal time"; docs/database.md.

ALTER TABLE agency.clients ADD COLUMN is_internal boolean NOT NULL DEFAULT false;
-- One agency, one internal client: "the internal client" is then never ambiguous.
CREATE UNIQUE INDEX idx_clients_internal_per_tenant ON agency.clients (tenant_id) WHERE is_internal;

-- 015 granted UPDATE column by column, so the new column is not updatable by workroom_app (the
-- catalog test lists it among the immutable ones). INSERT is granted on the whole table: 015's
-- restrictive insert rule for clients refuses an internal client as well.
DROP POLICY clients_insert_rules ON agency.clients;
CREATE POLICY clients_insert_rules ON agency.clients AS RESTRICTIVE FOR INSERT TO workroom_app
  WITH CHECK (created_by = (SELECT agency.current_user_id()) AND NOT is_internal);

-- 007's helpers, each with one more branch: the internal client's campaigns, and the internal
-- client, are everyone's in the tenant. Unchanged otherwise (same owner, same grants: CREATE OR
-- REPLACE keeps 015's REVOKE from PUBLIC).
CREATE OR REPLACE FUNCTION agency.current_user_campaign_ids() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, agency AS $$
  SELECT coalesce(array_agg(DISTINCT id), '{}') FROM (
    SELECT c.id FROM agency.campaigns c
     WHERE c.tenant_id = (SELECT agency.current_tenant_id())
       AND (SELECT agency.current_user_id()) IN (c.account_lead_id, c.creative_lead_id, c.producer_id, c.created_by)
    UNION ALL
    SELECT a.campaign_id FROM agency.team_allocations a
     WHERE a.user_id = (SELECT agency.current_user_id()) AND a.tenant_id = (SELECT agency.current_tenant_id())
    UNION ALL
    SELECT c.id FROM agency.campaigns c
      JOIN agency.clients cl ON cl.id = c.client_id AND cl.tenant_id = c.tenant_id
     WHERE c.tenant_id = (SELECT agency.current_tenant_id()) AND cl.is_internal
  ) mine;
$$;

CREATE OR REPLACE FUNCTION agency.current_user_client_ids() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, agency AS $$
  SELECT coalesce(array_agg(DISTINCT id), '{}') FROM (
    SELECT c.client_id AS id FROM agency.campaigns c
     WHERE c.tenant_id = (SELECT agency.current_tenant_id())
       AND ((SELECT agency.current_user_id()) IN (c.account_lead_id, c.creative_lead_id, c.producer_id, c.created_by)
            OR EXISTS (SELECT 1 FROM agency.team_allocations a
                        WHERE a.campaign_id = c.id AND a.user_id = (SELECT agency.current_user_id())))
    UNION ALL
    SELECT cl.id FROM agency.clients cl
     WHERE cl.tenant_id = (SELECT agency.current_tenant_id()) AND cl.account_lead_id = (SELECT agency.current_user_id())
    UNION ALL
    SELECT cl.id FROM agency.clients cl
     WHERE cl.tenant_id = (SELECT agency.current_tenant_id()) AND cl.is_internal
  ) mine;
$$;

-- Time on the agency's own codes is never billable, whoever writes it (the bot, an import, the
-- seed) and whatever it says: billable hours are what client invoices and billable utilisation
-- are made of. Only when the campaign or the flag is written, so a review (status only) does not
-- fire it. Invoker rights: the entry's campaign is visible to whoever may write the entry (007),
-- and the internal client to everyone in the tenant (above); as the owner, everything is.
-- An entry moved off an internal campaign stays non-billable (what was typed is not known here).
CREATE OR REPLACE FUNCTION agency.internal_time_is_not_billable() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, agency AS $$
BEGIN
  IF NEW.is_billable AND EXISTS (
       SELECT 1 FROM agency.campaigns c JOIN agency.clients cl ON cl.id = c.client_id AND cl.tenant_id = c.tenant_id
        WHERE c.id = NEW.campaign_id AND c.tenant_id = NEW.tenant_id AND cl.is_internal) THEN
    NEW.is_billable := false;
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER trg_timesheet_internal_not_billable BEFORE INSERT OR UPDATE OF campaign_id, is_billable ON agency.timesheet_entries
  FOR EACH ROW EXECUTE FUNCTION agency.internal_time_is_not_billable();

-- A campaign never moves between a client and the agency itself: under the internal client, a
-- client's campaign (its artifacts, documents and hours) would be the whole tenant's to read; an
-- internal code moved out would vanish from everyone's list. Moving between two clients is as
-- before. Definer rights: the check reads both clients whatever the caller may see.
CREATE OR REPLACE FUNCTION agency.campaign_keeps_its_side() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, agency AS $$
BEGIN
  IF (SELECT is_internal FROM agency.clients WHERE id = OLD.client_id)
     IS DISTINCT FROM (SELECT is_internal FROM agency.clients WHERE id = NEW.client_id) THEN
    RAISE EXCEPTION 'a campaign cannot move between a client and the agency''s internal client'
      USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END;
$$;
-- Nobody calls it; a trigger runs it whatever EXECUTE says (splinter 0028/0029: no PUBLIC definer).
REVOKE EXECUTE ON FUNCTION agency.campaign_keeps_its_side() FROM PUBLIC;
CREATE TRIGGER trg_campaigns_keep_internal_side BEFORE UPDATE OF client_id ON agency.campaigns
  FOR EACH ROW WHEN (NEW.client_id IS DISTINCT FROM OLD.client_id) EXECUTE FUNCTION agency.campaign_keeps_its_side();
