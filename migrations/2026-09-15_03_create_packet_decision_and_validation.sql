-- ============================================================================
-- Migration: Create Packet Decision And Packet Validation Tables
-- Date: 2026-09-15
-- Issue: SO-417 decision supersession and validation results not modelled
--
-- PROBLEM: Decisions are overwritten in place, so the history of operational
--   and clinical decisions on a packet is lost, and validation results live
--   in application logs. The code expects packet_decision with
--   operational_decision, clinical_decision, is_active, supersedes and
--   superseded_by, and a packet_validation table.
-- SOLUTION: Create both tables; add their CHECK constraints and foreign keys
--   in DO blocks guarded by pg_constraint lookups (so a re-run after a partial
--   manual fix still converges); allow only one active decision per packet
--   with a partial unique index; index every foreign key column.
-- AFFECTED TABLES: service_ops.packet_decision, service_ops.packet_validation
--
-- SOURCE OF TRUTH SCHEMA UPDATED:
--   [ ] current_schema/03_service_ops_decisions.sql (Line 1: packet_decision, packet_validation)
--
-- DOWNSTREAM UPDATES:
--   [ ] Bridge schemas updated (if applicable)
--   [ ] TypeScript types updated (if applicable)
--
-- TOUCHPOINTS:
--   [x] Reviewed 2026-11-22 sha256:109d2b0f7844
--   [ ] Executed
--   [ ] Source of truth synced
-- ============================================================================

SET lock_timeout = '5s';

CREATE TABLE IF NOT EXISTS service_ops.packet_decision (
    packet_decision_id   bigint GENERATED ALWAYS AS IDENTITY,
    packet_id            bigint      NOT NULL,
    decision_tracking_id uuid        NOT NULL,
    operational_decision text        NOT NULL DEFAULT 'PENDING',
    clinical_decision    text        NOT NULL DEFAULT 'PENDING',
    is_active            boolean     NOT NULL DEFAULT true,
    supersedes           bigint,
    superseded_by        bigint,
    decision_reason      text,
    decided_by           text,
    decided_at           timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_packet_decision PRIMARY KEY (packet_decision_id)
);

CREATE TABLE IF NOT EXISTS service_ops.packet_validation (
    packet_validation_id bigint GENERATED ALWAYS AS IDENTITY,
    packet_id            bigint      NOT NULL,
    packet_decision_id   bigint,
    validation_type      text        NOT NULL,
    validation_status    text        NOT NULL DEFAULT 'PENDING',
    validation_errors    jsonb       NOT NULL DEFAULT '[]'::jsonb,
    is_active            boolean     NOT NULL DEFAULT true,
    validated_by         text,
    validated_at         timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_packet_validation PRIMARY KEY (packet_validation_id)
);

-- packet_decision: CHECK constraints.
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'service_ops.packet_decision'::regclass
           AND conname = 'chk_packet_decision_operational_decision'
    ) THEN
        ALTER TABLE service_ops.packet_decision
            ADD CONSTRAINT chk_packet_decision_operational_decision CHECK (
                operational_decision IN ('PENDING', 'DISMISSAL', 'DISMISSAL_COMPLETE',
                                         'DECISION_COMPLETE', 'RTP', 'RTP_COMPLETE')
            );
    END IF;

    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'service_ops.packet_decision'::regclass
           AND conname = 'chk_packet_decision_clinical_decision'
    ) THEN
        ALTER TABLE service_ops.packet_decision
            ADD CONSTRAINT chk_packet_decision_clinical_decision CHECK (
                clinical_decision IN ('PENDING', 'AFFIRM', 'NON_AFFIRM', 'PARTIAL_AFFIRM')
            );
    END IF;

    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'service_ops.packet_decision'::regclass
           AND conname = 'chk_packet_decision_not_self_linked'
    ) THEN
        ALTER TABLE service_ops.packet_decision
            ADD CONSTRAINT chk_packet_decision_not_self_linked CHECK (
                supersedes IS DISTINCT FROM packet_decision_id
                AND superseded_by IS DISTINCT FROM packet_decision_id
            );
    END IF;

    -- A decision that has been superseded can no longer be the active one.
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'service_ops.packet_decision'::regclass
           AND conname = 'chk_packet_decision_superseded_inactive'
    ) THEN
        ALTER TABLE service_ops.packet_decision
            ADD CONSTRAINT chk_packet_decision_superseded_inactive CHECK (
                superseded_by IS NULL OR NOT is_active
            );
    END IF;
END
$$;

-- packet_decision: foreign keys.
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'service_ops.packet_decision'::regclass
           AND conname = 'fk_packet_decision_packet'
    ) THEN
        ALTER TABLE service_ops.packet_decision
            ADD CONSTRAINT fk_packet_decision_packet
            FOREIGN KEY (packet_id) REFERENCES service_ops.packet (packet_id);
    END IF;

    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'service_ops.packet_decision'::regclass
           AND conname = 'fk_packet_decision_supersedes'
    ) THEN
        ALTER TABLE service_ops.packet_decision
            ADD CONSTRAINT fk_packet_decision_supersedes
            FOREIGN KEY (supersedes) REFERENCES service_ops.packet_decision (packet_decision_id);
    END IF;

    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'service_ops.packet_decision'::regclass
           AND conname = 'fk_packet_decision_superseded_by'
    ) THEN
        ALTER TABLE service_ops.packet_decision
            ADD CONSTRAINT fk_packet_decision_superseded_by
            FOREIGN KEY (superseded_by) REFERENCES service_ops.packet_decision (packet_decision_id);
    END IF;
END
$$;

-- packet_validation: CHECK constraints.
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'service_ops.packet_validation'::regclass
           AND conname = 'chk_packet_validation_type'
    ) THEN
        ALTER TABLE service_ops.packet_validation
            ADD CONSTRAINT chk_packet_validation_type CHECK (
                validation_type IN ('INTAKE', 'COMPLETENESS', 'ELIGIBILITY', 'CLINICAL',
                                    'MANUAL_OVERRIDE')
            );
    END IF;

    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'service_ops.packet_validation'::regclass
           AND conname = 'chk_packet_validation_status'
    ) THEN
        ALTER TABLE service_ops.packet_validation
            ADD CONSTRAINT chk_packet_validation_status CHECK (
                validation_status IN ('PENDING', 'PASSED', 'FAILED', 'OVERRIDDEN')
            );
    END IF;

    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'service_ops.packet_validation'::regclass
           AND conname = 'chk_packet_validation_errors_is_array'
    ) THEN
        ALTER TABLE service_ops.packet_validation
            ADD CONSTRAINT chk_packet_validation_errors_is_array CHECK (
                jsonb_typeof(validation_errors) = 'array'
            );
    END IF;

    -- A finished validation records when it finished; a pending one does not.
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'service_ops.packet_validation'::regclass
           AND conname = 'chk_packet_validation_validated_at'
    ) THEN
        ALTER TABLE service_ops.packet_validation
            ADD CONSTRAINT chk_packet_validation_validated_at CHECK (
                (validation_status = 'PENDING') = (validated_at IS NULL)
            );
    END IF;
END
$$;

-- packet_validation: foreign keys.
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'service_ops.packet_validation'::regclass
           AND conname = 'fk_packet_validation_packet'
    ) THEN
        ALTER TABLE service_ops.packet_validation
            ADD CONSTRAINT fk_packet_validation_packet
            FOREIGN KEY (packet_id) REFERENCES service_ops.packet (packet_id);
    END IF;

    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'service_ops.packet_validation'::regclass
           AND conname = 'fk_packet_validation_packet_decision'
    ) THEN
        ALTER TABLE service_ops.packet_validation
            ADD CONSTRAINT fk_packet_validation_packet_decision
            FOREIGN KEY (packet_decision_id)
            REFERENCES service_ops.packet_decision (packet_decision_id);
    END IF;
END
$$;

CREATE INDEX IF NOT EXISTS idx_packet_decision_packet_id
    ON service_ops.packet_decision (packet_id);
CREATE INDEX IF NOT EXISTS idx_packet_decision_decision_tracking_id
    ON service_ops.packet_decision (decision_tracking_id);
CREATE INDEX IF NOT EXISTS idx_packet_decision_supersedes
    ON service_ops.packet_decision (supersedes) WHERE supersedes IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_packet_decision_superseded_by
    ON service_ops.packet_decision (superseded_by) WHERE superseded_by IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS uq_packet_decision_one_active_per_packet
    ON service_ops.packet_decision (packet_id) WHERE is_active;

CREATE INDEX IF NOT EXISTS idx_packet_validation_packet_id
    ON service_ops.packet_validation (packet_id);
CREATE INDEX IF NOT EXISTS idx_packet_validation_packet_decision_id
    ON service_ops.packet_validation (packet_decision_id) WHERE packet_decision_id IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS uq_packet_validation_active_type
    ON service_ops.packet_validation (packet_id, validation_type) WHERE is_active;

CREATE OR REPLACE TRIGGER trg_packet_decision_touch_updated_at
    BEFORE UPDATE ON service_ops.packet_decision
    FOR EACH ROW EXECUTE FUNCTION service_ops.touch_updated_at();

CREATE OR REPLACE TRIGGER trg_packet_validation_touch_updated_at
    BEFORE UPDATE ON service_ops.packet_validation
    FOR EACH ROW EXECUTE FUNCTION service_ops.touch_updated_at();

-- migrate:verify
SELECT 'packet_decision decision columns exist' AS check_name,
       CASE WHEN count(*) = 5 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM information_schema.columns
 WHERE table_schema = 'service_ops'
   AND table_name = 'packet_decision'
   AND (column_name, data_type, is_nullable) IN
       (('operational_decision', 'text', 'NO'),
        ('clinical_decision', 'text', 'NO'),
        ('is_active', 'boolean', 'NO'),
        ('supersedes', 'bigint', 'YES'),
        ('superseded_by', 'bigint', 'YES'));

SELECT 'packet_validation table exists' AS check_name,
       CASE WHEN to_regclass('service_ops.packet_validation') IS NOT NULL
            THEN 'PASS' ELSE 'FAIL' END AS result;

SELECT 'packet_validation.validation_errors is jsonb' AS check_name,
       CASE WHEN count(*) = 1 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM information_schema.columns
 WHERE table_schema = 'service_ops'
   AND table_name = 'packet_validation'
   AND column_name = 'validation_errors'
   AND data_type = 'jsonb';

SELECT 'packet_decision CHECK constraints exist' AS check_name,
       CASE WHEN count(*) = 4 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_constraint
 WHERE conrelid = to_regclass('service_ops.packet_decision')
   AND contype = 'c'
   AND conname IN ('chk_packet_decision_operational_decision',
                   'chk_packet_decision_clinical_decision',
                   'chk_packet_decision_not_self_linked',
                   'chk_packet_decision_superseded_inactive');

SELECT 'packet_validation CHECK constraints exist' AS check_name,
       CASE WHEN count(*) = 4 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_constraint
 WHERE conrelid = to_regclass('service_ops.packet_validation')
   AND contype = 'c'
   AND conname IN ('chk_packet_validation_type', 'chk_packet_validation_status',
                   'chk_packet_validation_errors_is_array',
                   'chk_packet_validation_validated_at');

SELECT 'decision and validation foreign keys exist and are validated' AS check_name,
       CASE WHEN count(*) = 5 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_constraint
 WHERE contype = 'f'
   AND convalidated
   AND ((conrelid = to_regclass('service_ops.packet_decision')
         AND conname IN ('fk_packet_decision_packet', 'fk_packet_decision_supersedes',
                         'fk_packet_decision_superseded_by'))
     OR (conrelid = to_regclass('service_ops.packet_validation')
         AND conname IN ('fk_packet_validation_packet',
                         'fk_packet_validation_packet_decision')));

SELECT 'every foreign key column is the leading column of an index' AS check_name,
       CASE WHEN count(*) = 0
             AND to_regclass('service_ops.packet_decision') IS NOT NULL
             AND to_regclass('service_ops.packet_validation') IS NOT NULL
            THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_constraint con
 WHERE con.contype = 'f'
   AND con.conrelid IN (to_regclass('service_ops.packet_decision'),
                        to_regclass('service_ops.packet_validation'))
   AND NOT EXISTS (
       SELECT 1 FROM pg_index i
        WHERE i.indrelid = con.conrelid
          AND i.indkey[0] = con.conkey[1]
          AND i.indisvalid
   );

SELECT 'one active decision per packet is enforced' AS check_name,
       CASE WHEN count(*) = 1 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_index i
 WHERE i.indexrelid = to_regclass('service_ops.uq_packet_decision_one_active_per_packet')
   AND i.indisunique
   AND i.indisvalid
   AND i.indpred IS NOT NULL;

SELECT 'decision and validation indexes are valid' AS check_name,
       CASE WHEN count(*) = 8 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM pg_index i
  JOIN pg_class c ON c.oid = i.indexrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'service_ops'
   AND c.relname IN ('idx_packet_decision_packet_id', 'idx_packet_decision_decision_tracking_id',
                     'idx_packet_decision_supersedes', 'idx_packet_decision_superseded_by',
                     'uq_packet_decision_one_active_per_packet',
                     'idx_packet_validation_packet_id',
                     'idx_packet_validation_packet_decision_id',
                     'uq_packet_validation_active_type')
   AND i.indisvalid;

-- migrate:rollback
-- Drops both tables with their rows (constraints, indexes and triggers go
-- with them). packet_validation references packet_decision, so it goes first.
SET lock_timeout = '5s';
DROP TABLE IF EXISTS service_ops.packet_validation;
DROP TABLE IF EXISTS service_ops.packet_decision;
