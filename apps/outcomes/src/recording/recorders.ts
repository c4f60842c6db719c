export type RecorderKind = 'organisation' | 'link-worker';

/** Whoever records outcomes: one organisation or one link worker, acting only on referrals they were tasked with. */
export interface Recorder {
  kind: RecorderKind;
  id: string;
}

export const RECORDER_KEY_PREFIX = 'spr';
