const express = require('express');
const crypto = require('crypto');
const app = express();
app.use(express.json());
function verifySignature(payload, signature) {
  const expected = crypto.createHmac('sha256', process.env.WEBHOOK_SECRET).update(JSON.stringify(payload)).digest('hex');
  return crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
}
app.post('/webhooks/attendance', async (req, res) => {
  // 1. Verify signature
  if (!verifySignature(req.body, req.headers['x-signature'])) {
    return res.status(401).json({ error: 'Invalid signature' });
  }
  const { event_id, user, punch, device } = req.body;
  // 2. Idempotency check β skip duplicates
  const exists = await db.query('SELECT 1 FROM processed_events WHERE event_id = ?', [event_id]);
  if (exists.length > 0) {
    return res.status(200).json({ status: 'already_processed' });
  }
  // 3. Store attendance record
  await db.query(`INSERT INTO attendance (employee_id, punch_type, punch_time, device_id)VALUES (?, ?, ?, ?)`,[user.id, punch.type, punch.timestamp, device.id]);
  // 4. Mark processed
  await db.query('INSERT INTO processed_events (event_id) VALUES (?)', [event_id]);
  // 5. Acknowledge
  res.status(200).json({ status: 'received' });
});
app.listen(3000);
