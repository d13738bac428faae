import { useEffect, useId, useRef, useState } from 'react';
import type { KeyboardEvent, ReactNode } from 'react';
import { LANGUAGES, changeLanguage, useTranslation } from '../lib/i18n/i18n.ts';
import { Link, useLocation } from 'wouter';
import { can, mayUse } from '../../contract/access.ts';
import type { Account } from '../../contract/access.ts';
import { environmentNameSchema } from '../../contract/console.ts';
import type { EnvironmentName } from '../../contract/console.ts';
import { ApiErrorMessage } from '../components/ui/api-error-message.tsx';
import { EnvironmentContext, pathFor, useChooseEnvironment, useEnvironmentState } from '../lib/environment.tsx';
import type { Language } from '../lib/i18n/i18n.ts';
import type { LogOut } from './session.ts';

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

/** The skip link and the header with the console's name, around what each layout puts in it. */
function Masthead({ children, below }: { children: ReactNode; below?: ReactNode }) {
  const { t } = useTranslation();
  return (
    <>
      <a className="skip-link" href="#content">
        {t('app.skip')}
      </a>
      <header className="header">
        <div className="header-row">
          <p className="brand">{t('app.title')}</p>
          {children}
        </div>
        {below}
      </header>
    </>
  );
}

/** The pages before anyone is logged in (login, first setup): the console's name and the language, nothing else. */
export function BareLayout({ children }: { children: ReactNode }) {
  return (
    <>
      <Masthead>
        <div className="header-controls">
          <LanguageSwitch />
        </div>
      </Masthead>
      <main id="content" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

/** Who is logged in, and the way out. */
function AccountControl({ account, logOut }: { account: Account; logOut: LogOut }) {
  const { t } = useTranslation();
  return (
    <div className="header-control account">
      <span data-testid="account">{t('app.account.who', { name: account.name, role: t(`roles.${account.role}`) })}</span>
      <button type="button" className="button secondary small" disabled={logOut.pending} onClick={() => void logOut.run()}>
        {logOut.pending ? t('app.account.loggingOut') : t('app.account.logout')}
      </button>
    </div>
  );
}

/**
 * The pages of the navigation, each by the capability it needs; each lives at its capability's name
 * (`/lookup`, `/bulk`…), the desk at `/`. One list of names rather than a row per page: the first
 * page carries it.
 */
const NAV = ['register', 'lookup', 'validate', 'bulk', 'audit', 'accounts'] as const;
const navPath = (capability: (typeof NAV)[number]) => (capability === 'register' ? '/' : `/${capability}`);

/** Three bars: the menu button's picture, beside its word. */
function MenuIcon() {
  return (
    <svg className="menu-icon" viewBox="0 0 20 20" width="20" height="20" aria-hidden="true" focusable="false">
      <path d="M3 5h14M3 10h14M3 15h14" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
    </svg>
  );
}

export function Layout({ account, logOut, children }: { account: Account; logOut: LogOut; children: ReactNode }) {
  const { t } = useTranslation();
  const { query, state } = useEnvironmentState();
  const [location] = useLocation();
  const choose = useChooseEnvironment();
  const env: EnvironmentName | undefined = state?.current.name;
  const main = useRef<HTMLElement>(null);
  const menuId = useId();
  const menuButton = useRef<HTMLButtonElement>(null);
  // Below 1024 px the navigation and the controls fold behind "Menu" (styles.css, phone header).
  // Open on the page where it was opened: any way of leaving that page (a link, back) folds it again.
  const [menuOpenAt, setMenuOpenAt] = useState<string | null>(null);
  const menuOpen = menuOpenAt === location;
  const closeMenu = () => {
    setMenuOpenAt(null);
    // From 1024 px the button is not shown (no box), and there is nothing to go back to.
    if (menuButton.current !== null && menuButton.current.getClientRects().length > 0) menuButton.current.focus();
  };
  // Escape folds the menu from anywhere in it or on its button, as a disclosure does.
  const escapeCloses = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && menuOpen) {
      event.preventDefault();
      closeMenu();
    }
  };

  useEffect(() => {
    // Just logged in: the submit button that had focus is gone; the page's content takes it.
    if (document.activeElement === null || document.activeElement === document.body) main.current?.focus();
  }, []);

  // The server lists only the environments this account may use: one in the link may exist but not be its.
  const requested = environmentNameSchema.safeParse(state?.unknownRequested);
  const notAllowed = requested.success && !mayUse(account, requested.data);
  const lookingUp = location.startsWith('/lookup');

  return (
    <>
      <Masthead
        below={
          state !== null ? (
            <p className={`banner banner-${state.current.name}`} data-testid="environment-banner">
              {t(`environments.${state.current.name}.banner`)}
            </p>
          ) : (
            // Holds the banner's place while the environments load, so the page does not jump down.
            <p className="banner" aria-hidden="true">
              {'\u00a0'}
            </p>
          )
        }
      >
        <button
          ref={menuButton}
          type="button"
          className="button secondary menu-toggle"
          aria-expanded={menuOpen}
          aria-controls={menuId}
          onKeyDown={escapeCloses}
          onClick={() => (menuOpen ? closeMenu() : setMenuOpenAt(location))}
        >
          <MenuIcon />
          {t('app.menu')}
        </button>
        {/* On a desktop this box does not show (display: contents): navigation and controls sit in the row. */}
        <div id={menuId} className={menuOpen ? 'header-menu open' : 'header-menu'} onKeyDown={escapeCloses}>
          <nav aria-label={t('app.nav.label')}>
            <ul className="nav">
              {NAV.filter((capability) => can(account, capability)).map((capability) => {
                const path = navPath(capability);
                return (
                  <li key={path}>
                    <Link
                      href={env === undefined ? path : pathFor(path, env)}
                      aria-current={(path === '/' ? location === '/' : location.startsWith(path)) ? 'page' : undefined}
                      onClick={() => {
                        if (!menuOpen) return;
                        // The link folds away with the menu: the page it opens takes focus instead.
                        setMenuOpenAt(null);
                        main.current?.focus();
                      }}
                    >
                      {t(`app.nav.${capability}`)}
                    </Link>
                  </li>
                );
              })}
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
                    const chosen = environmentNameSchema.safeParse(event.target.value);
                    if (chosen.success) choose(chosen.data);
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
            <AccountControl account={account} logOut={logOut} />
          </div>
        </div>
      </Masthead>
      <main id="content" tabIndex={-1} ref={main}>
        {logOut.error !== null && <ApiErrorMessage error={logOut.error} heading={t('app.account.logoutFailed')} />}
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
                  {/* A look-up's page runs none then (lookup-page.tsx): the sentence says so. */}
                  {notAllowed
                    ? t(lookingUp ? 'app.environmentNotAllowedLookup' : 'app.environmentNotAllowed', {
                        env: t(`environments.${requested.data}.name`),
                        fallback: t(`environments.${state.current.name}.name`),
                      })
                    : t(lookingUp ? 'app.unknownEnvironmentLookup' : 'app.unknownEnvironment', {
                        env: state.unknownRequested,
                        fallback: t(`environments.${state.current.name}.name`),
                      })}
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
