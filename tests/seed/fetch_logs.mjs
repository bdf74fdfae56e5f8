// The guide's "Production Code: Fetch Attendance Logs" (JavaScript), unchanged but for the base
// URL and API_KEY (Node 18+ has fetch built in).
const API_KEY = process.env.PUNCHLINK_API_KEY;
const res = await fetch(
`${process.env.PUNCHLINK_API_URL}/v1/logs?start_date=2026-03-01&end_date=2026-03-27`,
{ headers: { Authorization: `Bearer ${API_KEY}` } }
);
const { data } = await res.json();
data.forEach(log =>
console.log(`${log.user_id} — ${log.punch_type} at ${log.timestamp}`)
);
