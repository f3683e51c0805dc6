-- Step 1 of the quick start for SQLite: without CREATE DATABASE and USE, which SQLite lacks, and
-- with IF NOT EXISTS, so it can run after the job has created the tables.
CREATE TABLE IF NOT EXISTS rds_demo ( `id` VARCHAR(64), `version` INT, `pattern` VARCHAR(4096), `function` VARCHAR(512) );
CREATE TABLE IF NOT EXISTS match_results ( rule_id INT, rule_version INT, user_id INT, user_name VARCHAR(255), production_id INT, PRIMARY KEY (rule_id, rule_version, user_id, production_id) );
