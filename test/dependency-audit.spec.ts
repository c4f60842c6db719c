/** CI's dependency audit (scripts/dependency-audit.js, run by .ci/run) judges npm audit's JSON. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { verdict } = require('../scripts/dependency-audit.js') as { verdict: (output: string) => { outcome: string; message: string } };

const report = (counts: Record<string, number>, vulnerabilities: Record<string, { severity: string }> = {}) =>
  JSON.stringify({ auditReportVersion: 2, vulnerabilities, metadata: { vulnerabilities: { info: 0, low: 0, moderate: 0, high: 0, critical: 0, total: 0, ...counts } } });

it('fails on a high or critical advisory in production dependencies, naming the package', () => {
  expect(verdict(report({ high: 1, total: 1 }, { fastify: { severity: 'high' } }))).toEqual({ outcome: 'fail', message: expect.stringContaining('fastify (high)') });
  expect(verdict(report({ critical: 2, total: 2 }, { a: { severity: 'critical' }, b: { severity: 'critical' } })).outcome).toBe('fail');
});

it('passes with only moderate or lower advisories', () => {
  expect(verdict(report({ moderate: 3, low: 1, total: 4 })).outcome).toBe('pass');
});

it('skips, without failing CI, when the audit endpoint does not answer', () => {
  expect(verdict(JSON.stringify({ message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk', statusCode: 405 })).outcome).toBe('skipped');
  expect(verdict(JSON.stringify({ error: { code: 'ENOTFOUND', summary: 'request to https://registry.npmjs.org failed' } })).outcome).toBe('skipped');
  expect(verdict('').outcome).toBe('skipped');
});

it('runs Fastify past the advisories published for 5.11.3 (GHSA-3m5p-2c4r-xxw2, GHSA-w2qp-rph6-63g4 and the HIGH ones fixed in 5.12.2)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { version } = require('fastify/package.json') as { version: string };
  const [major, minor, patch] = version.split('.').map(Number);
  expect(major).toBe(5);
  expect(minor * 1000 + patch).toBeGreaterThanOrEqual(12 * 1000 + 8);
});
