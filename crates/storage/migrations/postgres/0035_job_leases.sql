-- Which server runs a job that one server at a time should run (classifying new comments): a
-- lease until a moment, renewed by its holder on each pass, taken by another once it runs out.
CREATE TABLE job_leases (
    job     TEXT PRIMARY KEY,
    holder  TEXT NOT NULL,
    until   BIGINT NOT NULL
);
