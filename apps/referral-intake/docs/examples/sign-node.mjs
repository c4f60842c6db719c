// Sends a referral to intake, signed per Standard Webhooks v1 with Node's own crypto, then reads its status back.
// Node 18+, no packages. Usage: INTAKE_URL=http://localhost:3000 SENDER_ID=... SENDER_SECRET=whsec_... node sign-node.mjs referral.json
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

const intakeUrl = process.env.INTAKE_URL ?? 'http://localhost:3000';
const senderId = process.env.SENDER_ID;
// The secret after "whsec_" is base64; the HMAC key is its bytes.
const key = Buffer.from(process.env.SENDER_SECRET.replace(/^whsec_/, ''), 'base64');

/** Standard Webhooks headers for one request: sign exactly the bytes you send ("" for GET). */
function signedHeaders(body) {
  const id = `msg_${randomUUID()}`; // keep it for every retry of this request
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'x-sender-id': senderId, 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}

const body = readFileSync(process.argv[2] ?? 'referral.json', 'utf8');
const posted = await fetch(`${intakeUrl}/v1/referrals`, {
  method: 'POST',
  headers: { 'content-type': process.env.CONTENT_TYPE ?? 'application/json', ...signedHeaders(body) },
  body,
});
const answer = await posted.json();
console.log(`POST /v1/referrals -> ${posted.status}`);
console.log(JSON.stringify(answer));
if (!answer.statusUrl) process.exit(1);

const status = await fetch(`${intakeUrl}${answer.statusUrl}`, { headers: signedHeaders('') });
console.log(`GET ${answer.statusUrl} -> ${status.status}`);
console.log(JSON.stringify(await status.json()));
