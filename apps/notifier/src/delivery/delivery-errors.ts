/** A failure with its verdict: transient ones are retried with backoff, permanent ones fail at once. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = permanent ? 'PermanentDeliveryError' : 'TransientDeliveryError';
  }
}

const TRANSIENT_NETWORK_CODES = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNECTION', 'ESOCKET', 'EDNS'];

/** nodemailer errors: SMTP 5xx and malformed messages are permanent; 4xx and network trouble are transient. */
export function classifySmtpError(error: unknown): DeliveryError {
  const candidate = error as { responseCode?: number; code?: string; message?: string };
  const message = `SMTP ${candidate.responseCode ?? candidate.code ?? 'error'}: ${candidate.message ?? String(error)}`.slice(0, 500);
  if (typeof candidate.responseCode === 'number') return new DeliveryError(message, candidate.responseCode >= 500);
  if (candidate.code && TRANSIENT_NETWORK_CODES.includes(candidate.code)) return new DeliveryError(message, false);
  if (candidate.code === 'EENVELOPE' || candidate.code === 'EMESSAGE') return new DeliveryError(message, true);
  return new DeliveryError(message, false);
}

/** GOV.UK Notify answers: 400 (validation) and 403 (auth) are permanent; 429, 5xx and no answer at all are transient. */
export function classifyNotifyError(error: unknown): DeliveryError {
  const candidate = error as { response?: { status?: number; data?: { errors?: Array<{ error?: string; message?: string }> } }; code?: string; message?: string };
  const status = candidate.response?.status;
  const first = candidate.response?.data?.errors?.[0];
  const detail = first ? `${first.error ?? ''} ${first.message ?? ''}`.trim() : (candidate.code ?? candidate.message ?? String(error));
  const message = `Notify ${status ?? 'unreachable'}: ${detail}`.slice(0, 500);
  if (status === undefined) return new DeliveryError(message, false);
  if (status === 429 || status >= 500) return new DeliveryError(message, false);
  return new DeliveryError(message, status >= 400);
}
