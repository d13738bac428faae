import { screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { renderConsole } from '../../../test/render.tsx';
import { UploadPicker } from './upload-picker.tsx';

async function png(width: number, height: number): Promise<File> {
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d');
  if (context === null) throw new Error('no 2D context');
  context.fillStyle = '#0a0';
  context.fillRect(0, 0, width, height);
  return new File([await canvas.convertToBlob({ type: 'image/png' })], 'small.png', { type: 'image/png' });
}

describe('the photo picker', () => {
  it('names the size of a photo too small to send', async () => {
    const onPicture = vi.fn();
    await renderConsole(<UploadPicker onPicture={onPicture} />);
    await userEvent.upload(await screen.findByLabelText('Escolher foto'), await png(150, 90));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'A foto é pequena demais (150×90 px). Use uma foto de pelo menos 200×200 px.',
    );
    expect(onPicture).not.toHaveBeenCalled();
  });
});
