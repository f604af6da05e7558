#!/bin/sh
# Run once by the postgres image (/docker-entrypoint-initdb.d/), as the superuser, when it creates
# its data directory. Makes the platform's database and two ordinary roles:
#   QUIZSITE_OWNER  runs migrations: owns the database, its schema, the tables and their triggers
#                   (among them the ones keeping published rankings immutable);
#   QUIZSITE_APP    web, worker and beat: reads and writes rows and nothing else. It cannot create,
#                   alter or drop tables or triggers, disable a trigger, or TRUNCATE.
# Neither is a superuser or may create roles or databases; the superuser is for this script only.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "${POSTGRES_DB:-postgres}" \
  -v db="${QUIZSITE_DB:-quizsite}" -v owner="${QUIZSITE_OWNER:-quizsite_owner}" -v app="${QUIZSITE_APP:-quizsite_app}" \
  -v owner_password="$QUIZSITE_OWNER_PASSWORD" -v app_password="$QUIZSITE_APP_PASSWORD" <<'SQL'
CREATE ROLE :"owner" LOGIN PASSWORD :'owner_password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
CREATE ROLE :"app" LOGIN PASSWORD :'app_password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
CREATE DATABASE :"db" OWNER :"owner";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
-- TEMPORARY: a ranking computation aggregates into temporary tables of its own session.
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"app";
\connect :"db"
ALTER SCHEMA public OWNER TO :"owner";
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";
-- Every table and sequence the owner's migrations create, now and later: rows only.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO :"app";
SQL
