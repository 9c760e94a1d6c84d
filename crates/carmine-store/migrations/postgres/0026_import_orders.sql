-- `carmine import` remembers orders by their dataset ids too (issue 17).
ALTER TABLE import_ids DROP CONSTRAINT import_ids_kind_check;
ALTER TABLE import_ids ADD CONSTRAINT import_ids_kind_check
    CHECK (kind IN ('actor', 'note', 'comment', 'store', 'product', 'order'));
