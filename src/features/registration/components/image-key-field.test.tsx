import '../../../app/styles.css';
import { screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { renderConsole } from '../../../test/render.tsx';
import { RegisterPage } from './register-page.tsx';

describe('the image key field', () => {
  it('is one line tall, as wide as its field, with the console’s styles', async () => {
    await renderConsole(<RegisterPage />);
    await userEvent.click(screen.getByRole('radio', { name: 'Chave de imagem (SDK)' }));
    const input = await screen.findByLabelText('Chave de imagem (image_key)');
    const { height, width } = input.getBoundingClientRect();
    expect(height).toBeGreaterThan(20);
    expect(height).toBeLessThan(60);
    expect(width).toBeGreaterThan(200);
  });
});
