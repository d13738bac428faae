import { beforeEach, inject } from 'vitest';

// The `server-pg` project without a PostgreSQL server (postgres-global-setup.ts said so at the
// start of the run): each test is reported skipped rather than run on SQLite a second time.
if (inject('testPostgresUrl') === undefined) {
  beforeEach((context) => {
    context.skip('no PostgreSQL server answered: see the message at the start of the run');
  });
}
