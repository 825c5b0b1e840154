-- How many legal elements of an item's latest version are still to be supplied (待补充):
-- imports keep what a real source lacks as unknown instead of inventing a value, and the
-- admin list filters and counts such items.
ALTER TABLE items ADD COLUMN gaps INTEGER NOT NULL DEFAULT 0;
-- The 主项 a published item belongs to, so that a guide lists a 主项's children without
-- reading every definition. Filled on publish (and once for items published before).
ALTER TABLE items ADD COLUMN parent_code TEXT NOT NULL DEFAULT '';
CREATE INDEX items_parent ON items(parent_code);
