import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

// Four engineers' test runs share two cores: give waitFor more than its default second.
configure({ asyncUtilTimeout: 5_000 });

// Vitest runs without globals, so Testing Library cannot register its own cleanup.
afterEach(() => cleanup());
