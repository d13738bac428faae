import { render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { CpfInput } from './cpf-input.tsx';

function Field() {
  const [value, setValue] = useState('');
  return (
    <label>
      CPF
      <CpfInput value={value} onChange={setValue} />
    </label>
  );
}

describe('CpfInput', () => {
  it('masks the digits as they are typed', async () => {
    render(<Field />);
    const input = screen.getByLabelText('CPF');
    await userEvent.type(input, '529');
    expect(input).toHaveValue('529');
    await userEvent.type(input, '9822472');
    expect(input).toHaveValue('529.982.247-2');
    await userEvent.type(input, '5');
    expect(input).toHaveValue('529.982.247-25');
  });

  it('ignores letters and digits past the eleventh, and takes a pasted CPF with any punctuation', async () => {
    render(<Field />);
    const input = screen.getByLabelText('CPF');
    await userEvent.type(input, 'a5b29.98224725999');
    expect(input).toHaveValue('529.982.247-25');
    await userEvent.clear(input);
    await userEvent.click(input);
    await userEvent.paste('529 982 247 25');
    expect(input).toHaveValue('529.982.247-25');
  });

  it('keeps the caret after the digit typed in the middle', async () => {
    render(<Field />);
    const input = screen.getByLabelText<HTMLInputElement>('CPF');
    await userEvent.type(input, '52998247');
    expect(input).toHaveValue('529.982.47');
    // Put the caret after "529.98" and type the missing 2.
    input.setSelectionRange(6, 6);
    await userEvent.type(input, '2', { initialSelectionStart: 6, initialSelectionEnd: 6 });
    expect(input).toHaveValue('529.982.247');
    await new Promise((resolve) => requestAnimationFrame(resolve));
    expect(input.selectionStart).toBe(7);
  });

  it('offers the numeric keyboard on phones', () => {
    render(<Field />);
    expect(screen.getByLabelText('CPF')).toHaveAttribute('inputmode', 'numeric');
  });
});
