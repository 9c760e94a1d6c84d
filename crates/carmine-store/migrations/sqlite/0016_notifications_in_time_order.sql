-- Notifications are listed by when they happened (a consumer may write one after
-- later activity was already notified: a gift notice carries the gift's time).
DROP INDEX notifications_recipient;
CREATE INDEX notifications_recipient_time ON notifications (recipient_id, created_at, id);
