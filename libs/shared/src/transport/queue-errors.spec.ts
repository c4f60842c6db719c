import { EventEmitter } from 'node:events';
import { QUEUE_ERROR_LOG_EVERY_MS, logQueueErrors } from './queue-errors';

describe('logQueueErrors', () => {
  it('logs a queue error as a warning naming the queue, then at most one line per interval', () => {
    const queue = Object.assign(new EventEmitter(), { name: 'notifier.deliver-email' });
    const lines: string[] = [];
    let clock = 1_000_000;
    logQueueErrors(queue as never, { warn: (line: string) => lines.push(line) }, undefined, () => clock);

    queue.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    queue.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    clock += QUEUE_ERROR_LOG_EVERY_MS - 1;
    queue.emit('error', new Error('still down'));
    expect(lines).toEqual([expect.stringMatching(/^Queue notifier\.deliver-email: .*ECONNREFUSED/)]);

    clock += 1;
    queue.emit('error', new Error('still down'));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('still down');
  });
});
