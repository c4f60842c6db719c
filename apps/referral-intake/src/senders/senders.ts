import { CALLBACK_FORMATS, CallbackFormat } from './sender.entity';

/** What may be shown about a sender: never its secrets. */
export interface SenderSummary {
  id: string;
  name: string;
  practiceOdsCodes: string[];
  callbackUrl: string | null;
  callbackFormat: CallbackFormat;
  activeSecrets: number;
  disabled: boolean;
  createdAt: Date;
}

export interface RegisterSenderInput {
  name: string;
  practiceOdsCodes: string[];
  callbackUrl?: string | null;
  callbackFormat?: CallbackFormat;
  /** Lower-case letters, digits and dashes; derived from the name when absent. */
  id?: string;
}

export class SenderAdminError extends Error {}

export function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'sender';
}

export function checkCallbackUrl(url: string | null | undefined): void {
  if (!url) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SenderAdminError(`callback URL "${url}" is not a URL`);
  }
  if (!['https:', 'http:'].includes(parsed.protocol)) throw new SenderAdminError('callback URL must be http(s)');
}

export function checkCallbackFormat(format: string): asserts format is CallbackFormat {
  if (!(CALLBACK_FORMATS as readonly string[]).includes(format)) throw new SenderAdminError(`callback format must be ${CALLBACK_FORMATS.join(' or ')}`);
}

export function senderSummary(row: Record<string, unknown>): SenderSummary {
  return {
    id: row.id as string,
    name: row.name as string,
    practiceOdsCodes: row.practice_ods_codes as string[],
    callbackUrl: (row.callback_url as string | null) ?? null,
    callbackFormat: (row.callback_format as CallbackFormat | undefined) ?? 'json',
    activeSecrets: row.previous_secret ? 2 : 1,
    disabled: row.disabled_at !== null,
    createdAt: row.created_at as Date,
  };
}

