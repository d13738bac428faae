import { screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { i18n } from '../../../lib/i18n/i18n.ts';
import { fixture } from '../../../test/fixtures.ts';
import { renderConsole } from '../../../test/render.tsx';
import { refusalReasonKey } from '../lib/picture-check.ts';
import { RegisterPage } from './register-page.tsx';

/** Uploads a photo through "Enviar foto" and waits for the console's face check to finish. */
async function upload(name: string): Promise<HTMLElement> {
  await renderConsole(<RegisterPage />);
  await userEvent.click(screen.getByRole('radio', { name: 'Enviar foto' }));
  const photo = new File([await fixture(name)], name, { type: name.endsWith('.png') ? 'image/png' : 'image/jpeg' });
  await userEvent.upload(await screen.findByLabelText('Escolher foto'), photo);
  const check = await screen.findByTestId('picture-check');
  await waitFor(() => expect(check).not.toHaveTextContent('Verificando'), { timeout: 50_000 });
  return check;
}

describe('the preview of a checked photo', () => {
  it('with two people, one clearly the customer: offers to crop to the main face, and the crop passes', async () => {
    const check = await upload('two-faces-one-dominant.jpg');
    expect(check).toHaveTextContent('Esta foto não passa na verificação de qualidade: Apenas uma pessoa na imagem.');
    const preview = screen.getByTestId('picture-preview');
    expect(within(preview).getByTestId('picture-details')).toHaveTextContent('860 × 600 px');
    await userEvent.click(within(preview).getByRole('button', { name: 'Recortar no rosto principal' }));
    await waitFor(() => expect(screen.getByTestId('picture-check')).toHaveTextContent('Rosto aprovado'), { timeout: 50_000 });
    // The crop holds the main face only: narrower than the scene, and the offer is gone.
    const [width = 0] = /(\d+) × (\d+) px/.exec(screen.getByTestId('picture-details').textContent)?.slice(1).map(Number) ?? [];
    expect(width).toBeLessThan(560);
    expect(screen.queryByRole('button', { name: /Recortar/ })).toBeNull();
  }, 90_000);

  it('with two people of a similar size: refuses, and offers no crop (which one would it keep?)', async () => {
    const check = await upload('faces-two.jpg');
    expect(check).toHaveTextContent('Apenas uma pessoa na imagem.');
    expect(screen.queryByRole('button', { name: /Recortar/ })).toBeNull();
  }, 90_000);

  it('eyes covered by dark glasses: passes QI Tech’s statuses, with the advice to uncover them beside it, nothing blocked', async () => {
    const check = await upload('covered-eyes.jpg');
    expect(check).toHaveTextContent('Rosto aprovado');
    const advice = screen.getByTestId('picture-warnings');
    expect(advice).toHaveTextContent(/^Recomendações da QI Tech \(não impedem o envio\):/);
    expect(within(advice).getByText('Olhos encobertos (óculos escuros, mão, sombra): peça que descubra os olhos.')).toBeVisible();
    expect(screen.getByRole('button', { name: 'Cadastrar rosto' })).toBeEnabled();
  }, 90_000);

  it('a plain good face has no advice', async () => {
    // A portrait with closed lips and a neutral face (face-single-centered smiles with its teeth: it is advised to close the mouth).
    expect(await upload('portrait-A000014.jpg')).toHaveTextContent('Rosto aprovado');
    expect(screen.queryByTestId('picture-warnings')?.textContent ?? null).toBeNull();
  }, 90_000);

  it('with no face: a photo is told to choose another photo, a capture keeps the camera’s words about its oval', async () => {
    const check = await upload('no-face-coffee.png');
    expect(check).toHaveTextContent(
      'Esta foto não passa na verificação de qualidade: Nenhum rosto encontrado na foto. Escolha uma foto do rosto do cliente, de frente.',
    );
    expect(i18n.t(refusalReasonKey('no_face', 'camera'))).toBe('Nenhum rosto encontrado. Posicione o rosto do cliente no oval.');
  }, 60_000);
});
