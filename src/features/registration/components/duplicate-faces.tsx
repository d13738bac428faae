import { useId } from 'react';
import type { EnvironmentName } from '../../../../contract/console.ts';
import type { DuplicateFace } from '../../../../contract/registration.ts';
import { SimilarFaceList } from '../../../components/ui/similar-face-list.tsx';
// Its words come with it (as the look-up's do): rarely needed, and the first page has no room to spare.
import '../../../lib/i18n/pt-br-pages.ts';
import { useTranslation } from '../../../lib/i18n/i18n.ts';

/**
 * The same face already registered under other CPFs (the emulator's `duplicate_faces`, issue 13):
 * one person, several CPFs. The registration was made: this warns, it does not undo. An alert, read
 * out as it appears. Closed, one line: the desk has no more room beside its picture at 768 px high
 * (e2e/desk.spec.ts); open, what to do and the other CPFs (hidden but their middle digits), each a
 * link to its registration's look-up in the same environment.
 */
export function DuplicateFaces({ faces, env }: { faces: readonly DuplicateFace[]; env: EnvironmentName }) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <div role="alert" className="alert warning duplicate-faces" data-testid="duplicate-faces">
      <details>
        <summary>
          <h3 id={id}>{faces.length === 1 ? t('duplicates.one') : t('duplicates.many', { count: faces.length })}</h3>
        </summary>
        <p>{t('duplicates.advice')}</p>
        <SimilarFaceList faces={faces} env={env} labelledBy={id} />
      </details>
    </div>
  );
}
