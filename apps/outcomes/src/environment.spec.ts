import { EnvironmentError, loadEnvironment } from '@app/shared';
import { DEV_PSEUDONYM_MASTER_KEY, OutcomesEnvironment } from './environment';

describe('the outcomes environment', () => {
  it('works on a developer machine with nothing set', () => {
    const env = loadEnvironment(OutcomesEnvironment, {});
    expect(env).toMatchObject({ PORT: 3002, PSEUDONYM_MASTER_KEY: DEV_PSEUDONYM_MASTER_KEY, SUPPRESSION_THRESHOLD: 7, SUPPRESSION_ROUNDING_BASE: 5, FEED_MAX_PAGE_SIZE: 100000 });
  });

  it('takes the disclosure rule from the environment', () => {
    const env = loadEnvironment(OutcomesEnvironment, { SUPPRESSION_THRESHOLD: '10', SUPPRESSION_ROUNDING_BASE: '10' });
    expect([env.SUPPRESSION_THRESHOLD, env.SUPPRESSION_ROUNDING_BASE]).toEqual([10, 10]);
  });

  it('names each bad variable', () => {
    let caught: unknown;
    try {
      loadEnvironment(OutcomesEnvironment, { PSEUDONYM_MASTER_KEY: 'short', SUPPRESSION_ROUNDING_BASE: '0', PORT: 'x' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EnvironmentError);
    for (const name of ['PSEUDONYM_MASTER_KEY', 'SUPPRESSION_ROUNDING_BASE', 'PORT']) expect((caught as Error).message).toContain(name);
  });
});
