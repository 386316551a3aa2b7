-- 001 · Core agency tables: clients, brands, campaigns, campaign_phases.
-- Spec: shared/spec/000_a4363961ca0d0315.txt §1. Multi-tenant by tenant_id; RLS is enabled here
-- on every table (deny-all until migration 007 adds the policies).
-- user ids (account_lead_id, created_by, …) reference the people directory, which lives outside
-- schema `agency` (workroom.people, or auth.users on Supabase), so they carry no foreign key.

CREATE SCHEMA IF NOT EXISTS agency;

CREATE OR REPLACE FUNCTION agency.set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;

-- Clients ------------------------------------------------------------------------------------
CREATE TABLE agency.clients (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id        uuid NOT NULL,
  name             text NOT NULL CHECK (length(btrim(name)) > 0),
  code             text,
  industry         text,
  status           text NOT NULL DEFAULT 'active'
                     CHECK (status IN ('prospect', 'active', 'inactive', 'archived')),
  account_lead_id  uuid,
  primary_contact_name  text,
  primary_contact_email text,
  billing_currency char(3) NOT NULL DEFAULT 'USD',
  website_url      text,
  notes            text,
  metadata         jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_by       uuid,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT clients_tenant_name_key UNIQUE (tenant_id, name),
  CONSTRAINT clients_id_tenant_key UNIQUE (id, tenant_id)
);
CREATE INDEX idx_clients_tenant ON agency.clients (tenant_id);
CREATE INDEX idx_clients_status ON agency.clients (tenant_id, status);
CREATE INDEX idx_clients_account_lead ON agency.clients (account_lead_id);
CREATE UNIQUE INDEX idx_clients_tenant_code ON agency.clients (tenant_id, code) WHERE code IS NOT NULL;
CREATE TRIGGER trg_clients_updated_at BEFORE UPDATE ON agency.clients
  FOR EACH ROW EXECUTE FUNCTION agency.set_updated_at();
ALTER TABLE agency.clients ENABLE ROW LEVEL SECURITY;

-- Brands -------------------------------------------------------------------------------------
CREATE TABLE agency.brands (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id      uuid NOT NULL,
  client_id      uuid NOT NULL,
  name           text NOT NULL CHECK (length(btrim(name)) > 0),
  category       text,
  description    text,
  guidelines_url text,
  status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'archived')),
  metadata       jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  -- The composite key keeps a brand in its client's tenant: no cross-tenant parent rows.
  CONSTRAINT brands_client_fk FOREIGN KEY (client_id, tenant_id)
    REFERENCES agency.clients (id, tenant_id) ON DELETE CASCADE,
  CONSTRAINT brands_client_name_key UNIQUE (client_id, name),
  CONSTRAINT brands_id_tenant_key UNIQUE (id, tenant_id)
);
CREATE INDEX idx_brands_tenant ON agency.brands (tenant_id);
CREATE INDEX idx_brands_client ON agency.brands (client_id);
CREATE TRIGGER trg_brands_updated_at BEFORE UPDATE ON agency.brands
  FOR EACH ROW EXECUTE FUNCTION agency.set_updated_at();
ALTER TABLE agency.brands ENABLE ROW LEVEL SECURITY;

-- Campaigns ----------------------------------------------------------------------------------
CREATE TABLE agency.campaigns (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id        uuid NOT NULL,
  client_id        uuid NOT NULL,
  brand_id         uuid,
  name             text NOT NULL CHECK (length(btrim(name)) > 0),
  code             text NOT NULL CHECK (length(btrim(code)) > 0),
  description      text,
  status           text NOT NULL DEFAULT 'planning'
                     CHECK (status IN ('draft', 'planning', 'active', 'on_hold', 'completed', 'cancelled', 'archived')),
  campaign_type    text,
  objective        text,
  start_date       date,
  end_date         date,
  -- Whole weeks, counting a partial week as one; NULL until both dates are known.
  duration_weeks   integer GENERATED ALWAYS AS (
                     CASE WHEN start_date IS NOT NULL AND end_date IS NOT NULL
                          THEN ((end_date - start_date) + 7) / 7 END) STORED,
  budget           numeric(14, 2) CHECK (budget IS NULL OR budget >= 0),
  currency         char(3) NOT NULL DEFAULT 'USD',
  account_lead_id  uuid,
  creative_lead_id uuid,
  producer_id      uuid,
  tags             text[] NOT NULL DEFAULT '{}',
  metadata         jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_by       uuid,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT campaigns_dates_check CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date),
  CONSTRAINT campaigns_client_fk FOREIGN KEY (client_id, tenant_id)
    REFERENCES agency.clients (id, tenant_id) ON DELETE RESTRICT,
  CONSTRAINT campaigns_brand_fk FOREIGN KEY (brand_id, tenant_id)
    REFERENCES agency.brands (id, tenant_id) ON DELETE RESTRICT,
  CONSTRAINT campaigns_tenant_code_key UNIQUE (tenant_id, code),
  CONSTRAINT campaigns_id_tenant_key UNIQUE (id, tenant_id)
);
CREATE INDEX idx_campaigns_tenant ON agency.campaigns (tenant_id);
CREATE INDEX idx_campaigns_client ON agency.campaigns (client_id);
CREATE INDEX idx_campaigns_brand ON agency.campaigns (brand_id);
CREATE INDEX idx_campaigns_status ON agency.campaigns (tenant_id, status);
CREATE INDEX idx_campaigns_dates ON agency.campaigns (start_date, end_date);
CREATE INDEX idx_campaigns_account_lead ON agency.campaigns (account_lead_id);
CREATE INDEX idx_campaigns_creative_lead ON agency.campaigns (creative_lead_id);
CREATE INDEX idx_campaigns_active ON agency.campaigns (tenant_id, end_date) WHERE status = 'active';
CREATE INDEX idx_campaigns_tags ON agency.campaigns USING gin (tags);
CREATE INDEX idx_campaigns_name_search ON agency.campaigns
  USING gin (to_tsvector('simple', name || ' ' || code));
CREATE TRIGGER trg_campaigns_updated_at BEFORE UPDATE ON agency.campaigns
  FOR EACH ROW EXECUTE FUNCTION agency.set_updated_at();
ALTER TABLE agency.campaigns ENABLE ROW LEVEL SECURITY;

-- Campaign phases ----------------------------------------------------------------------------
CREATE TABLE agency.campaign_phases (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id        uuid NOT NULL,
  campaign_id      uuid NOT NULL,
  name             text NOT NULL CHECK (length(btrim(name)) > 0),
  phase_order      smallint NOT NULL DEFAULT 1,
  status           text NOT NULL DEFAULT 'not_started'
                     CHECK (status IN ('not_started', 'in_progress', 'completed', 'blocked', 'skipped')),
  start_date       date,
  end_date         date,
  progress_percent numeric(5, 2) NOT NULL DEFAULT 0 CHECK (progress_percent BETWEEN 0 AND 100),
  budget           numeric(14, 2) CHECK (budget IS NULL OR budget >= 0),
  notes            text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT campaign_phases_dates_check CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date),
  CONSTRAINT campaign_phases_campaign_fk FOREIGN KEY (campaign_id, tenant_id)
    REFERENCES agency.campaigns (id, tenant_id) ON DELETE CASCADE,
  CONSTRAINT campaign_phases_campaign_name_key UNIQUE (campaign_id, name),
  CONSTRAINT campaign_phases_id_tenant_key UNIQUE (id, tenant_id)
);
CREATE INDEX idx_campaign_phases_tenant ON agency.campaign_phases (tenant_id);
CREATE INDEX idx_campaign_phases_campaign ON agency.campaign_phases (campaign_id, phase_order);
CREATE INDEX idx_campaign_phases_status ON agency.campaign_phases (status) WHERE status <> 'completed';
CREATE TRIGGER trg_campaign_phases_updated_at BEFORE UPDATE ON agency.campaign_phases
  FOR EACH ROW EXECUTE FUNCTION agency.set_updated_at();
ALTER TABLE agency.campaign_phases ENABLE ROW LEVEL SECURITY;
