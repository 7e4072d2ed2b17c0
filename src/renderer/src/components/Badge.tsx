import type { ReactNode } from 'react';

/** What a status means, never shown by colour alone: each tone has its icon and the text says it. */
export type Tone = 'ok' | 'bad' | 'warn' | 'info' | 'neutral';

const ICON: Record<Tone, string> = { ok: '✓', bad: '✗', warn: '!', info: 'ℹ', neutral: '•' };
const TONE_NAME: Record<Tone, string> = {
  ok: 'passed',
  bad: 'failed',
  warn: 'warning',
  info: 'note',
  neutral: '',
};

interface Props {
  tone: Tone;
  children: ReactNode;
  /** The code name or detail, shown on hover (kinds, columns: the human label is the text). */
  title?: string | undefined;
  className?: string;
  /** Hide the icon where the text alone is the status (a count, say). */
  plain?: boolean;
  testId?: string;
}

export function Badge({ tone, children, title, className, plain, testId }: Props) {
  return (
    <span
      className={`badge badge-${tone}${className ? ` ${className}` : ''}`}
      title={title}
      data-tone={tone}
      data-testid={testId}
    >
      {!plain && (
        <span className="badge-icon" aria-hidden="true">
          {ICON[tone]}
        </span>
      )}
      {!plain && TONE_NAME[tone] !== '' && <span className="visually-hidden">{TONE_NAME[tone]}: </span>}
      {children}
    </span>
  );
}
