-- 017 · The chat inbox: every Slack command, event and click and every Teams message activity is
-- written here before it is acknowledged, and processed from the row. A process that dies after
-- the ack leaves the row unanswered; another process (or the same one, restarted) resumes it once
-- its lease has run out. Platform bookkeeping, not tenant data: written by the service's own
-- role, never by workroom_app, and not readable by it (rows hold response_urls, which let anyone
-- post into the channel for 30 minutes).
--
-- workroom.chat_deliveries (012/013) is no longer written: the inbox's primary key is the
-- de-duplication claim now. It stays for the length of a rolling deploy, during which replicas of
-- the previous release still claim in it; a later migration drops it.

CREATE TABLE workroom.chat_inbox (
  -- The platform's own id for the delivery, so a retry is the same row: 'slack:command:<trigger_id>',
  -- 'slack:event:<event_id>', 'slack:click:<trigger_id>', 'teams:activity:<activity id>'.
  inbox_key   text PRIMARY KEY CHECK (length(inbox_key) BETWEEN 1 AND 500),
  platform    text NOT NULL CHECK (platform IN ('slack', 'teams')),
  state       text NOT NULL DEFAULT 'received' CHECK (state IN ('received', 'answered', 'failed')),
  -- What the handler needs (the Inbound, without e-mail) and where to answer (a response_url, a
  -- channel and thread, a Teams conversation reference): kept only until the row is settled.
  inbound     jsonb,
  answer_to   jsonb,
  -- A click's claim, per person and per button, taken once the clicker is identified: a
  -- colleague's click is another key, and a double click the same one.
  once_key    text UNIQUE CHECK (length(once_key) BETWEEN 1 AND 500),
  -- Which process runs the row, until when. A live process renews its lease while it works.
  claimed_by  text NOT NULL CHECK (length(claimed_by) BETWEEN 1 AND 200),
  lease_until timestamptz NOT NULL,
  attempts    integer NOT NULL DEFAULT 1 CHECK (attempts >= 1),
  received_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  last_error  text CHECK (length(last_error) <= 2000),
  CHECK ((state = 'received') = (inbound IS NOT NULL AND answer_to IS NOT NULL)),
  CHECK ((state = 'received') = (finished_at IS NULL))
);
-- The resumer's question, asked every few seconds by every replica: what is unanswered and unleased.
CREATE INDEX idx_chat_inbox_unanswered ON workroom.chat_inbox (lease_until) WHERE state = 'received';
CREATE INDEX idx_chat_inbox_received ON workroom.chat_inbox (received_at);

REVOKE ALL ON workroom.chat_inbox FROM PUBLIC;
-- RLS on with no policy: workroom_app sees no row even if a grant slipped in later.
ALTER TABLE workroom.chat_inbox ENABLE ROW LEVEL SECURITY;
