import type { ReactNode } from 'react';

/** What the control inside a Field spreads onto itself: its id and the ARIA links to hint and error. */
export interface FieldControlProps {
  id: string;
  'aria-invalid': boolean;
  'aria-describedby': string | undefined;
  /** Only with Field's `required`: said to screen readers, since the forms check fields themselves (noValidate). */
  'aria-required'?: true;
}

/**
 * A labelled form control with an optional hint and error, wired for screen readers: the control
 * is described by its hint, then by its error once there is one, then by `describedBy` (a message
 * elsewhere on the page about it, such as a refusal of the whole form), and marked invalid with its error.
 *
 * `inline` goes on the control's row, after it (a button that acts on the field: "Gerar senha",
 * "Salvar"); hint and error stay under the row. Given at all (even `false`, a button shown only
 * sometimes), the row is there, so the control keeps its width whether the button shows or not.
 */
export function Field({
  id,
  label,
  hint,
  error,
  describedBy,
  inline,
  required = false,
  children,
}: {
  id: string;
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  /** Ids of other elements that describe the control, after its hint and error. */
  describedBy?: string | undefined;
  inline?: ReactNode;
  required?: boolean;
  children: (control: FieldControlProps) => ReactNode;
}) {
  const described = [
    hint === undefined ? undefined : `${id}-hint`,
    error === undefined ? undefined : `${id}-error`,
    describedBy === '' ? undefined : describedBy,
  ].filter((part) => part !== undefined);
  const control = children({
    id,
    'aria-invalid': error !== undefined,
    'aria-describedby': described.length === 0 ? undefined : described.join(' '),
    ...(required ? { 'aria-required': true as const } : {}),
  });
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {inline === undefined ? (
        control
      ) : (
        <div className="inline">
          {control}
          {inline}
        </div>
      )}
      {hint !== undefined && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
      {error !== undefined && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
