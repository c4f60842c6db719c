import { IsInt, Min } from 'class-validator';
import { Transform } from 'class-transformer';
import { BaseEnvironment, EnvironmentError, loadEnvironment } from './environment';

class ExampleEnvironment extends BaseEnvironment {
  @Transform(({ value }) => Number(value))
  @IsInt({ message: 'PORT must be a whole number' })
  @Min(0)
  PORT = 3000;
}

describe('loadEnvironment', () => {
  it('applies developer-machine defaults when nothing is set', () => {
    const env = loadEnvironment(ExampleEnvironment, {});
    expect(env.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/referrals');
    expect(env.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(env.REDIS_PREFIX).toBe('{referrals}');
    expect(env.PORT).toBe(3000);
  });

  it('takes values from the environment and converts numbers', () => {
    const env = loadEnvironment(ExampleEnvironment, { PORT: '4100', EVENT_MAX_ATTEMPTS: '3' });
    expect(env.PORT).toBe(4100);
    expect(env.EVENT_MAX_ATTEMPTS).toBe(3);
  });

  it('names every bad variable', () => {
    let caught: unknown;
    try {
      loadEnvironment(ExampleEnvironment, { DATABASE_URL: 'mysql://x', PORT: 'eighty', REDIS_PREFIX: 'referrals' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EnvironmentError);
    const message = (caught as Error).message;
    expect(message).toContain('DATABASE_URL');
    expect(message).toContain('PORT');
    expect(message).toContain('REDIS_PREFIX');
    expect(message).not.toContain('REDIS_URL');
  });
});
