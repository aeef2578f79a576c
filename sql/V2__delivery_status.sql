-- Delivery reports from the provider (Twilio status callbacks), matched by provider_id (the Message or
-- Call SID). delivery_status is the provider's word (queued, sent, delivered, undelivered, failed,
-- ringing, completed, busy, no-answer, canceled, ...); delivery_error its error code, if any.
ALTER TABLE challenges ADD COLUMN delivery_status VARCHAR(16);
ALTER TABLE challenges ADD COLUMN delivery_error VARCHAR(16);
CREATE INDEX challenges_provider_id ON challenges (provider_id);
