import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/app.tsx';
import './app/styles.css';
import { initI18n } from './lib/i18n/i18n.ts';

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');

// No top-level await here: Rolldown turns off its chunk merging for a whole build that has one,
// which split the first page into ~15 files and cost ~5 KB gzip (docs/decisions/003).
void initI18n().then(() => {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
});
