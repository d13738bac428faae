import { useId } from 'react';
import type { EnvironmentName } from '../../../../contract/console.ts';
import type { DuplicateFace } from '../../../../contract/registration.ts';
import { SimilarFaceList } from '../../../components/ui/similar-face-list.tsx';
import { useTranslation } from '../../../lib/i18n/i18n.ts';

/**
 * The faces under other CPFs that resembled this registration's when it was made (the emulator's
 * `duplicate_faces`, issue 13), most similar first; each other CPF, hidden but its middle digits,
 * links to its own look-up in the same environment.
 */
export function SimilarFaces({ faces, env }: { faces: readonly DuplicateFace[]; env: EnvironmentName }) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <section className="alert warning similar-faces" aria-labelledby={id}>
      <h3 id={id}>
        <span aria-hidden="true">⚠ </span>
        {t('duplicates.heading')}
      </h3>
      <SimilarFaceList faces={faces} env={env} />
    </section>
  );
}
