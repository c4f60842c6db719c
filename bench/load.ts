import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface Shot {
  headers: Record<string, string>;
  body: string;
}

export interface Answer {
  status: number;
  body: string;
}

export interface LoadResult {
  /** Requests answered 202. */
  accepted: number;
  /** Answers other than 202, by status (0: the connection failed). */
  refused: Record<number, number>;
  elapsedS: number;
  /** Per accepted request, ms; for an open loop measured from when it was due, not when it was sent. */
  latencies: number[];
}

export function post(agent: Agent, url: URL, shot: Shot): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { ...shot.headers, 'content-length': Buffer.byteLength(shot.body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', () => resolve({ status: 0, body: '' }));
      },
    );
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(shot.body);
  });
}

function emptyResult(): LoadResult {
  return { accepted: 0, refused: {}, elapsedS: 0, latencies: [] };
}

function record(result: LoadResult, answer: Answer, latencyMs: number): void {
  if (answer.status === 202) {
    result.accepted += 1;
    result.latencies.push(latencyMs);
  } else {
    result.refused[answer.status] = (result.refused[answer.status] ?? 0) + 1;
  }
}

/** `connections` clients on keep-alive connections, each sending its next request when the last is answered. */
export async function closedLoop(url: string, connections: number, durationMs: number, shot: () => Shot): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const target = new URL(url);
  const result = emptyResult();
  const started = performance.now();
  const end = started + durationMs;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const sentAt = performance.now();
        record(result, await post(agent, target, shot()), performance.now() - sentAt);
      }
    }),
  );
  result.elapsedS = (performance.now() - started) / 1000;
  agent.destroy();
  return result;
}

/**
 * Requests offered at a fixed rate whatever the answers do (an open loop): a server that falls behind
 * shows it as latency, measured from when each request was due, rather than by being asked less often.
 */
export async function openLoop(
  url: string,
  ratePerS: number,
  durationMs: number,
  shot: () => Shot,
  onAnswer?: (answer: Answer, dueAtEpochMs: number) => void,
  maxSockets = 256,
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const target = new URL(url);
  const result = emptyResult();
  const started = performance.now();
  const total = Math.round((ratePerS * durationMs) / 1000);
  const inFlight: Array<Promise<void>> = [];
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - started) * ratePerS) / 1000) + 1);
      for (; sent < due; sent += 1) {
        const dueAt = started + (sent * 1000) / ratePerS;
        const dueAtEpochMs = performance.timeOrigin + dueAt;
        inFlight.push(
          post(agent, target, shot()).then((answer) => {
            record(result, answer, performance.now() - dueAt);
            onAnswer?.(answer, dueAtEpochMs);
          }),
        );
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(inFlight);
  result.elapsedS = (performance.now() - started) / 1000;
  agent.destroy();
  return result;
}

export function describeRefusals(result: LoadResult): string {
  const entries = Object.entries(result.refused);
  return entries.length === 0 ? 'none refused' : entries.map(([status, count]) => `${count}× ${status === '0' ? 'connection error' : status}`).join(', ');
}
