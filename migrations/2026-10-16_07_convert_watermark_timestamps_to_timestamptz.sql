-- ============================================================================
-- Migration: Convert Watermark And Send ServiceOps Timestamps To Timestamptz
-- Date: 2026-10-16
-- Issue: SO-452 watermark drift across the daylight saving change
--
-- PROBLEM: The poll watermarks and send_serviceops.created_at are TIMESTAMP
--   (no time zone). Comparing them with the TIMESTAMPTZ columns of the feeds
--   casts through the session time zone, so a poller running outside UTC
--   skipped or re-read an hour of messages at the DST change. The original
--   fix (migration 020 of the old system) altered the column type blindly and failed on
--   databases where a column was already TIMESTAMPTZ or missing.
-- SOLUTION: For each of the five columns, look up its current type in
--   information_schema.columns and convert it only while it is still
--   'timestamp without time zone', reading the stored values as UTC (the
--   writers have always run with TimeZone = UTC). Defaults are dropped and set
--   again in the same ALTER so that constant defaults become real instants
--   instead of session-time-zone casts.
-- AFFECTED TABLES: service_ops.clinical_ops_poll_watermark, service_ops.integration_poll_watermark, service_ops.send_serviceops
--
-- SOURCE OF TRUTH SCHEMA UPDATED:
--   [ ] current_schema/04_service_ops_messaging.sql (Line 140: watermark and send_serviceops timestamps are timestamptz)
--
-- DOWNSTREAM UPDATES:
--   [ ] Bridge schemas updated (if applicable)
--   [ ] TypeScript types updated (if applicable)
--
-- TOUCHPOINTS:
--   [x] Reviewed 2026-11-22 sha256:2c23099ba65d
--   [ ] Executed
--   [ ] Source of truth synced
-- ============================================================================

SET lock_timeout = '5s';

-- review: ignore alter-column-type -- the two watermark tables hold one row per poller and send_serviceops is a small outbox; the dynamic review measured the rewrite at a few milliseconds, and USING ... AT TIME ZONE 'UTC' keeps the stored instants exact whatever the session TimeZone
DO $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM information_schema.columns
         WHERE table_schema = 'service_ops'
           AND table_name = 'clinical_ops_poll_watermark'
           AND column_name = 'last_created_at'
           AND data_type = 'timestamp without time zone'
    ) THEN
        ALTER TABLE service_ops.clinical_ops_poll_watermark
            ALTER COLUMN last_created_at DROP DEFAULT,
            ALTER COLUMN last_created_at TYPE timestamptz
                USING last_created_at AT TIME ZONE 'UTC',
            ALTER COLUMN last_created_at SET DEFAULT '1970-01-01 00:00:00+00'::timestamptz;
    END IF;

    IF EXISTS (
        SELECT 1 FROM information_schema.columns
         WHERE table_schema = 'service_ops'
           AND table_name = 'clinical_ops_poll_watermark'
           AND column_name = 'updated_at'
           AND data_type = 'timestamp without time zone'
    ) THEN
        ALTER TABLE service_ops.clinical_ops_poll_watermark
            ALTER COLUMN updated_at DROP DEFAULT,
            ALTER COLUMN updated_at TYPE timestamptz
                USING updated_at AT TIME ZONE 'UTC',
            ALTER COLUMN updated_at SET DEFAULT now();
    END IF;

    IF EXISTS (
        SELECT 1 FROM information_schema.columns
         WHERE table_schema = 'service_ops'
           AND table_name = 'integration_poll_watermark'
           AND column_name = 'last_created_at'
           AND data_type = 'timestamp without time zone'
    ) THEN
        ALTER TABLE service_ops.integration_poll_watermark
            ALTER COLUMN last_created_at TYPE timestamptz
                USING last_created_at AT TIME ZONE 'UTC';
    END IF;

    IF EXISTS (
        SELECT 1 FROM information_schema.columns
         WHERE table_schema = 'service_ops'
           AND table_name = 'integration_poll_watermark'
           AND column_name = 'updated_at'
           AND data_type = 'timestamp without time zone'
    ) THEN
        ALTER TABLE service_ops.integration_poll_watermark
            ALTER COLUMN updated_at DROP DEFAULT,
            ALTER COLUMN updated_at TYPE timestamptz
                USING updated_at AT TIME ZONE 'UTC',
            ALTER COLUMN updated_at SET DEFAULT now();
    END IF;

    -- Rewrites send_serviceops and rebuilds idx_send_serviceops_created_at.
    IF EXISTS (
        SELECT 1 FROM information_schema.columns
         WHERE table_schema = 'service_ops'
           AND table_name = 'send_serviceops'
           AND column_name = 'created_at'
           AND data_type = 'timestamp without time zone'
    ) THEN
        ALTER TABLE service_ops.send_serviceops
            ALTER COLUMN created_at DROP DEFAULT,
            ALTER COLUMN created_at TYPE timestamptz
                USING created_at AT TIME ZONE 'UTC',
            ALTER COLUMN created_at SET DEFAULT now();
    END IF;
END
$$;

-- migrate:verify
SELECT 'converted columns are timestamp with time zone' AS check_name,
       CASE WHEN count(*) = 5 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM information_schema.columns
 WHERE table_schema = 'service_ops'
   AND (table_name, column_name) IN
       (('clinical_ops_poll_watermark', 'last_created_at'),
        ('clinical_ops_poll_watermark', 'updated_at'),
        ('integration_poll_watermark', 'last_created_at'),
        ('integration_poll_watermark', 'updated_at'),
        ('send_serviceops', 'created_at'))
   AND data_type = 'timestamp with time zone';

SELECT 'no timestamp without time zone column left in service_ops' AS check_name,
       CASE WHEN count(*) = 0 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM information_schema.columns
 WHERE table_schema = 'service_ops'
   AND data_type = 'timestamp without time zone';

SELECT 'clinical_ops_poll_watermark.last_created_at default is the UTC epoch' AS check_name,
       CASE WHEN count(*) = 1 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_attrdef d
  JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
 WHERE d.adrelid = to_regclass('service_ops.clinical_ops_poll_watermark')
   AND a.attname = 'last_created_at'
   AND pg_get_expr(d.adbin, d.adrelid) NOT LIKE '%without time zone%';

SELECT 'idx_send_serviceops_created_at is valid after the rewrite' AS check_name,
       CASE WHEN count(*) = 1 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_index
 WHERE indexrelid = to_regclass('service_ops.idx_send_serviceops_created_at')
   AND indisvalid;

-- migrate:rollback
-- Converts each column back only while it is still timestamptz, writing the
-- UTC wall-clock time, and restores the original defaults.
SET lock_timeout = '5s';

DO $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM information_schema.columns
         WHERE table_schema = 'service_ops'
           AND table_name = 'send_serviceops'
           AND column_name = 'created_at'
           AND data_type = 'timestamp with time zone'
    ) THEN
        ALTER TABLE service_ops.send_serviceops
            ALTER COLUMN created_at DROP DEFAULT,
            ALTER COLUMN created_at TYPE timestamp
                USING created_at AT TIME ZONE 'UTC',
            ALTER COLUMN created_at SET DEFAULT now();
    END IF;

    IF EXISTS (
        SELECT 1 FROM information_schema.columns
         WHERE table_schema = 'service_ops'
           AND table_name = 'integration_poll_watermark'
           AND column_name = 'updated_at'
           AND data_type = 'timestamp with time zone'
    ) THEN
        ALTER TABLE service_ops.integration_poll_watermark
            ALTER COLUMN updated_at DROP DEFAULT,
            ALTER COLUMN updated_at TYPE timestamp
                USING updated_at AT TIME ZONE 'UTC',
            ALTER COLUMN updated_at SET DEFAULT now();
    END IF;

    IF EXISTS (
        SELECT 1 FROM information_schema.columns
         WHERE table_schema = 'service_ops'
           AND table_name = 'integration_poll_watermark'
           AND column_name = 'last_created_at'
           AND data_type = 'timestamp with time zone'
    ) THEN
        ALTER TABLE service_ops.integration_poll_watermark
            ALTER COLUMN last_created_at TYPE timestamp
                USING last_created_at AT TIME ZONE 'UTC';
    END IF;

    IF EXISTS (
        SELECT 1 FROM information_schema.columns
         WHERE table_schema = 'service_ops'
           AND table_name = 'clinical_ops_poll_watermark'
           AND column_name = 'updated_at'
           AND data_type = 'timestamp with time zone'
    ) THEN
        ALTER TABLE service_ops.clinical_ops_poll_watermark
            ALTER COLUMN updated_at DROP DEFAULT,
            ALTER COLUMN updated_at TYPE timestamp
                USING updated_at AT TIME ZONE 'UTC',
            ALTER COLUMN updated_at SET DEFAULT now();
    END IF;

    IF EXISTS (
        SELECT 1 FROM information_schema.columns
         WHERE table_schema = 'service_ops'
           AND table_name = 'clinical_ops_poll_watermark'
           AND column_name = 'last_created_at'
           AND data_type = 'timestamp with time zone'
    ) THEN
        ALTER TABLE service_ops.clinical_ops_poll_watermark
            ALTER COLUMN last_created_at DROP DEFAULT,
            ALTER COLUMN last_created_at TYPE timestamp
                USING last_created_at AT TIME ZONE 'UTC',
            ALTER COLUMN last_created_at SET DEFAULT '1970-01-01 00:00:00'::timestamp;
    END IF;
END
$$;
