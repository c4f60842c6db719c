import { randomUUID } from 'node:crypto';
import { signWebhook, webhookKey } from '@app/shared';
import { Shot } from './load';

/** Valid NHS numbers in the 999 test range, Modulus 11 check digit appended. */
function nhsNumber(index: number): string {
  for (let candidate = index; ; candidate += 1) {
    const base = `999${String(candidate % 1_000_000).padStart(6, '0')}`;
    const total = [...base].reduce((sum, digit, position) => sum + Number(digit) * (10 - position), 0);
    const check = 11 - (total % 11);
    if (check === 10) continue;
    return `${base}${check === 11 ? 0 : check}`;
  }
}

/** The size of the body the issue measured with (a referral with a full patient, referrer and GP notes). */
export const BODY_BYTES = 2097;

const NOTES_PADDING =
  'Lives alone since her husband died; daughter visits monthly. Enjoys gardening and used to sing in a choir. ' +
  'Low mood for six months, not sleeping well, has stopped going to the lunch club. Would like help finding a walking group, ' +
  'a community garden and advice about her heating bills. Hard of hearing: prefers a text before a call. ';

/** A referral body of BODY_BYTES bytes; every one has its own senderReferralId and NHS number. */
export function referralBody(index: number, practiceOdsCode: string): string {
  const referral = {
    senderReferralId: `BENCH-${index}-${randomUUID()}`,
    patient: {
      nhsNumber: nhsNumber(index),
      givenName: 'Margaret',
      familyName: 'Oyelaran',
      dateOfBirth: '1948-02-11',
      sex: 'female',
      postcode: 'TS1 3QY',
      phone: '07700 900123',
      email: 'margaret.oyelaran@example.com',
      preferredContactMethod: 'phone',
    },
    practiceOdsCode,
    needs: ['loneliness', 'green-nature'],
    reasonCodes: ['422650009'],
    urgency: 'routine',
    consentToShare: true,
    consentRecordedAt: '2026-11-24T09:12:00Z',
    referrer: { name: 'Dr Amir Khan', professionalRole: 'General practitioner' },
    notes: '',
  };
  const bare = Buffer.byteLength(JSON.stringify(referral));
  referral.notes = NOTES_PADDING.repeat(20).slice(0, Math.max(0, BODY_BYTES - bare));
  return JSON.stringify(referral);
}

/** A body signed as the sender's GP system signs it, with a fresh webhook-id. */
function signed(senderId: string, key: ReturnType<typeof webhookKey>, body: string): Shot {
  const id = `msg_${randomUUID()}`;
  const at = new Date();
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-sender-id': senderId,
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signWebhook(key, id, at, body),
    },
  };
}

/** Signed requests from one registered sender, each with a fresh webhook-id, as a GP system sends them. */
export function signedReferrals(senderId: string, secret: string, practiceOdsCode: string): () => Shot {
  const key = webhookKey(secret);
  let index = 0;
  return () => signed(senderId, key, referralBody(index++, practiceOdsCode));
}

/** Signed batches for POST /v1/referrals:batch, `size` referrals each (a back-fill), numbered on from `firstIndex`. */
export function signedBatches(senderId: string, secret: string, practiceOdsCode: string, size: number, firstIndex: number): () => Shot {
  const key = webhookKey(secret);
  let index = firstIndex;
  return () => {
    const referrals = Array.from({ length: size }, () => referralBody(index++, practiceOdsCode));
    return signed(senderId, key, `{"referrals":[${referrals.join(',')}]}`);
  };
}
