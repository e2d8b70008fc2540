-- Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d/).
-- One database per service, owned by POSTGRES_USER (the user this script runs as).
-- For separate credentials per service, create a role per database here and put each
-- role's password in that service's SIGNA_<SERVICE>_DATABASE_URL.
CREATE DATABASE identity;
CREATE DATABASE interventions;
CREATE DATABASE signing;
CREATE DATABASE alarms;
