-- Ferry schema, version 12: a publication's reason as a code and arguments.

-- Why a publication is in its state, for a machine (ferry.ReasonCode) with
-- its arguments as a JSON object of text values; the UI words it in the
-- reader's language. publications.reason keeps the English words. Rows
-- moved before this version keep their words and an empty code.
ALTER TABLE publications ADD COLUMN reason_code TEXT NOT NULL DEFAULT '';
ALTER TABLE publications ADD COLUMN reason_args TEXT NOT NULL DEFAULT '{}';
