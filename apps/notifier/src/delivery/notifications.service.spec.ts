import { Recipient, channelsFor } from './notifications.service';

const EMAIL = { channel: 'email', address: 'lw@example.org' };
const SMS = { channel: 'sms', address: '07700900123' };

const recipient = (overrides: Partial<Recipient>): Recipient => ({ id: 'r-1', email: 'lw@example.org', mobile: '07700900123', channels: ['email'], ...overrides });

describe('channelsFor', () => {
  it.each<[string, Partial<Recipient>, boolean, object[]]>([
    ['email when they prefer email', { channels: ['email'] }, true, [EMAIL]],
    ['SMS when they prefer SMS and it is configured', { channels: ['sms'] }, true, [SMS]],
    ['both, in their order, when they prefer both', { channels: ['sms', 'email'] }, true, [SMS, EMAIL]],
    ['email instead when SMS is not configured', { channels: ['sms'] }, false, [EMAIL]],
    ['only email when SMS is not configured and they prefer both', { channels: ['email', 'sms'] }, false, [EMAIL]],
    ['email instead when we hold no mobile', { channels: ['sms'], mobile: null }, true, [EMAIL]],
    ['SMS alone when they prefer both and we hold no email', { channels: ['email', 'sms'], email: null }, true, [SMS]],
    ['email when they state no preference', { channels: [] }, true, [EMAIL]],
    ['email for a channel we do not know', { channels: ['pigeon'] }, true, [EMAIL]],
    ['nothing when SMS is wanted but off and we hold no email', { channels: ['sms'], email: null }, false, []],
    ['nothing when we hold no address at all', { channels: ['email', 'sms'], email: null, mobile: null }, true, []],
    ['nothing for an empty address', { channels: ['email'], email: '' }, true, []],
    ['each channel once, however often it is listed', { channels: ['email', 'sms', 'email'] }, true, [EMAIL, SMS]],
  ])('sends %s', (_case, overrides, smsEnabled, expected) => {
    expect(channelsFor(recipient(overrides), smsEnabled)).toEqual(expected);
  });
});
