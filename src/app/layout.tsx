import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useSearchParams } from 'wouter';
import type { EnvironmentName } from '../../contract/console.ts';
import { ApiErrorMessage } from '../components/ui/api-error-message.tsx';
import { EnvironmentContext, pathFor, useEnvironmentState } from '../lib/environment.tsx';
import { LANGUAGES, changeLanguage } from '../lib/i18n/i18n.ts';
import type { Language } from '../lib/i18n/i18n.ts';

function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <label className="header-control">
      <span>{t('app.language')}</span>
      <select value={i18n.language} onChange={(event) => void changeLanguage(event.target.value as Language)}>
        {LANGUAGES.map((language) => (
          <option key={language} value={language} lang={language}>
            {t(`languages.${language}`)}
          </option>
        ))}
      </select>
    </label>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const { query, state } = useEnvironmentState();
  const [location] = useLocation();
  const [, setParams] = useSearchParams();
  const env: EnvironmentName | undefined = state?.current.name;
  const isLookup = location.startsWith('/lookup');

  return (
    <>
      <a className="skip-link" href="#content">
        {t('app.skip')}
      </a>
      <header className="header">
        <div className="header-row">
          <p className="brand">{t('app.title')}</p>
          <nav aria-label={t('app.nav.label')}>
            <ul className="nav">
              <li>
                <Link href={env === undefined ? '/' : pathFor('/', env)} aria-current={isLookup ? undefined : 'page'}>
                  {t('app.nav.register')}
                </Link>
              </li>
              <li>
                <Link href={env === undefined ? '/lookup' : pathFor('/lookup', env)} aria-current={isLookup ? 'page' : undefined}>
                  {t('app.nav.lookup')}
                </Link>
              </li>
            </ul>
          </nav>
          <div className="header-controls">
            <label className="header-control">
              <span>{t('app.environment')}</span>
              {state === null ? (
                // The same control while the environments load, so the header keeps its size.
                <select disabled>
                  <option>{query.isPending ? t('app.loading') : '—'}</option>
                </select>
              ) : (
                <select
                  value={state.current.name}
                  onChange={(event) => {
                    setParams((params) => {
                      params.set('env', event.target.value);
                      return params;
                    });
                  }}
                >
                  {state.all.map((e) => (
                    <option key={e.name} value={e.name}>
                      {t(`environments.${e.name}.name`)}
                    </option>
                  ))}
                </select>
              )}
            </label>
            <LanguageSwitch />
          </div>
        </div>
        {state !== null ? (
          <p className={`banner banner-${state.current.name}`} data-testid="environment-banner">
            {t(`environments.${state.current.name}.banner`)}
          </p>
        ) : (
          // Holds the banner's place while the environments load, so the page does not jump down.
          <p className="banner" aria-hidden="true">
            {'\u00a0'}
          </p>
        )}
      </header>
      <main id="content" tabIndex={-1}>
        {query.isPending ? (
          <p role="status">{t('app.loading')}</p>
        ) : query.isError ? (
          <div>
            <ApiErrorMessage error={query.error} heading={t('app.environmentsFailed')} />
            <button type="button" className="button" onClick={() => void query.refetch()}>
              {t('app.retry')}
            </button>
          </div>
        ) : state === null ? (
          <div className="alert error" role="alert">
            <p>{t('app.noEnvironments')}</p>
          </div>
        ) : (
          <EnvironmentContext.Provider value={state}>
            {state.unknownRequested !== undefined && (
              <div className="alert warning" role="alert">
                <p>
                  {t('app.unknownEnvironment', { env: state.unknownRequested, fallback: t(`environments.${state.current.name}.name`) })}
                </p>
              </div>
            )}
            {children}
          </EnvironmentContext.Provider>
        )}
      </main>
    </>
  );
}
