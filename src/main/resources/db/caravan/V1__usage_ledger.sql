-- The usage ledger and the shared spend and rate counters. Plain SQL that PostgreSQL and H2 (in its
-- PostgreSQL mode) both run.

-- One row per request the gateway answered. The key is the gateway's own (a time-ordered UUID): the
-- request id may be the client's x-request-id, which a client can send twice.
create table usage_record (
    id                varchar(36)    primary key,
    request_id        varchar(128)   not null,
    at                timestamp with time zone not null,
    utc_day           varchar(10)    not null, -- UTC, as reports group by it
    key_name          varchar(200),
    method            varchar(16),
    path              varchar(500),
    model             varchar(300),
    provider          varchar(100),
    upstream_model    varchar(300),
    status            integer        not null,
    error             varchar(100),
    prompt_tokens     bigint,
    completion_tokens bigint,
    cached_tokens     bigint,
    reasoning_tokens  bigint,
    tokens_estimated  boolean        not null,
    cost              numeric(24, 12),
    currency          varchar(3),
    latency_ms        bigint         not null,
    ttft_ms           bigint,
    attempts          integer        not null,
    fallbacks         integer        not null,
    accepted          boolean        not null,
    stream            boolean        not null
);
-- every index is written with every row: reports read by time, nothing else is indexed
create index usage_record_at on usage_record (at);

-- The failed provider calls of a request (retries and fallbacks included), for error counts by provider.
create table failed_call (
    record_id      varchar(36)  not null references usage_record (id) on delete cascade,
    seq            integer      not null,
    provider       varchar(100) not null,
    upstream_model varchar(300),
    outcome        varchar(100) not null,
    millis         bigint       not null,
    primary key (record_id, seq)
);

-- Spend per key name and period ('day:2026-11-21', 'month:2026-11'): settled cost and what requests
-- in flight have reserved. Replicas update these rows atomically: the one shared budget.
create table key_spend (
    key_name varchar(200)    not null,
    period   varchar(20)     not null,
    spent    numeric(24, 12) not null,
    reserved numeric(24, 12) not null,
    primary key (key_name, period)
);

-- Requests and tokens per key name and minute, tokens reserved then settled.
create table key_rate (
    key_name varchar(200) not null,
    epoch_minute bigint   not null,
    requests integer      not null,
    tokens   bigint       not null,
    primary key (key_name, epoch_minute)
);
