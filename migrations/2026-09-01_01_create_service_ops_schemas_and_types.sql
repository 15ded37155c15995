-- ============================================================================
-- Migration: Create Service Ops Schemas And Enum Types
-- Date: 2026-09-01
-- Issue: SO-401 initial schema fails when it is run a second time
--
-- PROBLEM: The original initial-schema script created its schemas and enum
--   types with bare CREATE statements. PostgreSQL has no CREATE TYPE IF NOT
--   EXISTS, so re-running the script on an existing database failed half way
--   and left environments in an unknown state.
-- SOLUTION: Create the service_ops and integration schemas with IF NOT EXISTS
--   and each enum type inside a DO block guarded by a pg_type / pg_namespace
--   lookup, so that a second run is a no-op.
-- AFFECTED TABLES: none
--
-- SOURCE OF TRUTH SCHEMA UPDATED:
--   [ ] current_schema/01_foundations.sql (Line 1: service_ops and integration schemas, enum types)
--
-- DOWNSTREAM UPDATES:
--   [ ] Bridge schemas updated (if applicable)
--   [ ] TypeScript types updated (if applicable)
--
-- TOUCHPOINTS:
--   [x] Reviewed 2026-11-22 sha256:9c69e11e3084
--   [ ] Executed
--   [ ] Source of truth synced
-- ============================================================================

CREATE SCHEMA IF NOT EXISTS service_ops;
COMMENT ON SCHEMA service_ops IS
    'ServiceOps packet intake, decisions and outbound/inbound messaging.';

CREATE SCHEMA IF NOT EXISTS integration;
COMMENT ON SCHEMA integration IS
    'Tables owned by the integration layer that ServiceOps reads from.';

-- How a packet reached us.
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1
          FROM pg_type t
          JOIN pg_namespace n ON n.oid = t.typnamespace
         WHERE n.nspname = 'service_ops'
           AND t.typname = 'packet_channel'
    ) THEN
        CREATE TYPE service_ops.packet_channel AS ENUM ('ESMD', 'PORTAL', 'FAX', 'MAIL');
    END IF;
END
$$;

-- Review priority; EXPEDITED packets carry a shorter regulatory clock.
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1
          FROM pg_type t
          JOIN pg_namespace n ON n.oid = t.typnamespace
         WHERE n.nspname = 'service_ops'
           AND t.typname = 'packet_priority'
    ) THEN
        CREATE TYPE service_ops.packet_priority AS ENUM ('ROUTINE', 'EXPEDITED');
    END IF;
END
$$;

-- Lifecycle of one workflow run over a packet.
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1
          FROM pg_type t
          JOIN pg_namespace n ON n.oid = t.typnamespace
         WHERE n.nspname = 'service_ops'
           AND t.typname = 'workflow_state'
    ) THEN
        CREATE TYPE service_ops.workflow_state AS ENUM
            ('PENDING', 'RUNNING', 'WAITING', 'COMPLETED', 'FAILED', 'CANCELLED');
    END IF;
END
$$;

-- migrate:verify
SELECT 'schema service_ops exists' AS check_name,
       CASE WHEN count(*) = 1 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_namespace
 WHERE nspname = 'service_ops';

SELECT 'schema integration exists' AS check_name,
       CASE WHEN count(*) = 1 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_namespace
 WHERE nspname = 'integration';

SELECT 'service_ops.packet_channel values in order' AS check_name,
       CASE WHEN string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) = 'ESMD,PORTAL,FAX,MAIL'
            THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_enum e
  JOIN pg_type t ON t.oid = e.enumtypid
  JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE n.nspname = 'service_ops' AND t.typname = 'packet_channel';

SELECT 'service_ops.packet_priority values in order' AS check_name,
       CASE WHEN string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) = 'ROUTINE,EXPEDITED'
            THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_enum e
  JOIN pg_type t ON t.oid = e.enumtypid
  JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE n.nspname = 'service_ops' AND t.typname = 'packet_priority';

SELECT 'service_ops.workflow_state values in order' AS check_name,
       CASE WHEN string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
                 = 'PENDING,RUNNING,WAITING,COMPLETED,FAILED,CANCELLED'
            THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_enum e
  JOIN pg_type t ON t.oid = e.enumtypid
  JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE n.nspname = 'service_ops' AND t.typname = 'workflow_state';

-- migrate:rollback
-- Later migrations are rolled back first, so nothing depends on these any
-- more; plain DROP (RESTRICT) refuses to remove anything still in use.
DROP TYPE IF EXISTS service_ops.workflow_state;
DROP TYPE IF EXISTS service_ops.packet_priority;
DROP TYPE IF EXISTS service_ops.packet_channel;
DROP SCHEMA IF EXISTS integration;
DROP SCHEMA IF EXISTS service_ops;
