-- 0001_initial
create table "routeperf_routes" ("id" integer primary key autoincrement, "environment" varchar(64) not null, "method" varchar(16) not null, "route" varchar(600) not null, "first_seen_at" bigint not null, "last_accessed_at" bigint not null, constraint "routeperf_routes_identity" unique ("environment", "method", "route"));
create table "routeperf_aggregates" ("route_id" bigint not null, "bucket" bigint not null, "count" bigint not null, "time_sum" double precision not null, "time_min" double precision not null, "time_max" double precision not null, "query_count_sum" bigint not null, "query_count_max" integer not null, "query_time_sum" double precision not null, "query_time_max" double precision not null, "memory_sum" double precision not null, "memory_max" double precision not null, constraint "routeperf_aggregates_pk" primary key ("route_id", "bucket"));
create index "routeperf_aggregates_bucket" on "routeperf_aggregates" ("bucket");
create table "routeperf_status_counts" ("route_id" bigint not null, "bucket" bigint not null, "status_code" integer not null, "count" bigint not null, constraint "routeperf_status_counts_pk" primary key ("route_id", "bucket", "status_code"));
create table "routeperf_histogram" ("route_id" bigint not null, "bucket" bigint not null, "bin" integer not null, "count" bigint not null, constraint "routeperf_histogram_pk" primary key ("route_id", "bucket", "bin"));
create table "routeperf_access_records" ("id" integer primary key autoincrement, "request_id" varchar(128) not null, "route_id" bigint not null, "created_at" bigint not null, "status_code" integer not null, "request_time" double precision not null, "query_count" integer not null, "query_time" double precision not null, "memory" double precision not null, "path" varchar(2048), "referer" varchar(2048), "user_id" varchar(255), constraint "routeperf_access_records_request" unique ("request_id"));
create index "routeperf_access_records_route_time" on "routeperf_access_records" ("route_id", "created_at");
create index "routeperf_access_records_time" on "routeperf_access_records" ("created_at");

-- 0002_async_recording
create table "routeperf_processed_messages" ("message_id" varchar(128) primary key, "processed_at" bigint not null);
create index "routeperf_processed_messages_time" on "routeperf_processed_messages" ("processed_at");
create table "routeperf_failed_messages" ("id" integer primary key autoincrement, "message_id" varchar(128), "body" text not null, "error" text not null, "transport" varchar(512) not null, "attempts" integer not null, "failed_at" bigint not null);
create table "routeperf_workers" ("id" varchar(128) primary key, "host" varchar(255) not null, "pid" integer not null, "transport" varchar(512) not null, "started_at" bigint not null, "heartbeat_at" bigint not null, "last_batch_at" bigint, "handled" bigint not null, "failed" bigint not null, "stopped_at" bigint);
create table "routeperf_control" ("name" varchar(64) primary key, "value" bigint not null);

-- 0003_ledger_speed

-- 0004_correlation_id
alter table "routeperf_access_records" add column "correlation_id" varchar(128);

-- 0005_environments
create table "routeperf_environments" ("environment" varchar(64) primary key, "locked_at" bigint not null);

-- 0006_claim_tokens

-- 0007_query_repeats
alter table "routeperf_aggregates" add column "query_repeat_max" integer default 0 not null;
alter table "routeperf_aggregates" add column "repeated_query" varchar(1000);
alter table "routeperf_aggregates" add column "n_plus_one_count" bigint default 0 not null;
alter table "routeperf_access_records" add column "query_repeat" integer;
alter table "routeperf_access_records" add column "repeated_query" varchar(1000);

-- 0008_rollups
create table "routeperf_rollups" ("route_id" bigint not null, "resolution" integer not null, "bucket" bigint not null, "count" bigint not null, "time_sum" double precision not null, "time_min" double precision not null, "time_max" double precision not null, "query_count_sum" bigint not null, "query_count_max" integer not null, "query_time_sum" double precision not null, "query_time_max" double precision not null, "query_repeat_max" integer not null, "repeated_query" varchar(1000), "n_plus_one_count" bigint not null, "memory_sum" double precision not null, "memory_max" double precision not null, "latency_bins" blob not null, constraint "routeperf_rollups_pk" primary key ("resolution", "bucket", "route_id"));
create index "routeperf_rollups_route" on "routeperf_rollups" ("route_id", "resolution", "bucket");
create table "routeperf_rollup_statuses" ("route_id" bigint not null, "resolution" integer not null, "bucket" bigint not null, "status_code" integer not null, "count" bigint not null, constraint "routeperf_rollup_statuses_pk" primary key ("resolution", "bucket", "route_id", "status_code"));
create index "routeperf_rollup_statuses_route" on "routeperf_rollup_statuses" ("route_id", "resolution", "bucket");

-- 0009_route_reviews
alter table "routeperf_routes" add column "reviewed_at" bigint;
alter table "routeperf_routes" add column "reviewed_by" varchar(255);
alter table "routeperf_routes" add column "queries_improved" integer;
alter table "routeperf_routes" add column "time_improved" integer;

-- 0010_dashboard_reads
alter table "routeperf_rollups" add column "p50_bin" integer;
alter table "routeperf_rollups" add column "p90_bin" integer;
alter table "routeperf_rollups" add column "p95_bin" integer;
alter table "routeperf_rollups" add column "p99_bin" integer;
create index "routeperf_access_records_slowest" on "routeperf_access_records" ("route_id", "request_time", "id");

-- 0011_quarter_days
select "route_id" from "routeperf_rollups" limit ?; -- [1]

-- 0012_alerts
create table "routeperf_alert_states" ("id" varchar(64) primary key, "rule" varchar(255) not null, "environment" varchar(64) not null, "method" varchar(16), "route" varchar(600), "matching" integer not null, "notified" varchar(16), "value" double precision not null, "requests" bigint not null, "since" bigint, "last_sent_at" bigint, "changed_at" bigint not null, "version" integer not null);
create table "routeperf_alert_deliveries" ("id" integer primary key autoincrement, "sent_at" bigint not null, "rule" varchar(255) not null, "environment" varchar(64) not null, "method" varchar(16), "route" varchar(600), "status" varchar(16) not null, "is_repeat" integer not null, "channel" varchar(255) not null, "outcome" varchar(16) not null, "attempts" integer not null, "error" text);
create index "routeperf_alert_deliveries_time" on "routeperf_alert_deliveries" ("sent_at");
create table "routeperf_leases" ("name" varchar(64) primary key, "holder" varchar(128) not null, "expires_at" bigint not null);
