import type { WellbeingMeasure } from '../events/event-types';
import { pointerToken } from '../http/json-pointer';
import { reportedMoment } from '../validation/date-time';
import { isJsonObject } from '../validation/json-object';
import type { FieldProblem } from '../http/problem-details';
import swemwbs from './data/swemwbs-conversion.json';

export interface Instrument {
  measure: WellbeingMeasure;
  title: string;
  items: readonly string[];
  min: number;
  max: number;
  score(items: number[]): Record<string, number>;
}

const SWEMWBS_METRIC: Record<string, number> = swemwbs.table;

/** ONS personal wellbeing: four 0-10 answers, each reported on its own; anxiety is the negative item. */
const ONS4: Instrument = {
  measure: 'ONS4',
  title: 'ONS4 personal wellbeing',
  items: ['lifeSatisfaction', 'worthwhile', 'happiness', 'anxiety'],
  min: 0,
  max: 10,
  score: ([lifeSatisfaction, worthwhile, happiness, anxiety]) => ({ lifeSatisfaction, worthwhile, happiness, anxiety }),
};

/** Short Warwick-Edinburgh Mental Wellbeing Scale: seven 1-5 answers, raw 7-35 converted to the metric score. */
const SWEMWBS: Instrument = {
  measure: 'SWEMWBS',
  title: 'Short Warwick-Edinburgh Mental Wellbeing Scale',
  items: ['optimistic', 'useful', 'relaxed', 'dealingWithProblems', 'thinkingClearly', 'closeToOthers', 'ownMindAboutThings'],
  min: 1,
  max: 5,
  score: (items) => {
    const raw = items.reduce((sum, item) => sum + item, 0);
    return { raw, metric: SWEMWBS_METRIC[String(raw)] };
  },
};

/** UCLA 3-item loneliness scale: 1 hardly ever, 2 some of the time, 3 often; total 3-9, higher is lonelier. */
const UCLA3: Instrument = {
  measure: 'UCLA3',
  title: 'UCLA 3-item loneliness scale',
  items: ['lackCompanionship', 'leftOut', 'isolated'],
  min: 1,
  max: 3,
  score: (items) => ({ total: items.reduce((sum, item) => sum + item, 0) }),
};

export const INSTRUMENTS: Record<WellbeingMeasure, Instrument> = { ONS4, SWEMWBS, UCLA3 };

export const TIMEPOINTS = ['start', 'end'] as const;
export type Timepoint = (typeof TIMEPOINTS)[number];

export interface MeasureSubmission {
  measure: WellbeingMeasure;
  timepoint: Timepoint;
  items: number[];
  recordedAt: Date;
}

export interface ScoredMeasure extends MeasureSubmission {
  score: Record<string, number>;
}


/**
 * Checks a measure item by item and scores it. Every problem is named by a JSON pointer into the body,
 * so "/items/2" tells the sender exactly which answer is out of range.
 */
export function validateMeasure(body: unknown, now: Date = new Date()): { problems: FieldProblem[] } | { measure: ScoredMeasure } {
  const problems: FieldProblem[] = [];
  if (!isJsonObject(body)) {
    return { problems: [{ pointer: '', detail: 'the body must be a JSON object' }] };
  }
  const input = body;
  // Own keys only: "__proto__" or "constructor" must not find Object.prototype.
  const instrument = typeof input.measure === 'string' && Object.hasOwn(INSTRUMENTS, input.measure) ? INSTRUMENTS[input.measure as WellbeingMeasure] : undefined;
  if (!instrument) {
    problems.push({ pointer: '/measure', detail: `measure must be one of ${Object.keys(INSTRUMENTS).join(', ')}` });
  }
  if (!TIMEPOINTS.includes(input.timepoint as Timepoint)) {
    problems.push({ pointer: '/timepoint', detail: `timepoint must be ${TIMEPOINTS.join(' or ')}` });
  }
  const recordedAt = reportedMoment(input, 'recordedAt', now, problems);
  const items = input.items;
  if (!Array.isArray(items)) {
    problems.push({ pointer: '/items', detail: instrument ? `items must be an array of ${instrument.items.length} answers` : 'items must be an array of answers' });
  } else if (instrument) {
    if (items.length !== instrument.items.length) {
      problems.push({ pointer: '/items', detail: `${instrument.measure} has ${instrument.items.length} items (${instrument.items.join(', ')}); got ${items.length}` });
    }
    items.slice(0, instrument.items.length).forEach((item, index) => {
      if (!Number.isInteger(item) || (item as number) < instrument.min || (item as number) > instrument.max) {
        problems.push({
          pointer: `/items/${index}`,
          detail: `${instrument.items[index]} must be a whole number from ${instrument.min} to ${instrument.max}`,
        });
      }
    });
  }
  const unknown = Object.keys(input).filter((key) => !['measure', 'timepoint', 'items', 'recordedAt', 'referralId', 'type'].includes(key));
  for (const key of unknown) problems.push({ pointer: `/${pointerToken(key)}`, detail: `${key} is not a field of a measure` });
  if (problems.length > 0 || !instrument) return { problems };
  const answers = items as number[];
  return {
    measure: { measure: instrument.measure, timepoint: input.timepoint as Timepoint, items: answers, recordedAt, score: instrument.score(answers) },
  };
}
