import { negotiate } from './negotiate';

const offered = ['application/json', 'application/x-ndjson', 'text/csv'];

describe('content negotiation', () => {
  it.each([
    [undefined, 'application/json'],
    ['*/*', 'application/json'],
    ['text/csv', 'text/csv'],
    ['application/x-ndjson', 'application/x-ndjson'],
    ['text/*', 'text/csv'],
    ['application/json;q=0.5, text/csv', 'text/csv'],
    ['text/csv;q=0.1, */*;q=0.5', 'application/json'],
    ['text/html, text/csv;q=0.9', 'text/csv'],
    ['text/html', null],
    ['text/csv;q=0', null],
    ['text/csv;q=0, */*', 'application/json'],
  ])('answers Accept %p with %p', (accept, expected) => {
    expect(negotiate(accept, offered)).toBe(expected);
  });
});
