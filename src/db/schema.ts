/**
 * Kysely table types for schemas `agency` (the spec's 15 tables and 6 views) and `workroom`.
 * Written by hand from migrations/; the catalog tests compare them with the live database.
 *
 * Money columns (campaigns.budget, campaign_phases.budget, timesheet rates and amounts,
 * people rates) are typed `Hidden`: the application role has no SELECT privilege, so selecting
 * one fails at run time. Read money through agency.campaign_financials(), which masks it for
 * roles that may not see it. Only the owner (seeds, fixtures) writes timesheet rates: the app's
 * entries take the person's rates (migrations 011, 015), and finance changes them through
 * agency.adjust_timesheet_rates().
 */
import type { ColumnType, Generated, GeneratedAlways } from 'kysely'

/** numeric comes back as a JS number (see engine.ts); writes accept number or string. */
type Numeric = ColumnType<number, number | string, number | string>
type NumericNull = ColumnType<number | null, number | string | null | undefined, number | string | null>
/** date comes back as 'YYYY-MM-DD' (see engine.ts), never as a Date shifted by the time zone. */
type DateString = ColumnType<string, string, string>
type DateStringNull = ColumnType<string | null, string | null | undefined, string | null>
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>
type TimestampNull = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
type Json = ColumnType<unknown, string | undefined, string>
/** Never readable by the app; written by the owner (and budgets by the app). */
type Hidden = ColumnType<never, number | string | null | undefined, never>
type HiddenGenerated = ColumnType<never, never, never>

export type Role = 'leadership' | 'finance' | 'pm' | 'admin' | 'account' | 'creative'
export const ROLES: readonly Role[] = ['leadership', 'finance', 'pm', 'admin', 'account', 'creative']

export type CampaignStatus = 'draft' | 'planning' | 'active' | 'on_hold' | 'completed' | 'cancelled' | 'archived'

export interface ClientsTable {
  id: Generated<string>
  tenant_id: string
  name: string
  code: string | null
  industry: string | null
  status: Generated<'prospect' | 'active' | 'inactive' | 'archived'>
  account_lead_id: string | null
  primary_contact_name: string | null
  primary_contact_email: string | null
  billing_currency: Generated<string>
  website_url: string | null
  notes: string | null
  metadata: Json
  created_by: string | null
  created_at: Timestamp
  updated_at: Timestamp
  /** The agency itself, whose campaigns are the codes for internal time (migration 020). */
  is_internal: Generated<boolean>
}

export interface BrandsTable {
  id: Generated<string>
  tenant_id: string
  client_id: string
  name: string
  category: string | null
  description: string | null
  guidelines_url: string | null
  status: Generated<'active' | 'inactive' | 'archived'>
  metadata: Json
  created_at: Timestamp
  updated_at: Timestamp
}

export interface CampaignsTable {
  id: Generated<string>
  tenant_id: string
  client_id: string
  brand_id: string | null
  name: string
  code: string
  description: string | null
  status: Generated<CampaignStatus>
  campaign_type: string | null
  objective: string | null
  start_date: DateStringNull
  end_date: DateStringNull
  duration_weeks: GeneratedAlways<number | null>
  budget: Hidden
  currency: Generated<string>
  account_lead_id: string | null
  creative_lead_id: string | null
  producer_id: string | null
  tags: Generated<string[]>
  metadata: Json
  procure_quote_id: string | null
  created_by: string | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface CampaignPhasesTable {
  id: Generated<string>
  tenant_id: string
  campaign_id: string
  name: string
  phase_order: Generated<number>
  status: Generated<'not_started' | 'in_progress' | 'completed' | 'blocked' | 'skipped'>
  start_date: DateStringNull
  end_date: DateStringNull
  progress_percent: ColumnType<number, number | string | undefined, number | string>
  budget: Hidden
  notes: string | null
  created_at: Timestamp
  updated_at: Timestamp
}

export type ArtifactType = 'brief' | 'script' | 'deck' | 'board' | 'copy' | 'design' | 'video' | 'audio' | 'document' | 'other'

export interface ArtifactsTable {
  id: Generated<string>
  tenant_id: string
  campaign_id: string | null
  phase_id: string | null
  title: string
  artifact_type: ArtifactType
  status: Generated<'draft' | 'in_review' | 'approved' | 'rejected' | 'archived'>
  description: string | null
  content: string | null
  file_url: string | null
  file_name: string | null
  file_size_bytes: ColumnType<number | null, number | null | undefined, number | null>
  mime_type: string | null
  thumbnail_url: string | null
  tags: Generated<string[]>
  owner_id: string
  current_version: Generated<number>
  embedding_status: Generated<'pending' | 'processing' | 'embedded' | 'failed' | 'skipped'>
  embedded_at: TimestampNull
  /** When the embedding worker claimed the row ('processing'); migration 019. */
  embedding_claimed_at: TimestampNull
  search_vector: GeneratedAlways<string>
  metadata: Json
  created_at: Timestamp
  updated_at: Timestamp
}

/** An artifact's text, chunked and embedded by src/rag/artifacts.ts (migration 019). */
export interface ArtifactChunksTable {
  id: Generated<string>
  tenant_id: string
  artifact_id: string
  version_number: number
  chunk_index: number
  heading: string | null
  content: string
  token_count: number | null
  /** pgvector text form '[0.1,0.2,…]' on write; string on read. */
  embedding: ColumnType<string | null, string | null | undefined, string | null>
  embedding_model: string | null
  content_tsv: GeneratedAlways<string>
  created_at: Timestamp
}

export interface ArtifactVersionsTable {
  id: Generated<string>
  tenant_id: string
  artifact_id: string
  version_number: number
  title: string
  content: string | null
  file_url: string | null
  file_size_bytes: number | null
  mime_type: string | null
  change_summary: string | null
  created_by: string | null
  created_at: Timestamp
}

export interface ArtifactCommentsTable {
  id: Generated<string>
  tenant_id: string
  artifact_id: string
  parent_comment_id: string | null
  author_id: string
  body: string
  version_number: number | null
  is_resolved: Generated<boolean>
  resolved_by: string | null
  resolved_at: TimestampNull
  created_at: Timestamp
  updated_at: Timestamp
}

export type EntrySource = 'web' | 'slack' | 'teams' | 'playground' | 'cli' | 'import' | 'seed'

export interface TimesheetEntriesTable {
  id: Generated<string>
  tenant_id: string
  user_id: string
  campaign_id: string
  phase_id: string | null
  entry_date: DateString
  /** Set by trigger from entry_date; any value written is replaced. */
  week_start_date: ColumnType<string, string | undefined, never>
  hours: Numeric
  is_billable: Generated<boolean>
  description: string | null
  cost_rate: Hidden
  bill_rate: Hidden
  cost_amount: HiddenGenerated
  bill_amount: HiddenGenerated
  status: Generated<'draft' | 'submitted' | 'approved' | 'rejected'>
  approved_by: string | null
  approved_at: TimestampNull
  source: Generated<EntrySource>
  external_ref: string | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface TeamAllocationsTable {
  id: Generated<string>
  tenant_id: string
  user_id: string
  campaign_id: string
  phase_id: string | null
  week_start_date: DateString
  capacity_percentage: Numeric
  role_on_campaign: string | null
  notes: string | null
  created_by: string | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface IntegrationLinksTable {
  id: Generated<string>
  tenant_id: string
  campaign_id: string
  system: 'procure' | 'finance_ppm' | 'te' | 'gear' | 'notion' | 'other'
  external_id: string
  external_url: string | null
  metadata: Json
  created_by: string | null
  created_at: Timestamp
}

export interface IntegrationSyncRunsTable {
  id: Generated<string>
  tenant_id: string
  system: 'procure' | 'finance_ppm' | 'te' | 'gear' | 'notion' | 'other'
  status: Generated<'running' | 'succeeded' | 'failed'>
  records_synced: Generated<number>
  error: string | null
  started_at: Timestamp
  finished_at: TimestampNull
}

export interface KnowledgeDocumentsTable {
  id: Generated<string>
  tenant_id: string
  client_id: string | null
  title: string
  doc_type: Generated<string>
  source_type: Generated<'upload' | 'file' | 'notion' | 'gdrive' | 'web' | 'seed' | 'manual'>
  source_id: string | null
  source_url: string | null
  content_hash: string | null
  mime_type: string | null
  language: Generated<string>
  status: Generated<'active' | 'processing' | 'failed' | 'archived'>
  chunk_count: Generated<number>
  embedding_model: string | null
  metadata: Json
  created_by: string | null
  last_synced_at: TimestampNull
  created_at: Timestamp
  updated_at: Timestamp
}

export interface KnowledgeChunksTable {
  id: Generated<string>
  tenant_id: string
  document_id: string
  client_id: string | null
  chunk_index: number
  heading: string | null
  content: string
  token_count: number | null
  /** pgvector text form '[0.1,0.2,…]' on write; string on read. */
  embedding: ColumnType<string | null, string | null | undefined, string | null>
  embedding_model: string | null
  content_tsv: GeneratedAlways<string>
  metadata: Json
  created_at: Timestamp
}

export interface AiConversationsTable {
  id: Generated<string>
  tenant_id: string
  user_id: string
  title: string | null
  platform: Generated<string>
  channel_id: string | null
  thread_ref: string | null
  client_id: string | null
  status: Generated<'active' | 'archived'>
  metadata: Json
  last_message_at: TimestampNull
  created_at: Timestamp
  updated_at: Timestamp
}

export interface AiMessagesTable {
  id: Generated<string>
  tenant_id: string
  conversation_id: string
  role: 'user' | 'assistant' | 'system' | 'tool'
  content: string
  citations: Json
  model: string | null
  latency_ms: number | null
  prompt_tokens: number | null
  completion_tokens: number | null
  feedback: -1 | 1 | null
  metadata: Json
  created_at: Timestamp
}

// Views --------------------------------------------------------------------------------------
type Money = number | null

export interface CampaignOverviewView {
  id: string
  tenant_id: string
  name: string
  code: string
  status: CampaignStatus
  campaign_type: string | null
  client_id: string
  client_name: string
  brand_id: string | null
  brand_name: string | null
  start_date: string | null
  end_date: string | null
  duration_weeks: number | null
  days_remaining: number | null
  account_lead_id: string | null
  creative_lead_id: string | null
  producer_id: string | null
  phase_count: number
  current_phase: string | null
  progress_percent: number | null
  team_size: number
  hours_logged: number
  billable_hours: number
  hours_this_week: number
  last_entry_date: string | null
  artifact_count: number
  artifacts_in_review: number
  budget: Money
  cost_to_date: Money
  billed_to_date: Money
  margin: Money
  margin_percent: Money
  budget_used_percent: Money
  created_at: Date
  updated_at: Date
}

export interface EmployeeUtilizationView {
  tenant_id: string
  user_id: string
  week_start_date: string
  hours_logged: number
  billable_hours: number
  non_billable_hours: number
  billable_percent: number | null
  standard_week_hours: number
  utilization_percent: number
  allocated_percent: number
  days_logged: number
  campaigns_logged: number
  campaigns_allocated: number
  allocation_status: 'over' | 'under' | 'ok'
}

export interface TimesheetSummaryByCampaignView {
  tenant_id: string
  campaign_id: string
  campaign_name: string
  campaign_code: string
  client_id: string
  client_name: string
  week_start_date: string
  total_hours: number
  billable_hours: number
  non_billable_hours: number
  billable_percent: number | null
  people_count: number
  entry_count: number
  cost_amount: Money
  bill_amount: Money
  margin: Money
}

/** Views whose columns are not used in code yet are typed loosely on purpose. */
type LooseView = Record<string, unknown> & { tenant_id: string }

// workroom -------------------------------------------------------------------------------------
export interface TenantsTable {
  id: Generated<string>
  slug: string
  name: string
  timezone: Generated<string>
  /** BCP 47 tag (migration 024, default en-GB): how the agency writes numeric dates. */
  locale: Generated<string>
  /** Timesheet entries older than this many days are locked for app writes (migration 015; 0..366, default 14). */
  timesheet_lock_days: Generated<number>
  /** Migration 027: a stopped timer is rounded to this many minutes (default 15)… */
  timer_round_minutes: Generated<number>
  /** …up (default: Northwind's policy), or to the nearest (Southpaw's). */
  timer_round_up: Generated<boolean>
  created_at: Timestamp
}

export interface PeopleTable {
  id: Generated<string>
  tenant_id: string
  email: string
  display_name: string
  role: Role
  department: string | null
  title: string | null
  weekly_capacity_hours: ColumnType<number, number | string | undefined, number | string>
  cost_rate: Hidden
  bill_rate: Hidden
  timezone: string | null
  is_active: Generated<boolean>
  created_at: Timestamp
  updated_at: Timestamp
}

/** Migration 017: every inbound chat delivery, recorded before its ack and processed from the row. */
export interface ChatInboxTable {
  inbox_key: string
  platform: 'slack' | 'teams'
  state: Generated<'received' | 'answered' | 'failed'>
  inbound: ColumnType<unknown, string | null, string | null>
  answer_to: ColumnType<unknown, string | null, string | null>
  once_key: ColumnType<string | null, string | null | undefined, string | null>
  claimed_by: string
  lease_until: Timestamp
  attempts: Generated<number>
  received_at: Generated<Date>
  finished_at: TimestampNull
  last_error: ColumnType<string | null, string | null | undefined, string | null>
}
/** Migration 012: OAuth installations (Bolt's Installation object; holds bot tokens). */
export interface SlackInstallationsTable {
  install_key: string
  team_id: string | null
  enterprise_id: string | null
  installation: Json
  installed_at: Timestamp
  updated_at: Timestamp
}
/** Migration 016: which tenant a Slack workspace (or Grid org) or a Teams/Entra tenant belongs to. */
export interface WorkspaceBindingsTable {
  platform: 'slack' | 'teams'
  workspace_id: string
  tenant_id: string
  bound_via: 'operator' | 'slack_install' | 'config'
  created_at: Generated<Timestamp>
}
/** Migration 013: where the Teams bot can post proactively (a Bot Framework ConversationReference). */
export interface TeamsConversationsTable {
  conversation_id: string
  aad_tenant_id: string | null
  conversation_type: 'personal' | 'groupChat' | 'channel'
  team_id: string | null
  service_url: string
  reference: Json
  created_at: Timestamp
  updated_at: Timestamp
}
/** Migration 014: a channel's daily utilization digest (tenant data, under row security). */
export interface DigestSubscriptionsTable {
  id: Generated<string>
  tenant_id: string
  platform: 'slack' | 'teams'
  workspace_id: string
  channel_id: string
  cadence: 'daily' | 'weekdays'
  /** 'HH:MM:SS' wall-clock time in `timezone`. */
  post_at: string
  timezone: string
  created_by: string
  created_at: Timestamp
  updated_at: Timestamp
}
/** Migration 028: a chat channel bound to one client of the tenant (`/workroom channel client …`). */
export interface ChannelClientsTable {
  tenant_id: string
  platform: 'slack' | 'teams'
  workspace_id: string
  channel_id: string
  client_id: string
  bound_by: string
  bound_at: Timestamp
}
/** Migration 029: the platform message an answer was posted as, for the platform's own feedback control. */
export interface AiMessagePostsTable {
  tenant_id: string
  message_id: string
  platform: 'slack' | 'teams'
  conversation_id: string
  post_id: string
  posted_at: Generated<Timestamp>
}
/** Migration 023: the choices a reply offered a person in a conversation, picked by typing their number. */
export interface OfferedChoicesTable {
  tenant_id: string
  person_id: string
  platform: string
  channel_id: string
  choices: Json
  offered_at: Timestamp
}
/** Migration 014: the scheduler's claim on (subscription, local date). */
export interface DigestRunsTable {
  subscription_id: string
  local_date: ColumnType<string, string, string>
  status: 'claimed' | 'sent' | 'failed' | 'gave_up'
  attempts: Generated<number>
  claimed_at: Timestamp
  finished_at: Timestamp | null
  last_error: string | null
}
/** Migration 027: a person's running timer (one at most). */
export interface TimersTable {
  person_id: string
  tenant_id: string
  id: Generated<string>
  campaign_id: string
  phase: string | null
  billable: Generated<boolean>
  note: string | null
  started_at: Timestamp
}
/** Migration 027: /timesheet remind, and the reminder's snooze. */
export interface ReminderSettingsTable {
  person_id: string
  tenant_id: string
  enabled: Generated<boolean>
  /** 'HH:MM:SS' in the person's zone; null: 17:30. */
  remind_at: string | null
  snoozed_until: Timestamp | null
  updated_at: Timestamp
}
/** Migration 027: the reminder tick's claim on (person, local date). */
export interface ReminderRunsTable {
  person_id: string
  local_date: ColumnType<string, string, string>
  status: 'claimed' | 'sent' | 'skipped' | 'unreachable' | 'failed' | 'gave_up'
  attempts: Generated<number>
  claimed_at: Timestamp
  finished_at: Timestamp | null
  last_error: string | null
}
export interface ChatIdentitiesTable {
  id: Generated<string>
  tenant_id: string
  person_id: string
  platform: 'slack' | 'teams' | 'playground' | 'cli'
  workspace_id: string
  external_user_id: string
  linked_via: Generated<'manual' | 'email' | 'playground'>
  created_at: Timestamp
}

/** Migration 026: a campaign's cost crossing a share of its budget, recorded once; sent by src/alerts.ts. */
export interface BudgetAlertsTable {
  id: Generated<string>
  tenant_id: string
  campaign_id: string
  threshold: 50 | 75 | 90 | 100
  cost_amount: number
  budget: number
  crossed_at: Generated<Date>
  attempts: Generated<number>
  claimed_until: Date | null
  sent_at: Date | null
  gave_up_at: Date | null
  last_error: string | null
}

export interface DB {
  'agency.clients': ClientsTable
  'agency.brands': BrandsTable
  'agency.campaigns': CampaignsTable
  'agency.campaign_phases': CampaignPhasesTable
  'agency.artifacts': ArtifactsTable
  'workroom.artifact_chunks': ArtifactChunksTable
  'agency.artifact_versions': ArtifactVersionsTable
  'agency.artifact_comments': ArtifactCommentsTable
  'agency.timesheet_entries': TimesheetEntriesTable
  'agency.team_allocations': TeamAllocationsTable
  'agency.integration_links': IntegrationLinksTable
  'agency.integration_sync_runs': IntegrationSyncRunsTable
  'agency.knowledge_documents': KnowledgeDocumentsTable
  'agency.knowledge_chunks': KnowledgeChunksTable
  'agency.ai_conversations': AiConversationsTable
  'agency.ai_messages': AiMessagesTable
  'agency.v_dashboard_kpis': LooseView
  'agency.v_campaign_overview': CampaignOverviewView
  'agency.v_client_360': LooseView
  'agency.v_employee_utilization': EmployeeUtilizationView
  'agency.v_artifact_library': LooseView
  'agency.v_timesheet_summary_by_campaign': TimesheetSummaryByCampaignView
  'workroom.tenants': TenantsTable
  'workroom.people': PeopleTable
  'workroom.chat_identities': ChatIdentitiesTable
  'workroom.chat_inbox': ChatInboxTable
  'workroom.slack_installations': SlackInstallationsTable
  'workroom.teams_conversations': TeamsConversationsTable
  'workroom.workspace_bindings': WorkspaceBindingsTable
  'workroom.digest_subscriptions': DigestSubscriptionsTable
  'workroom.digest_runs': DigestRunsTable
  'workroom.offered_choices': OfferedChoicesTable
  'workroom.channel_clients': ChannelClientsTable
  'workroom.ai_message_posts': AiMessagePostsTable
  'workroom.budget_alerts': BudgetAlertsTable
  'workroom.timers': TimersTable
  'workroom.reminder_settings': ReminderSettingsTable
  'workroom.reminder_runs': ReminderRunsTable
}

/** The spec's tables, in migration order; the catalog tests check the database against this. */
export const AGENCY_TABLES = [
  'clients', 'brands', 'campaigns', 'campaign_phases',
  'artifacts', 'artifact_versions', 'artifact_comments',
  'timesheet_entries', 'team_allocations',
  'integration_links', 'integration_sync_runs',
  'knowledge_documents', 'knowledge_chunks', 'ai_conversations', 'ai_messages',
] as const

export const AGENCY_VIEWS = [
  'v_dashboard_kpis', 'v_campaign_overview', 'v_client_360',
  'v_employee_utilization', 'v_artifact_library', 'v_timesheet_summary_by_campaign',
] as const
