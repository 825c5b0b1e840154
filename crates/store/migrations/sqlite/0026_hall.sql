-- The service hall: a hall belongs to a service point and carries its service lines and
-- rules (JSON, like its windows); queue tickets numbered per hall, day and line; who is on
-- duty at which window; appointments and the booked count of each slot.
ALTER TABLE halls ADD COLUMN service_point TEXT NOT NULL DEFAULT '';
ALTER TABLE halls ADD COLUMN lines TEXT NOT NULL DEFAULT '[]';
ALTER TABLE halls ADD COLUMN rules TEXT NOT NULL DEFAULT '{}';

-- The last sequence number issued per hall, day and line: an upsert that adds one returns
-- the next number, so two kiosks at once never get the same.
CREATE TABLE hall_counters (
    hall TEXT NOT NULL,
    day  TEXT NOT NULL,
    line TEXT NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (hall, day, line)
);

CREATE TABLE hall_tickets (
    id           TEXT PRIMARY KEY,
    hall         TEXT NOT NULL REFERENCES halls(code),
    day          TEXT NOT NULL,
    line         TEXT NOT NULL,
    number       TEXT NOT NULL,
    priority     TEXT NOT NULL,
    green_reason TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL,
    state        TEXT NOT NULL,
    window_no    TEXT,
    calls        BIGINT NOT NULL DEFAULT 0,
    issued_at    BIGINT NOT NULL,
    called_at    BIGINT,
    finished_at  BIGINT,
    account      TEXT,
    holder       TEXT NOT NULL DEFAULT '',
    appointment  TEXT,
    staff        TEXT,
    note         TEXT NOT NULL DEFAULT '',
    cases        TEXT NOT NULL DEFAULT '[]',
    version      BIGINT NOT NULL DEFAULT 0,
    -- SM3 of the holder's ID number: one waiting ticket per person and line.
    person_key   TEXT NOT NULL DEFAULT '',
    UNIQUE (hall, day, number)
);
CREATE INDEX hall_tickets_open ON hall_tickets(hall, state, day);
CREATE INDEX hall_tickets_account ON hall_tickets(account);
CREATE INDEX hall_tickets_person ON hall_tickets(person_key, day);
-- Recent service times per line, for the waiting estimate.
CREATE INDEX hall_tickets_finished ON hall_tickets(hall, line, finished_at);

-- Staff on duty: one window per person, one person per window.
CREATE TABLE hall_duty (
    hall      TEXT NOT NULL REFERENCES halls(code),
    window_no TEXT NOT NULL,
    staff     TEXT NOT NULL UNIQUE,
    paused    BIGINT NOT NULL DEFAULT 0,
    since     BIGINT NOT NULL,
    PRIMARY KEY (hall, window_no)
);

CREATE TABLE appointments (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    hall       TEXT NOT NULL REFERENCES halls(code),
    line       TEXT NOT NULL,
    day        TEXT NOT NULL,
    band       TEXT NOT NULL,
    -- SM3 of the ID number (or credit code): one booking per person, line and day.
    person_key TEXT NOT NULL,
    account    TEXT,
    name       TEXT NOT NULL,
    id_masked  TEXT NOT NULL,
    phone      TEXT NOT NULL,
    item       TEXT NOT NULL DEFAULT '',
    case_id    TEXT NOT NULL DEFAULT '',
    state      TEXT NOT NULL,
    ticket     TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    reminded   BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX appointments_one_a_day ON appointments(hall, line, day, person_key)
    WHERE state <> 'cancelled';
CREATE INDEX appointments_person ON appointments(person_key, state);
CREATE INDEX appointments_day ON appointments(day, state);

-- Bookings held per slot; an upsert that adds one only below capacity guards the limit.
CREATE TABLE appointment_slots (
    hall   TEXT NOT NULL,
    line   TEXT NOT NULL,
    day    TEXT NOT NULL,
    band   TEXT NOT NULL,
    booked BIGINT NOT NULL,
    PRIMARY KEY (hall, line, day, band)
);
