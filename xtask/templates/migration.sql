-- ============================================================================
-- Migration: {{ title }}
-- Date: {{ date }}
-- Issue: {{ issue }}
--
-- PROBLEM: {{ problem }}
-- SOLUTION: {{ solution }}
-- AFFECTED TABLES: {{ tables }}
--
-- SOURCE OF TRUTH SCHEMA UPDATED:
--   [ ] current_schema/ (filled in by `cargo xtask migration sync`)
--
-- DOWNSTREAM UPDATES:
--   [ ] Bridge schemas updated (if applicable)
--   [ ] TypeScript types updated (if applicable)
--
-- TOUCHPOINTS:
--   [ ] Reviewed
--   [ ] Executed
--   [ ] Source of truth synced
-- ============================================================================
-- Write the migration below. It runs in one transaction with the verify
-- queries and the tracking row; do not write BEGIN or COMMIT. Make every
-- statement safe to run twice: IF [NOT] EXISTS, CREATE OR REPLACE, and
-- DO-block guards for CREATE TYPE and ADD CONSTRAINT.


-- migrate:verify
-- One query per check; each row's last column is 'PASS' or 'FAIL', e.g.
-- SELECT 'packet.region exists' AS check_name,
--        CASE WHEN count(*) = 1 THEN 'PASS' ELSE 'FAIL' END AS result
--   FROM information_schema.columns
--  WHERE table_schema = 'service_ops' AND table_name = 'packet' AND column_name = 'region';


-- migrate:rollback
-- SQL that undoes the migration, or `-- irreversible: <reason>`.

