import { useState } from 'react';

interface Props {
  label: string;
  busy: boolean;
  onSubmit(password: string): void;
  onCancel(): void;
}

/** The password for one connection, typed now and kept nowhere. */
export function PasswordPrompt({ label, busy, onSubmit, onCancel }: Props) {
  const [password, setPassword] = useState('');
  return (
    <form
      className="password-prompt"
      aria-label="Password"
      onSubmit={(e) => {
        e.preventDefault();
        if (password) onSubmit(password);
      }}
    >
      <label>
        {label}
        <input
          type="password"
          name="connect-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete="current-password"
          autoFocus
        />
      </label>
      <button type="submit" className="button button-primary button-small" disabled={busy || !password}>
        {busy ? 'Connecting…' : 'Connect'}
      </button>
      <button type="button" className="button button-ghost button-small" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}
