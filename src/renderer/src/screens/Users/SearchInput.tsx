import type { KeyboardEvent } from 'react';
import { SEARCH_INPUT_ID } from '../../lib/search';
import { Kbd } from '../../components/Kbd';

interface Props {
  value: string;
  onChange: (value: string) => void;
  onKeyDown: (e: KeyboardEvent<HTMLInputElement>) => void;
  /** The results grid this field drives, and its highlighted row. */
  controls: string;
  activeId: string | undefined;
  expanded: boolean;
}

export function SearchInput({ value, onChange, onKeyDown, controls, activeId, expanded }: Props) {
  return (
    <div className="search">
      <input
        id={SEARCH_INPUT_ID}
        className="search-input"
        type="search"
        role="combobox"
        aria-label="Search users"
        aria-controls={controls}
        aria-expanded={expanded}
        aria-activedescendant={activeId}
        aria-autocomplete="list"
        placeholder="User id, start of an email or a name"
        autoComplete="off"
        spellCheck={false}
        // The search is the Users screen's reason to exist: it has the focus when it opens.
        autoFocus
        value={value}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={onKeyDown}
      />
      <span className="search-hint">
        <Kbd>/</Kbd> or <Kbd>Ctrl K</Kbd>
      </span>
    </div>
  );
}
