import { classifyNotifyError, classifySmtpError } from './delivery-errors';

describe('delivery error classification', () => {
  it.each([
    [{ responseCode: 550, message: 'mailbox unavailable' }, true],
    [{ responseCode: 553, message: 'bad address' }, true],
    [{ responseCode: 421, message: 'try again later' }, false],
    [{ responseCode: 451, message: 'greylisted' }, false],
    [{ code: 'ECONNECTION', message: 'connect ECONNREFUSED' }, false],
    [{ code: 'ETIMEDOUT', message: 'timeout' }, false],
    [{ code: 'EENVELOPE', message: 'no recipients' }, true],
  ])('SMTP %o is permanent: %s', (error, permanent) => {
    expect(classifySmtpError(error).permanent).toBe(permanent);
  });

  it.each([
    [400, true],
    [403, true],
    [429, false],
    [500, false],
    [503, false],
  ])('Notify HTTP %i is permanent: %s', (status, permanent) => {
    const error = { response: { status, data: { errors: [{ error: 'SomeError', message: 'detail' }] } } };
    expect(classifyNotifyError(error).permanent).toBe(permanent);
    expect(classifyNotifyError(error).message).toContain(String(status));
  });

  it('treats an unreachable Notify as transient', () => {
    expect(classifyNotifyError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }).permanent).toBe(false);
  });
});
