-- ============================================================================
-- Migration: Index Correlation Ids Concurrently
-- Date: 2026-11-05
-- Issue: SO-471 resend lookups by correlation_id scan the outbox
--
-- PROBLEM: Resend reconciliation looks messages and responses up by
--   correlation_id, which is not indexed on service_ops.send_integration or
--   integration.integration_receive_serviceops. Both tables are written
--   continuously, and a plain CREATE INDEX would block those writes for the
--   whole build.
-- SOLUTION: Build both indexes with CREATE INDEX CONCURRENTLY, outside a
--   transaction. Each build is preceded by DROP INDEX CONCURRENTLY IF EXISTS:
--   an interrupted concurrent build leaves an INVALID index behind, which
--   CREATE INDEX IF NOT EXISTS would silently accept, so the migration always
--   starts from a clean slate and ends with a valid index.
-- AFFECTED TABLES: service_ops.send_integration, integration.integration_receive_serviceops
--
-- SOURCE OF TRUTH SCHEMA UPDATED:
--   [ ] current_schema/04_service_ops_messaging.sql (Line 58: idx_send_integration_correlation_id)
--   [ ] current_schema/05_integration.sql (Line 40: idx_irs_correlation_id)
--
-- DOWNSTREAM UPDATES:
--   [ ] Bridge schemas updated (if applicable)
--   [ ] TypeScript types updated (if applicable)
--
-- TOUCHPOINTS:
--   [x] Reviewed 2026-11-22 sha256:7455e1735684
--   [ ] Executed
--   [ ] Source of truth synced
-- ============================================================================
-- migrate:no-transaction
-- Every statement below runs on its own; none may be wrapped in BEGIN/COMMIT.
-- Between a DROP and its CREATE the lookup briefly has no index; that is a
-- slower query, never a blocked write.

DROP INDEX CONCURRENTLY IF EXISTS service_ops.idx_send_integration_correlation_id;

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_send_integration_correlation_id
    ON service_ops.send_integration (correlation_id)
    WHERE correlation_id IS NOT NULL;

DROP INDEX CONCURRENTLY IF EXISTS integration.idx_irs_correlation_id;

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_irs_correlation_id
    ON integration.integration_receive_serviceops (correlation_id)
    WHERE correlation_id IS NOT NULL;

-- migrate:verify
SELECT 'idx_send_integration_correlation_id is valid and ready' AS check_name,
       CASE WHEN count(*) = 1 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_index
 WHERE indexrelid = to_regclass('service_ops.idx_send_integration_correlation_id')
   AND indrelid = to_regclass('service_ops.send_integration')
   AND indisvalid
   AND indisready;

SELECT 'idx_irs_correlation_id is valid and ready' AS check_name,
       CASE WHEN count(*) = 1 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_index
 WHERE indexrelid = to_regclass('integration.idx_irs_correlation_id')
   AND indrelid = to_regclass('integration.integration_receive_serviceops')
   AND indisvalid
   AND indisready;

SELECT 'no invalid index left on the two tables' AS check_name,
       CASE WHEN count(*) = 0
             AND to_regclass('service_ops.send_integration') IS NOT NULL
             AND to_regclass('integration.integration_receive_serviceops') IS NOT NULL
            THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_index
 WHERE indrelid IN (to_regclass('service_ops.send_integration'),
                    to_regclass('integration.integration_receive_serviceops'))
   AND NOT indisvalid;

-- migrate:rollback
DROP INDEX CONCURRENTLY IF EXISTS integration.idx_irs_correlation_id;
DROP INDEX CONCURRENTLY IF EXISTS service_ops.idx_send_integration_correlation_id;
