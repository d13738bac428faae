import { QueryClientProvider } from '@tanstack/react-query';
import { Suspense, lazy, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Route, Switch } from 'wouter';
import { createQueryClient } from '../api/query-client.ts';
import { AnnouncerProvider } from '../components/ui/announcer.tsx';
import { RegisterPage } from '../features/registration/components/register-page.tsx';
import { Layout } from './layout.tsx';

// Support agents open look-ups; desks open the register page first, which must load fast.
const LookupPage = lazy(() => import('../features/lookup/components/lookup-page.tsx'));

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

export function App() {
  const [queryClient] = useState(createQueryClient);
  return (
    <QueryClientProvider client={queryClient}>
      <AnnouncerProvider>
        <Layout>
          <Suspense fallback={<Loading />}>
            <Switch>
              <Route path="/" component={RegisterPage} />
              <Route path="/lookup" component={LookupPage} />
              <Route path="/lookup/key/:key" component={LookupPage} />
              <Route path="/lookup/document/:cpf" component={LookupPage} />
              <Route component={NotFound} />
            </Switch>
          </Suspense>
        </Layout>
      </AnnouncerProvider>
    </QueryClientProvider>
  );
}
