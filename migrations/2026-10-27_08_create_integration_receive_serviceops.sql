-- ============================================================================
-- Migration: Create Integration Receive ServiceOps With Resend Chain
-- Date: 2026-10-27
-- Issue: SO-460 integration responses cannot be matched to resends
--
-- PROBLEM: Responses the integration layer receives from ServiceOps carry no
--   correlation id, attempt number or payload version, so when a decision is
--   resent nobody can tell which response answers which attempt, or prove
--   that a resent payload is byte-identical to the first one.
-- SOLUTION: Create integration.integration_receive_serviceops with
--   correlation_id, attempt_count, resend_of_response_id, payload_hash and
--   payload_version; chain resends with the self-referencing foreign key
--   fk_irs_resend_of_response_id (added under a pg_constraint guard); add
--   CHECKs and the resend, attempt and decision indexes. The correlation_id
--   index is built CONCURRENTLY in migration 09.
-- AFFECTED TABLES: integration.integration_receive_serviceops
--
-- SOURCE OF TRUTH SCHEMA UPDATED:
--   [ ] current_schema/05_integration.sql (Line 1: integration_receive_serviceops)
--
-- DOWNSTREAM UPDATES:
--   [ ] Bridge schemas updated (if applicable)
--   [ ] TypeScript types updated (if applicable)
--
-- TOUCHPOINTS:
--   [x] Reviewed 2026-11-22 sha256:ae4c2fe05a72
--   [ ] Executed
--   [ ] Source of truth synced
-- ============================================================================

SET lock_timeout = '5s';

CREATE TABLE IF NOT EXISTS integration.integration_receive_serviceops (
    response_id           bigint GENERATED ALWAYS AS IDENTITY,
    decision_tracking_id  uuid        NOT NULL,
    message_type_id       integer     NOT NULL DEFAULT 1,
    payload               jsonb       NOT NULL,
    correlation_id        uuid,
    attempt_count         integer     NOT NULL DEFAULT 1,
    resend_of_response_id bigint,
    payload_hash          text,
    payload_version       integer     NOT NULL DEFAULT 1,
    received_at           timestamptz NOT NULL DEFAULT now(),
    processed_at          timestamptz,
    is_deleted            boolean     NOT NULL DEFAULT false,
    CONSTRAINT pk_integration_receive_serviceops PRIMARY KEY (response_id)
);

DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'integration.integration_receive_serviceops'::regclass
           AND conname = 'chk_irs_attempt_count'
    ) THEN
        ALTER TABLE integration.integration_receive_serviceops
            ADD CONSTRAINT chk_irs_attempt_count CHECK (attempt_count >= 1);
    END IF;

    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'integration.integration_receive_serviceops'::regclass
           AND conname = 'chk_irs_payload_version'
    ) THEN
        ALTER TABLE integration.integration_receive_serviceops
            ADD CONSTRAINT chk_irs_payload_version CHECK (payload_version >= 1);
    END IF;

    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'integration.integration_receive_serviceops'::regclass
           AND conname = 'chk_irs_payload_hash'
    ) THEN
        ALTER TABLE integration.integration_receive_serviceops
            ADD CONSTRAINT chk_irs_payload_hash CHECK (
                payload_hash IS NULL OR payload_hash ~ '^[0-9a-f]{64}$'
            );
    END IF;

    -- A resend is always a later attempt, and never a resend of itself.
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'integration.integration_receive_serviceops'::regclass
           AND conname = 'chk_irs_resend_is_retry'
    ) THEN
        ALTER TABLE integration.integration_receive_serviceops
            ADD CONSTRAINT chk_irs_resend_is_retry CHECK (
                resend_of_response_id IS NULL
                OR (resend_of_response_id <> response_id AND attempt_count > 1)
            );
    END IF;

    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'integration.integration_receive_serviceops'::regclass
           AND conname = 'fk_irs_resend_of_response_id'
    ) THEN
        ALTER TABLE integration.integration_receive_serviceops
            ADD CONSTRAINT fk_irs_resend_of_response_id
            FOREIGN KEY (resend_of_response_id)
            REFERENCES integration.integration_receive_serviceops (response_id);
    END IF;
END
$$;

CREATE INDEX IF NOT EXISTS idx_irs_resend_of_response_id
    ON integration.integration_receive_serviceops (resend_of_response_id)
    WHERE resend_of_response_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_irs_attempt_count
    ON integration.integration_receive_serviceops (attempt_count)
    WHERE attempt_count > 1;
CREATE INDEX IF NOT EXISTS idx_irs_decision_attempt
    ON integration.integration_receive_serviceops (decision_tracking_id, attempt_count DESC);
CREATE INDEX IF NOT EXISTS idx_irs_unprocessed
    ON integration.integration_receive_serviceops (received_at)
    WHERE processed_at IS NULL AND NOT is_deleted;

-- migrate:verify
SELECT 'integration_receive_serviceops has 12 columns' AS check_name,
       CASE WHEN count(*) = 12 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM information_schema.columns
 WHERE table_schema = 'integration'
   AND table_name = 'integration_receive_serviceops';

SELECT 'resend tracking columns have the right types' AS check_name,
       CASE WHEN count(*) = 5 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM information_schema.columns
 WHERE table_schema = 'integration'
   AND table_name = 'integration_receive_serviceops'
   AND (column_name, data_type) IN
       (('correlation_id', 'uuid'), ('attempt_count', 'integer'),
        ('resend_of_response_id', 'bigint'), ('payload_hash', 'text'),
        ('payload_version', 'integer'));

SELECT 'fk_irs_resend_of_response_id is a validated self reference' AS check_name,
       CASE WHEN count(*) = 1 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_constraint
 WHERE conrelid = to_regclass('integration.integration_receive_serviceops')
   AND conname = 'fk_irs_resend_of_response_id'
   AND contype = 'f'
   AND confrelid = to_regclass('integration.integration_receive_serviceops')
   AND convalidated;

SELECT 'integration_receive_serviceops CHECK constraints exist' AS check_name,
       CASE WHEN count(*) = 4 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_constraint
 WHERE conrelid = to_regclass('integration.integration_receive_serviceops')
   AND contype = 'c'
   AND conname IN ('chk_irs_attempt_count', 'chk_irs_payload_version',
                   'chk_irs_payload_hash', 'chk_irs_resend_is_retry');

SELECT 'integration_receive_serviceops indexes are valid' AS check_name,
       CASE WHEN count(*) = 4 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_index i
  JOIN pg_class c ON c.oid = i.indexrelid
 WHERE i.indrelid = to_regclass('integration.integration_receive_serviceops')
   AND c.relname IN ('idx_irs_resend_of_response_id', 'idx_irs_attempt_count',
                     'idx_irs_decision_attempt', 'idx_irs_unprocessed')
   AND i.indisvalid;

-- migrate:rollback
-- Drops the table with its rows; the FK, CHECKs and indexes go with it.
SET lock_timeout = '5s';
DROP TABLE IF EXISTS integration.integration_receive_serviceops;
