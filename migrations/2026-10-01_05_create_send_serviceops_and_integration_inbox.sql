-- ============================================================================
-- Migration: Create Send ServiceOps And Integration Inbox
-- Date: 2026-10-01
-- Issue: SO-433 inbound messages processed twice, UTN retries blocked
--
-- PROBLEM: Messages from the integration layer have no durable inbox, so a
--   redelivered message is processed twice; the legacy inbox design keyed
--   idempotency on (decision_tracking_id, message_type), which also rejected
--   legitimate UTN retries. Decisions mirrored to ServiceOps
--   (send_serviceops) had no record of whether their JSON had been forwarded
--   to the integration layer.
-- SOLUTION: Create service_ops.send_serviceops with json_sent_to_integration
--   (nullable, DEFAULT NULL: unknown until the forwarder decides) and its
--   partial index, and service_ops.integration_inbox with idempotency on
--   message_id alone, a message_type_id routing column and a polling index.
--   send_serviceops.created_at keeps the legacy feed's TIMESTAMP type for now;
--   migration 07 converts it to TIMESTAMPTZ.
-- AFFECTED TABLES: service_ops.send_serviceops, service_ops.integration_inbox
--
-- SOURCE OF TRUTH SCHEMA UPDATED:
--   [ ] current_schema/04_service_ops_messaging.sql (Line 60: send_serviceops, integration_inbox)
--
-- DOWNSTREAM UPDATES:
--   [ ] Bridge schemas updated (if applicable)
--   [ ] TypeScript types updated (if applicable)
--
-- TOUCHPOINTS:
--   [x] Reviewed 2026-11-22 sha256:b95d31b17fed
--   [ ] Executed
--   [ ] Source of truth synced
-- ============================================================================

SET lock_timeout = '5s';

CREATE TABLE IF NOT EXISTS service_ops.send_serviceops (
    message_id               bigint GENERATED ALWAYS AS IDENTITY,
    decision_tracking_id     uuid      NOT NULL,
    packet_id                bigint,
    message_status_id        integer,
    payload                  jsonb     NOT NULL,
    json_sent_to_integration boolean   DEFAULT NULL,
    -- Legacy TIMESTAMP (naive UTC) to match the clinical-ops feed; see 07.
    created_at               timestamp NOT NULL DEFAULT now(),
    audit_user               text,
    is_deleted               boolean   NOT NULL DEFAULT false,
    CONSTRAINT pk_send_serviceops PRIMARY KEY (message_id)
);

DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'service_ops.send_serviceops'::regclass
           AND conname = 'chk_send_serviceops_payload_is_object'
    ) THEN
        ALTER TABLE service_ops.send_serviceops
            ADD CONSTRAINT chk_send_serviceops_payload_is_object CHECK (
                jsonb_typeof(payload) = 'object'
            );
    END IF;

    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'service_ops.send_serviceops'::regclass
           AND conname = 'fk_send_serviceops_packet'
    ) THEN
        ALTER TABLE service_ops.send_serviceops
            ADD CONSTRAINT fk_send_serviceops_packet
            FOREIGN KEY (packet_id) REFERENCES service_ops.packet (packet_id);
    END IF;

    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'service_ops.send_serviceops'::regclass
           AND conname = 'fk_send_serviceops_message_status'
    ) THEN
        ALTER TABLE service_ops.send_serviceops
            ADD CONSTRAINT fk_send_serviceops_message_status
            FOREIGN KEY (message_status_id)
            REFERENCES service_ops.message_status (message_status_id);
    END IF;
END
$$;

CREATE INDEX IF NOT EXISTS idx_send_serviceops_json_sent
    ON service_ops.send_serviceops (decision_tracking_id, json_sent_to_integration)
    WHERE json_sent_to_integration IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_send_serviceops_packet_id
    ON service_ops.send_serviceops (packet_id) WHERE packet_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_send_serviceops_message_status
    ON service_ops.send_serviceops (message_status_id);
CREATE INDEX IF NOT EXISTS idx_send_serviceops_created_at
    ON service_ops.send_serviceops (created_at);

CREATE TABLE IF NOT EXISTS service_ops.integration_inbox (
    inbox_id             bigint GENERATED ALWAYS AS IDENTITY,
    message_id           bigint      NOT NULL,
    decision_tracking_id uuid        NOT NULL,
    message_type         text        NOT NULL,
    message_type_id      integer     NOT NULL DEFAULT 1,
    payload              jsonb       NOT NULL,
    status               text        NOT NULL DEFAULT 'NEW',
    attempt_count        integer     NOT NULL DEFAULT 0,
    next_attempt_at      timestamptz NOT NULL DEFAULT now(),
    locked_by            text,
    locked_at            timestamptz,
    last_error           text,
    received_at          timestamptz NOT NULL DEFAULT now(),
    processed_at         timestamptz,
    CONSTRAINT pk_integration_inbox PRIMARY KEY (inbox_id),
    -- Idempotency on the sender's message id only: a UTN retry for the same
    -- decision and message type is a new message and must be accepted.
    CONSTRAINT uq_integration_inbox_message_id UNIQUE (message_id)
);

DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'service_ops.integration_inbox'::regclass
           AND conname = 'chk_integration_inbox_status'
    ) THEN
        ALTER TABLE service_ops.integration_inbox
            ADD CONSTRAINT chk_integration_inbox_status CHECK (
                status IN ('NEW', 'PROCESSING', 'DONE', 'FAILED', 'DEAD')
            );
    END IF;

    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'service_ops.integration_inbox'::regclass
           AND conname = 'chk_integration_inbox_message_type_id'
    ) THEN
        ALTER TABLE service_ops.integration_inbox
            ADD CONSTRAINT chk_integration_inbox_message_type_id CHECK (message_type_id > 0);
    END IF;

    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'service_ops.integration_inbox'::regclass
           AND conname = 'chk_integration_inbox_attempt_count'
    ) THEN
        ALTER TABLE service_ops.integration_inbox
            ADD CONSTRAINT chk_integration_inbox_attempt_count CHECK (attempt_count >= 0);
    END IF;

    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'service_ops.integration_inbox'::regclass
           AND conname = 'chk_integration_inbox_lock_pair'
    ) THEN
        ALTER TABLE service_ops.integration_inbox
            ADD CONSTRAINT chk_integration_inbox_lock_pair CHECK (
                (locked_by IS NULL) = (locked_at IS NULL)
            );
    END IF;
END
$$;

CREATE INDEX IF NOT EXISTS idx_integration_inbox_message_type_id
    ON service_ops.integration_inbox (message_type_id);
CREATE INDEX IF NOT EXISTS idx_integration_inbox_decision_tracking_id
    ON service_ops.integration_inbox (decision_tracking_id);
-- The poller's "what is due" query.
CREATE INDEX IF NOT EXISTS idx_integration_inbox_ready
    ON service_ops.integration_inbox (next_attempt_at)
    WHERE status IN ('NEW', 'FAILED');

-- migrate:verify
SELECT 'send_serviceops.json_sent_to_integration is nullable boolean without default' AS check_name,
       CASE WHEN count(*) = 1 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM information_schema.columns
 WHERE table_schema = 'service_ops'
   AND table_name = 'send_serviceops'
   AND column_name = 'json_sent_to_integration'
   AND data_type = 'boolean'
   AND is_nullable = 'YES'
   AND column_default IS NULL;

SELECT 'send_serviceops.created_at exists (converted to timestamptz by 07)' AS check_name,
       CASE WHEN count(*) = 1 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM information_schema.columns
 WHERE table_schema = 'service_ops'
   AND table_name = 'send_serviceops'
   AND column_name = 'created_at'
   AND data_type IN ('timestamp without time zone', 'timestamp with time zone');

SELECT 'idx_send_serviceops_json_sent is a valid partial index' AS check_name,
       CASE WHEN count(*) = 1 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_index i
 WHERE i.indexrelid = to_regclass('service_ops.idx_send_serviceops_json_sent')
   AND i.indisvalid
   AND i.indpred IS NOT NULL;

SELECT 'send_serviceops foreign keys exist' AS check_name,
       CASE WHEN count(*) = 2 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_constraint
 WHERE conrelid = to_regclass('service_ops.send_serviceops')
   AND contype = 'f'
   AND convalidated
   AND conname IN ('fk_send_serviceops_packet', 'fk_send_serviceops_message_status');

SELECT 'integration_inbox.message_type_id is integer NOT NULL' AS check_name,
       CASE WHEN count(*) = 1 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM information_schema.columns
 WHERE table_schema = 'service_ops'
   AND table_name = 'integration_inbox'
   AND column_name = 'message_type_id'
   AND data_type = 'integer'
   AND is_nullable = 'NO';

SELECT 'integration_inbox is idempotent on message_id alone' AS check_name,
       CASE WHEN count(*) = 1 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_constraint con
  JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
 WHERE con.conrelid = to_regclass('service_ops.integration_inbox')
   AND con.conname = 'uq_integration_inbox_message_id'
   AND con.contype = 'u'
   AND array_length(con.conkey, 1) = 1
   AND a.attname = 'message_id';

SELECT 'integration_inbox has no (decision_tracking_id, message_type) unique key' AS check_name,
       CASE WHEN count(*) = 0 AND to_regclass('service_ops.integration_inbox') IS NOT NULL
            THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_index i
 WHERE i.indrelid = to_regclass('service_ops.integration_inbox')
   AND i.indisunique
   AND i.indnatts = 2;

SELECT 'integration_inbox CHECK constraints exist' AS check_name,
       CASE WHEN count(*) = 4 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_constraint
 WHERE conrelid = to_regclass('service_ops.integration_inbox')
   AND contype = 'c'
   AND conname IN ('chk_integration_inbox_status', 'chk_integration_inbox_message_type_id',
                   'chk_integration_inbox_attempt_count', 'chk_integration_inbox_lock_pair');

SELECT 'send_serviceops and integration_inbox indexes are valid' AS check_name,
       CASE WHEN count(*) = 7 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_index i
  JOIN pg_class c ON c.oid = i.indexrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'service_ops'
   AND c.relname IN ('idx_send_serviceops_json_sent', 'idx_send_serviceops_packet_id',
                     'idx_send_serviceops_message_status', 'idx_send_serviceops_created_at',
                     'idx_integration_inbox_message_type_id',
                     'idx_integration_inbox_decision_tracking_id',
                     'idx_integration_inbox_ready')
   AND i.indisvalid;

-- migrate:rollback
-- Drops both tables with their rows; constraints and indexes go with them.
SET lock_timeout = '5s';
DROP TABLE IF EXISTS service_ops.integration_inbox;
DROP TABLE IF EXISTS service_ops.send_serviceops;
