import type { WellbeingMeasure } from '@app/shared';

export interface MeasureQuestions {
  measure: WellbeingMeasure;
  title: string;
  hint: string;
  questions: string[];
  /** Each answer's value and what it says. */
  answers: Array<{ value: number; label: string }>;
}

const range = (min: number, max: number) => Array.from({ length: max - min + 1 }, (_, index) => min + index);

/**
 * How each instrument is asked on our pages, item by item, in the published wording. The scoring and the
 * valid range of each answer belong to the instrument itself (one copy, in the shared lifecycle code).
 */
export const MEASURE_QUESTIONS: Record<WellbeingMeasure, MeasureQuestions> = {
  ONS4: {
    measure: 'ONS4',
    title: 'ONS4 personal wellbeing',
    hint: 'Answer on a scale of 0 to 10, where 0 is “not at all” and 10 is “completely”.',
    questions: [
      'Overall, how satisfied are you with your life nowadays?',
      'Overall, to what extent do you feel that the things you do in your life are worthwhile?',
      'Overall, how happy did you feel yesterday?',
      'Overall, how anxious did you feel yesterday?',
    ],
    answers: range(0, 10).map((value) => ({ value, label: String(value) })),
  },
  SWEMWBS: {
    measure: 'SWEMWBS',
    title: 'Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS)',
    hint: 'Thinking about the last 2 weeks.',
    questions: [
      'I’ve been feeling optimistic about the future',
      'I’ve been feeling useful',
      'I’ve been feeling relaxed',
      'I’ve been dealing with problems well',
      'I’ve been thinking clearly',
      'I’ve been feeling close to other people',
      'I’ve been able to make up my own mind about things',
    ],
    answers: [
      { value: 1, label: 'None of the time' },
      { value: 2, label: 'Rarely' },
      { value: 3, label: 'Some of the time' },
      { value: 4, label: 'Often' },
      { value: 5, label: 'All of the time' },
    ],
  },
  UCLA3: {
    measure: 'UCLA3',
    title: 'UCLA 3-item loneliness scale',
    hint: 'How often do you feel each of these?',
    questions: ['How often do you feel that you lack companionship?', 'How often do you feel left out?', 'How often do you feel isolated from others?'],
    answers: [
      { value: 1, label: 'Hardly ever' },
      { value: 2, label: 'Some of the time' },
      { value: 3, label: 'Often' },
    ],
  },
};

export function isWellbeingMeasure(value: unknown): value is WellbeingMeasure {
  return typeof value === 'string' && Object.hasOwn(MEASURE_QUESTIONS, value);
}
