import { forwardRef } from 'react';
import type { ChangeEvent, InputHTMLAttributes } from 'react';
import { maskCpfPartial } from '../../../contract/cpf.ts';

type Props = Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value' | 'type'> & {
  value: string;
  onChange: (masked: string) => void;
};

/**
 * A CPF field masked as you type (`529.982.247-25`), numeric keyboard on phones, paste of any
 * punctuation accepted. The caret stays after the digit just typed.
 */
export const CpfInput = forwardRef<HTMLInputElement, Props>(function CpfInput({ value, onChange, ...rest }, ref) {
  const handle = (event: ChangeEvent<HTMLInputElement>) => {
    const input = event.target;
    const caret = input.selectionStart ?? input.value.length;
    const digitsBeforeCaret = input.value.slice(0, caret).replace(/\D/g, '').length;
    const masked = maskCpfPartial(input.value);
    onChange(masked);
    requestAnimationFrame(() => {
      if (document.activeElement !== input) return;
      let position = 0;
      let seen = 0;
      while (position < masked.length && seen < digitsBeforeCaret) {
        if (/\d/.test(masked[position] ?? '')) seen += 1;
        position += 1;
      }
      input.setSelectionRange(position, position);
    });
  };
  return (
    <input
      {...rest}
      ref={ref}
      type="text"
      inputMode="numeric"
      autoComplete="off"
      spellCheck={false}
      maxLength={14}
      placeholder="000.000.000-00"
      value={value}
      onChange={handle}
    />
  );
});
