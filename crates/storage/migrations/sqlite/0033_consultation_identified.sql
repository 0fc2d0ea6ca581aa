-- A consultation's running counts now hold, beside those who verified a contact, those who proved
-- who they are with their electronic identity (VNeID); counted here for who took part so far.
INSERT INTO consultation_counts (consultation_id, key, value)
SELECT consultation_id, 'identified', COUNT(*) FROM consultation_participants
WHERE identified_at IS NOT NULL AND took_part_at IS NOT NULL
GROUP BY consultation_id;
