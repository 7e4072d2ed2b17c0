import type { ReactNode } from 'react';

interface StatProps {
  label: string;
  children: ReactNode;
  testId?: string | undefined;
  /** For the value (a hash in monospace, say). */
  className?: string | undefined;
}

/** One figure with its label, inside `Stats`. */
export function Stat({ label, children, testId, className }: StatProps) {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd data-testid={testId} className={className}>
        {children}
      </dd>
    </div>
  );
}

/** A row of labelled figures (a description list, so a screen reader pairs label and value). */
export function Stats({
  children,
  className,
  testId,
}: {
  children: ReactNode;
  className?: string;
  testId?: string;
}) {
  return (
    <dl className={`stats${className ? ` ${className}` : ''}`} data-testid={testId}>
      {children}
    </dl>
  );
}
