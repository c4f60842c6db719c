import { NotifyClient } from 'notifications-node-client';
import { classifyNotifyError } from './delivery-errors';

export interface OutgoingSms {
  notificationId: string;
  to: string;
  /** Only the short action link: never a name, NHS number or clinical detail. */
  link: string;
}

/**
 * SMS through GOV.UK Notify's official client. The template (set up in Notify) reads like
 * "You have a new social prescribing referral: ((link))". The reference is our notification id,
 * which carries no personal data and lets us ask Notify whether an interrupted attempt went out.
 */
export class SmsSender {
  readonly provider = 'govuk-notify';
  private readonly client: NotifyClient;

  constructor(private readonly options: { apiKey: string; baseUrl: string; templateId: string }) {
    this.client = new NotifyClient(options.baseUrl, options.apiKey);
  }

  async send(sms: OutgoingSms): Promise<{ providerMessageId: string }> {
    try {
      const response = await this.client.sendSms(this.options.templateId, sms.to, {
        personalisation: { link: sms.link },
        reference: sms.notificationId,
      });
      return { providerMessageId: response.data.id };
    } catch (error) {
      throw classifyNotifyError(error);
    }
  }

  /** The Notify id of a message we already sent under this reference, if any. */
  async findByReference(reference: string): Promise<string | undefined> {
    try {
      const response = await this.client.getNotifications('sms', undefined, reference);
      return response.data.notifications[0]?.id;
    } catch (error) {
      throw classifyNotifyError(error);
    }
  }
}
