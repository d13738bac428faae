import { screen, waitFor } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { cpfProblem } from '../../../../contract/cpf.ts';
import { fixture } from '../../../test/fixtures.ts';
import { renderConsole } from '../../../test/render.tsx';
import { RegisterPage } from './register-page.tsx';

const submit = () => userEvent.click(screen.getByRole('button', { name: 'Cadastrar rosto' }));

describe('the register form', () => {
  it('asks for the CPF, then names what is wrong with it, in Portuguese', async () => {
    await renderConsole(<RegisterPage />);
    await submit();
    const field = screen.getByLabelText('CPF do cliente');
    expect(await screen.findByText('Informe o CPF do cliente.')).toBeVisible();
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(field).toHaveFocus();
    await userEvent.type(field, '11111111111');
    expect(await screen.findByText(/todos os dígitos iguais não é válido/)).toBeVisible();
    await userEvent.clear(field);
    await userEvent.type(field, '52998224726');
    expect(await screen.findByText(/dígitos verificadores/)).toBeVisible();
    // The message follows the correction without another submit.
    await userEvent.type(field, '{Backspace}5');
    await waitFor(() => expect(screen.queryByText(/dígitos verificadores/)).toBeNull());
    expect(field).toHaveAttribute('aria-invalid', 'false');
  });

  it('fills a valid synthetic CPF in environments with synthetic data, and never in production', async () => {
    const { unmount } = await renderConsole(<RegisterPage />);
    await userEvent.click(screen.getByRole('button', { name: 'Gerar CPF de teste' }));
    const value = screen.getByLabelText<HTMLInputElement>('CPF do cliente').value;
    expect(value).toMatch(/^\d{3}\.\d{3}\.\d{3}-\d{2}$/);
    expect(cpfProblem(value)).toBeNull();
    unmount();
    await renderConsole(<RegisterPage />, { environment: { name: 'production', synthetic: false } });
    expect(screen.queryByRole('button', { name: 'Gerar CPF de teste' })).toBeNull();
  });

  it('wants a picture before anything is sent', async () => {
    await renderConsole(<RegisterPage />);
    await userEvent.click(screen.getByRole('button', { name: 'Gerar CPF de teste' }));
    await submit();
    expect(await screen.findByRole('alert')).toHaveTextContent('Capture ou escolha uma foto antes de cadastrar.');
    expect(screen.getByRole('group', { name: 'Origem da foto' })).toHaveFocus();
  });

  it('explains the camera before the browser asks for it', async () => {
    await renderConsole(<RegisterPage />);
    expect(screen.getByText(/A câmera só é ligada quando você clicar em “Ativar câmera”/)).toBeVisible();
    expect(screen.queryByLabelText(/Imagem ao vivo da câmera/)).toBeNull();
  });

  it('checks the image key, and shows the emulator refusal of an unknown one in Portuguese, keeping the form', async () => {
    await renderConsole(<RegisterPage />);
    await userEvent.click(screen.getByRole('button', { name: 'Gerar CPF de teste' }));
    await userEvent.click(screen.getByRole('radio', { name: 'Chave de imagem (SDK)' }));
    const key = screen.getByLabelText('Chave de imagem (image_key)');
    await userEvent.type(key, 'abc');
    await submit();
    expect(await screen.findByText(/A chave de imagem é um UUID/)).toBeVisible();

    await userEvent.clear(key);
    await userEvent.type(key, '0B7E7C43-1D7E-4C39-8F1F-0E1F5D6B2A11');
    await submit();
    const heading = await screen.findByRole('heading', { name: 'O cadastro não foi concluído' });
    expect(heading).toHaveFocus();
    expect(screen.getByRole('alert')).toHaveTextContent('Esta chave de imagem não existe neste ambiente.');
    expect(screen.getByRole('button', { name: 'Tentar novamente' })).toBeEnabled();
    // Nothing the person typed was lost.
    expect(screen.getByLabelText('Chave de imagem (image_key)')).toHaveValue('0B7E7C43-1D7E-4C39-8F1F-0E1F5D6B2A11');
    expect(cpfProblem(screen.getByLabelText<HTMLInputElement>('CPF do cliente').value)).toBeNull();
  });
});

describe('a photo the face rules refuse', () => {
  it('cannot be sent in production, and no "send anyway" is offered', async () => {
    await renderConsole(<RegisterPage />, { environment: { name: 'production', synthetic: false } });
    await userEvent.type(screen.getByLabelText('CPF do cliente'), '52998224725');
    await userEvent.click(screen.getByRole('radio', { name: 'Enviar foto' }));
    const photo = new File([await fixture('faces-two.jpg')], 'faces-two.jpg', { type: 'image/jpeg' });
    await userEvent.upload(screen.getByLabelText('Escolher foto'), photo);
    const check = await screen.findByTestId('picture-check');
    await waitFor(() => expect(check).not.toHaveTextContent('Verificando'), { timeout: 50_000 });
    expect(check).toHaveTextContent('Apenas uma pessoa na imagem');
    expect(screen.queryByLabelText(/Enviar mesmo assim/)).toBeNull();
    await submit();
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Esta foto não pode ser enviada: capture ou escolha outra que passe na verificação.',
    );
    // Nothing was sent: the production environment is not even configured on the test server.
    expect(screen.queryByRole('heading', { name: 'O cadastro não foi concluído' })).toBeNull();
  }, 60_000);
});
