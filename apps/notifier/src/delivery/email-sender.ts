import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import nodemailer, { Transporter } from 'nodemailer';
import { classifySmtpError, DeliveryError } from './delivery-errors';

export interface OutgoingEmail {
  notificationId: string;
  referralId: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface SentEmail {
  providerMessageId: string;
  /** Where the message was written, when there is no SMTP server. */
  file?: string;
}

const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

/**
 * Email through SMTP when SMTP_URL is set; otherwise each message is rendered by nodemailer and written
 * as <MAIL_DIR>/<referral id>-<notification id>.eml, so a developer machine needs no mail server.
 */
export class EmailSender {
  readonly provider: 'smtp' | 'mail-dir';
  readonly mailDir: string;
  private readonly transporter: Transporter;
  private readonly messageIdDomain: string;

  constructor(options: { smtpUrl?: string; mailDir: string; from: string; messageIdDomain?: string }) {
    this.provider = options.smtpUrl ? 'smtp' : 'mail-dir';
    this.mailDir = resolve(options.mailDir);
    this.transporter = options.smtpUrl
      ? nodemailer.createTransport(options.smtpUrl, { from: options.from })
      : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }, { from: options.from });
    this.messageIdDomain = options.messageIdDomain ?? 'notifier.social-prescribing.invalid';
  }

  async send(email: OutgoingEmail): Promise<SentEmail> {
    if (!EMAIL.test(email.to)) throw new DeliveryError(`invalid email address for notification ${email.notificationId}`, true);
    // The same Message-ID on every attempt lets mail clients fold a rare duplicate (see README: at-least-once window).
    const messageId = `<${email.notificationId}@${this.messageIdDomain}>`;
    let info: { messageId: string; message?: Buffer };
    try {
      info = await this.transporter.sendMail({ to: email.to, subject: email.subject, text: email.text, html: email.html, messageId });
    } catch (error) {
      throw classifySmtpError(error);
    }
    if (this.provider === 'smtp') return { providerMessageId: info.messageId };
    await mkdir(this.mailDir, { recursive: true });
    const file = join(this.mailDir, `${email.referralId}-${email.notificationId}.eml`);
    await writeFile(`${file}.tmp`, info.message as Buffer);
    await rename(`${file}.tmp`, file);
    return { providerMessageId: info.messageId, file };
  }

  close(): void {
    this.transporter.close();
  }
}
