-- ============================================================================
-- Migration: Create Poll Watermark Tables
-- Date: 2026-10-09
-- Issue: SO-441 pollers restart from the beginning after every deploy
--
-- PROBLEM: The clinical-ops and integration pollers keep their high-water
--   mark in memory, so every restart re-reads and re-processes the whole
--   feed. The later watermark change (migration 019 of the old system) also assumed
--   clinical_ops_poll_watermark already existed and failed where it did not.
-- SOLUTION: Create service_ops.clinical_ops_poll_watermark and
--   service_ops.integration_poll_watermark, one row per poller, and seed the
--   two poller rows. The timestamp columns mirror the source feeds' TIMESTAMP
--   (naive UTC) type as deployed; migration 07 converts them to TIMESTAMPTZ.
-- AFFECTED TABLES: service_ops.clinical_ops_poll_watermark, service_ops.integration_poll_watermark
--
-- SOURCE OF TRUTH SCHEMA UPDATED:
--   [ ] current_schema/04_service_ops_messaging.sql (Line 140: poll watermark tables)
--
-- DOWNSTREAM UPDATES:
--   [ ] Bridge schemas updated (if applicable)
--   [ ] TypeScript types updated (if applicable)
--
-- TOUCHPOINTS:
--   [x] Reviewed 2026-11-22 sha256:c2c1f0a5380b
--   [ ] Executed
--   [ ] Source of truth synced
-- ============================================================================

SET lock_timeout = '5s';

CREATE TABLE IF NOT EXISTS service_ops.clinical_ops_poll_watermark (
    poller_name     text      NOT NULL,
    last_created_at timestamp NOT NULL DEFAULT '1970-01-01 00:00:00',
    last_message_id bigint    NOT NULL DEFAULT 0,
    updated_at      timestamp NOT NULL DEFAULT now(),
    CONSTRAINT pk_clinical_ops_poll_watermark PRIMARY KEY (poller_name),
    CONSTRAINT chk_clinical_ops_poll_watermark_last_message_id CHECK (last_message_id >= 0)
);

-- last_created_at is NULL until the poller has seen its first message.
CREATE TABLE IF NOT EXISTS service_ops.integration_poll_watermark (
    poller_name     text      NOT NULL,
    last_created_at timestamp,
    last_message_id bigint,
    updated_at      timestamp NOT NULL DEFAULT now(),
    CONSTRAINT pk_integration_poll_watermark PRIMARY KEY (poller_name),
    CONSTRAINT chk_integration_poll_watermark_position CHECK (
        (last_created_at IS NULL) = (last_message_id IS NULL)
    )
);

INSERT INTO service_ops.clinical_ops_poll_watermark (poller_name)
VALUES ('clinical_ops_decisions')
ON CONFLICT (poller_name) DO NOTHING;

INSERT INTO service_ops.integration_poll_watermark (poller_name)
VALUES ('integration_responses')
ON CONFLICT (poller_name) DO NOTHING;

-- migrate:verify
SELECT 'watermark tables exist' AS check_name,
       CASE WHEN to_regclass('service_ops.clinical_ops_poll_watermark') IS NOT NULL
             AND to_regclass('service_ops.integration_poll_watermark') IS NOT NULL
            THEN 'PASS' ELSE 'FAIL' END AS result;

SELECT 'clinical_ops_poll_watermark.last_created_at exists and is NOT NULL' AS check_name,
       CASE WHEN count(*) = 1 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM information_schema.columns
 WHERE table_schema = 'service_ops'
   AND table_name = 'clinical_ops_poll_watermark'
   AND column_name = 'last_created_at'
   AND is_nullable = 'NO'
   AND data_type IN ('timestamp without time zone', 'timestamp with time zone');

SELECT 'integration_poll_watermark.last_created_at exists and is nullable' AS check_name,
       CASE WHEN count(*) = 1 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM information_schema.columns
 WHERE table_schema = 'service_ops'
   AND table_name = 'integration_poll_watermark'
   AND column_name = 'last_created_at'
   AND is_nullable = 'YES'
   AND data_type IN ('timestamp without time zone', 'timestamp with time zone');

SELECT 'watermark CHECK constraints exist' AS check_name,
       CASE WHEN count(*) = 2 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_constraint
 WHERE contype = 'c'
   AND ((conrelid = to_regclass('service_ops.clinical_ops_poll_watermark')
         AND conname = 'chk_clinical_ops_poll_watermark_last_message_id')
     OR (conrelid = to_regclass('service_ops.integration_poll_watermark')
         AND conname = 'chk_integration_poll_watermark_position'));

SELECT 'poller rows seeded' AS check_name,
       CASE WHEN (SELECT count(*) FROM service_ops.clinical_ops_poll_watermark
                   WHERE poller_name = 'clinical_ops_decisions') = 1
             AND (SELECT count(*) FROM service_ops.integration_poll_watermark
                   WHERE poller_name = 'integration_responses') = 1
            THEN 'PASS' ELSE 'FAIL' END AS result;

-- migrate:rollback
-- Drops both tables with their rows; pollers fall back to a full re-read.
SET lock_timeout = '5s';
DROP TABLE IF EXISTS service_ops.integration_poll_watermark;
DROP TABLE IF EXISTS service_ops.clinical_ops_poll_watermark;
