import { nextStatus } from './status-transitions';

describe('status transitions', () => {
  it.each([
    ['received', 'routed', 'routed'],
    ['received', 'accepted', 'accepted'],
    ['routed', 'declined', 'declined'],
    ['declined', 'accepted', 'accepted'],
    ['accepted', 'completed', 'completed'],
    ['completed', 'closed', 'closed'],
    ['accepted', 'routed', undefined],
    ['closed', 'completed', undefined],
    ['routed', 'routed', undefined],
  ] as const)('%s + %s → %s', (current, incoming, expected) => {
    expect(nextStatus(current, incoming)).toBe(expected);
  });
});
