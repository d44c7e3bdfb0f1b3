-- Delivery of new tickets to a helpdesk's webhook: 'pending' until delivered (or 'failed' after the
-- last retry); NULL when no webhook was configured as the ticket was opened.
ALTER TABLE tickets ADD COLUMN webhook_status TEXT;
ALTER TABLE tickets ADD COLUMN webhook_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN webhook_next_at TEXT;
ALTER TABLE tickets ADD COLUMN webhook_error TEXT;
