-- ============================================================================
-- Migration: Create Send Integration Outbox
-- Date: 2026-09-24
-- Issue: SO-426 send_integration drifted to 9 of 15 columns in production
--
-- PROBLEM: The outbox table that carries decisions to the integration layer
--   was created by hand with 9 of the 15 columns the models expect
--   (correlation_id, attempt_count, resend_of_message_id, payload_hash,
--   payload_version and updated_at were missing), and none of its indexes or
--   foreign keys existed, so resends could not be chained or audited.
-- SOLUTION: Create service_ops.send_integration with all 15 columns, add the
--   three foreign keys (message_status, workflow_instance, self-reference for
--   resends) in pg_constraint-guarded DO blocks with CHECKs on attempt_count,
--   payload_version and payload_hash, and create the lookup indexes. The
--   correlation_id index is built CONCURRENTLY later (migration 09).
-- AFFECTED TABLES: service_ops.send_integration
--
-- SOURCE OF TRUTH SCHEMA UPDATED:
--   [ ] current_schema/04_service_ops_messaging.sql (Line 1: send_integration, 15 columns)
--
-- DOWNSTREAM UPDATES:
--   [ ] Bridge schemas updated (if applicable)
--   [ ] TypeScript types updated (if applicable)
--
-- TOUCHPOINTS:
--   [x] Reviewed 2026-11-22 sha256:035e369ef058
--   [ ] Executed
--   [ ] Source of truth synced
-- ============================================================================

SET lock_timeout = '5s';

CREATE TABLE IF NOT EXISTS service_ops.send_integration (
    message_id           bigint GENERATED ALWAYS AS IDENTITY,
    decision_tracking_id uuid        NOT NULL,
    workflow_instance_id bigint,
    payload              jsonb       NOT NULL,
    message_status_id    integer,
    correlation_id       uuid,
    attempt_count        integer     NOT NULL DEFAULT 1,
    resend_of_message_id bigint,
    payload_hash         text,
    payload_version      integer     NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz,
    audit_user           text,
    audit_timestamp      timestamptz NOT NULL DEFAULT now(),
    is_deleted           boolean     NOT NULL DEFAULT false,
    CONSTRAINT pk_send_integration PRIMARY KEY (message_id)
);

DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'service_ops.send_integration'::regclass
           AND conname = 'chk_send_integration_attempt_count'
    ) THEN
        ALTER TABLE service_ops.send_integration
            ADD CONSTRAINT chk_send_integration_attempt_count CHECK (attempt_count >= 1);
    END IF;

    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'service_ops.send_integration'::regclass
           AND conname = 'chk_send_integration_payload_version'
    ) THEN
        ALTER TABLE service_ops.send_integration
            ADD CONSTRAINT chk_send_integration_payload_version CHECK (payload_version >= 1);
    END IF;

    -- SHA-256 of the canonical payload, lowercase hex.
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'service_ops.send_integration'::regclass
           AND conname = 'chk_send_integration_payload_hash'
    ) THEN
        ALTER TABLE service_ops.send_integration
            ADD CONSTRAINT chk_send_integration_payload_hash CHECK (
                payload_hash IS NULL OR payload_hash ~ '^[0-9a-f]{64}$'
            );
    END IF;

    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'service_ops.send_integration'::regclass
           AND conname = 'chk_send_integration_resend_not_self'
    ) THEN
        ALTER TABLE service_ops.send_integration
            ADD CONSTRAINT chk_send_integration_resend_not_self CHECK (
                resend_of_message_id IS DISTINCT FROM message_id
            );
    END IF;
END
$$;

DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'service_ops.send_integration'::regclass
           AND conname = 'fk_send_integration_message_status'
    ) THEN
        ALTER TABLE service_ops.send_integration
            ADD CONSTRAINT fk_send_integration_message_status
            FOREIGN KEY (message_status_id)
            REFERENCES service_ops.message_status (message_status_id);
    END IF;

    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'service_ops.send_integration'::regclass
           AND conname = 'fk_send_integration_workflow_instance'
    ) THEN
        ALTER TABLE service_ops.send_integration
            ADD CONSTRAINT fk_send_integration_workflow_instance
            FOREIGN KEY (workflow_instance_id)
            REFERENCES service_ops.workflow_instance (workflow_instance_id);
    END IF;

    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'service_ops.send_integration'::regclass
           AND conname = 'fk_send_integration_resend'
    ) THEN
        ALTER TABLE service_ops.send_integration
            ADD CONSTRAINT fk_send_integration_resend
            FOREIGN KEY (resend_of_message_id)
            REFERENCES service_ops.send_integration (message_id);
    END IF;
END
$$;

-- Leading decision_tracking_id also serves plain lookups by tracking id.
CREATE INDEX IF NOT EXISTS idx_send_integration_decision_attempt
    ON service_ops.send_integration (decision_tracking_id, attempt_count DESC);
CREATE INDEX IF NOT EXISTS idx_send_integration_workflow_instance
    ON service_ops.send_integration (workflow_instance_id)
    WHERE workflow_instance_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_send_integration_message_status
    ON service_ops.send_integration (message_status_id);
CREATE INDEX IF NOT EXISTS idx_send_integration_resend
    ON service_ops.send_integration (resend_of_message_id)
    WHERE resend_of_message_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_send_integration_attempt_count
    ON service_ops.send_integration (attempt_count)
    WHERE attempt_count > 1;
CREATE INDEX IF NOT EXISTS idx_send_integration_created_at
    ON service_ops.send_integration (created_at)
    WHERE NOT is_deleted;
CREATE INDEX IF NOT EXISTS idx_send_integration_payload_gin
    ON service_ops.send_integration USING gin (payload jsonb_path_ops);
CREATE INDEX IF NOT EXISTS idx_send_integration_message_type
    ON service_ops.send_integration ((payload ->> 'message_type'));

CREATE OR REPLACE TRIGGER trg_send_integration_touch_updated_at
    BEFORE UPDATE ON service_ops.send_integration
    FOR EACH ROW EXECUTE FUNCTION service_ops.touch_updated_at();

-- migrate:verify
SELECT 'send_integration has 15 columns' AS check_name,
       CASE WHEN count(*) = 15 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM information_schema.columns
 WHERE table_schema = 'service_ops'
   AND table_name = 'send_integration';

SELECT 'send_integration column types' AS check_name,
       CASE WHEN count(*) = 15 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM information_schema.columns
 WHERE table_schema = 'service_ops'
   AND table_name = 'send_integration'
   AND (column_name, data_type) IN
       (('message_id', 'bigint'), ('decision_tracking_id', 'uuid'),
        ('workflow_instance_id', 'bigint'), ('payload', 'jsonb'),
        ('message_status_id', 'integer'), ('correlation_id', 'uuid'),
        ('attempt_count', 'integer'), ('resend_of_message_id', 'bigint'),
        ('payload_hash', 'text'), ('payload_version', 'integer'),
        ('created_at', 'timestamp with time zone'),
        ('updated_at', 'timestamp with time zone'), ('audit_user', 'text'),
        ('audit_timestamp', 'timestamp with time zone'), ('is_deleted', 'boolean'));

SELECT 'send_integration foreign keys exist' AS check_name,
       CASE WHEN count(*) = 3 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_constraint
 WHERE conrelid = to_regclass('service_ops.send_integration')
   AND contype = 'f'
   AND convalidated
   AND (conname, confrelid) IN
       (('fk_send_integration_message_status', to_regclass('service_ops.message_status')),
        ('fk_send_integration_workflow_instance', to_regclass('service_ops.workflow_instance')),
        ('fk_send_integration_resend', to_regclass('service_ops.send_integration')));

SELECT 'send_integration CHECK constraints exist' AS check_name,
       CASE WHEN count(*) = 4 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_constraint
 WHERE conrelid = to_regclass('service_ops.send_integration')
   AND contype = 'c'
   AND conname IN ('chk_send_integration_attempt_count', 'chk_send_integration_payload_version',
                   'chk_send_integration_payload_hash', 'chk_send_integration_resend_not_self');

SELECT 'send_integration indexes exist and are valid' AS check_name,
       CASE WHEN count(*) = 8 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_index i
  JOIN pg_class c ON c.oid = i.indexrelid
 WHERE i.indrelid = to_regclass('service_ops.send_integration')
   AND c.relname IN ('idx_send_integration_decision_attempt',
                     'idx_send_integration_workflow_instance',
                     'idx_send_integration_message_status', 'idx_send_integration_resend',
                     'idx_send_integration_attempt_count', 'idx_send_integration_created_at',
                     'idx_send_integration_payload_gin', 'idx_send_integration_message_type')
   AND i.indisvalid;

SELECT 'every send_integration foreign key column is indexed' AS check_name,
       CASE WHEN count(*) = 0 AND to_regclass('service_ops.send_integration') IS NOT NULL
            THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_constraint con
 WHERE con.contype = 'f'
   AND con.conrelid = to_regclass('service_ops.send_integration')
   AND NOT EXISTS (
       SELECT 1 FROM pg_index i
        WHERE i.indrelid = con.conrelid
          AND i.indkey[0] = con.conkey[1]
          AND i.indisvalid
   );

-- migrate:rollback
-- Drops the outbox with its rows; its constraints, indexes and trigger go
-- with it. Nothing outside this table references it.
SET lock_timeout = '5s';
DROP TABLE IF EXISTS service_ops.send_integration;
