import { FieldProblem, ProblemException, isCalendarDateOrDateTime, problem } from '@app/shared';

/** Collects every bad query parameter, then answers 400 naming each one (pointer "/<name>" into the query). */
export class QueryProblems {
  private readonly problems: FieldProblem[] = [];

  add(parameter: string, detail: string): void {
    this.problems.push({ pointer: `/${parameter}`, detail });
  }

  throwIfAny(): void {
    if (this.problems.length > 0) {
      throw new ProblemException(problem(400, 'Some query parameters are invalid.', { errors: this.problems }));
    }
  }
}

export function listParameter(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  const values = Array.isArray(value) ? value : [value];
  return values.flatMap((entry) => String(entry).split(',')).map((entry) => entry.trim()).filter(Boolean);
}

export function timeParameter(problems: QueryProblems, name: string, value: unknown): Date | null {
  if (value === undefined || value === '') return null;
  const text = String(value);
  if (!isCalendarDateOrDateTime(text)) {
    problems.add(name, `${name} must be an ISO 8601 date or date-time`);
    return null;
  }
  return new Date(text);
}
