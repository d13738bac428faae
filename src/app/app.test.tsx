import { act, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { sessionAnswerSchema } from '../../contract/access.ts';
import { CONSENT_TERM } from '../../contract/consent.ts';
import { generateCpf } from '../../contract/cpf.ts';
import { imageAnswerSchema } from '../../contract/registration.ts';
import { apiRequest } from '../api/client.ts';
import { fixtureBase64 } from '../test/fixtures.ts';
import { renderConsole } from '../test/render.tsx';
import { expireSessionsOf, logInAs, logOutNow, testAccount } from '../test/session.ts';
import { Console } from './app.tsx';

// The whole console behind its session, against the real console server and its accounts
// (src/test/console-server.ts). Each test starts logged in as the registrar (src/test/setup.ts).

const nav = () => screen.getByRole('navigation', { name: 'Navegação principal' });
const navLinks = () =>
  within(nav())
    .getAllByRole('link')
    .map((link) => link.textContent);

async function fillLogin(name: string, password: string) {
  const nameField = screen.getByLabelText('Nome de usuário');
  await userEvent.clear(nameField);
  if (name !== '') await userEvent.type(nameField, name);
  const passwordField = screen.getByLabelText('Senha');
  await userEvent.clear(passwordField);
  if (password !== '') await userEvent.type(passwordField, password);
  await userEvent.click(screen.getByRole('button', { name: 'Entrar' }));
}

describe('logging in', () => {
  it('opens the login page for nobody, and after the login goes back where the person was, environment kept', async () => {
    await logOutNow();
    const { location } = await renderConsole(<Console />, { path: '/lookup?env=sandbox' });
    expect(await screen.findByRole('heading', { name: 'Entrar no console' })).toBeVisible();
    expect(location.history.at(-1)).toBe(`/login?next=${encodeURIComponent('/lookup?env=sandbox')}`);
    // Keyboard only: the name field has focus, Tab goes to the password, Enter sends.
    await waitFor(() => expect(screen.getByLabelText('Nome de usuário')).toHaveFocus());
    const { name, password } = testAccount('registrar');
    await userEvent.keyboard(name);
    await userEvent.tab();
    expect(screen.getByLabelText('Senha')).toHaveFocus();
    await userEvent.keyboard(`${password}{Enter}`);

    expect(await screen.findByRole('heading', { name: 'Consultar cadastro' })).toBeVisible();
    expect(location.history.at(-1)).toBe('/lookup?env=sandbox');
    expect(screen.getByRole('combobox', { name: 'Ambiente' })).toHaveValue('sandbox');
    expect(screen.getByTestId('account')).toHaveTextContent(`Conectado como ${name} (Atendente de cadastro)`);
    expect(screen.getByTestId('announcer')).toHaveTextContent(`Você entrou como ${name}.`);
  });

  it('says in Portuguese what is missing or wrong, and keeps the name', async () => {
    await logOutNow();
    await renderConsole(<Console />, { path: '/login' });
    await screen.findByRole('heading', { name: 'Entrar no console' });

    await fillLogin('', '');
    expect(screen.getByText('Informe o nome de usuário.')).toBeVisible();
    expect(screen.getByText('Informe a senha.')).toBeVisible();
    expect(screen.getByLabelText('Nome de usuário')).toHaveAttribute('aria-invalid', 'true');

    const { name } = testAccount('lockable');
    await fillLogin(name, 'not the password');
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Não foi possível entrarNome de usuário ou senha incorretos. Confira os dois e tente novamente.',
    );
    // The wrong password is gone and its field has focus; the name stays.
    expect(screen.getByLabelText('Senha')).toHaveValue('');
    expect(screen.getByLabelText('Senha')).toHaveFocus();
    expect(screen.getByLabelText('Nome de usuário')).toHaveValue(name);

    const disabled = testAccount('disabled');
    await fillLogin(disabled.name, disabled.password);
    expect(await screen.findByRole('alert')).toHaveTextContent('Esta conta está desativada. Fale com um administrador do console.');
  });

  it('after five failures, says how long to wait, and lets the right password in after it', async () => {
    await logOutNow();
    await renderConsole(<Console />, { path: '/login' });
    await screen.findByRole('heading', { name: 'Entrar no console' });
    const { name, password } = testAccount('lockable');
    // The test before failed once with this account; four more reach the five that cost no wait.
    for (let attempt = 0; attempt < 4; attempt += 1) {
      await fillLogin(name, `wrong password ${String(attempt)}`);
      await screen.findByText(/Nome de usuário ou senha incorretos/);
    }
    // Even the right password now waits a moment (slowed, not locked): the server counts failures, not guesses.
    await fillLogin(name, password);
    expect(await screen.findByRole('alert')).toHaveTextContent(
      /Muitas tentativas de entrada sem sucesso\. Por segurança, espere 1 s e tente novamente/,
    );
    await act(() => new Promise((resolve) => setTimeout(resolve, 1_100)));
    await fillLogin(name, password);
    expect(await screen.findByTestId('account', {}, { timeout: 3_000 })).toHaveTextContent(`Conectado como ${name}`);
  });
});

describe('logging out', () => {
  it('ends the session, forgets every answer and shows the login page', async () => {
    const { queryClient, location } = await renderConsole(<Console />, { path: '/lookup?env=local' });
    await screen.findByRole('heading', { name: 'Consultar cadastro' });
    await userEvent.type(screen.getByLabelText('Chave do cadastro ou CPF do cliente'), `${generateCpf().replace(/\D/g, '')}{Enter}`);
    // The result's heading (the same words are also read out by the announcer, a second element).
    await screen.findByRole('heading', { name: /Nenhum cadastro para o CPF/ });

    await userEvent.click(screen.getByRole('button', { name: 'Sair' }));
    expect(await screen.findByRole('heading', { name: 'Entrar no console' })).toBeVisible();
    // Nobody's page to go back to: the next person starts at the start.
    expect(location.history.at(-1)).toBe('/login');
    expect(screen.queryByRole('navigation', { name: 'Navegação principal' })).toBeNull();
    expect(
      queryClient
        .getQueryCache()
        .getAll()
        .map((query) => query.queryKey),
    ).toEqual([['session']]);
    expect(queryClient.getMutationCache().getAll()).toEqual([]);
    expect(screen.getByTestId('announcer')).toHaveTextContent('Você saiu do console.');
    expect((await apiRequest('/session', sessionAnswerSchema)).account).toBeNull();
  });
});

describe('what each role sees', () => {
  it('support: look-ups and validations; the start page is the look-up; the audit says it is not allowed', async () => {
    await logInAs('support');
    const { location } = await renderConsole(<Console />, { path: '/?env=local' });
    expect(await screen.findByRole('heading', { name: 'Consultar cadastro' })).toBeVisible();
    expect(location.history.at(-1)).toBe('/lookup?env=local');
    expect(navLinks()).toEqual(['Consultar cadastro', 'Validar rosto']);
    expect(screen.getByTestId('account')).toHaveTextContent('(Suporte)');

    act(() => location.navigate('/audit?env=local'));
    expect(await screen.findByRole('heading', { name: 'Acesso não permitido' })).toBeVisible();
    expect(screen.getByRole('alert')).toHaveTextContent('Seu perfil (Suporte) não permite ver a auditoria.');
  });

  it('qa: registers and looks up, in local and sandbox only', async () => {
    await logInAs('qa');
    await renderConsole(<Console />, { path: '/?env=production' });
    expect(await screen.findByRole('heading', { name: 'Cadastrar rosto' })).toBeVisible();
    expect(navLinks()).toEqual(['Cadastrar rosto', 'Consultar cadastro', 'Validar rosto']);
    const environments = within(screen.getByRole('combobox', { name: 'Ambiente' })).getAllByRole('option');
    expect(environments.map((option) => option.textContent)).toEqual(['Local (emulador)', 'Sandbox (QI Tech)']);
    expect(screen.getByRole('alert')).toHaveTextContent(
      'Sua conta não tem acesso ao ambiente “Produção” do link. Mostrando “Local (emulador)”.',
    );
  });

  it('registrar: no audit trail', async () => {
    await renderConsole(<Console />, { path: '/audit' });
    expect(await screen.findByRole('heading', { name: 'Acesso não permitido' })).toBeVisible();
    expect(navLinks()).toEqual(['Cadastrar rosto', 'Consultar cadastro', 'Validar rosto', 'Cadastro em lote']);
    expect(screen.getByRole('alert')).toHaveTextContent('Seu perfil (Atendente de cadastro) não permite ver a auditoria.');
  });

  it('admin: the audit trail too', async () => {
    await logInAs('admin');
    await renderConsole(<Console />, { path: '/?env=local' });
    await screen.findByRole('heading', { name: 'Cadastrar rosto' });
    expect(navLinks()).toEqual(['Cadastrar rosto', 'Consultar cadastro', 'Validar rosto', 'Cadastro em lote', 'Auditoria', 'Contas']);
    await userEvent.click(within(nav()).getByRole('link', { name: 'Auditoria' }));
    expect(await screen.findByRole('heading', { name: 'Auditoria', level: 1 })).toBeVisible();
  });
});

describe('a session that ends while working', () => {
  it('asks for the password over the page, which keeps the CPF, the image key and the consent, and then registers', async () => {
    const registrar = testAccount('registrar');
    const image = await fixtureBase64('face-single-centered.jpg');
    const { image_key } = await apiRequest('/local/face_recognition/image', imageAnswerSchema, { method: 'POST', body: { image } });
    const cpf = generateCpf();
    await renderConsole(<Console />, { path: '/?env=local' });
    await screen.findByRole('heading', { name: 'Cadastrar rosto' });
    await userEvent.type(screen.getByLabelText('CPF do cliente'), cpf.replace(/\D/g, ''));
    const consent = screen.getByRole('checkbox', {
      name: `O cliente leu e aceitou o termo de consentimento (versão ${CONSENT_TERM.version})`,
    });
    await userEvent.click(consent);
    await userEvent.click(screen.getByRole('radio', { name: 'Chave de imagem (SDK)' }));
    await userEvent.type(await screen.findByLabelText('Chave de imagem (image_key)'), image_key);

    await expireSessionsOf('registrar');
    await userEvent.click(screen.getByRole('button', { name: 'Cadastrar rosto' }));
    const dialog = await screen.findByRole('dialog', { name: 'Sua sessão expirou' });
    expect(dialog).toHaveAccessibleDescription(
      `Por segurança, a sessão termina depois de um tempo sem uso ou de um tempo máximo desde a entrada. Nada do que está na tela foi perdido: digite a senha de ${registrar.name} para continuar de onde parou.`,
    );
    expect(within(dialog).getByLabelText('Nome de usuário')).toHaveValue(registrar.name);
    expect(within(dialog).getByLabelText('Nome de usuário')).toHaveAttribute('readonly');
    await waitFor(() => expect(within(dialog).getByLabelText('Senha')).toHaveFocus());

    await userEvent.keyboard(`${registrar.password}{Enter}`);
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(screen.getByTestId('announcer')).toHaveTextContent('Sessão renovada. Você pode continuar de onde parou.');
    // Everything is where it was; nothing was sent while the session was gone.
    expect(screen.getByLabelText('CPF do cliente')).toHaveValue(cpf);
    expect(screen.getByLabelText('Chave de imagem (image_key)')).toHaveValue(image_key);
    expect(screen.getByRole('checkbox', { name: /O cliente leu e aceitou/ })).toBeChecked();
    expect(screen.getByText(/Sua sessão expirou\. Entre de novo para continuar/)).toBeVisible();

    await userEvent.click(screen.getByRole('button', { name: 'Tentar novamente' }));
    expect(await screen.findByRole('heading', { name: 'Rosto cadastrado' })).toBeVisible();
  });

  it('offers to log out instead, which discards the page', async () => {
    await renderConsole(<Console />, { path: '/?env=local' });
    await screen.findByRole('heading', { name: 'Cadastrar rosto' });
    await userEvent.type(screen.getByLabelText('CPF do cliente'), generateCpf().replace(/\D/g, ''));
    // Another tab logged out: this one's next call finds no session at all.
    await logOutNow();
    await userEvent.click(screen.getByRole('button', { name: 'Gerar CPF de teste' }));
    await userEvent.click(screen.getByRole('checkbox', { name: /O cliente leu e aceitou/ }));
    await userEvent.click(screen.getByRole('radio', { name: 'Chave de imagem (SDK)' }));
    await userEvent.type(await screen.findByLabelText('Chave de imagem (image_key)'), '0b7e7c43-1d7e-4c39-8f1f-0e1f5d6b2a11');
    await userEvent.click(screen.getByRole('button', { name: 'Cadastrar rosto' }));
    const dialog = await screen.findByRole('dialog', { name: 'Sua sessão foi encerrada' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Sair e entrar com outra conta' }));
    expect(await screen.findByRole('heading', { name: 'Entrar no console' })).toBeVisible();
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.queryByLabelText('CPF do cliente')).toBeNull();
  });
});
