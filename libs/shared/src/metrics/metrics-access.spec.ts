import { ExecutionContext } from '@nestjs/common';
import { ProblemException } from '../http/problem-details';
import { MetricsAccessGuard, MetricsModuleOptions } from './metrics.module';

function context(remoteAddress: string, authorization?: string): ExecutionContext {
  const request = { headers: authorization ? { authorization } : {}, raw: { socket: { remoteAddress } } };
  return { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
}

const guard = (token: string) => new MetricsAccessGuard({ token } as MetricsModuleOptions);

const status = (attempt: () => boolean): number | boolean => {
  try {
    return attempt();
  } catch (error) {
    return (error as ProblemException).getStatus();
  }
};

describe('who may read /metrics', () => {
  it('without METRICS_TOKEN, only connections from this machine (whatever X-Forwarded-For says)', () => {
    expect(status(() => guard('').canActivate(context('127.0.0.1')))).toBe(true);
    expect(status(() => guard('').canActivate(context('::1')))).toBe(true);
    expect(status(() => guard('').canActivate(context('10.0.0.7')))).toBe(403);
  });

  it('with METRICS_TOKEN, only a scraper presenting it, from anywhere', () => {
    const token = 'a-long-metrics-token';
    expect(status(() => guard(token).canActivate(context('10.0.0.7', `Bearer ${token}`)))).toBe(true);
    expect(status(() => guard(token).canActivate(context('127.0.0.1')))).toBe(401);
    expect(status(() => guard(token).canActivate(context('10.0.0.7', 'Bearer a-long-metrics-tokeN')))).toBe(401);
    expect(status(() => guard(token).canActivate(context('10.0.0.7', `Basic ${token}`)))).toBe(401);
  });
});
