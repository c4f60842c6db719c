import { isUkMobileNumber, isUkPhoneNumber, isWellFormedEmail } from './contact';

describe('contact details', () => {
  it.each(['07700 900123', '07700900123', '+44 7700 900123', '0113 496 0000', '(0113) 496 0000', '020 7946 0000'])('accepts phone %s', (value) =>
    expect(isUkPhoneNumber(value)).toBe(true),
  );
  it.each(['12345', '0770090012', '+1 202 555 0100', '00447700900123', '07700 900123 ext 4', 'call me', '+44 07700 900123'])('refuses phone %s', (value) =>
    expect(isUkPhoneNumber(value)).toBe(false),
  );
  it.each(['+44 7700 900123', '07700 900123', '07700-900-123', '+447700900123'])('takes %s as a mobile', (value) => expect(isUkMobileNumber(value)).toBe(true));
  it.each(['0113 496 0000', '7700 900123', '447700900123', '+44 7700 90012', 'mobile'])('refuses %s as a mobile', (value) => expect(isUkMobileNumber(value)).toBe(false));
  it.each(['margaret@example.com', 'a.b+c@nhs.net'])('accepts email %s', (value) => expect(isWellFormedEmail(value)).toBe(true));
  it.each(['margaret', 'margaret@', '@example.com', 'm@example', 'Margaret <m@example.com>', 'm@@example.com'])('refuses email %s', (value) =>
    expect(isWellFormedEmail(value)).toBe(false),
  );
});
