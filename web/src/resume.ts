import type { StreamPosition } from './stream.js';

const STORAGE_KEY = 'threadline.resume';

/** What the page had of an answer when it was unloaded mid-stream. */
export interface ResumePoint extends StreamPosition {
  conversationId: string;
  text: string;
}

/** Kept in sessionStorage: it survives a reload of this tab and nothing else. */
export function saveResumePoint(point: ResumePoint): void {
  try {
    window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(point));
  } catch {
    // Storage full or disabled: the stream then replays the turn from its start instead.
  }
}

/** Returns and forgets the point saved for this conversation, if any. */
export function takeResumePoint(conversationId: string): ResumePoint | null {
  try {
    const raw = window.sessionStorage.getItem(STORAGE_KEY);
    window.sessionStorage.removeItem(STORAGE_KEY);
    if (!raw) return null;
    const point = JSON.parse(raw) as Partial<ResumePoint>;
    const valid =
      point.conversationId === conversationId &&
      typeof point.messageId === 'string' &&
      typeof point.seq === 'number' &&
      typeof point.text === 'string';
    return valid ? (point as ResumePoint) : null;
  } catch {
    return null;
  }
}
