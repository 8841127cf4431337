-- Schema version 1 of the Vitals state database on PostgreSQL: the tables of the SQLite
-- state file (see src/store/sqlite/migrations/0001_initial.sql for what each holds), in
-- the schema `vitals`, with PostgreSQL's types:
-- * instants are BIGINT microseconds since the Unix epoch, as in SQLite;
-- * every text column is COLLATE "C", so that ORDER BY sorts bytewise as SQLite does
--   (snapshots stream in SfId order whatever the database's own collation);
-- * rows are numbered by BIGINT identity columns.

CREATE TABLE replica (
    object     TEXT   COLLATE "C" NOT NULL,
    id         TEXT   COLLATE "C" NOT NULL,
    account_id TEXT   COLLATE "C",
    name       TEXT   COLLATE "C",
    modstamp   BIGINT NOT NULL,
    generation BIGINT NOT NULL,
    record     TEXT   NOT NULL,
    PRIMARY KEY (object, id)
);
CREATE INDEX replica_by_account ON replica (account_id, object, id);
CREATE INDEX replica_account_names ON replica (name) WHERE object = 'account';

CREATE TABLE sync_state (
    object             TEXT   COLLATE "C" PRIMARY KEY,
    watermark          BIGINT,
    fieldset           TEXT   COLLATE "C",
    delete_coverage    BIGINT,
    generation         BIGINT NOT NULL DEFAULT 0,
    loaded_rows        BIGINT,
    loaded_at          BIGINT,
    next_generation    BIGINT NOT NULL DEFAULT 1,
    pending_generation BIGINT,
    pending_fieldset   TEXT   COLLATE "C"
);

CREATE TABLE period_results (
    account_id TEXT COLLATE "C" NOT NULL,
    period     TEXT COLLATE "C" NOT NULL,
    result     TEXT NOT NULL,
    PRIMARY KEY (account_id, period)
);

CREATE TABLE key_ledger (
    kind       TEXT   COLLATE "C" NOT NULL,
    create_key TEXT   COLLATE "C" NOT NULL,
    account_id TEXT   COLLATE "C" NOT NULL,
    playbook   TEXT   COLLATE "C",
    planned_at BIGINT NOT NULL,
    state      TEXT   COLLATE "C" NOT NULL,
    record_id  TEXT   COLLATE "C",
    settled_at BIGINT,
    PRIMARY KEY (kind, create_key)
);
CREATE INDEX key_ledger_by_account ON key_ledger (account_id, kind, create_key);

-- The one lease row. The session advisory lock says who holds the lease now; this row
-- keeps the epoch that fences every earlier holder, bumped by each new holder.
CREATE TABLE lease (
    id          BIGINT PRIMARY KEY CHECK (id = 1),
    epoch       BIGINT NOT NULL,
    holder      TEXT   COLLATE "C",
    acquired_at BIGINT
);
INSERT INTO lease (id, epoch) VALUES (1, 0);

CREATE TABLE outbox (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id      BIGINT NOT NULL,
    kind        TEXT   COLLATE "C" NOT NULL,
    target      TEXT   COLLATE "C" NOT NULL,
    account_id  TEXT   COLLATE "C" NOT NULL,
    payload     TEXT   NOT NULL,
    state       TEXT   COLLATE "C" NOT NULL,
    epoch       BIGINT,
    attempts    BIGINT NOT NULL DEFAULT 0,
    enqueued_at BIGINT NOT NULL,
    claimed_at  BIGINT,
    settled_at  BIGINT,
    last_run    BIGINT NOT NULL,
    error       TEXT
);
CREATE INDEX outbox_open ON outbox (state, kind, id);
CREATE INDEX outbox_unsent_by_target ON outbox (kind, target) WHERE state = 'pending';
CREATE INDEX outbox_by_run ON outbox (last_run, id);

CREATE TABLE last_written (
    kind       TEXT   COLLATE "C" NOT NULL,
    target     TEXT   COLLATE "C" NOT NULL,
    field      TEXT   COLLATE "C" NOT NULL,
    value      TEXT   NOT NULL,
    written_at BIGINT NOT NULL,
    record_id  TEXT   COLLATE "C",
    PRIMARY KEY (kind, target, field)
);

CREATE TABLE api_calls (
    minute BIGINT PRIMARY KEY,
    calls  BIGINT NOT NULL
);

CREATE TABLE runs (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_trigger TEXT   COLLATE "C" NOT NULL,
    holder      TEXT   COLLATE "C" NOT NULL,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT,
    outcome     TEXT   COLLATE "C",
    summary     TEXT
);
