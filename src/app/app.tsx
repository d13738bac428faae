import { QueryClientProvider, useQuery } from '@tanstack/react-query';
import { Suspense, lazy, useState } from 'react';
import type { ReactNode } from 'react';
import { Link, Redirect, Route, Switch, useLocation, useSearch } from 'wouter';
import { can } from '../../contract/access.ts';
import type { Account, Capability } from '../../contract/access.ts';
import { createQueryClient } from '../api/query-client.ts';
import { sessionQueries } from '../api/session.ts';
import { AnnouncerProvider } from '../components/ui/announcer.tsx';
import { ApiErrorMessage } from '../components/ui/api-error-message.tsx';
import { SessionDialog } from '../features/access/components/session-dialog.tsx';
import { RegisterPage } from '../features/registration/components/register-page.tsx';
import { useTranslation } from '../lib/i18n/i18n.ts';
import { BareLayout, Layout } from './layout.tsx';
import { useLogOut, useSessionLost } from './session.ts';

// Support agents open look-ups; desks open the register page first, which must load fast.
const loadLookupPage = () => import('../features/lookup/components/lookup-page.tsx');
const LookupPage = lazy(loadLookupPage);
// Opened at a look-up's address (a link, a bookmark): its code is fetched beside the session's
// answer rather than after it, and nothing more is fetched on any other page.
if (window.location.pathname.startsWith('/lookup')) void loadLookupPage();
// A 1:1 validation now and then, beside the desk's registrations: off the first page.
const ValidatePage = lazy(() => import('../features/validation/components/validate-page.tsx'));
// A batch of KYC selfies now and then, beside the desk's registrations: off the first page.
const BulkPage = lazy(() => import('../features/bulk/components/bulk-page.tsx'));
// Administrators only, and rarely: neither weighs on the first page.
const AuditPage = lazy(() => import('../features/audit/components/audit-page.tsx'));
const AccountsPage = lazy(() => import('../features/accounts/components/accounts-page.tsx'));
const SetupPage = lazy(() => import('../features/access/components/setup-page.tsx'));
// Staff open the console logged in: the login page (single sign-on's words with it) is off the first page.
const LoginPage = lazy(() => import('../features/access/components/login-page.tsx'));

function NotFound() {
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t('app.notFound')}</h1>
      <p>
        <Link href="/">{t('app.home')}</Link>
      </p>
    </section>
  );
}

function Loading() {
  const { t } = useTranslation();
  return <p role="status">{t('app.loading')}</p>;
}

/** A page the account's role cannot use: said in words, never a blank page. */
function Forbidden({ account, capability }: { account: Account; capability: Capability }) {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="forbidden-heading">
      <h1 id="forbidden-heading">{t('app.forbidden.heading')}</h1>
      <div className="alert warning" role="alert">
        <p>{t(`app.forbidden.${capability}`, { role: t(`roles.${account.role}`) })}</p>
        <p>{t('app.forbidden.help')}</p>
      </div>
      <p>
        <Link href="/">{t('app.home')}</Link>
      </p>
    </section>
  );
}

function Allowed({ account, capability, children }: { account: Account; capability: Capability; children: ReactNode }) {
  return can(account, capability) ? children : <Forbidden account={account} capability={capability} />;
}

/** The start page: registering for whoever may; a look-up for support, which may not register. */
function Home({ account }: { account: Account }) {
  const search = useSearch();
  if (can(account, 'register')) return <RegisterPage />;
  if (can(account, 'lookup')) return <Redirect to={`/lookup${search === '' ? '' : `?${search}`}`} replace />;
  return <Forbidden account={account} capability="register" />;
}

function Routes({ account }: { account: Account }) {
  const lookup = (
    <Allowed account={account} capability="lookup">
      <LookupPage />
    </Allowed>
  );
  return (
    <Switch>
      <Route path="/">
        <Home account={account} />
      </Route>
      <Route path="/lookup">{lookup}</Route>
      <Route path="/lookup/key/:key">{lookup}</Route>
      <Route path="/lookup/document">{lookup}</Route>
      <Route path="/lookup/document/:cpf">{lookup}</Route>
      <Route path="/validate">
        <Allowed account={account} capability="validate">
          <ValidatePage />
        </Allowed>
      </Route>
      {/* The picker and the recent jobs at /bulk; one job at /bulk/:id (its id is no personal data). */}
      <Route path="/bulk/:id?">
        <Allowed account={account} capability="bulk">
          <BulkPage />
        </Allowed>
      </Route>
      <Route path="/audit">
        <Allowed account={account} capability="audit">
          <AuditPage />
        </Allowed>
      </Route>
      <Route path="/accounts">
        <Allowed account={account} capability="accounts">
          <AccountsPage />
        </Allowed>
      </Route>
      <Route component={NotFound} />
    </Switch>
  );
}

/** Where `next` may lead after logging in: a page of this console, never another site. */
function safeNext(next: string | null): string {
  return next !== null && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

/**
 * The console behind its session: who is logged in decides what shows. Nobody: the login page
 * (`/login?next=` where the person was), or the first admin's setup. Someone: the console, with a
 * login dialog over the page whenever a call finds the session gone.
 */
export function Console() {
  const { t } = useTranslation();
  const session = useQuery(sessionQueries.current());
  const [location] = useLocation();
  const search = useSearch();
  const [lost, dismissLost] = useSessionLost();
  const logOut = useLogOut(dismissLost);

  if (session.isPending) {
    return (
      <BareLayout>
        <Loading />
      </BareLayout>
    );
  }
  if (session.isError) {
    return (
      <BareLayout>
        <ApiErrorMessage error={session.error} heading={t('app.sessionFailed')} />
        <button type="button" className="button" onClick={() => void session.refetch()}>
          {t('app.retry')}
        </button>
      </BareLayout>
    );
  }

  const { account, setup_required, sso } = session.data;
  if (account === null) {
    if (setup_required) {
      if (location !== '/setup') return <Redirect to="/setup" replace />;
      return (
        <BareLayout>
          <Suspense fallback={<Loading />}>
            <SetupPage sso={sso ?? null} />
          </Suspense>
        </BareLayout>
      );
    }
    if (location !== '/login') {
      const here = `${location}${search === '' ? '' : `?${search}`}`;
      // After "Sair" the next person starts afresh, not on the page the last one left open.
      return <Redirect to={here === '/' || logOut.done ? '/login' : `/login?next=${encodeURIComponent(here)}`} replace />;
    }
    return (
      <BareLayout>
        <Suspense fallback={<Loading />}>
          <LoginPage sso={sso ?? null} />
        </Suspense>
      </BareLayout>
    );
  }

  if (location === '/login' || location === '/setup') {
    return <Redirect to={safeNext(new URLSearchParams(search).get('next'))} replace />;
  }

  return (
    <>
      <Layout account={account} logOut={logOut}>
        <Suspense fallback={<Loading />}>
          <Routes account={account} />
        </Suspense>
      </Layout>
      {lost !== null && (
        <SessionDialog
          account={account}
          sso={sso ?? null}
          reason={lost}
          onResumed={dismissLost}
          onDismissed={dismissLost}
          onLogOut={() => void logOut.run()}
        />
      )}
    </>
  );
}

export function App() {
  const [queryClient] = useState(createQueryClient);
  return (
    <QueryClientProvider client={queryClient}>
      <AnnouncerProvider>
        <Console />
      </AnnouncerProvider>
    </QueryClientProvider>
  );
}
