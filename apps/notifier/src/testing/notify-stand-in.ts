import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { IncomingMessage, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';

export type NotifyAnswer = 'success' | 'validation' | 'auth' | 'rate-limit' | 'server-error';

export interface RecordedSms {
  id: string;
  phone_number: string;
  template_id: string;
  personalisation: Record<string, string>;
  reference?: string;
  raw: string;
}

export interface NotifyStandIn {
  url: string;
  apiKey: string;
  /** Every SMS the stand-in accepted (201). */
  accepted: RecordedSms[];
  /** Every request body received, accepted or not. */
  requests: string[];
  /** Scripted answers for a phone number, used in order; "success" once they run out. */
  script(phoneNumber: string, answers: NotifyAnswer[]): void;
  close(): Promise<void>;
}

const ERRORS: Record<Exclude<NotifyAnswer, 'success'>, { status: number; error: string; message: string }> = {
  validation: { status: 400, error: 'ValidationError', message: 'phone_number Not a UK mobile number' },
  auth: { status: 403, error: 'AuthError', message: 'Invalid token: API key not found' },
  'rate-limit': { status: 429, error: 'RateLimitError', message: 'Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds' },
  'server-error': { status: 500, error: 'Exception', message: 'Internal server error' },
};

const normalise = (phone: string) => phone.replace(/\s+/g, '');

/**
 * A local HTTP server that answers as the GOV.UK Notify API does for the calls we make: POST
 * /v2/notifications/sms and GET /v2/notifications?reference=, with Notify's JWT bearer authentication
 * (HS256, iss = service id, signed with the key's secret) and its error bodies.
 */
export async function startNotifyStandIn(): Promise<NotifyStandIn> {
  const serviceId = randomUUID();
  const secret = randomUUID();
  const apiKey = `test_key-${serviceId}-${secret}`;
  const accepted: RecordedSms[] = [];
  const requests: string[] = [];
  const scripts = new Map<string, NotifyAnswer[]>();

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, status: number, error: string, message: string) => send(res, status, { status_code: status, errors: [{ error, message }] });

  const authenticated = (req: IncomingMessage): boolean => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [header, payload, signature] = token?.split('.') ?? [];
    if (!header || !payload || !signature) return false;
    const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { iss?: string; iat?: number };
    return claims.iss === serviceId && typeof claims.iat === 'number' && Math.abs(Date.now() / 1000 - claims.iat) < 30;
  };

  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      if (!authenticated(req)) return fail(res, 403, 'AuthError', 'Invalid token: signature, api token not found');
      const url = new URL(req.url ?? '/', 'http://stand-in');
      if (req.method === 'GET' && url.pathname === '/v2/notifications') {
        const reference = url.searchParams.get('reference');
        const found = accepted.filter((sms) => !reference || sms.reference === reference);
        return send(res, 200, {
          notifications: found.map((sms) => ({ id: sms.id, reference: sms.reference ?? null, phone_number: sms.phone_number, type: 'sms', status: 'sending' })),
          links: { current: `${url.origin}/v2/notifications` },
        });
      }
      if (req.method !== 'POST' || url.pathname !== '/v2/notifications/sms') return fail(res, 404, 'NotFound', 'Not found');
      requests.push(raw);
      const body = JSON.parse(raw || '{}') as Omit<RecordedSms, 'id' | 'raw'>;
      const script = scripts.get(normalise(body.phone_number ?? '')) ?? [];
      const answer = script.shift() ?? 'success';
      if (answer !== 'success') {
        const error = ERRORS[answer];
        return fail(res, error.status, error.error, error.message);
      }
      if (!body.template_id) return fail(res, 400, 'ValidationError', 'template_id is a required property');
      const sms: RecordedSms = { ...body, id: randomUUID(), raw };
      accepted.push(sms);
      return send(res, 201, {
        id: sms.id,
        reference: sms.reference ?? null,
        content: { body: `You have a new social prescribing referral: ${sms.personalisation?.link ?? ''}`, from_number: 'NHSREFER' },
        uri: `${url.origin}/v2/notifications/${sms.id}`,
        template: { id: sms.template_id, version: 1, uri: `${url.origin}/v2/template/${sms.template_id}` },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    accepted,
    requests,
    script: (phone, answers) => scripts.set(normalise(phone), [...answers]),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
