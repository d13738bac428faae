import { Link } from 'wouter';
import type { EnvironmentName } from '../../../contract/console.ts';
import type { DuplicateFace } from '../../../contract/registration.ts';
import { pathFor } from '../../lib/environment.tsx';
import { useTranslation } from '../../lib/i18n/i18n.ts';

/**
 * Faces under other CPFs (the emulator's `duplicate_faces`): each CPF hidden but its middle digits,
 * with its similarity, a link to that registration's look-up in the same environment. The words
 * (`duplicates.item`) come with the pages that show it (pt-br-pages.ts).
 */
export function SimilarFaceList({
  faces,
  env,
  labelledBy,
}: {
  faces: readonly DuplicateFace[];
  env: EnvironmentName;
  labelledBy?: string;
}) {
  const { t } = useTranslation();
  return (
    <ul aria-labelledby={labelledBy}>
      {faces.map((face) => (
        <li key={face.registration_key}>
          <Link href={pathFor(`/lookup/key/${face.registration_key}`, env)}>
            {t('duplicates.item', { cpf: face.document_number, ratio: face.similarity_ratio })}
          </Link>
        </li>
      ))}
    </ul>
  );
}
