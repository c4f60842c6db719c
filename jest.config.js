/**
 * One Jest project per tier, so each can run alone (`npm run test:unit`, `test:int`, `test:journey`) while
 * `npm test` runs all three. Unit tests (`*.spec.ts` beside the code) touch no service; integration tests
 * (`*.int-spec.ts` beside the code) each make their own database and Redis prefix; journeys in `test/` drive
 * whole services together.
 */
const swc = JSON.parse(require('fs').readFileSync(`${__dirname}/.swcrc`, 'utf8'));

/** What every tier shares. */
const tier = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)s$': ['@swc/jest', { ...swc, swcrc: false }] },
  moduleNameMapper: {
    '^@app/shared$': '<rootDir>/libs/shared/src',
    '^@app/shared/(.*)$': '<rootDir>/libs/shared/src/$1',
  },
  setupFiles: ['reflect-metadata', '<rootDir>/test/quiet-logs.ts'],
};

module.exports = {
  projects: [
    { ...tier, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    { ...tier, displayName: 'integration', testMatch: ['<rootDir>/{apps,libs}/**/*.int-spec.ts'] },
    { ...tier, displayName: 'journey', testMatch: ['<rootDir>/test/**/*.{spec,int-spec}.ts'] },
  ],
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  testTimeout: 60000,
  maxWorkers: 2,
};
