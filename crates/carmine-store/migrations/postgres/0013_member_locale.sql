-- The interface language a member chose ('en' or 'zh-CN'); NULL: follow the browser.
ALTER TABLE users ADD COLUMN locale TEXT;
