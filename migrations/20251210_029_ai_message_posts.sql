-- 029 · Where an answer was posted, so that a platform's own feedback control reaches it.
--
-- Teams' feedback loop (docs/teams.md, "Feedback") sends a `message/submitAction` invoke that names
-- only the bot's message it was given on (`replyToId`); the answer it stands for is an
-- agency.ai_messages row. This table is that link: one row per answer and per message it was
-- posted as, written by the person who asked (under their actor) once the platform has returned
-- the message's id.
--
-- Tenant data, private to the asker like the answer itself: every policy asks that the answer be
-- visible to the actor, and ai_messages' own policy shows a person only their own conversations.
-- So someone else's feedback on that message finds no row, and changes nothing; and a person
-- cannot point a message at an answer that is not theirs.
CREATE TABLE workroom.ai_message_posts (
  tenant_id       uuid NOT NULL REFERENCES workroom.tenants (id) ON DELETE CASCADE,
  message_id      uuid NOT NULL REFERENCES agency.ai_messages (id) ON DELETE CASCADE,
  platform        text NOT NULL CHECK (platform IN ('slack', 'teams')),
  conversation_id text NOT NULL CHECK (length(conversation_id) BETWEEN 1 AND 1000),   -- Teams conversation id (without ;messageid=), Slack channel
  post_id         text NOT NULL CHECK (length(post_id) BETWEEN 1 AND 200),            -- Teams activity id, Slack message ts
  posted_at       timestamptz NOT NULL DEFAULT now(),
  -- The message's id first: a feedback invoke looks the answer up by it. The answer is in the key
  -- too, so that nobody's row can stand in the way of another's.
  PRIMARY KEY (platform, conversation_id, post_id, message_id)
);
CREATE INDEX idx_ai_message_posts_message ON workroom.ai_message_posts (message_id);
CREATE INDEX idx_ai_message_posts_tenant ON workroom.ai_message_posts (tenant_id);

ALTER TABLE workroom.ai_message_posts ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, DELETE ON workroom.ai_message_posts TO workroom_app;
-- The subquery runs under agency.ai_messages' own policy: the actor's own answers only.
CREATE POLICY ai_message_posts_select ON workroom.ai_message_posts FOR SELECT TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id())
         AND message_id IN (SELECT m.id FROM agency.ai_messages m WHERE m.role = 'assistant'));
CREATE POLICY ai_message_posts_insert ON workroom.ai_message_posts FOR INSERT TO workroom_app
  WITH CHECK (tenant_id = (SELECT agency.current_tenant_id())
              AND message_id IN (SELECT m.id FROM agency.ai_messages m WHERE m.role = 'assistant' AND m.tenant_id = (SELECT agency.current_tenant_id())));
CREATE POLICY ai_message_posts_delete ON workroom.ai_message_posts FOR DELETE TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id())
         AND message_id IN (SELECT m.id FROM agency.ai_messages m WHERE m.role = 'assistant'));

-- FORCE, as 015 does for every tenant table, and for the same reason only when it is safe.
DO $$
BEGIN
  IF (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) THEN
    ALTER TABLE workroom.ai_message_posts FORCE ROW LEVEL SECURITY;
  ELSE
    RAISE NOTICE 'FORCE ROW LEVEL SECURITY skipped on workroom.ai_message_posts: % neither is a superuser nor has BYPASSRLS', current_user;
  END IF;
END;
$$;
