-- Schema version 1 of the Vitals state file.
--
-- Kept close to portable SQL so that the PostgreSQL store (issue 11) can follow it. What
-- PostgreSQL needs differently is noted where it matters:
-- * instants are INTEGER microseconds since the Unix epoch (PostgreSQL: BIGINT);
-- * record Ids and account Ids are compared bytewise, because snapshots stream in SfId
--   order (PostgreSQL: declare these TEXT columns COLLATE "C");
-- * INTEGER PRIMARY KEY numbers rows (PostgreSQL: BIGINT GENERATED ALWAYS AS IDENTITY);
-- * the schema version lives in PRAGMA user_version (PostgreSQL: a one-row table).

-- One row per replicated record. `record` is the domain record as JSON; `account_id` is
-- the record's own Id for accounts, so that one ordered scan of replica_by_account yields
-- every account together with its related records. `name` is set for accounts only, for
-- `vitals explain NAME`.
CREATE TABLE replica (
    object     TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    account_id TEXT,
    name       TEXT,
    modstamp   INTEGER NOT NULL,
    generation INTEGER NOT NULL,
    record     TEXT    NOT NULL,
    PRIMARY KEY (object, id)
);
CREATE INDEX replica_by_account ON replica (account_id, object, id);
CREATE INDEX replica_account_names ON replica (name) WHERE object = 'account';

-- Per object: how far extraction got. `pending_*` describe a full load begun and not
-- finished; `generation` is the last finished one.
CREATE TABLE sync_state (
    object             TEXT    PRIMARY KEY,
    watermark          INTEGER,
    fieldset           TEXT,
    delete_coverage    INTEGER,
    generation         INTEGER NOT NULL DEFAULT 0,
    loaded_rows        INTEGER,
    loaded_at          INTEGER,
    next_generation    INTEGER NOT NULL DEFAULT 1,
    pending_generation INTEGER,
    pending_fieldset   TEXT
);

-- Each account's result per period (period = first day, 'YYYY-MM-DD'), as JSON.
CREATE TABLE period_results (
    account_id TEXT NOT NULL,
    period     TEXT NOT NULL,
    result     TEXT NOT NULL,
    PRIMARY KEY (account_id, period)
);

-- Every create key Vitals planned.
CREATE TABLE key_ledger (
    kind       TEXT    NOT NULL,
    create_key TEXT    NOT NULL,
    account_id TEXT    NOT NULL,
    playbook   TEXT,
    planned_at INTEGER NOT NULL,
    state      TEXT    NOT NULL,
    record_id  TEXT,
    settled_at INTEGER,
    PRIMARY KEY (kind, create_key)
);
CREATE INDEX key_ledger_by_account ON key_ledger (account_id, kind, create_key);

-- The one lease row: the epoch moves on every time a holder takes the lease.
-- (PostgreSQL: the same row, updated while holding the session advisory lock.)
CREATE TABLE lease (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    epoch       INTEGER NOT NULL,
    holder      TEXT,
    acquired_at INTEGER
);
INSERT INTO lease (id, epoch) VALUES (1, 0);

-- Planned writes. `payload` is the PlannedWrite as JSON; `target` its Id or key, for
-- superseding; `last_run` the run that last enqueued, claimed or settled it; `error` the
-- last Errored or Rejected outcome as JSON.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    target      TEXT    NOT NULL,
    account_id  TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    epoch       INTEGER,
    attempts    INTEGER NOT NULL DEFAULT 0,
    enqueued_at INTEGER NOT NULL,
    claimed_at  INTEGER,
    settled_at  INTEGER,
    last_run    INTEGER NOT NULL,
    error       TEXT
);
CREATE INDEX outbox_open ON outbox (state, kind, id);
CREATE INDEX outbox_unsent_by_target ON outbox (kind, target) WHERE state = 'pending';
CREATE INDEX outbox_by_run ON outbox (last_run, id);

-- Field values the org confirmed, one row per field.
CREATE TABLE last_written (
    kind       TEXT    NOT NULL,
    target     TEXT    NOT NULL,
    field      TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    written_at INTEGER NOT NULL,
    record_id  TEXT,
    PRIMARY KEY (kind, target, field)
);

-- Vitals' own API calls, per minute (minutes since the Unix epoch).
CREATE TABLE api_calls (
    minute INTEGER PRIMARY KEY,
    calls  INTEGER NOT NULL
);

CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    run_trigger TEXT    NOT NULL,
    holder      TEXT    NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    outcome     TEXT,
    summary     TEXT
);
