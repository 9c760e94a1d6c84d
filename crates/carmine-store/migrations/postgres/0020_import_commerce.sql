-- `carmine import` remembers stores and products by their dataset ids too (issue 16).
ALTER TABLE import_ids DROP CONSTRAINT import_ids_kind_check;
ALTER TABLE import_ids ADD CONSTRAINT import_ids_kind_check
    CHECK (kind IN ('actor', 'note', 'comment', 'store', 'product'));
