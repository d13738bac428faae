import { cleanup } from '@testing-library/react';
import { afterEach, beforeEach } from 'vitest';
import { ensureLoggedInAs } from './session.ts';

// Every /api call but the session's needs a login: tests work as a registrar unless they say otherwise.
beforeEach(async () => {
  await ensureLoggedInAs('registrar');
});

// Vitest runs without globals, so Testing Library cannot register its own clean-up.
afterEach(() => {
  cleanup();
  localStorage.clear();
});
