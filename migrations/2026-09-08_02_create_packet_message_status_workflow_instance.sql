-- ============================================================================
-- Migration: Create Packet, Message Status And Workflow Instance Tables
-- Date: 2026-09-08
-- Issue: SO-405 core intake tables missing from migration history
--
-- PROBLEM: service_ops.packet, service_ops.message_status and
--   service_ops.workflow_instance were created by hand in production, so new
--   environments cannot be built from migrations and the code's expectations
--   (validation_status and detailed_status NOT NULL with CHECK constraints)
--   are not enforced anywhere.
-- SOLUTION: Create the three tables idempotently with bigint identity keys,
--   timestamptz audit columns and named CHECK constraints, seed the
--   message_status lookup rows, add the workflow_instance -> packet foreign
--   key under a pg_constraint guard, and keep updated_at current with a
--   shared BEFORE UPDATE trigger function.
-- AFFECTED TABLES: service_ops.message_status, service_ops.packet, service_ops.workflow_instance
--
-- SOURCE OF TRUTH SCHEMA UPDATED:
--   [ ] current_schema/02_service_ops_core.sql (Line 1: packet, message_status, workflow_instance)
--
-- DOWNSTREAM UPDATES:
--   [ ] Bridge schemas updated (if applicable)
--   [ ] TypeScript types updated (if applicable)
--
-- TOUCHPOINTS:
--   [x] Reviewed 2026-11-22 sha256:9abe7c4a2fe7
--   [ ] Executed
--   [ ] Source of truth synced
-- ============================================================================

SET lock_timeout = '5s';

-- Shared by every service_ops table that has an updated_at column.
CREATE OR REPLACE FUNCTION service_ops.touch_updated_at()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

-- Lookup table: ids are referenced from code, so they are fixed, not generated.
CREATE TABLE IF NOT EXISTS service_ops.message_status (
    message_status_id integer     NOT NULL,
    status_code       text        NOT NULL,
    description       text        NOT NULL,
    is_terminal       boolean     NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_message_status PRIMARY KEY (message_status_id),
    CONSTRAINT uq_message_status_status_code UNIQUE (status_code),
    CONSTRAINT chk_message_status_id_positive CHECK (message_status_id > 0),
    CONSTRAINT chk_message_status_status_code CHECK (status_code ~ '^[A-Z][A-Z_]*$')
);

INSERT INTO service_ops.message_status (message_status_id, status_code, description, is_terminal)
VALUES
    (1, 'QUEUED',       'Written to the outbox, not yet picked up',        false),
    (2, 'SENT',         'Delivered to the integration layer',              false),
    (3, 'ACKNOWLEDGED', 'Integration layer confirmed receipt',             true),
    (4, 'FAILED',       'Delivery failed; eligible for resend',            false),
    (5, 'DEAD_LETTER',  'Retries exhausted; needs manual action',          true)
ON CONFLICT (message_status_id) DO NOTHING;

CREATE TABLE IF NOT EXISTS service_ops.packet (
    packet_id            bigint GENERATED ALWAYS AS IDENTITY,
    decision_tracking_id uuid                        NOT NULL,
    external_packet_ref  text,
    channel              service_ops.packet_channel  NOT NULL,
    priority             service_ops.packet_priority NOT NULL DEFAULT 'ROUTINE',
    validation_status    text                        NOT NULL DEFAULT 'PENDING',
    detailed_status      text                        NOT NULL DEFAULT 'RECEIVED',
    received_at          timestamptz                 NOT NULL DEFAULT now(),
    due_at               timestamptz,
    created_at           timestamptz                 NOT NULL DEFAULT now(),
    updated_at           timestamptz                 NOT NULL DEFAULT now(),
    CONSTRAINT pk_packet PRIMARY KEY (packet_id),
    CONSTRAINT uq_packet_decision_tracking_id UNIQUE (decision_tracking_id),
    CONSTRAINT chk_packet_validation_status CHECK (
        validation_status IN ('PENDING', 'VALID', 'INVALID', 'OVERRIDDEN')
    ),
    CONSTRAINT chk_packet_detailed_status CHECK (
        detailed_status IN ('RECEIVED', 'INTAKE_VALIDATION', 'CLINICAL_REVIEW',
                            'DECISION_PENDING', 'DECISION_COMPLETE', 'DISMISSED', 'CLOSED')
    ),
    CONSTRAINT chk_packet_due_after_received CHECK (due_at IS NULL OR due_at >= received_at)
);

CREATE INDEX IF NOT EXISTS idx_packet_detailed_status
    ON service_ops.packet (detailed_status, received_at);
CREATE INDEX IF NOT EXISTS idx_packet_due_at_open
    ON service_ops.packet (due_at)
    WHERE detailed_status NOT IN ('DECISION_COMPLETE', 'DISMISSED', 'CLOSED');

CREATE TABLE IF NOT EXISTS service_ops.workflow_instance (
    workflow_instance_id bigint GENERATED ALWAYS AS IDENTITY,
    packet_id            bigint                     NOT NULL,
    decision_tracking_id uuid                       NOT NULL,
    workflow_name        text                       NOT NULL,
    workflow_state       service_ops.workflow_state NOT NULL DEFAULT 'PENDING',
    started_at           timestamptz,
    completed_at         timestamptz,
    last_error           text,
    created_at           timestamptz                NOT NULL DEFAULT now(),
    updated_at           timestamptz                NOT NULL DEFAULT now(),
    CONSTRAINT pk_workflow_instance PRIMARY KEY (workflow_instance_id),
    CONSTRAINT chk_workflow_instance_completed_after_started CHECK (
        completed_at IS NULL OR started_at IS NULL OR completed_at >= started_at
    )
);

DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1
          FROM pg_constraint
         WHERE conrelid = 'service_ops.workflow_instance'::regclass
           AND conname = 'fk_workflow_instance_packet'
    ) THEN
        ALTER TABLE service_ops.workflow_instance
            ADD CONSTRAINT fk_workflow_instance_packet
            FOREIGN KEY (packet_id) REFERENCES service_ops.packet (packet_id);
    END IF;
END
$$;

CREATE INDEX IF NOT EXISTS idx_workflow_instance_packet_id
    ON service_ops.workflow_instance (packet_id);
CREATE INDEX IF NOT EXISTS idx_workflow_instance_decision_tracking_id
    ON service_ops.workflow_instance (decision_tracking_id);
CREATE INDEX IF NOT EXISTS idx_workflow_instance_active
    ON service_ops.workflow_instance (workflow_name, workflow_state)
    WHERE workflow_state IN ('PENDING', 'RUNNING', 'WAITING');

CREATE OR REPLACE TRIGGER trg_packet_touch_updated_at
    BEFORE UPDATE ON service_ops.packet
    FOR EACH ROW EXECUTE FUNCTION service_ops.touch_updated_at();

CREATE OR REPLACE TRIGGER trg_workflow_instance_touch_updated_at
    BEFORE UPDATE ON service_ops.workflow_instance
    FOR EACH ROW EXECUTE FUNCTION service_ops.touch_updated_at();

-- migrate:verify
SELECT 'core tables exist' AS check_name,
       CASE WHEN to_regclass('service_ops.packet') IS NOT NULL
             AND to_regclass('service_ops.message_status') IS NOT NULL
             AND to_regclass('service_ops.workflow_instance') IS NOT NULL
            THEN 'PASS' ELSE 'FAIL' END AS result;

SELECT 'packet status columns are NOT NULL text' AS check_name,
       CASE WHEN count(*) = 2 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM information_schema.columns
 WHERE table_schema = 'service_ops'
   AND table_name = 'packet'
   AND column_name IN ('validation_status', 'detailed_status')
   AND data_type = 'text'
   AND is_nullable = 'NO';

SELECT 'packet.packet_id is a bigint identity' AS check_name,
       CASE WHEN count(*) = 1 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM information_schema.columns
 WHERE table_schema = 'service_ops'
   AND table_name = 'packet'
   AND column_name = 'packet_id'
   AND data_type = 'bigint'
   AND is_identity = 'YES'
   AND identity_generation = 'ALWAYS';

SELECT 'packet CHECK constraints exist' AS check_name,
       CASE WHEN count(*) = 3 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_constraint
 WHERE conrelid = to_regclass('service_ops.packet')
   AND contype = 'c'
   AND conname IN ('chk_packet_validation_status', 'chk_packet_detailed_status',
                   'chk_packet_due_after_received');

SELECT 'fk_workflow_instance_packet references packet' AS check_name,
       CASE WHEN count(*) = 1 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_constraint
 WHERE conrelid = to_regclass('service_ops.workflow_instance')
   AND conname = 'fk_workflow_instance_packet'
   AND contype = 'f'
   AND confrelid = to_regclass('service_ops.packet')
   AND convalidated;

SELECT 'core indexes exist and are valid' AS check_name,
       CASE WHEN count(*) = 5 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_index i
  JOIN pg_class c ON c.oid = i.indexrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'service_ops'
   AND c.relname IN ('idx_packet_detailed_status', 'idx_packet_due_at_open',
                     'idx_workflow_instance_packet_id',
                     'idx_workflow_instance_decision_tracking_id',
                     'idx_workflow_instance_active')
   AND i.indisvalid;

SELECT 'updated_at triggers exist' AS check_name,
       CASE WHEN count(*) = 2 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_trigger
 WHERE NOT tgisinternal
   AND ((tgrelid = to_regclass('service_ops.packet')
         AND tgname = 'trg_packet_touch_updated_at')
     OR (tgrelid = to_regclass('service_ops.workflow_instance')
         AND tgname = 'trg_workflow_instance_touch_updated_at'));

SELECT 'message_status lookup rows seeded' AS check_name,
       CASE WHEN count(*) = 5 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM service_ops.message_status
 WHERE (message_status_id, status_code) IN
       ((1, 'QUEUED'), (2, 'SENT'), (3, 'ACKNOWLEDGED'), (4, 'FAILED'), (5, 'DEAD_LETTER'));

-- migrate:rollback
-- Drops the tables with their rows: this undoes a create, it is not a data
-- migration. Dependants first; the triggers go with their tables.
SET lock_timeout = '5s';
DROP TABLE IF EXISTS service_ops.workflow_instance;
DROP TABLE IF EXISTS service_ops.packet;
DROP TABLE IF EXISTS service_ops.message_status;
DROP FUNCTION IF EXISTS service_ops.touch_updated_at();
